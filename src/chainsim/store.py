"""The results store: ensemble summaries kept in an embedded DuckDB file.

Core objects: ``open_store(path) -> ResultStore`` and ``ResultStore`` with ``find``,
``save``, ``list_runs``, ``delete_run`` and ``export``.

A run's key is (scenario_hash, seed, reps, engine, version, code_hash): the same scenario
content, master seed, number of replicates, engine and model code give the same numbers,
so a stored run can stand in for a new one. ``code_hash`` (a digest of the modules that
make the numbers, see ``code_hash()``) keeps a store from handing back numbers made by
other code under the same version number, as happens between releases. ``save`` writes
one run in one transaction (every table or none) and replaces a run with the same key
(no duplicates).

Tables (money in 亿元, named ``*_yi``; ``row_index`` is a row's position in its summary frame):

* ``runs``: one row per run: run_id, scenario_id, scenario_hash, seed, reps, engine,
  version, code_hash, created_utc (UTC, naive timestamp), source (the scenario file),
  n_targets.
* ``targets``: ``EnsembleSummary.targets`` (one row per chain target; target_index is
  the target's position, 0-based).
* ``years_reached``, ``bands``, ``annual``: the summary frames of the same names.
* ``replicates``: per-replicate outcomes (reps × targets): reached, target_output_yi
  (the chain's annual output in the target year, 亿元/year).
* ``cohorts``: ``EnsembleSummary.cohorts`` (target-year output by origin: incumbent,
  pipeline, new). Added after layout 1 was first written: a store without it is read
  (its runs have no cohorts) and gets it on its next write.

Concurrency: DuckDB lets one process at a time open a file for writing. The store opens
the file only for each operation and closes it right after, so several chainsim
processes can share a store; an operation that finds the file in use retries with
backoff for up to ``timeout_s`` seconds, then raises ``InputError``. A store opened with
``read_only=True`` (the app) connects read-only: it never creates or changes the file,
and several readers can have it open at once.
"""

from __future__ import annotations

import functools
import hashlib
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import astuple, dataclass, fields
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from . import __version__
from .errors import InputError

if TYPE_CHECKING:
    import duckdb

    from .ensemble import EnsembleSummary
    from .scenario import Scenario

SCHEMA_VERSION = "1"
"""Layout version of the store's tables; a store of another layout is refused."""

DEFAULT_TIMEOUT_S = 30.0
"""Seconds to wait for a store that another process has open (``CHAINSIM_STORE_TIMEOUT_S`` overrides)."""

TIMEOUT_ENV = "CHAINSIM_STORE_TIMEOUT_S"

_FIRST_DELAY_S = 0.05
_MAX_DELAY_S = 1.0

FRAME_COLUMNS: dict[str, dict[str, str]] = {
    "targets": {
        "chain": "VARCHAR", "target_yi": "DOUBLE", "target_year": "BIGINT", "p_reach": "DOUBLE",
        "p_reach_lo": "DOUBLE", "p_reach_hi": "DOUBLE", "p_reach_spread_lo": "DOUBLE",
        "p_reach_spread_hi": "DOUBLE", "output_yi_p10": "DOUBLE", "output_yi_p50": "DOUBLE",
        "output_yi_p90": "DOUBLE", "output_yi_mean": "DOUBLE", "shortfall_yi_mean": "DOUBLE",
        "p_reach_by_horizon": "DOUBLE", "year_reached_p50": "DOUBLE",
    },
    "years_reached": {"chain": "VARCHAR", "target_year": "BIGINT", "year": "BIGINT", "probability": "DOUBLE"},
    "bands": {
        "chain": "VARCHAR", "month": "VARCHAR", "output_yi_p5": "DOUBLE", "output_yi_p25": "DOUBLE",
        "output_yi_p50": "DOUBLE", "output_yi_p75": "DOUBLE", "output_yi_p95": "DOUBLE", "output_yi_mean": "DOUBLE",
    },
    "annual": {
        "chain": "VARCHAR", "year": "BIGINT", "output_yi": "DOUBLE", "signed_count": "DOUBLE",
        "signed_value_yi": "DOUBLE", "started_count": "DOUBLE", "started_value_yi": "DOUBLE",
        "completed_count": "DOUBLE", "completed_value_yi": "DOUBLE",
    },
    "cohorts": {
        "chain": "VARCHAR", "target_year": "BIGINT", "cohort": "VARCHAR", "output_yi_mean": "DOUBLE",
        "output_yi_p10": "DOUBLE", "output_yi_p50": "DOUBLE", "output_yi_p90": "DOUBLE", "output_yi_mid": "DOUBLE",
    },
}
"""Columns of each summary frame as stored (besides run_id and row_index), with their SQL types."""

