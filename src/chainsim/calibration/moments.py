"""Moments: the simulated statistic each reported figure is compared with.

Core objects: ``MomentSpec`` (one ``calibration`` moment resolved against a scenario: the
run months of its window, its chains, its size classes, its reported value in the
statistic's unit), ``moment_specs(scenario)`` (targets then holdout),
``calibration_problems(scenario)`` (what makes a scenario's ``calibration:`` unusable,
as located (path, message) pairs), ``horizon_for(scenario, specs)`` (a copy that runs
only as far as the last moment month) and ``simulate_moments`` (a replicates × moments
array, reduced inside the workers).

Statistics, per replicate:

* ``<kind>_count``: projects that moved into stage ``kind`` (signed, started, completed)
  during the window, summed over the moment's chains and size classes (projects).
* ``<kind>_value_yi``: their total investment (亿元).
* ``output_yi``: the mean over the window's months of the chains' summed output, an
  annual rate (亿元/year). A figure reported for part of a year is put on the same footing
  by the moment's ``scale`` (a half-year's output × 2).
* ``output_growth``: that mean over the window against the same months a year earlier,
  minus 1 (a fraction; a figure in % is divided by 100).
* ``investment_yi``: fixed-asset investment spent during the window by the projects under
  construction (亿元; ``mechanisms.investment_per_month``).
* ``producing_count``: projects that went into production during the window.

The reported value compared is the figure's value (money converted to 亿元, % to a
fraction) × ``scale``. A statistic must match its figure's kind (its ``indicator``: a
count of signed projects is not one of started projects, an output is not its growth),
its unit (a count is not money) and its scope (a chain's figure is compared with one chain,
a county or park total with more than one).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from ..catalogue import PARAMETERS
from ..ensemble import map_blocks
from ..prepare import SIZE_BIN_EDGES_YI, make_plan
from ..records import Trajectories, bins_between, flow_index
from ..scenario import Moment, Scenario, month_index, month_label
from ..schema import BASE_OUTPUT_PREFIX

COUNT_UNIT = "projects"
MONEY_UNIT = "亿元"
RATE_UNIT = "亿元/year"
_COUNT_FIGURE_UNITS = {"个", "家"}


@dataclass(frozen=True)
class MomentSpec:
    """A calibration moment resolved against a scenario's run.

    ``first``/``last`` are run months (0 = the first warm-up month) of the window,
    inclusive; ``chains`` the chain positions summed over; ``bins`` the size classes
    (see ``chainsim.prepare.SIZE_BIN_EDGES_YI``); ``reported`` the value compared with the
    simulation, in ``unit`` (figure value, money in 亿元, × scale).
    """

    figure: str
    statistic: str
    period_from: str
    period_to: str
    first: int
    last: int
    chains: tuple[int, ...]
    bins: tuple[int, ...]
    reported: float
    unit: str
    holdout: bool
    error_rel: float = 0.0

    @property
    def kind(self) -> str:
        """signed, started, completed, producing, output, growth or investment."""
        return statistic_kind(self.statistic)

    @property
    def is_count(self) -> bool:
        return self.statistic.endswith("_count")


GROWTH_UNIT = "fraction"

_KIND_WORDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "signed": (("signed",), ()),
    "started": (("started",), ()),
    "completed": (("completed",), ()),
    "producing": (("producing",), ()),
    "output": (("output",), ("growth", "target", "share")),
    "growth": (("output", "growth"), ("target", "share")),
    "investment": (("fixed_asset",), ("growth", "share", "planned")),
}
"""Per statistic kind: words a figure's ``indicator`` must hold, and words it must not."""


def statistic_kind(statistic: str) -> str:
    """What a statistic measures: signed, started, completed, producing, output, growth or investment."""
    if statistic == "output_growth":
        return "growth"
    if statistic == "investment_yi":
        return "investment"
    return statistic.split("_")[0]


def statistic_unit(statistic: str) -> str:
    """Unit of a statistic: projects, 亿元 (flows of investment), 亿元/year (output) or a fraction (growth)."""
    if statistic == "output_yi":
        return RATE_UNIT
    if statistic == "output_growth":
        return GROWTH_UNIT
    return COUNT_UNIT if statistic.endswith("_count") else MONEY_UNIT


