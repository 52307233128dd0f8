"""Semantic fuzzing: valid but extreme scenarios (money at the schema's limits, every lever
at a bound, one chain or fifty, one year or sixty, no enterprises or 100,000) through the
CLI as a subprocess, under a memory budget: exit 0 with finite answers, or exit 2 with a
located problem or the out-of-memory message. Never a traceback, exit 1, or a hang."""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from chainsim.catalogue import LEVERS, PARAMETERS
from chainsim.schema import MAX_OUTPUT_YI, MIN_OUTPUT_YI

MEMORY_BUDGET_GB = 1.5
"""The address-space limit each fuzzed run gets (CHAINSIM_MEMORY_LIMIT_GB)."""

PROBLEM = re.compile(r"^.+?:\d+: \S+: .+$")


@st.composite
def extreme_scenarios(draw) -> dict:
    n_chains = draw(st.sampled_from([1, 2, 50]))
    years = draw(st.sampled_from([1, 5] if n_chains == 50 else [1, 5, 60]))
    start = draw(st.sampled_from([1900, 2022, 2200 - years + 1]))
    money = st.sampled_from([MIN_OUTPUT_YI, MAX_OUTPUT_YI, 10.0])
    chains = []
    for i in range(n_chains):
        n_seg = draw(st.sampled_from([1, 50]))
        chain = {"id": f"c{i}", "name_zh": "链", "name_en": "chain",
                 "base_output": {"value": draw(money), "provenance": "assumed"},
                 "targets": [{"value": draw(money), "year": start + years - 1, "provenance": "assumed"}],
                 "segments": [f"s{k}" for k in range(n_seg)], "segments_filled": draw(st.sampled_from([0, n_seg]))}
        enterprises = draw(st.sampled_from([None, 1] if n_chains == 50 else [None, 1, 100_000]))
        if enterprises is not None:
            chain["enterprises"] = enterprises
        chains.append(chain)
    levers = {name: draw(st.sampled_from([spec.low, spec.high, spec.default])) for name, spec in LEVERS.items()}
    parameters = {}
    if draw(st.booleans()):  # one parameter at a bound of its catalogue range
        name = draw(st.sampled_from(sorted(PARAMETERS)))
        spec = PARAMETERS[name]
        parameters[name] = {"value": draw(st.sampled_from([spec.low, spec.high])), "provenance": "assumed"}
    return {"id": "extreme", "county": {"name_zh": "县", "name_en": "County"},
            "calendar": {"start": f"{start}-01", "horizon": f"{start + years - 1}-12",
                         "warmup_months": draw(st.sampled_from([0, 240]))},
            "chains": chains, "policy": {"levers": levers}, "parameters": parameters,
            "ensemble": {"reps": 2, "seed": draw(st.integers(0, 2**32))}}


def finite(obj) -> bool:
    if isinstance(obj, dict):
        return all(finite(v) for v in obj.values())
    if isinstance(obj, list):
        return all(finite(v) for v in obj)
    return not isinstance(obj, float) or math.isfinite(obj)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                HealthCheck.function_scoped_fixture])
@given(extreme_scenarios())
def test_extreme_valid_scenarios_give_finite_answers_or_a_clean_refusal(tmp_path_factory, data):
    import yaml

    path = tmp_path_factory.mktemp("extreme") / "extreme.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    env = {**os.environ, "CHAINSIM_MEMORY_LIMIT_GB": str(MEMORY_BUDGET_GB)}
    result = subprocess.run([sys.executable, "-m", "chainsim.cli", "run", str(path), "--no-store", "--json",
                             "--reps", "2"], capture_output=True, text=True, timeout=300, env=env, cwd=path.parent)
    assert "Traceback" not in result.stderr
    event("exit 2: out of memory" if "out of memory" in result.stderr
          else "exit 2: over the memory budget" if "memory budget" in result.stderr else f"exit {result.returncode}")
    if result.returncode == 0:
        doc = json.loads(result.stdout)
        assert finite(doc)
        for chain in doc["results"][0]["chains"]:
            assert 0 <= chain["p_reach"] <= 1 and chain["output_yi_p50"] >= 0
    else:
        assert result.returncode == 2, result.stderr
        lines = result.stderr.strip().splitlines()
        refusals = ("chainsim: out of memory", "chainsim: scenario ")  # the hard cap, or the budget checked first
        assert lines and all(PROBLEM.match(line) or line.startswith(refusals) for line in lines), lines
        assert all("memory budget" in line for line in lines if line.startswith("chainsim: scenario ")), lines
