"""Fixtures shared by the test modules: the repository's paths, the CLI as a subprocess,
and the equality of two ensemble summaries."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
TINY_YAML = REPO_ROOT / "tests" / "scenarios" / "tiny.yaml"

CliRunner = Callable[..., "subprocess.CompletedProcess[str]"]


@pytest.fixture
def tiny_yaml() -> Path:
    """The one-chain test scenario (well under a second per 1000 replicates)."""
    return TINY_YAML


@pytest.fixture
def run_cli(tmp_path: Path) -> CliRunner:
    """``run_cli(*args, timeout=120, env=None)``: ``python -m chainsim.cli ARGS`` in a fresh
    working directory (the test's tmp_path, so a default results.duckdb lands there)."""

    def run(*args: object, timeout: float = 120, env: dict[str, str] | None = None,
            cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "chainsim.cli", *map(str, args)], cwd=cwd or tmp_path,
                              capture_output=True, text=True, timeout=timeout, env=env)

    return run


def same_summary(a: object, b: object) -> None:
    """Assert two ``EnsembleSummary`` objects hold equal numbers (frames and per-replicate arrays)."""
    for name in ("scenario_id", "scenario_hash", "reps", "seed", "engine", "version"):
        assert getattr(a, name) == getattr(b, name), name
    for name in ("targets", "years_reached", "bands", "annual"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True, obj=name)
    for name in ("reached", "target_output_yi"):
        x, y = getattr(a, name), getattr(b, name)
        assert x.dtype == y.dtype and x.shape == y.shape and np.array_equal(x, y), name


@pytest.fixture
def assert_same_summary() -> Callable[[object, object], None]:
    """``assert_same_summary(a, b)``: two ensemble summaries hold exactly equal numbers."""
    return same_summary