_FRAME_KEY = {"targets": "target_index"}  # the position column's name, when not "row_index"

_SCHEMA = [
    "CREATE TABLE IF NOT EXISTS chainsim_meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)",
    """CREATE TABLE IF NOT EXISTS runs (
        run_id VARCHAR PRIMARY KEY, scenario_id VARCHAR NOT NULL, scenario_hash VARCHAR NOT NULL,
        seed BIGINT NOT NULL, reps BIGINT NOT NULL, engine VARCHAR NOT NULL, version VARCHAR NOT NULL,
        code_hash VARCHAR NOT NULL, created_utc TIMESTAMP NOT NULL, source VARCHAR, n_targets BIGINT NOT NULL,
        UNIQUE (scenario_hash, seed, reps, engine, version, code_hash))""",
    *[
        f"CREATE TABLE IF NOT EXISTS {table} (run_id VARCHAR NOT NULL, {_FRAME_KEY.get(table, 'row_index')} "
        "BIGINT NOT NULL, " + ", ".join(f"{c} {t}" for c, t in columns.items()) + ")"
        for table, columns in FRAME_COLUMNS.items()
    ],
    """CREATE TABLE IF NOT EXISTS replicates (
        run_id VARCHAR NOT NULL, replicate BIGINT NOT NULL, target_index BIGINT NOT NULL, chain VARCHAR NOT NULL,
        reached BOOLEAN NOT NULL, target_output_yi DOUBLE NOT NULL)""",
]

TABLES: tuple[str, ...] = ("runs", *FRAME_COLUMNS, "replicates")
"""The tables ``export`` writes, one file each."""

_LATER_TABLES = frozenset({"cohorts"})
"""Tables added to layout 1 later: created on a store's next write, read as empty until then."""

RUN_COLUMNS = ["run_id", "scenario_id", "scenario_hash", "seed", "reps", "engine", "version", "code_hash",
               "created_utc", "source", "n_targets"]


@dataclass(frozen=True)
class RunKey:
    """What makes two runs the same: equal keys give equal numbers."""

    scenario_hash: str
    seed: int
    reps: int
    engine: str
    version: str
    code_hash: str

    def run_id(self, scenario_id: str) -> str:
        """A readable id, the scenario id and a digest of the key (the same key, the same id)."""
        text = "|".join(str(v) for v in astuple(self))
        return f"{scenario_id}-{hashlib.sha256(text.encode()).hexdigest()[:10]}"

    def where(self) -> tuple[str, list[object]]:
        """The SQL condition selecting this key in ``runs``, and its parameters."""
        names = [f.name for f in fields(self)]
        return " AND ".join(f"{n} = ?" for n in names), list(astuple(self))


MODEL_MODULES = ("catalogue", "mechanisms", "prepare", "records", "model", "kernel", "ensemble")
"""The modules that turn a scenario into an ensemble summary (add one here when it does too)."""


@functools.cache
def code_hash() -> str:
    """SHA-256 (first 16 hex digits) of the source of ``MODEL_MODULES``: any edit to the
    code that makes the numbers changes it; edits elsewhere (CLI, UI, store) do not."""
    digest = hashlib.sha256()
    for name in MODEL_MODULES:
        digest.update(name.encode())
        digest.update((Path(__file__).parent / f"{name}.py").read_bytes())
    return digest.hexdigest()[:16]


