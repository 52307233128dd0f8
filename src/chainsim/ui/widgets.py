"""Sidebar and shared widgets; the only place that reads or writes ``st.session_state``.

Core objects: ``language_picker``, ``scenario_picker`` (a listed file or an upload →
``runs.Loaded``), ``reps_picker``, ``lever_sliders`` (one slider per lever in
``chainsim.catalogue.LEVERS``, with unit, bounds and the seed text behind it),
``page_picker`` and the saved-settings helpers (``saved_settings``, ``save_button``,
``saved_list``), ``run_button`` (compute on demand) and ``show_table``.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import streamlit as st

from ..catalogue import LEVERS, LeverSpec
from ..costs import lever_cost_yi
from ..figures import load_figures
from ..report import lever_schedule_text
from ..sources import cite, place_matches
from ..errors import InputError
from ..scenario import Scenario
from ..store import delete_setting, list_settings, save_setting
from . import runs
from .i18n import LANG_NAMES, LANGS, lever_description, lever_label, provenance_label, t, unit_label
from .settings import (DEFAULT_SCENARIO, MAX_SAVED, MAX_UPLOAD_BYTES, default_reps, reps_choices, scenario_dir, scenario_files,
                       store_path)
from .state import Saved, lever_key, status_quo_levers

UPLOAD = "__upload__"
"""The picker's option for an uploaded file."""

_STEPS = (0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0)


def language_picker() -> str:
    """Chinese (default) or English."""
    return st.sidebar.radio(t("language", "zh"), LANGS, format_func=LANG_NAMES.__getitem__, key="lang",
                            horizontal=True)


def display_name(path: Path) -> str:
    """A scenario file as the picker names it: relative to the working directory if inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def scenario_picker(lang: str) -> runs.Loaded | None:
    """The chosen scenario: one of the listed files or an upload. None while an upload
    is awaited; a ``Loaded`` with problems when the file is not a valid scenario."""
    folder = scenario_dir()
    files = {p.name: p for p in scenario_files(folder)}
    options = [*files, UPLOAD]
    linked = st.query_params.get("scenario")
    first = options.index(DEFAULT_SCENARIO) if DEFAULT_SCENARIO in files else 0
    index = options.index(linked) if linked in files else first
    choice = st.sidebar.selectbox(t("scenario", lang), options, key="scenario_choice", index=index,
                                  format_func=lambda o: t("upload_option", lang) if o == UPLOAD else o)
    if choice != UPLOAD and st.query_params.get("scenario") != choice:
        if linked is not None:  # another scenario chosen: the link's lever values were for the old one
            _clear_lever_params()
        st.query_params["scenario"] = choice
    if choice != UPLOAD:
        return runs.load_path(files[choice], display_name(files[choice]))
    if not files:
        st.sidebar.caption(t("no_scenarios", lang, dir=folder))
    uploaded = st.sidebar.file_uploader(t("upload", lang), type=["yaml", "yml"], key="upload",
                                        help=t("upload_help", lang, kb=MAX_UPLOAD_BYTES // 1024))
    if uploaded is None:
        st.info(t("upload_wait", lang))
        return None
    return runs.load_upload(uploaded.name, uploaded.getvalue())


def reps_picker(lang: str) -> int:
    """Replicates per run (default ``CHAINSIM_APP_REPS`` or 300)."""
    choices = reps_choices()
    return int(st.sidebar.selectbox(t("reps", lang), choices, index=choices.index(default_reps()), key="reps",
                                    help=t("reps_help", lang)))


def slider_step(spec: LeverSpec) -> float:
    """A round slider step giving at most 60 positions between the lever's bounds."""
    span = spec.high - spec.low
    return next((s for s in _STEPS if span / s <= 60), _STEPS[-1])


def _decimals(step: float) -> int:
    return max(0, -math.floor(math.log10(step) + 1e-9))


def _slider_key(name: str, base_hash: str) -> str:
    return f"lever_{name}_{base_hash[:12]}"