def figure_mismatch(statistic: str, figure: Any, n_chains_compared: int, n_chains: int) -> str | None:
    """Why ``figure`` cannot be compared with ``statistic`` summed over ``n_chains_compared`` of the
    scenario's ``n_chains`` chains (kind, unit or scope), or None when it can."""
    kind = statistic_kind(statistic)
    need, refuse = _KIND_WORDS[kind]
    words = figure.indicator.lower()
    if not all(w in words for w in need) or any(w in words for w in refuse):
        return (f"{statistic} measures {kind}, but figure {figure.id!r} is {figure.indicator!r}: "
                "choose the statistic that matches the figure")
    money = figure.value_yi is not None
    if statistic.endswith("_count") and figure.unit not in _COUNT_FIGURE_UNITS:
        return f"{statistic} is a count but figure {figure.id!r} is in {figure.unit}"
    if statistic == "output_growth" and figure.unit != "%":
        return f"{statistic} is a growth rate but figure {figure.id!r} is in {figure.unit}, not %"
    if statistic_unit(statistic) in (MONEY_UNIT, RATE_UNIT) and not money:
        return f"{statistic} is money (亿元) but figure {figure.id!r} is in {figure.unit}"
    if words.startswith("chain_") and n_chains_compared != 1:
        return (f"figure {figure.id!r} is one chain's ({figure.indicator}), but the moment sums "
                f"{n_chains_compared} chains: name the chain in chains: [...]")
    if n_chains > 1 and n_chains_compared == 1 and ("county" in words or words.startswith("park_")):
        return (f"figure {figure.id!r} is a total ({figure.indicator}), not one chain's: compare it with "
                "chains: all, in_park or the chains it covers")
    return None


def reported_in_statistic_unit(statistic: str, figure: Any) -> float:
    """A figure's value in its statistic's unit, before ``scale``: money in 亿元, % as a fraction."""
    if statistic == "output_growth":
        return figure.value / 100.0
    return figure.value_yi if figure.value_yi is not None else figure.value


def _groups(scenario: Scenario) -> list[tuple[str, int, Moment]]:
    cal = scenario.calibration
    return [("targets", k, m) for k, m in enumerate(cal.targets)] + \
           [("holdout", k, m) for k, m in enumerate(cal.holdout)]


def calibration_problems(scenario: Scenario) -> list[tuple[tuple[Any, ...], str]]:
    """Why the scenario's ``calibration:`` cannot be fitted, as (field path, message) pairs.

    Empty when it can: at least one target, at least one free parameter, and no
    ``moment_problems``.
    """
    out: list[tuple[tuple[Any, ...], str]] = []
    cal = scenario.calibration
    if not cal.targets:
        out.append((("calibration", "targets"),
                    "no calibration targets: name the reported figures to fit (figure, statistic, from, to)"))
    if not cal.free:
        out.append((("calibration", "free"),
                    "no free parameters: list the parameters to fit with their ranges {low, high}"))
    return out + moment_problems(scenario)


def moment_problems(scenario: Scenario) -> list[tuple[tuple[Any, ...], str]]:
    """Moments that cannot be simulated as written, as (field path, message) pairs: size
    bounds off the class edges, statistics whose unit does not match their figure's, an
    empty set of chains."""
    out: list[tuple[tuple[Any, ...], str]] = []
    figures = scenario.figure_table()
    plan = make_plan(scenario)
    edges = SIZE_BIN_EDGES_YI[1:]
    for group, k, m in _groups(scenario):
        path = ("calibration", group, k)
        for key in ("size_min_yi", "size_max_yi"):
            bound = getattr(m, key)
            if bound is not None and m.statistic in _UNSPLIT:
                out.append(((*path, key), f"{m.statistic} is not split by project size; drop the size bound"))
            elif bound is not None and bound not in edges:
                out.append(((*path, key), f"{bound:g}亿元 is not a size-class edge; use one of "
                            f"{', '.join(f'{e:g}' for e in edges)} (亿元)"))
        if m.size_min_yi is not None and m.size_max_yi is not None and m.size_min_yi >= m.size_max_yi:
            out.append(((*path, "size_max_yi"), "size_max_yi must be above size_min_yi"))
        if m.chains == "in_park" and not plan.in_park.any():
            out.append(((*path, "chains"), "in_park, but no chain of the scenario is in the park"))
        if m.statistic == "output_growth" and month_index(m.period_from) - 12 < plan.first_month:
            out.append(((*path, "from"), f"output_growth compares with the year before {m.period_from}, which "
                        "is before the first simulated month: lengthen the warm-up"))
        figure = figures.get(m.figure)
        if figure is None:
            continue  # the scenario's own validation reports unknown figures
        problem = figure_mismatch(m.statistic, figure, len(_chain_positions(m, plan)), plan.n_chains)
        if problem:
            out.append(((*path, "statistic"), problem))
    return out


_UNSPLIT = ("output_yi", "output_growth", "investment_yi", "producing_count")
"""Statistics not split by project size class."""


def _chain_positions(m: Moment, plan: Any) -> tuple[int, ...]:
    if m.chains == "all":
        return tuple(range(plan.n_chains))
    if m.chains == "in_park":
        return tuple(int(i) for i in np.flatnonzero(plan.in_park))
    return tuple(plan.chain_ids.index(c) for c in m.chains if c in plan.chain_ids)


