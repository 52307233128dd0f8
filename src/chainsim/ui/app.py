"""The planners' app: sidebar (language, scenario, replicates, lever sliders), a page
picker, and the chosen page drawn from an ``AppState``.

Core object: ``main()``, which the repository's ``app.py`` calls (``streamlit run app.py``).
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from . import widgets
from .i18n import t
from .pages import (calibration, compare, discover, download, optimise, overview, provenance, results, robustness,
                    shortfall, stored, what_it_takes)
from .state import AppState

PAGE_BODIES: dict[str, Callable[[AppState], None]] = {
    "overview": overview.render,
    "results": results.render,
    "shortfall": shortfall.render,
    "compare": compare.render,
    "what": what_it_takes.render,
    "optimise": optimise.render,
    "discover": discover.render,
    "robust": robustness.render,
    "calibration": calibration.render,
    "provenance": provenance.render,
    "download": download.render,
    "stored": stored.render,
}


def build_state(lang: str) -> AppState | None:
    """Read the sidebar into an ``AppState``; None (with the problems shown) when there
    is no valid scenario to work on."""
    loaded = widgets.scenario_picker(lang)
    if loaded is None:
        return None
    if loaded.scenario is None:
        st.error(t("scenario_errors", lang))
        st.code("\n".join(loaded.problems), language="text")
        return None
    scenario = loaded.scenario
    base_hash = scenario.content_hash()
    reps = widgets.reps_picker(lang)
    levers = widgets.lever_sliders(scenario, base_hash, lang)
    return AppState(lang=lang, source=loaded.name, scenario=scenario, levers=levers, reps=reps,
                    seed=scenario.ensemble.seed, saved=widgets.saved_settings(base_hash), base_hash=base_hash)


def main() -> None:
    """Draw the app."""
    st.set_page_config(page_title="chainsim", page_icon="📈", layout="wide")
    widgets.page_style()
    lang = widgets.language_picker()
    st.title(t("app_title", lang))
    page = widgets.page_picker(lang)  # before the scenario: the choice lasts while an upload is awaited
    state = build_state(lang)
    if state is None:
        return
    PAGE_BODIES[page](state)
