"""The script ``chainsim app`` hands to Streamlit: the same two lines as the repository's
app.py, shipped inside the package (kept alone in its folder, which Streamlit puts on
``sys.path``)."""

from chainsim.ui import main

main()
