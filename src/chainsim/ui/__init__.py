"""The planners' Streamlit app (``streamlit run app.py``).

Modules: ``app`` (``main``: sidebar, page picker, page), ``state`` (``AppState``),
``widgets`` (sidebar and session state), ``runs`` (cached library calls), ``charts``,
``tables``, ``provenance``, ``exports``, ``i18n`` (zh/en labels), ``settings``
(environment) and ``pages`` (one module per page, each ``render(state)``). The UI calls
the same library functions as the command line and holds no simulation logic.
"""

from __future__ import annotations


def main() -> None:
    """Draw the app (imports Streamlit only when called)."""
    from .app import main as _main

    _main()