def open_store(path: str | os.PathLike[str], create: bool = True, timeout_s: float | None = None,
               read_only: bool = False) -> "ResultStore":
    """Open (or, with ``create``, create) the results store at ``path``.

    Checks the path at once: a directory, a missing folder, a file that is not a DuckDB
    database or a DuckDB database of another kind raise ``InputError`` naming the path.
    ``timeout_s`` (default ``CHAINSIM_STORE_TIMEOUT_S`` or 30 s) bounds the wait for a
    store that another process has open. ``read_only`` connects read-only (implies no
    ``create``): only ``find``, ``get``, ``list_runs`` and ``export`` work.
    """
    p = Path(path).expanduser()
    create = create and not read_only
    if timeout_s is None:
        timeout_s = _timeout_from_env()
    if p.is_dir():
        raise InputError(f"the store {p} is a directory; give a file path such as {p / 'results.duckdb'}")
    if not p.exists():
        if not create:
            raise InputError(f"no results store at {p}; run `chainsim run ... --store {p}` first")
        if not p.parent.is_dir():
            raise InputError(f"cannot create the store {p}: the folder {p.parent} does not exist")
    elif not _looks_like_duckdb(p):
        raise InputError(f"{p} is not a DuckDB database (a chainsim results store); give another --store path")
    store = ResultStore(p, timeout_s, read_only)
    with store._connection() as con:
        _ensure_schema(con, p, read_only)
    return store


_DUCKDB_MAGIC = (8, b"DUCK")  # a DuckDB file's header holds these bytes at this offset


def _looks_like_duckdb(path: Path) -> bool:
    """Whether an existing file has a DuckDB header. Checked before connecting, because
    DuckDB would otherwise open a .json, .csv or .parquet file as a view over its data."""
    offset, magic = _DUCKDB_MAGIC
    try:
        with path.open("rb") as f:
            head = f.read(offset + len(magic))
    except OSError as exc:
        raise InputError(f"cannot read the store {path}: {exc.strerror}") from None
    return head[offset:] == magic


def _timeout_from_env() -> float:
    text = os.environ.get(TIMEOUT_ENV)
    if text is None:
        return DEFAULT_TIMEOUT_S
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{TIMEOUT_ENV} should be a number of seconds, got {text!r}") from None
    if not value >= 0:
        raise InputError(f"{TIMEOUT_ENV} should be zero or more seconds, got {text!r}")
    return value


def _ensure_schema(con: "duckdb.DuckDBPyConnection", path: Path, read_only: bool = False) -> None:
    tables = {row[0] for row in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    if tables and "chainsim_meta" not in tables:
        raise InputError(f"{path} is a DuckDB database but not a chainsim results store; give another --store path")
    if "chainsim_meta" in tables:
        row = con.execute("SELECT value FROM chainsim_meta WHERE key = 'schema_version'").fetchone()
        if row is None or row[0] != SCHEMA_VERSION:
            found = "unknown" if row is None else row[0]
            raise InputError(f"the store {path} has layout version {found}; this chainsim reads version "
                             f"{SCHEMA_VERSION}; give another --store path")
        if tables >= set(TABLES):
            if not read_only:
                _add_missing_columns(con)
            return
        if read_only and tables >= set(TABLES) - _LATER_TABLES:
            return
    if read_only:
        raise InputError(f"{path} is not a complete chainsim results store; write to it with `chainsim run` first")
    con.begin()
    try:
        for statement in _SCHEMA:
            con.execute(statement)
        con.execute("INSERT OR IGNORE INTO chainsim_meta VALUES ('schema_version', ?)", [SCHEMA_VERSION])
        con.commit()
    except BaseException:
        _rollback(con)
        raise


def _add_missing_columns(con: "duckdb.DuckDBPyConnection") -> None:
    """Columns a newer chainsim added to the summary frames (``FRAME_COLUMNS``): added to an
    older store's tables, empty (NULL) for the runs it already holds."""
    for table, columns in FRAME_COLUMNS.items():
        have = {row[0] for row in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]).fetchall()}
        for column, sql_type in columns.items():
            if column not in have:
                con.execute(f"ALTER TABLE {table} ADD COLUMN {column} {sql_type}")