def _reset(base_hash: str) -> None:
    for name in LEVERS:
        st.session_state.pop(_slider_key(name, base_hash), None)
    _clear_lever_params()


def _clear_lever_params() -> None:
    for name in LEVERS:
        if name in st.query_params:
            del st.query_params[name]


def linked_levers() -> dict[str, float]:
    """Lever values named in the page's address (?attraction_effort=1.5&…), within bounds."""
    out: dict[str, float] = {}
    for name, spec in LEVERS.items():
        text = st.query_params.get(name)
        if text is None:
            continue
        try:
            value = float(text)
        except ValueError:
            continue
        if spec.low <= value <= spec.high:
            out[name] = value
    return out


def _open_setting(levers: tuple[tuple[str, float], ...], base_hash: str) -> None:
    """Reopen a saved setting: its values go into the address, the sliders start from them."""
    for name in LEVERS:
        st.session_state.pop(_slider_key(name, base_hash), None)
    _clear_lever_params()
    base = dict(st.session_state.get("_status_quo", {}))
    for name, value in levers:
        if base.get(name) != value:
            st.query_params[name] = f"{value:g}"


def shown_figure(figure: str | None, scenario: Scenario):
    """The reported figure behind a lever or parameter, if it may be shown for this
    scenario's county: the county's own figures, and references from places that are not
    another county (蕉城区, 龙岩市, 福建省); None for another county's figures."""
    if not figure:
        return None
    fig = load_figures().get(figure)
    if fig is None:
        return None
    county = scenario.county
    if place_matches(fig.place, county.name_zh, county.name_en):
        return fig
    zh = fig.place.split()[0] if fig.place else ""
    return None if zh.endswith(("县", "縣")) else fig


def figure_citation(fig, scenario: Scenario, lang: str) -> str:
    """A figure's quote, with the outlet, title and date of its seed document (and the
    place, when it is a reference from elsewhere)."""
    county = scenario.county
    own = place_matches(fig.place, county.name_zh, county.name_en)
    place = "" if own else (fig.place.split()[0] if lang != "en" else fig.place)
    return t("lever_source" if own else "lever_reference", lang, quote=fig.quote, source=cite(fig.source),
             place=place)


def _lever_help(spec: LeverSpec, base: float, scenario: Scenario, lang: str) -> str:
    text = lever_description(spec, lang) + "\n\n" + t("lever_bounds", lang, low=f"{spec.low:g}",
                                                      high=f"{spec.high:g}", unit=unit_label(spec.unit, lang),
                                                      base=f"{base:g}")
    fig = shown_figure(spec.figure, scenario)
    if fig is not None:
        text += "\n\n" + figure_citation(fig, scenario, lang)
    return text


def lever_values(scenario: Scenario, base_hash: str) -> dict[str, float]:
    """The applied slider values before the sliders are drawn (the last values applied in
    this session, else the scenario's, or the link's): what ``lever_sliders`` will return
    in this run, for a page drawn before the sidebar's sliders."""
    initial = {**status_quo_levers(scenario), **linked_levers()}
    return {name: round(float(st.session_state.get(_slider_key(name, base_hash), initial[name])), 6)
            for name in LEVERS}


