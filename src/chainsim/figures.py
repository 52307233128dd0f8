"""Reported figures: the quantitative facts quoted from the seed documents.

Core objects
------------
``Figure``
    Frozen dataclass for one reported figure (id, place, indicator, period,
    value, unit, source, quote, note).  ``Figure.value_yi`` converts money to
    亿元; ``Figure.cite()`` renders the verbatim quote with its seed file.
``load_figures(path=None)``
    Read ``reported_figures.csv`` into a ``dict[str, Figure]`` keyed by id.
    Parsing is cached (``functools.lru_cache``); each call returns a new dict.
``figures_frame(path=None)``
    The same data as a ``pandas.DataFrame`` (plus a ``value_yi`` column).
``get_figure(figure_id)``
    Look up one figure; unknown ids raise ``KeyError`` with a did-you-mean hint.
``seeds_dir()``
    Folder of the seed documents the quotes come from.

Data lookup
-----------
The canonical file is ``data/reported_figures.csv`` at the repository root.
An installed package may ship it as ``chainsim/data/reported_figures.csv``;
that resource is tried first, then the repository path.
"""

from __future__ import annotations

import csv
import difflib
import io
import os
from dataclasses import asdict, dataclass, fields
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "ALLOWED_UNITS",
    "CSV_COLUMNS",
    "MONEY_UNITS_TO_YI",
    "Figure",
    "figures_frame",
    "get_figure",
    "load_figures",
    "seeds_dir",
]

#: Column order of ``reported_figures.csv``.
CSV_COLUMNS: tuple[str, ...] = (
    "id", "place", "indicator", "period", "value", "unit", "source", "quote", "note",
)

#: Money units and their factor to 亿元 (1亿 = 10^4 万).
MONEY_UNITS_TO_YI: dict[str, float] = {"亿元": 1.0, "万元": 1e-4}

#: Units a figure may carry.
ALLOWED_UNITS: frozenset[str] = frozenset({
    "亿元", "万元", "个", "家", "%", "年", "月", "万平方米", "平方公里",
    "米", "亩", "人", "条", "次", "公里", "吨/日",
})

_CSV_NAME = "reported_figures.csv"
_REPO_ROOT = Path(__file__).resolve().parents[2]
_REPO_CSV = _REPO_ROOT / "data" / _CSV_NAME


@dataclass(frozen=True)
class Figure:
    """One figure as reported in a seed document.

    ``value`` is the number as written in ``quote``; ``unit`` is the unit the
    quote uses (money is not normalised here, see ``value_yi``).
    """

    id: str
    place: str
    indicator: str
    period: str
    value: float
    unit: str
    source: str
    quote: str
    note: str = ""

    @property
    def value_yi(self) -> float | None:
        """Value in 亿元 for money figures (万元 / 1e4); ``None`` otherwise."""
        factor = MONEY_UNITS_TO_YI.get(self.unit)
        return None if factor is None else self.value * factor

    def cite(self) -> str:
        """Citation string: ``"<quote>" (<source>)``."""
        return f'"{self.quote}" ({self.source})'


def seeds_dir() -> Path:
    """Folder holding the seed texts.

    ``$CHAINSIM_SEEDS_DIR`` if set, else ``<repo root>/../shared/seeds``.
    """
    env = os.environ.get("CHAINSIM_SEEDS_DIR")
    if env:
        return Path(env)
    return (_REPO_ROOT / ".." / "shared" / "seeds").resolve()


def _read_default_csv() -> tuple[str, str]:
    """Return ``(text, origin)`` of the shipped CSV (package resource, then repo)."""
    try:
        res = resources.files("chainsim") / "data" / _CSV_NAME
        if res.is_file():
            return res.read_text(encoding="utf-8"), f"chainsim/data/{_CSV_NAME}"
    except (ModuleNotFoundError, FileNotFoundError, NotADirectoryError):
        pass
    if _REPO_CSV.is_file():
        return _REPO_CSV.read_text(encoding="utf-8"), str(_REPO_CSV)
    raise FileNotFoundError(
        f"{_CSV_NAME} not found as package resource chainsim/data/{_CSV_NAME} "
        f"nor at {_REPO_CSV}"
    )


def _parse(text: str, origin: str) -> tuple[Figure, ...]:
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != CSV_COLUMNS:
        raise ValueError(
            f"{origin}: expected columns {','.join(CSV_COLUMNS)}, "
            f"got {','.join(reader.fieldnames or ())}"
        )
    seen: dict[str, int] = {}
    out: list[Figure] = []
    for lineno, row in enumerate(reader, start=2):
        fid = (row["id"] or "").strip()
        if not fid:
            raise ValueError(f"{origin}:{lineno}: empty id")
        if fid in seen:
            raise ValueError(
                f"{origin}:{lineno}: duplicate id {fid!r} (first on line {seen[fid]})"
            )
        seen[fid] = lineno
        unit = row["unit"].strip()
        if unit not in ALLOWED_UNITS:
            raise ValueError(f"{origin}:{lineno}: unit {unit!r} of {fid!r} not allowed")
        try:
            value = float(row["value"])
        except ValueError as exc:
            raise ValueError(f"{origin}:{lineno}: bad value {row['value']!r} for {fid!r}") from exc
        out.append(Figure(
            id=fid,
            place=row["place"].strip(),
            indicator=row["indicator"].strip(),
            period=row["period"].strip(),
            value=value,
            unit=unit,
            source=row["source"].strip(),
            quote=row["quote"],
            note=(row["note"] or "").strip(),
        ))
    return tuple(out)


@lru_cache(maxsize=None)
def _load_cached(path: str | None) -> tuple[Figure, ...]:
    if path is None:
        text, origin = _read_default_csv()
    else:
        p = Path(path)
        text, origin = p.read_text(encoding="utf-8"), str(p)
    return _parse(text, origin)


def load_figures(path: str | os.PathLike[str] | None = None) -> dict[str, Figure]:
    """Load the reported figures keyed by id (CSV order).

    ``path`` overrides the shipped CSV.  Duplicate ids, unknown units or
    unparsable values raise ``ValueError``.
    """
    key = None if path is None else str(Path(path).resolve())
    return {f.id: f for f in _load_cached(key)}


def figures_frame(path: str | os.PathLike[str] | None = None) -> "pd.DataFrame":
    """All figures as a DataFrame: the CSV columns plus ``value_yi``."""
    import pandas as pd

    figs = load_figures(path).values()
    frame = pd.DataFrame(
        [asdict(f) for f in figs], columns=[f.name for f in fields(Figure)]
    )
    frame["value_yi"] = [f.value_yi for f in figs]
    return frame


def get_figure(figure_id: str, path: str | os.PathLike[str] | None = None) -> Figure:
    """Return one figure; ``KeyError`` with close matches if the id is unknown."""
    figs = load_figures(path)
    try:
        return figs[figure_id]
    except KeyError:
        close = difflib.get_close_matches(figure_id, list(figs), n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise KeyError(f"unknown figure id {figure_id!r}{hint}") from None