class ResultStore:
    """Ensemble summaries in a DuckDB file; see the module docstring for the tables."""

    def __init__(self, path: Path, timeout_s: float = DEFAULT_TIMEOUT_S, read_only: bool = False):
        self.path = path
        self.timeout_s = timeout_s
        self.read_only = read_only

    def __enter__(self) -> "ResultStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Nothing stays open between operations; kept so callers can close symmetrically."""

    # ------------------------------------------------------------------ connection

    @contextmanager
    def _connection(self) -> Iterator["duckdb.DuckDBPyConnection"]:
        import duckdb

        con = self._connect()
        try:
            yield con
        except duckdb.Error as exc:
            problem = _damage(self.path, exc)
            if problem is None:
                raise
            raise problem from None
        finally:
            con.close()

    def _connect(self) -> "duckdb.DuckDBPyConnection":
        """Open the file, waiting with backoff while another process has it open."""
        import duckdb

        deadline = time.monotonic() + self.timeout_s
        delay = _FIRST_DELAY_S
        while True:
            try:
                if not _locked_by_another_process(self.path):
                    _check_wal(self.path)  # only a leftover log: a live writer's log is its own
                return duckdb.connect(str(self.path), read_only=self.read_only)
            except duckdb.IOException as exc:
                if not _is_lock_conflict(exc):
                    raise _unusable(self.path, exc) from None
                if time.monotonic() + delay > deadline:
                    raise InputError(
                        f"the store {self.path} is in use by another chainsim process (waited {self.timeout_s:g} s); "
                        f"try again or use --store") from None
                time.sleep(delay)
                delay = min(delay * 2, _MAX_DELAY_S)
            except duckdb.Error as exc:
                raise _unusable(self.path, exc) from None

    # ------------------------------------------------------------------ runs

    def find(self, scenario: "Scenario", reps: int, seed: int, engine: str) -> "EnsembleSummary | None":
        """The stored summary of this scenario, reps, seed and engine made by this chainsim
        version and model code, or None."""
        key = RunKey(scenario.content_hash(), int(seed), int(reps), engine, __version__, code_hash())
        where, params = key.where()
        with self._connection() as con:
            row = con.execute(f"SELECT run_id FROM runs WHERE {where}", params).fetchone()
            return None if row is None else _load(con, row[0])

    def get(self, run_id: str) -> "EnsembleSummary":
        """The stored summary with this run id (``KeyError`` if there is none)."""
        with self._connection() as con:
            if con.execute("SELECT 1 FROM runs WHERE run_id = ?", [run_id]).fetchone() is None:
                raise KeyError(f"no run {run_id!r} in {self.path}")
            return _load(con, run_id)

    def save(self, summary: "EnsembleSummary", source: str | None = None) -> str:
        """Store a summary in one transaction, replacing a run with the same key; returns its run id.

        ``source`` is where the scenario came from (its file), kept for the record.
        """
        key = RunKey(summary.scenario_hash, int(summary.seed), int(summary.reps), summary.engine, summary.version,
                     code_hash())
        where, params = key.where()
        run_id = key.run_id(summary.scenario_id)
        frames = {table: _stored_frame(table, getattr(summary, table)) for table in FRAME_COLUMNS}
        replicates = _replicate_frame(summary)
        created = datetime.now(timezone.utc).replace(tzinfo=None)
        with self._connection() as con:
            con.begin()
            try:
                old = con.execute(f"SELECT run_id FROM runs WHERE {where}", params).fetchall()
                for (old_id,) in old:
                    _delete(con, old_id)
                con.execute(f"INSERT INTO runs ({', '.join(RUN_COLUMNS)}) VALUES ({', '.join('?' * len(RUN_COLUMNS))})",
                            [run_id, summary.scenario_id, *astuple(key), created, source, len(summary.targets)])
                for table, frame in [*frames.items(), ("replicates", replicates)]:
                    _insert(con, table, run_id, frame)
                con.commit()
            except BaseException:
                _rollback(con)
                raise
        return run_id

    def list_runs(self) -> pd.DataFrame:
        """One row per stored run (``RUN_COLUMNS``), oldest first; created_utc is UTC."""
        with self._connection() as con:
            return con.execute(f"SELECT {', '.join(RUN_COLUMNS)} FROM runs ORDER BY created_utc, run_id").df()

    def delete_run(self, run_id: str) -> bool:
        """Remove a run from every table in one transaction; False when there was none."""
        with self._connection() as con:
            con.begin()
            try:
                found = con.execute("SELECT 1 FROM runs WHERE run_id = ?", [run_id]).fetchone() is not None
                _delete(con, run_id)
                con.commit()
            except BaseException:
                _rollback(con)
                raise
        return found

    def export(self, out_dir: str | os.PathLike[str], fmt: Literal["parquet", "csv"] = "parquet") -> list[Path]:
        """Write every table to ``out_dir/TABLE.parquet`` (or ``.csv`` with a header); returns the files.

        ``out_dir`` must be an existing directory. Rows are ordered by run, then position.
        """
        if fmt not in ("parquet", "csv"):
            raise InputError(f"export format is parquet or csv, got {fmt!r}")
        out = Path(out_dir)
        if not out.is_dir():
            raise InputError(f"cannot export to {out}: not a directory")
        options = "FORMAT parquet" if fmt == "parquet" else "FORMAT csv, HEADER true"
        written = []
        with self._connection() as con:
            present = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
            for table in TABLES:
                if table not in present:  # a later table, in a store opened read-only before its next write
                    continue
                target = out / f"{table}.{fmt}"
                order = "created_utc, run_id" if table == "runs" else f"run_id, {_order(table)}"
                try:
                    con.execute(f"COPY (SELECT * FROM {table} ORDER BY {order}) TO ? ({options})", [str(target)])
                except Exception as exc:  # duckdb.IOException: a file that cannot be written
                    raise InputError(f"cannot write {target}: {exc}") from None
                written.append(target)
        return written