def lever_sliders(scenario: Scenario, base_hash: str, lang: str, where=None) -> dict[str, float]:
    """One slider per lever, starting at the value the scenario applies (a scheduled
    lever: the value in force for most months, with the schedule shown under it), inside
    a form: moving sliders costs nothing until 应用 (apply) is clicked, so twenty arrow
    presses are one rerun. Returns the applied values (units as in the catalogue).
    Sliders are keyed by the scenario's content hash, so a new scenario starts from its
    own status quo. ``where``: a container of the sidebar to draw them into (default: the sidebar)."""
    sb = where if where is not None else st.sidebar
    sb.subheader(t("levers", lang))
    sb.button(t("reset", lang), key="reset_levers", on_click=_reset, args=(base_hash,))
    base = status_quo_levers(scenario)
    st.session_state["_status_quo"] = base
    land_plan = scenario.resources.land_supply_mu_per_year.value if scenario.resources else 0.0
    initial = {**base, **linked_levers()}
    values: dict[str, float] = {}
    with sb.form(key=f"levers_form_{base_hash[:12]}", border=False, enter_to_submit=False):
        for name, spec in LEVERS.items():
            step = slider_step(spec)
            digits = _decimals(step)
            key = _slider_key(name, base_hash)
            value = st.slider(lever_label(spec, lang), min_value=float(spec.low), max_value=float(spec.high),
                              value=float(initial[name]), step=step,
                              format=f"%.{digits}f", key=key, help=_lever_help(spec, base[name], scenario, lang))
            values[name] = round(float(value), 6)
            fig = shown_figure(spec.figure, scenario)
            if fig is not None:
                st.caption(figure_citation(fig, scenario, lang))
            schedule = lever_schedule_text(scenario, name, lang)
            if schedule:
                st.caption(t("lever_scheduled", lang, schedule=schedule, value=f"{base[name]:g}",
                             start=scenario.policy_start))
            st.caption(t("lever_cost", lang, cost=float(lever_cost_yi(name, base[name], land_plan)),
                         unit=spec.cost.per_unit_yi * (land_plan if name == "land_supply" else 1.0),
                         prov=provenance_label(spec.cost.provenance, lang)))
        st.form_submit_button(t("apply", lang), type="primary", key="apply_levers", use_container_width=True)
    # the address carries the moved levers: a shareable link to this setting
    for name, value in values.items():
        if value != base[name]:
            if st.query_params.get(name) != f"{value:g}":
                st.query_params[name] = f"{value:g}"
        elif name in st.query_params:
            del st.query_params[name]
    query = "&".join(f"{k}={v}" for k, v in st.query_params.to_dict().items())
    sb.caption(t("share_link", lang, query="?" + query))
    return values


PAGES = ("overview", "results", "shortfall", "compare", "what", "optimise", "discover", "robust", "calibration",
         "provenance", "download", "stored")
"""Page ids, in the order of the page picker."""


def page_picker(lang: str) -> str:
    """Which page to show (only the chosen page computes)."""
    choice = st.segmented_control(t("page", lang), PAGES, default="overview", required=True, key="page",
                                  format_func=lambda p: t(f"page_{p}", lang), label_visibility="collapsed")
    return choice or "overview"


# ----------------------------------------------------------------------------- saved settings


def saved_settings(base_hash: str) -> tuple[Saved, ...]:
    """The saved settings of the scenario with this content hash: those kept in the
    results store (``settings`` table, they last across sessions) and, if the store
    cannot be written, those of this session."""
    stored = _stored_settings(base_hash)
    session = [s for s in st.session_state.get("saved", []) if s.scenario_hash == base_hash]
    names = {s.name for s in stored}
    return tuple([*stored, *[s for s in session if s.name not in names]])


def _stored_settings(base_hash: str) -> list[Saved]:
    try:
        rows = list_settings(store_path(), base_hash)
    except (InputError, OSError) as exc:
        st.session_state["store_problem"] = str(exc)
        return []
    return [Saved(name, h, lever_key(levers)) for h, name, levers in rows]


def _unique(name: str, taken: set[str]) -> str:
    out, k = name, 2
    while out in taken:
        out, k = f"{name} ({k})", k + 1
    return out


def _save(name: str, base_hash: str, levers: tuple[tuple[str, float], ...]) -> None:
    saved = list(saved_settings(base_hash))
    if len(saved) >= MAX_SAVED:
        return
    name = _unique(name.strip() or "?", {s.name for s in saved})
    try:
        save_setting(store_path(), base_hash, name, dict(levers))
    except (InputError, OSError) as exc:  # no writable store: keep it for this session
        st.session_state["store_problem"] = str(exc)
        st.session_state["saved"] = [*st.session_state.get("saved", []), Saved(name, base_hash, levers)]


