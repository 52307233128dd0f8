"""The planners' app: ``streamlit run app.py`` (or ``make app``). See docs/app.md."""

from chainsim.ui import main

main()