# ---------------------------------------------------------------------- helpers


def _rollback(con: "duckdb.DuckDBPyConnection") -> None:
    """Roll back the open transaction, if there still is one: a commit that failed (a full
    disk) has already ended it, and its error, not the rollback's, is the one to report."""
    import duckdb

    try:
        con.rollback()
    except duckdb.Error:
        pass


def _is_lock_conflict(exc: Exception) -> bool:
    text = str(exc)
    return "Could not set lock" in text or "Conflicting lock" in text


WAL_MAGIC = b"d\x00b"
"""How a DuckDB write-ahead log begins: field 100 (the entry type) = 98 (the WAL version entry)."""


def wal_path(path: Path) -> Path:
    """The write-ahead log DuckDB keeps beside a database file."""
    return path.with_name(path.name + ".wal")


def _check_wal(path: Path) -> None:
    """Refuse a store whose leftover ``.wal`` is not a DuckDB log.

    DuckDB replays a store's write-ahead log when it opens the file and deletes a log it
    cannot read, without a word. A real log left by a process that was killed holds
    committed runs, so it is replayed; anything else beside the store (a damaged or foreign
    file) is never deleted: ``InputError`` names it and says what to do.
    """
    wal = wal_path(path)
    try:
        with wal.open("rb") as f:
            head = f.read(len(WAL_MAGIC))
    except FileNotFoundError:
        return
    except OSError as exc:
        raise InputError(f"cannot read the store's log {wal}: {exc.strerror}") from None
    if head and head != WAL_MAGIC:
        raise InputError(f"{wal} beside the store {path} is not a DuckDB write-ahead log (damaged, or another "
                         f"program's file); chainsim will not let DuckDB discard it. Move it aside "
                         f"(mv {wal} {wal}.bad) and run again, or use --store another path")


def _locked_by_another_process(path: Path) -> bool:
    """Whether another process holds DuckDB's lock on the file (``F_GETLK``: asks, takes nothing)."""
    import fcntl
    import struct

    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        query = struct.pack("hhqqi4x", fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0)
        answer = fcntl.fcntl(fd, fcntl.F_GETLK, query)
        return struct.unpack("hhqqi4x", answer)[0] != fcntl.F_UNLCK
    except OSError:
        return False
    finally:
        os.close(fd)


