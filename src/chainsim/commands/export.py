"""``chainsim export``: the results store's tables as Parquet or CSV files, or a list of its runs."""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from .common import emit_json

if TYPE_CHECKING:
    import pandas as pd


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="write the results store's tables as Parquet or CSV, or list its runs")
    p.add_argument("--store", metavar="PATH", default="results.duckdb",
                   help="results store, a DuckDB file (default results.duckdb)")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--out", metavar="DIR", help="folder to write one file per table into (created if missing)")
    what.add_argument("--list", action="store_true", help="list the stored runs instead")
    p.add_argument("--format", choices=["parquet", "csv"], default="parquet", help="file format (default parquet)")
    p.add_argument("--json", action="store_true",
                   help="print JSON: the runs with --list, the files written with --out")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..store import open_store

    store = open_store(args.store, create=False)
    if args.list:
        runs = store.list_runs()
        if args.json:
            emit_json({"runs": runs_as_records(runs)})
        else:
            print(runs_as_text(runs, store.path))
        return 0
    out = Path(args.out)
    written = export_whole(store, out, args.format)
    n_runs = len(store.list_runs())
    if args.json:
        emit_json({"store": str(store.path), "runs": n_runs, "files": [str(p) for p in written]})
    else:
        print(f"exported {n_runs} run(s) from {store.path} to {out}: {', '.join(p.name for p in written)}")
    return 0


def export_whole(store: Any, out: Path, fmt: str) -> list[Path]:
    """Export every table into ``out``, all or nothing: the files are written into a
    temporary folder beside ``out`` (``.NAME.XXXX.partial``) and moved into place only once
    every one is complete, so a failure (a full disk, a signal) never leaves a partial export
    under the name asked for. A new folder appears whole (one rename); into an existing
    folder each file is replaced atomically. Returns the files in ``out``."""
    from ..store import TABLES

    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out}: exists and is not a directory")
    targets = [out / f"{table}.{fmt}" for table in TABLES]
    for target in targets:
        if target.exists() and not target.is_file():
            raise InputError(f"--out {out}: {target.name} there is not a regular file; move it away first")
    parent = out.absolute().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        partial = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=parent))
        umask = os.umask(0o022)
        os.umask(umask)
        partial.chmod(0o777 & ~umask)  # mkdtemp's folder is private; the export is an ordinary folder
    except OSError as exc:
        raise InputError(f"--out {out}: cannot create a folder in {parent}: {exc.strerror}") from None
    try:
        written = store.export(partial, fmt)
        if not out.exists():
            os.rename(partial, out)
        else:
            for path in written:
                os.replace(path, out / path.name)
    except OSError as exc:
        raise InputError(f"--out {out}: cannot move the exported files into place: {exc.strerror}") from None
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return [out / path.name for path in written]


def runs_as_records(runs: pd.DataFrame) -> list[dict[str, object]]:
    """The runs table as JSON-ready records (created_utc in ISO 8601, UTC)."""
    import pandas as pd

    records = []
    for row in runs.to_dict(orient="records"):
        row["created_utc"] = pd.Timestamp(row["created_utc"]).isoformat() + "Z"
        row["seed"], row["reps"], row["n_targets"] = int(row["seed"]), int(row["reps"]), int(row["n_targets"])
        row["source"] = None if pd.isna(row["source"]) else row["source"]
        records.append(row)
    return records


def runs_as_text(runs: pd.DataFrame, path: Path) -> str:
    """A plain table of the stored runs for the terminal."""
    if runs.empty:
        return f"{path}: no stored runs"
    shown = runs.assign(created_utc=runs["created_utc"].dt.strftime("%Y-%m-%d %H:%M:%S"))
    shown = shown[["run_id", "scenario_id", "reps", "seed", "engine", "version", "created_utc", "source"]]
    shown = shown.rename(columns={"scenario_id": "scenario", "created_utc": "created (UTC)"})
    return f"{path}: {len(runs)} stored run(s)\n" + shown.to_string(index=False)
