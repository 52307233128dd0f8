"""Cached calls into the library: the same functions the command line uses.

Core objects: ``load_path`` / ``load_upload`` (a scenario or its located problems),
``ensemble`` (``chainsim.ensemble.run_ensemble``, fast engine, its blocks on the app's
worker processes when ``chainsim app`` started them: ``chainsim.ui.workers``),
``ensemble_with_preview`` (the same, drawing a preview from the first blocks done),
``prepare`` (the launcher's: computed before the server starts), ``comparison``
(``chainsim.analysis.compare``), ``what_it_takes`` (``chainsim.analysis.what_it_takes``)
and ``fit_table`` (``chainsim.calibrate.fit_table``). Results are cached by the
scenario's content hash, lever values, replicates and seed, so moving a slider back to a
setting seen before costs nothing. No simulation logic lives here.

The scenario object is passed as an underscore argument (not hashed by Streamlit): the
hash and lever values passed beside it identify it.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from ..ensemble import EnsembleSummary
from ..scenario import Problem, Scenario, ScenarioError, decode_text, load_scenario, scenario_from_yaml_text
from . import workers
from .settings import MAX_UPLOAD_BYTES


@dataclass(frozen=True)
class Loaded:
    """A scenario, or the problems that stop it loading (``FILE:LINE: field: message``)."""

    name: str
    scenario: Scenario | None
    problems: tuple[str, ...] = ()


@st.cache_resource(max_entries=16, show_spinner=False)
def _load_file(path: str, mtime_ns: int, size: int) -> Loaded:
    try:
        return Loaded(path, load_scenario(path))
    except ScenarioError as exc:
        return Loaded(path, None, tuple(str(p) for p in exc.problems))


def load_path(path: Path, shown_as: str) -> Loaded:
    """Load a scenario file (``extends`` allowed); cached until the file changes.

    Problems name the file as ``shown_as`` (the name the picker shows).
    """
    try:
        st_ = path.stat()
    except OSError as exc:
        return Loaded(shown_as, None, (str(Problem(shown_as, None, "", f"cannot read: {exc.strerror or exc}")),))
    loaded = _load_file(str(path), st_.st_mtime_ns, st_.st_size)
    problems = tuple(p.replace(str(path), shown_as, 1) if p.startswith(str(path)) else p for p in loaded.problems)
    return Loaded(shown_as, loaded.scenario, problems)


def upload_digest(data: bytes) -> str:
    """SHA-256 of an upload's bytes (the cache key of its validation)."""
    return hashlib.sha256(data).hexdigest()


@st.cache_resource(max_entries=16, show_spinner=False)
def _load_upload(digest: str, name: str, _data: bytes) -> Loaded:
    if len(_data) > MAX_UPLOAD_BYTES:
        return Loaded(name, None, (str(Problem(name, None, "", f"file is {len(_data)} bytes; the limit is "
                                                               f"{MAX_UPLOAD_BYTES} bytes")),))
    try:
        return Loaded(name, scenario_from_yaml_text(decode_text(_data, name), name))
    except ScenarioError as exc:
        return Loaded(name, None, tuple(str(p) for p in exc.problems))


def load_upload(name: str, data: bytes) -> Loaded:
    """Validate an uploaded scenario (size-limited, parsed as plain YAML, never executed)."""
    return _load_upload(upload_digest(data), name, data)


@dataclass(frozen=True)
class Timed:
    """An ensemble summary and the seconds it took to compute (when first computed);
    ``stored`` when it was read from the results store instead (precomputed); ``at_start``
    when the launcher computed it before the server started (``chainsim app``)."""

    summary: EnsembleSummary
    seconds: float
    stored: bool = False
    at_start: bool = False


STORE_WAIT_S = 0.5
"""How long the app waits for the results store when another process has it open."""


@st.cache_resource(max_entries=4, show_spinner=False)
def _stored_keys(path: str, stamp: Stamp) -> frozenset[tuple[str, int, int, str]]:
    """(scenario hash, seed, reps, engine) of every run in the store, read once per version
    of its files (``stamp``): a setting the store does not hold (a moved slider) costs no
    connection. A stale answer only means computing what could have been read."""
    from ..errors import InputError
    from ..store import open_store

    try:
        runs = open_store(path, read_only=True, timeout_s=STORE_WAIT_S).list_runs()
    except (InputError, OSError, KeyError, ValueError):
        return frozenset()
    return frozenset(zip(runs["scenario_hash"], runs["seed"].astype(int), runs["reps"].astype(int), runs["engine"]))


Stamp = tuple[int, int, int, int]


def store_stamp(path: Path) -> Stamp:
    """(modification time in ns, size in bytes) of the store file and of its ``.wal``
    (0, 0 when missing): changes whenever a run is saved or deleted."""
    stamp: list[int] = []
    for f in (path, path.with_name(path.name + ".wal")):
        try:
            st_ = f.stat()
            stamp += [st_.st_mtime_ns, st_.st_size]
        except OSError:
            stamp += [0, 0]
    return (stamp[0], stamp[1], stamp[2], stamp[3])