def _damage(path: Path, exc: Exception) -> InputError | None:
    """An ``InputError`` saying what to do about a damaged store or a full disk, or None
    when the DuckDB error is neither."""
    text = str(exc)
    if "No space left on device" in text or "Disk full" in text.lower():
        return InputError(f"cannot write to the store {path}: the disk is full (no space left on device); the runs "
                          f"already stored are kept. Free some space, or use --store on another disk")
    if any(sign in text for sign in ("Corrupt database file", "Could not read enough bytes", "checksum",
                                     "Failed to load metadata", "Serialization Error")):
        detail = text.splitlines()[0][:200]
        return InputError(f"the store {path} is damaged ({detail}); chainsim cannot read it. Move it aside "
                          f"(mv {path} {path}.damaged) or delete it to start a new store, or use --store another "
                          f"path")
    return None


def _unusable(path: Path, exc: Exception) -> InputError:
    text = str(exc)
    damaged = _damage(path, exc)
    if damaged is not None:
        return damaged
    if "not a valid DuckDB database" in text:
        return InputError(f"{path} is not a DuckDB database (a chainsim results store); give another --store path")
    if "Is a directory" in text:
        return InputError(f"the store {path} is a directory; give a file path such as {path / 'results.duckdb'}")
    return InputError(f"cannot open the store {path}: {text}")


def _order(table: str) -> str:
    if table == "replicates":
        return "replicate, target_index"
    return _FRAME_KEY.get(table, "row_index")


def _stored_frame(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as stored: its columns checked against the table's, plus its row positions."""
    expected = list(FRAME_COLUMNS[table])
    if list(frame.columns) != expected:
        raise ValueError(f"the summary's {table} columns {list(frame.columns)} differ from the store's {expected}; "
                         "update chainsim.store.FRAME_COLUMNS")
    return frame.reset_index(drop=True).assign(**{_FRAME_KEY.get(table, "row_index"): np.arange(len(frame))})


def _replicate_frame(summary: "EnsembleSummary") -> pd.DataFrame:
    """Per-replicate outcomes in long form: one row per replicate × target."""
    reached = np.asarray(summary.reached, dtype=bool)
    output = np.asarray(summary.target_output_yi, dtype=np.float64)
    n_targets = len(summary.targets)
    if reached.shape != (summary.reps, n_targets) or output.shape != reached.shape:
        raise ValueError(f"per-replicate outcomes of shape {reached.shape} and {output.shape}; "
                         f"expected ({summary.reps}, {n_targets})")
    reps, targets = reached.shape
    chains = summary.targets["chain"].to_numpy(dtype=object)
    return pd.DataFrame({
        "replicate": np.repeat(np.arange(reps, dtype=np.int64), targets),
        "target_index": np.tile(np.arange(targets, dtype=np.int64), reps),
        "chain": np.tile(chains, reps),
        "reached": reached.reshape(-1),
        "target_output_yi": output.reshape(-1),
    })


def _insert(con: "duckdb.DuckDBPyConnection", table: str, run_id: str, frame: pd.DataFrame) -> None:
    columns = ", ".join(frame.columns)
    con.register("_chainsim_frame", frame)
    try:
        con.execute(f"INSERT INTO {table} (run_id, {columns}) SELECT ?, {columns} FROM _chainsim_frame", [run_id])
    finally:
        con.unregister("_chainsim_frame")


def _delete(con: "duckdb.DuckDBPyConnection", run_id: str) -> None:
    for table in reversed(TABLES):
        con.execute(f"DELETE FROM {table} WHERE run_id = ?", [run_id])


def _load(con: "duckdb.DuckDBPyConnection", run_id: str) -> "EnsembleSummary":
    from .ensemble import EnsembleSummary

    (scenario_id, scenario_hash, seed, reps, engine, version, n_targets) = con.execute(
        "SELECT scenario_id, scenario_hash, seed, reps, engine, version, n_targets FROM runs WHERE run_id = ?",
        [run_id]).fetchone()
    frames = {}
    present = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    for table, columns in FRAME_COLUMNS.items():
        if table not in present:  # a store written before the table existed
            frames[table] = pd.DataFrame(columns=list(columns))
            continue
        have = {r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]).fetchall()}
        stored = [c for c in columns if c in have]  # a store read-only before a newer column was added
        frame = con.execute(
            f"SELECT {', '.join(stored)} FROM {table} WHERE run_id = ? ORDER BY {_order(table)}", [run_id]).df()
        for c in columns:
            if c not in have:
                frame[c] = np.nan
        frames[table] = frame[list(columns)]
    rows = con.execute("SELECT reached, target_output_yi FROM replicates WHERE run_id = ? "
                       "ORDER BY replicate, target_index", [run_id]).fetchnumpy()
    shape = (int(reps), int(n_targets))
    reached = np.asarray(rows["reached"], dtype=bool).reshape(shape)
    target_output = np.asarray(rows["target_output_yi"], dtype=np.float64).reshape(shape)
    return EnsembleSummary(scenario_id, scenario_hash, int(reps), int(seed), engine, version, frames["targets"],
                           frames["years_reached"], frames["bands"], frames["annual"], reached, target_output,
                           frames["cohorts"])