def moment_specs(scenario: Scenario, reported: Mapping[str, float] | None = None) -> list[MomentSpec]:
    """The scenario's calibration targets, then its holdout, resolved for simulation.

    ``reported`` overrides figure values by figure id, in the figure's own unit as the CSV
    gives it (a count, or 亿元), before ``scale`` (synthetic data for recovery tests).
    Raises ``ValueError`` if ``moment_problems`` finds anything.
    """
    problems = moment_problems(scenario)
    if problems:
        raise ValueError("; ".join(f"{'.'.join(map(str, p))}: {msg}" for p, msg in problems))
    figures = scenario.figure_table()
    plan = make_plan(scenario)
    reported = dict(reported or {})
    specs = []
    for group, _, m in _groups(scenario):
        chains = _chain_positions(m, plan)
        figure = figures[m.figure]
        if m.figure in reported:
            base = float(reported[m.figure])
        else:
            base = reported_in_statistic_unit(m.statistic, figure)
        bins = () if m.statistic in _UNSPLIT else tuple(bins_between(m.size_min_yi, m.size_max_yi))
        specs.append(MomentSpec(
            figure=m.figure, statistic=m.statistic, period_from=m.period_from, period_to=m.period_to,
            first=month_index(m.period_from) - plan.first_month, last=month_index(m.period_to) - plan.first_month,
            chains=chains, bins=bins, reported=base * m.scale, unit=statistic_unit(m.statistic),
            holdout=group == "holdout", error_rel=m.error_rel,
        ))
    if not specs:
        raise ValueError("the scenario names no calibration figures (calibration.targets and holdout are empty)")
    unknown = sorted(set(reported) - {s.figure for s in specs})
    if unknown:
        raise ValueError(f"reported values for figures the scenario does not use: {', '.join(unknown)}")
    return specs


def horizon_for(scenario: Scenario, specs: list[MomentSpec]) -> Scenario:
    """A copy of the scenario that runs only through its last moment month (and at least
    through its start), warm-up included: the months before are simulated identically."""
    plan = make_plan(scenario)
    last = max(s.last for s in specs) + plan.first_month
    horizon = month_label(max(last, month_index(scenario.calendar.start)))
    if month_index(horizon) >= month_index(scenario.calendar.horizon):
        return scenario
    return scenario.model_copy(update={"calendar": scenario.calendar.model_copy(update={"horizon": horizon})})


def moments_of(traj: Trajectories, specs: tuple[MomentSpec, ...]) -> np.ndarray:
    """(replicates, moments) array of each moment's statistic in each replicate (float64)."""
    out = np.empty((traj.data.shape[2], len(specs)))
    for k, s in enumerate(specs):
        window = slice(s.first, s.last + 1)
        chains = list(s.chains)
        if s.statistic == "output_yi":
            series = traj.metric("output_yi")[window][:, :, chains].astype(np.float64)
            out[:, k] = series.sum(axis=2).mean(axis=0)
        elif s.statistic == "output_growth":
            output = traj.metric("output_yi")[:, :, chains].astype(np.float64).sum(axis=2)
            now = output[window].mean(axis=0)
            before = output[s.first - 12:s.last - 11].mean(axis=0)
            out[:, k] = now / np.maximum(before, 1e-12) - 1.0
        elif s.statistic in ("investment_yi", "producing_count"):
            metric = "investment_yi" if s.statistic == "investment_yi" else "producing_new"
            out[:, k] = traj.metric(metric)[window][:, :, chains].astype(np.float64).sum(axis=(0, 2))
        else:
            stat = "count" if s.is_count else "value_yi"
            rows = [flow_index(s.kind, stat, b) for b in s.bins]
            flow = traj.data[rows][:, window][:, :, :, chains].astype(np.float64)  # (bins, months, R, chains)
            out[:, k] = flow.sum(axis=(0, 1, 3))
    return out


def simulate_moments(scenario: Scenario, specs: list[MomentSpec], reps: int, seed: int,
                     values: Mapping[str, float] | None = None, executor: Any = None,
                     progress: Callable[[int, int], None] | None = None) -> np.ndarray:
    """Simulate ``reps`` replicates and return their moments, (reps, moments).

    ``values`` fixes parameters (name → value, the same in every replicate) on top of the
    scenario's draws; with the same ``seed`` every call uses the same random streams, so
    the result is a deterministic function of ``values``. The run stops at the last moment
    month (``horizon_for``).
    """
    for name in values or {}:
        if name not in PARAMETERS and not name.startswith(BASE_OUTPUT_PREFIX):
            raise KeyError(f"unknown parameter {name!r}")
    short = horizon_for(scenario, specs)
    parameters = {k: float(v) for k, v in (values or {}).items()} or None  # scalars: one value for all replicates
    parts = map_blocks(short, reps, seed, "fast", partial(moments_of, specs=tuple(specs)), executor, progress,
                       parameters=parameters)
    return np.concatenate(parts, axis=0)
