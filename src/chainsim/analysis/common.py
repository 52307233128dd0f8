"""Small helpers shared by the analyses: run defaults, name look-ups with did-you-mean."""

from __future__ import annotations


from ..catalogue import LEVERS, LeverSpec
from ..ensemble import ENGINES
from ..errors import InputError
from ..scenario import Chain, Scenario, Target, did_you_mean


def run_settings(scenario: Scenario, reps: int | None, seed: int | None, engine: str) -> tuple[int, int]:
    """(reps, seed) with the scenario's ensemble defaults filled in; checks the engine."""
    if engine not in ENGINES:
        raise InputError(f"unknown engine {engine!r}{did_you_mean(engine, ENGINES)}; choose one of {', '.join(ENGINES)}")
    if reps is not None and reps < 1:
        raise InputError(f"reps must be at least 1, got {reps}")
    return (reps or scenario.ensemble.reps), (scenario.ensemble.seed if seed is None else seed)


def up_to_targets(scenario: Scenario) -> Scenario:
    """A copy that stops at the end of the last target year (an analysis of p_reach needs no
    later month; every earlier month is simulated identically)."""
    last = f"{scenario.last_target_year}-12"
    if last >= scenario.calendar.horizon:
        return scenario
    return scenario.model_copy(update={"calendar": scenario.calendar.model_copy(update={"horizon": last})})


def lever_spec(name: str) -> LeverSpec:
    """The catalogue entry of lever ``name``, or InputError naming the closest lever."""
    spec = LEVERS.get(name)
    if spec is None:
        raise InputError(f"unknown lever {name!r}{did_you_mean(name, LEVERS)} "
                         f"(levers: {', '.join(LEVERS)})")
    return spec


def chain_target(scenario: Scenario, chain_id: str, target_year: int | None = None) -> tuple[Chain, Target]:
    """The chain and its target for ``target_year`` (default: its first target)."""
    chain = next((c for c in scenario.chains if c.id == chain_id), None)
    if chain is None:
        raise InputError(f"scenario {scenario.id!r} has no chain {chain_id!r}{did_you_mean(chain_id, scenario.chain_ids)} "
                         f"(chains: {', '.join(scenario.chain_ids)})")
    if target_year is None:
        return chain, chain.targets[0]
    for target in chain.targets:
        if target.year == target_year:
            return chain, target
    years = ", ".join(str(t.year) for t in chain.targets)
    raise InputError(f"chain {chain_id!r} has no target for {target_year} (its target years: {years})")