# ----------------------------------------------------------------------------- named settings
# The app's named slider settings (a name and lever values, for one scenario content hash),
# kept in their own table beside the runs so they last across sessions. Self-contained:
# the table is created on first use and is not part of TABLES (export and the run tables
# are unchanged).

SETTINGS_DDL = (
    "CREATE TABLE IF NOT EXISTS settings (scenario_hash VARCHAR NOT NULL, name VARCHAR NOT NULL, "
    "levers_json VARCHAR NOT NULL, created_utc TIMESTAMP NOT NULL, PRIMARY KEY (scenario_hash, name))"
)
"""The ``settings`` table: one row per named setting of a scenario (lever values as JSON)."""


def save_setting(path: str | os.PathLike[str], scenario_hash: str, name: str, levers: dict[str, float]) -> None:
    """Save (or replace) the named lever setting of the scenario with this content hash."""
    import json

    store = open_store(path)
    with store._connection() as con:
        con.execute(SETTINGS_DDL)
        con.execute("INSERT OR REPLACE INTO settings VALUES (?, ?, ?, now()::TIMESTAMP)",
                    [scenario_hash, name, json.dumps({k: float(v) for k, v in levers.items()}, sort_keys=True)])


def list_settings(path: str | os.PathLike[str], scenario_hash: str | None = None) -> list[tuple[str, str, dict[str, float]]]:
    """(scenario_hash, name, levers) of the saved settings, oldest first; [] when the
    store or its settings table does not exist yet."""
    import json

    p = Path(path).expanduser()
    if not p.is_file():
        return []
    store = open_store(p, read_only=True)
    with store._connection() as con:
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        if "settings" not in tables:
            return []
        sql = "SELECT scenario_hash, name, levers_json FROM settings"
        args: list[object] = []
        if scenario_hash is not None:
            sql += " WHERE scenario_hash = ?"
            args.append(scenario_hash)
        rows = con.execute(sql + " ORDER BY created_utc, name", args).fetchall()
    return [(h, n, json.loads(j)) for h, n, j in rows]


def delete_setting(path: str | os.PathLike[str], scenario_hash: str, name: str) -> bool:
    """Delete a saved setting; True when there was one."""
    p = Path(path).expanduser()
    if not p.is_file():
        return False
    store = open_store(p)
    with store._connection() as con:
        con.execute(SETTINGS_DDL)
        found = con.execute("SELECT count(*) FROM settings WHERE scenario_hash = ? AND name = ?",
                            [scenario_hash, name]).fetchone()
        con.execute("DELETE FROM settings WHERE scenario_hash = ? AND name = ?", [scenario_hash, name])
    return bool(found and found[0])
