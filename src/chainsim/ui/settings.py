"""The app's settings from the environment.

``CHAINSIM_SCENARIO_DIR``: folder whose top-level ``*.yaml`` files the scenario picker
lists (default: ``scenarios/`` in the working directory, else in the repository).
``CHAINSIM_APP_REPS``: default number of replicates per run (default 300).
``CHAINSIM_STORE``: the results store the stored-runs page reads (default
``results.duckdb`` in the working directory, as ``chainsim run`` writes it).
``CHAINSIM_APP_SENS_TRAJECTORIES``: Morris trajectories of the drivers on the 缺口分析
page (default 6).
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_REPS = 300
"""Replicates per run unless ``CHAINSIM_APP_REPS`` says otherwise."""

REPS_CHOICES = (100, 300, 1000, 3000)
"""Replicate counts offered in the sidebar (the default is added if missing)."""

MAX_UPLOAD_BYTES = 256 * 1024
"""Largest scenario upload accepted, in bytes (shipped scenarios are about 20 KB)."""

MAX_SAVED = 3
"""How many slider settings can be saved for side-by-side comparison."""

_REPO_ROOT = Path(__file__).resolve().parents[3]


def scenario_dir() -> Path:
    """Folder of the scenario files the picker lists."""
    env = os.environ.get("CHAINSIM_SCENARIO_DIR")
    if env:
        return Path(env)
    here = Path.cwd() / "scenarios"
    return here if here.is_dir() else _REPO_ROOT / "scenarios"


DEFAULT_SCENARIO = "liancheng.yaml"
"""The file the picker opens on when the folder holds it (the 9-chain county), else the first."""


def scenario_files(folder: Path) -> list[Path]:
    """Top-level ``*.yaml`` / ``*.yml`` files of ``folder``, sorted by name."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in (".yaml", ".yml"))


def default_reps() -> int:
    """Replicates per run: ``CHAINSIM_APP_REPS`` (1 to 100000) or ``DEFAULT_REPS``."""
    text = os.environ.get("CHAINSIM_APP_REPS", "")
    try:
        value = int(text)
    except ValueError:
        return DEFAULT_REPS
    return value if 1 <= value <= 100_000 else DEFAULT_REPS


def reps_choices() -> list[int]:
    """Replicate counts for the sidebar, including the default."""
    return sorted({*REPS_CHOICES, default_reps()})


def store_path() -> Path:
    """The results store (a DuckDB file) the stored-runs page reads: ``CHAINSIM_STORE``,
    else ``results.duckdb`` in the working directory. The file need not exist."""
    env = os.environ.get("CHAINSIM_STORE")
    return Path(env).expanduser() if env else Path.cwd() / "results.duckdb"


def policy_files(folder: Path, chosen: str) -> list[Path]:
    """The policy variants of a scenario: the files of ``folder`` whose top-level
    ``extends:`` names the chosen file (liancheng_approvals.yaml extends liancheng.yaml)."""
    out = []
    for path in scenario_files(folder):
        if path.name == chosen:
            continue
        try:
            head = path.read_text(encoding="utf-8")[:8000]
        except OSError:
            continue
        for line in head.splitlines():
            if line.startswith("extends:"):
                target = line.split(":", 1)[1].split("#", 1)[0].strip().strip("'\"")
                if (path.parent / target).resolve() == (folder / chosen).resolve():
                    out.append(path)  # the chosen file itself, not a namesake elsewhere (calibrated/liancheng.yaml)
                break
    return out


SENSITIVITY_TRAJECTORIES = 6
"""Morris trajectories of the drivers' sensitivity analysis (缺口分析) unless
``CHAINSIM_APP_SENS_TRAJECTORIES`` (2 to 50) says otherwise."""

SENSITIVITY_REPS = 100
"""Replicates per design point of the drivers' sensitivity analysis, at most (fewer when the
sidebar asks for fewer)."""


def sensitivity_trajectories() -> int:
    """Morris trajectories of the drivers' analysis: ``CHAINSIM_APP_SENS_TRAJECTORIES`` or the default."""
    text = os.environ.get("CHAINSIM_APP_SENS_TRAJECTORIES", "")
    try:
        value = int(text)
    except ValueError:
        return SENSITIVITY_TRAJECTORIES
    return value if 2 <= value <= 50 else SENSITIVITY_TRAJECTORIES
