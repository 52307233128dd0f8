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


DRAWN_BEFORE_SLIDERS = frozenset({"overview", "results"})
"""Pages drawn before the sidebar's sliders (their place in the sidebar kept; the values
applied so far are read from the session first, ``widgets.lever_values``): the first
probability reaches the browser before eight sliders and their help, and after 应用 the
browser is not busy redrawing the sidebar while the new setting computes."""


def build_state(lang: str, sliders_later: bool = False) -> tuple[AppState | None, Callable[[], None] | None]:
    """Read the sidebar into an ``AppState``; None (with the problems shown) when there
    is no valid scenario to work on. With ``sliders_later`` the levers are the values
    applied so far and the sliders are drawn by the function returned, in their place."""
    loaded = widgets.scenario_picker(lang)
    if loaded is None:
        return None, None
    if loaded.scenario is None:
        st.error(t("scenario_errors", lang))
        st.code("\n".join(loaded.problems), language="text")
        return None, None
    scenario = loaded.scenario
    base_hash = scenario.content_hash()
    reps = widgets.reps_picker(lang)
    later = None
    if sliders_later:
        box = st.sidebar.container()
        levers = widgets.lever_values(scenario, base_hash)

        def later() -> None:
            widgets.lever_sliders(scenario, base_hash, lang, where=box)
    else:
        levers = widgets.lever_sliders(scenario, base_hash, lang)
    state = AppState(lang=lang, source=loaded.name, scenario=scenario, levers=levers, reps=reps,
                     seed=scenario.ensemble.seed, saved=widgets.saved_settings(base_hash), base_hash=base_hash)
    return state, later


def main() -> None:
    """Draw the app."""
    st.set_page_config(page_title="chainsim", page_icon="📈", layout="wide")
    widgets.page_style()
    lang = widgets.language_picker()
    st.title(t("app_title", lang))
    page = widgets.page_picker(lang)  # before the scenario: the choice lasts while an upload is awaited
    state, later = build_state(lang, sliders_later=page in DRAWN_BEFORE_SLIDERS)
    if state is None:
        return
    PAGE_BODIES[page](state)
    if later is not None:
        later()