def _delete(name: str, base_hash: str) -> None:
    try:
        delete_setting(store_path(), base_hash, name)
    except (InputError, OSError) as exc:
        st.session_state["store_problem"] = str(exc)
    st.session_state["saved"] = [s for s in st.session_state.get("saved", [])
                                 if not (s.scenario_hash == base_hash and s.name == name)]


def save_button(base_hash: str, levers: dict[str, float], saved: tuple[Saved, ...], lang: str) -> None:
    """A name field and a button that saves the current slider setting (at most ``MAX_SAVED``)."""
    full = len(saved) >= MAX_SAVED
    col_name, col_button = st.columns([3, 2], vertical_alignment="bottom")
    name = col_name.text_input(t("save_name", lang), value=t("save_default", lang, k=len(saved) + 1),
                               disabled=full)
    col_button.button(t("save", lang), key="save", disabled=full, on_click=_save,
                      args=(name, base_hash, lever_key(levers)), type="primary")
    if full:
        st.caption(t("save_full", lang, n=MAX_SAVED))


def saved_list(saved: tuple[Saved, ...], base_hash: str, lang: str) -> None:
    """One delete button per saved setting."""
    cols = st.columns(max(len(saved), 1))
    for col, s in zip(cols, saved):
        col.button(t("open_setting", lang, name=s.name), key=f"open_{s.name}", on_click=_open_setting,
                   args=(s.levers, base_hash))
        col.button(t("delete", lang, name=s.name), key=f"delete_{s.name}", on_click=_delete, args=(s.name, base_hash))


# ----------------------------------------------------------------------------- compute-on-demand


def run_button(label: str, key: str, request: tuple[object, ...]) -> bool:
    """A button for a slow computation. True when it was clicked for exactly these inputs
    (``request``), in this run or an earlier one, so the result stays on screen across
    reruns (from the cache) until an input changes."""
    if st.button(label, key=key, type="primary"):
        st.session_state[f"{key}_request"] = request
    return st.session_state.get(f"{key}_request") == request


# ----------------------------------------------------------------------------- tables


def show_table(frame: pd.DataFrame, digits: int = 1) -> None:
    """A table without its index; float columns with ``digits`` decimals (units are in
    the column names)."""
    config = {c: st.column_config.NumberColumn(format=f"%.{digits}f") for c in frame.columns
              if pd.api.types.is_float_dtype(frame[c])}
    st.dataframe(frame, hide_index=True, column_config=config)


FIT_CSS = """<style>
[data-testid="stTable"] table { width: 100%; table-layout: auto; }
[data-testid="stTable"] th, [data-testid="stTable"] td { white-space: normal; overflow-wrap: anywhere;
  padding: 0.25rem 0.4rem; }
@media (max-width: 640px) {
  [data-testid="stTable"] th, [data-testid="stTable"] td { font-size: 0.72rem; padding: 0.2rem 0.25rem; }
}
</style>"""
"""Static tables wrap their cells, so they fit the width at 1366 px and on a 390 px phone."""


def page_style() -> None:
    """The app's CSS: tables that wrap instead of scrolling sideways."""
    st.html(FIT_CSS)


def fit_table(frame, digits: int = 1, slot=None) -> None:
    """A static table that wraps its cells to the page's width (no sideways scrolling);
    ``frame`` is a DataFrame or a pandas Styler; ``slot`` a placeholder to draw into."""
    target = slot if slot is not None else st
    if isinstance(frame, pd.DataFrame):
        fmt = {c: f"{{:.{digits}f}}" for c in frame.columns if pd.api.types.is_float_dtype(frame[c])}
        frame = frame.style.format(fmt).hide(axis="index")
    else:
        frame = frame.hide(axis="index")
    target.table(frame)