def _from_store(scenario: Scenario, reps: int, seed: int) -> EnsembleSummary | None:
    """The stored run of exactly this scenario content, reps, seed, engine and model code
    (``chainsim run`` or an earlier app session saved it), or None."""
    from ..errors import InputError
    from ..store import open_store
    from .settings import store_path

    path = store_path()
    if not path.is_file():
        return None
    if (scenario.content_hash(), int(seed), int(reps), "fast") not in _stored_keys(str(path), store_stamp(path)):
        return None
    try:
        return open_store(path, read_only=True, timeout_s=STORE_WAIT_S).find(scenario, reps, seed, "fast")
    except (InputError, OSError, KeyError, ValueError):
        return None


Key = tuple[str, tuple[tuple[str, float], ...], int, int]

_handoff: dict[Key, Timed] = {}
"""Results computed outside ``ensemble`` (with a preview, or by the launcher), waiting to be
taken into its cache by the call that follows."""
_handoff_lock = threading.Lock()


def _produce(scenario: Scenario, reps: int, seed: int,
             on_preview: Callable[[workers.Preview], None] | None = None) -> Timed:
    found = _from_store(scenario, reps, seed)
    if found is not None:
        return Timed(found, 0.0, stored=True)
    summary, seconds = workers.timed_compute(scenario, reps, seed, on_preview)
    return Timed(summary, seconds)


@st.cache_data(max_entries=64, show_spinner=False)
def ensemble(scenario_hash: str, levers: tuple[tuple[str, float], ...], reps: int, seed: int,
             _scenario: Scenario) -> Timed:
    """``run_ensemble(scenario, reps, seed, engine="fast")``, cached by
    (content hash of the scenario as loaded, lever values, reps, seed).

    The status quo can be precomputed: a run of the same scenario content, reps, seed and
    model code in the results store (``chainsim run scenarios/*.yaml --reps 300``) is read
    instead of computed, and ``chainsim app`` computes the status quo before the server
    starts (``prepare``). The app never writes runs to the store (only named settings)."""
    key = (scenario_hash, levers, reps, seed)
    with _handoff_lock:
        timed = _handoff.pop(key, None)
    if timed is None:
        timed = _produce(_scenario, reps, seed)
    _computed().add(key)
    return timed


def _through_cache(key: Key, timed: Timed, scenario: Scenario) -> Timed:
    """Put ``timed`` into ``ensemble``'s cache (unless it is there already) and return the cached value."""
    with _handoff_lock:
        _handoff[key] = timed
    try:
        return ensemble(*key, scenario)
    finally:
        with _handoff_lock:
            _handoff.pop(key, None)


def ensemble_with_preview(scenario_hash: str, levers: tuple[tuple[str, float], ...], reps: int, seed: int,
                          scenario: Scenario, on_preview: Callable[[workers.Preview], None]) -> Timed:
    """``ensemble``; when it has to be computed, ``on_preview`` is called once with a
    preview (``workers.Preview``: at least ``workers.PREVIEW_REPS`` of the replicates, part
    of the final result) while the remaining blocks run."""
    key = (scenario_hash, levers, reps, seed)
    if computed(*key):
        return ensemble(*key, scenario)
    return _through_cache(key, _produce(scenario, reps, seed, on_preview), scenario)


def prepare(scenario_hash: str, levers: tuple[tuple[str, float], ...], reps: int, seed: int,
            scenario: Scenario) -> Timed:
    """``ensemble``, computed (or read from the results store) by the launcher before the
    server starts; its caption says so."""
    key = (scenario_hash, levers, reps, seed)
    if computed(*key):
        return ensemble(*key, scenario)
    timed = _produce(scenario, reps, seed)
    return _through_cache(key, timed if timed.stored else replace(timed, at_start=True), scenario)


@st.cache_resource(show_spinner=False)
def _computed() -> set[tuple[object, ...]]:
    return set()


def computed(scenario_hash: str, levers: tuple[tuple[str, float], ...], reps: int, seed: int) -> bool:
    """Whether ``ensemble`` has computed this (it is most likely still in the cache)."""
    return (scenario_hash, levers, reps, seed) in _computed()


@st.cache_resource(max_entries=32, show_spinner=False)
def comparison(hash_a: str, hash_b: str, reps: int, seed: int, _a: Scenario, _b: Scenario) -> Any:
    """``chainsim.analysis.compare(a, b, reps, seed)`` (paired, common random numbers)."""
    from ..analysis import compare

    return compare(_a, _b, reps, seed)


@st.cache_resource(max_entries=32, show_spinner=False)
def what_it_takes(scenario_hash: str, chain: str, lever: str, prob: float, reps: int, seed: int,
                  _scenario: Scenario) -> Any:
    """``chainsim.analysis.what_it_takes(scenario, chain, lever, prob, reps, seed)``."""
    from ..analysis import what_it_takes as solve

    return solve(_scenario, chain, lever, prob, reps, seed)


@st.cache_resource(max_entries=16, show_spinner=False)
def fit_table(scenario_hash: str, reps: int, seed: int, _scenario: Scenario) -> pd.DataFrame:
    """``chainsim.calibrate.fit_table(scenario, reps, seed)``: reported vs simulated."""
    from ..calibrate import fit_table as table

    return table(_scenario, reps, seed)
