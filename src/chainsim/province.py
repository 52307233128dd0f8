"""Several counties in one scenario: a province whose counties compete for the same projects.

Core objects: ``flatten_counties`` (a file's ``counties:``, each with its chains, read into
the one flat list of chains the engines run, chain ids qualified ``<county>__<chain>``),
``province_problems`` (the checks a scenario of several counties needs), ``county_plan``
(the county parts of ``prepare.Plan``: which county each chain is in, county levers, lead
weights, land and factory space per county, the industry pools), ``contested_leads`` (the
competition for leads, which both engines call once a month) and the per-county results
(``county_results``, ``province_result``, ``county_differences``).

A province is flattened into the machinery a county already has, not run by a second
engine: a chain carries its county (``Chain.county``) and its industry (``Chain.industry``,
by default its id within its county, so the ``textile`` chains of two counties compete);
levers are per chain already, so a county's levers are its chains' lever paths; land and
factory space are served per replicate and county. What is new is the shared pool
(``mechanisms.shared_pool``): a share ``contested_share`` of every chain's status-quo leads
comes from its industry's pool in the province, and the pool goes to the chains of that
industry in proportion to their pull (their own lead intensity: effort, size, completeness,
leaders; × ``mechanisms.approval_attraction``). A county that tries harder takes leads the
other counties of its industry lose. 山海协作 pairs move a share of a coastal county's leads to
its mountain partner's chain of the same industry (``mechanisms.partner_placement``).

Parameters (one value per replicate) and the year effect are the province's: one economy.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from . import mechanisms as mech
from .catalogue import COUNTY_LEVERS, LEVERS
from .schema import MAX_CHAINS_PER_COUNTY, LeverSetting, Scenario, did_you_mean, month_index

if TYPE_CHECKING:
    from .prepare import Plan

SEPARATOR = "__"
"""Between a county's id and its chain's local id in a qualified chain id: ``jinjiang__textile``."""

_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def qualified(county: str, chain: str) -> str:
    """The province-wide id of chain ``chain`` of county ``county``."""
    return f"{county}{SEPARATOR}{chain}"


# --------------------------------------------------------------------------- reading files


def flatten_counties(data: dict[str, Any], located: Any) -> tuple[dict[str, Any], Any, Callable[[Any], Any]]:
    """A file's data with the chains written under ``counties[i].chains`` moved to the flat
    ``chains`` list (ids qualified, ``county`` and ``industry`` set), the positions of the YAML
    copied to their new paths, and a function that renames a problem's field back to where the
    file wrote it (``chains[7].targets[0].year`` → ``counties[2].chains[1].targets[0].year``).

    ``located`` is ``scenario._Located``. A file without nested chains is returned as it is.
    """
    counties = data.get("counties")
    if not isinstance(counties, list) or not any(isinstance(c, dict) and "chains" in c for c in counties):
        return data, located, _unchanged
    from .scenario import Problem

    data = dict(data)
    top = data.get("chains")
    flat: list[Any] = list(top) if isinstance(top, list) else []
    origin: dict[int, tuple[int, int]] = {}
    target: dict[tuple[int, int], int] = {}
    renamed: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    new_counties = []
    for i, county in enumerate(counties):
        if not isinstance(county, dict) or "chains" not in county:
            new_counties.append(county)
            continue
        county = dict(county)
        chains = county.pop("chains")
        cid = county.get("id")
        if not isinstance(chains, list) or not chains:
            file, line = located.line_of(("counties", i, "chains"))
            located.problems.append(Problem(file, line, f"counties[{i}].chains", "expected a list of chains "
                                            "(at least one)"))
            chains = []
        for j, chain in enumerate(chains):
            if isinstance(chain, dict):
                chain = dict(chain)
                local = chain.get("id")
                if isinstance(cid, str) and isinstance(local, str):
                    chain["id"] = qualified(cid, local)
                    if _IDENTIFIER.match(local):
                        chain.setdefault("industry", local)
                chain.setdefault("county", cid)
            origin[len(flat)] = (i, j)
            target[(i, j)] = len(flat)
            flat.append(chain)
        levers = county.get("levers")
        if isinstance(levers, dict) and isinstance(cid, str):
            county["levers"] = {name: _qualify_by_chain(setting, cid, ("counties", i, "levers", name), renamed)
                                for name, setting in levers.items()}
        new_counties.append(county)
    data["chains"] = flat
    data["counties"] = new_counties
    lines = located.lines
    for path, where in list(lines.items()):
        if len(path) >= 4 and path[0] == "counties" and path[2] == "chains" and (path[1], path[3]) in target:
            lines.setdefault(("chains", target[(path[1], path[3])], *path[4:]), where)
        elif path[:6] in renamed:
            lines.setdefault((*renamed[path[:6]], *path[6:]), where)

    def rename(problem: Any) -> Any:
        m = re.match(r"chains\[(\d+)\]", problem.field)
        if m and int(m.group(1)) in origin:
            i, j = origin[int(m.group(1))]
            return replace(problem, field=f"counties[{i}].chains[{j}]{problem.field[m.end():]}")
        return problem

    return data, located, rename


def _unchanged(problem: Any) -> Any:
    return problem


def _qualify_by_chain(setting: Any, county: str, path: tuple[Any, ...],
                      renamed: dict[tuple[Any, ...], tuple[Any, ...]]) -> Any:
    """A county lever setting with its ``by_chain`` keys (local chain ids) qualified."""
    if not isinstance(setting, dict) or not isinstance(setting.get("by_chain"), dict):
        return setting
    by_chain = {}
    for key, value in setting["by_chain"].items():
        new = qualified(county, key) if isinstance(key, str) else key
        renamed[(*path, "by_chain", key)] = (*path, "by_chain", new)
        by_chain[new] = value
    return {**setting, "by_chain": by_chain}


# --------------------------------------------------------------------------- checks


def _bounds(name: str, value: float) -> str | None:
    spec = LEVERS[name]
    if not spec.low <= value <= spec.high:
        return f"{value} is outside the lever's bounds [{spec.low}, {spec.high}] {spec.unit}"
    return None


def _lever_problems(name: str, setting: LeverSetting, path: tuple[Any, ...], chain_ids: set[str],
                    start: str) -> list[tuple[tuple[Any, ...], str]]:
    out = []
    for key, value in [("value", setting.value), *((("schedule", k, "value"), s.value)
                                                     for k, s in enumerate(setting.schedule))]:
        problem = _bounds(name, value)
        if problem:
            out.append(((*path, *(key if isinstance(key, tuple) else (key,))), problem))
    for k, step in enumerate(setting.schedule):
        if month_index(step.from_) < month_index(start):
            out.append(((*path, "schedule", k, "from"), f"{step.from_} is before the start {start}"))
    for chain_id, value in setting.by_chain.items():
        if chain_id not in chain_ids:
            out.append(((*path, "by_chain", chain_id), f"no chain {chain_id!r} in this county"
                        f"{did_you_mean(chain_id, sorted(chain_ids))}"))
        elif _bounds(name, value):
            out.append(((*path, "by_chain", chain_id), _bounds(name, value) or ""))
    if name in COUNTY_LEVERS and setting.by_chain:
        out.append(((*path, "by_chain"), f"{name} is a county resource shared by every chain of the county; "
                                         "it cannot differ by chain"))
    if setting.by_county:
        out.append(((*path, "by_county"), "by_county belongs in the scenario's policy, not in a county's levers"))
    return out


def province_problems(scenario: Scenario) -> list[tuple[tuple[Any, ...], str]]:
    """What a scenario of several counties must satisfy, as (field path, message) pairs;
    and, in a scenario of one county, that nothing names a county."""
    out: list[tuple[tuple[Any, ...], str]] = []
    by_county = [(name, s) for name, s in scenario.policy.levers.items() if s.by_county]
    if not scenario.counties:
        named = sorted({c.county for c in scenario.chains if c.county is not None})
        if named:  # reported on counties:, so that it is dropped when counties: itself is in error
            out.append((("counties",), f"chains name counties ({', '.join(named[:5])}"
                                       f"{', …' if len(named) > 5 else ''}) but the scenario has no counties: list"))
        for name, _ in by_county:
            out.append((("policy", "levers", name, "by_county"), "by_county needs a scenario with counties:"))
        if scenario.pairs:
            out.append((("pairs",), "山海协作 pairs need a scenario with counties:"))
        return out
    ids = [c.id for c in scenario.counties]
    seen: set[str] = set()
    for k, county in enumerate(scenario.counties):
        if county.id in seen:
            out.append((("counties", k, "id"), f"duplicate county id {county.id!r}"))
        seen.add(county.id)
    members: dict[str, set[str]] = {cid: set() for cid in ids}
    for i, chain in enumerate(scenario.chains):
        if chain.county is None:
            out.append((("chains", i, "county"), "in a scenario with counties: every chain names its county "
                                                 "(or is written under it)"))
        elif chain.county not in members:
            out.append((("chains", i, "county"), f"no county {chain.county!r}{did_you_mean(chain.county, ids)}"))
        else:
            members[chain.county].add(chain.id)
    for k, county in enumerate(scenario.counties):
        n = len(members.get(county.id, ()))  # a county with no chain is inert (a file's chains: [] is refused)
        if n > MAX_CHAINS_PER_COUNTY:
            out.append((("counties", k, "id"), f"county {county.id!r} has {n} chains: a county has at most "
                                               f"{MAX_CHAINS_PER_COUNTY}"))
        for name, setting in county.levers.items():
            out += _lever_problems(name, setting, ("counties", k, "levers", name), members.get(county.id, set()),
                                   scenario.calendar.start)
    if scenario.resources is not None:
        out.append((("resources",), "in a scenario of several counties each county states its own land and "
                                    "factory space (counties[].resources)"))
    for name, setting in by_county:
        for cid, value in setting.by_county.items():
            path = ("policy", "levers", name, "by_county", cid)
            if cid not in members:
                out.append((path, f"no county {cid!r}{did_you_mean(cid, ids)}"))
            elif _bounds(name, value):
                out.append((path, _bounds(name, value) or ""))
    moved: dict[str, float] = {}
    for k, pair in enumerate(scenario.pairs):
        for key, cid in (("coastal", pair.coastal), ("mountain", pair.mountain)):
            if cid not in members:
                out.append((("pairs", k, key), f"no county {cid!r}{did_you_mean(cid, ids)}"))
        if pair.coastal == pair.mountain:
            out.append((("pairs", k, "mountain"), "a county cannot be paired with itself"))
        moved[pair.coastal] = moved.get(pair.coastal, 0.0) + pair.share
        if moved[pair.coastal] > 1.0 + 1e-12:
            out.append((("pairs", k, "share"), f"the pairs of {pair.coastal!r} move more than all of its leads "
                                               f"(shares add up to {moved[pair.coastal]:g})"))
    return out


# --------------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class Competition:
    """The province's industry pools and 山海协作 placements, as matrices over chains.

    ``industries``: the pools' names; ``pools[c, p]`` is 1 when chain c is in pool p (each
    chain in one); ``transfer[c, d]`` the share of chain c's leads placed with chain d (rows
    sum to 1; None without pairs).
    """

    industries: tuple[str, ...]
    pools: np.ndarray
    transfer: np.ndarray | None


def county_plan(scenario: Scenario, base: np.ndarray, levers: dict[str, np.ndarray], first_month: int,
                total: int) -> dict[str, Any]:
    """The county parts of ``prepare.Plan`` for a scenario with counties: ``weight`` (each
    chain's share of its county's leads, summing to 1 in each county), ``lead_weight`` (× its
    county's lead_rate_scale), land and factory space per county (``land_bank0_mu`` (K,),
    ``land_supply_mu`` (T, K), ``factory0_wm2`` (K,), ``factory_supply_wm2`` (T, K)),
    ``county_ids``, ``county_of_chain``, ``county_matrix`` and ``competition``. A county's own
    levers replace the policy's lever paths of its chains in ``levers`` (changed in place)."""
    from .prepare import setting_path

    chains = scenario.chains
    county_ids = tuple(c.id for c in scenario.counties)
    index = {cid: k for k, cid in enumerate(county_ids)}
    of = np.array([index[c.county] for c in chains], dtype=np.int64)  # type: ignore[index]
    K, C = len(county_ids), len(chains)
    matrix = np.zeros((C, K))
    matrix[np.arange(C), of] = 1.0
    weight = np.empty(C)
    land0, land = np.full(K, np.inf), np.full((total, K), np.inf)
    factory0, factory = np.full(K, np.inf), np.empty((total, K))
    for k, county in enumerate(scenario.counties):
        cols = np.flatnonzero(of == k)
        if not cols.size:
            continue  # a county without chains: nothing to run
        mine = [chains[c] for c in cols]
        for name, setting in county.levers.items():
            levers[name][:, cols] = setting_path(setting, mine, first_month, total)
        b = base[cols]
        explicit = [c.attraction_weight for c in mine]
        raw = b / b.sum() if all(w is None for w in explicit) else np.array(
            [w if w is not None else x / b.sum() for w, x in zip(explicit, b)])
        weight[cols] = raw / raw.sum()
        first = cols[0]
        factory[:, k] = levers["standard_factory_wm2"][:, first] / 12.0
        res = county.resources
        if res is not None:
            land0[k] = res.land_bank_mu.value
            land[:, k] = res.land_supply_mu_per_year.value * levers["land_supply"][:, first] / 12.0
            factory0[k] = res.factory_space_wm2.value
    scale = np.array([c.lead_rate_scale.value for c in scenario.counties])
    return {"weight": weight, "lead_weight": weight * scale[of], "land_bank0_mu": land0, "land_supply_mu": land,
            "factory0_wm2": factory0, "factory_supply_wm2": factory, "county_ids": county_ids,
            "county_of_chain": of, "county_matrix": matrix, "competition": competition(scenario, of)}


def industry_of(chain: Any) -> str:
    """The pool a chain competes in: its ``industry``, or its own id (a pool of one)."""
    return chain.industry or chain.id


def competition(scenario: Scenario, county_of_chain: np.ndarray) -> Competition:
    """The industry pools and the 山海协作 transfer matrix of a scenario with counties."""
    chains = scenario.chains
    industries: dict[str, int] = {}
    for c in chains:
        industries.setdefault(industry_of(c), len(industries))
    pools = np.zeros((len(chains), len(industries)))
    pools[np.arange(len(chains)), [industries[industry_of(c)] for c in chains]] = 1.0
    transfer = None
    if scenario.pairs:
        transfer = np.eye(len(chains))
        index = {c.id: k for k, c in enumerate(scenario.counties)}
        for pair in scenario.pairs:
            a, b = index[pair.coastal], index[pair.mountain]
            partner = {industry_of(chains[d]): d for d in np.flatnonzero(county_of_chain == b)}
            for c in np.flatnonzero(county_of_chain == a):
                d = partner.get(industry_of(chains[c]))
                if d is not None:
                    transfer[c, c] -= pair.share
                    transfer[c, d] += pair.share
    return Competition(tuple(industries), pools, transfer)


def contested_leads(plan: "Plan", month: int, own: np.ndarray, macro: Any, p: dict[str, Any], ratio: Any,
                    completeness: Any, completeness_0: Any, leader_output_yi: Any, linked: bool) -> np.ndarray:
    """Each chain's expected new leads this month (chains on the last axis) once the counties
    have competed for their industries' pools, from ``own``, the leads each chain's county
    alone would draw (``lead_intensity`` + ``leader_leads``, × the year factor ``macro`` and,
    when ``linked``, the linkages), the same state (``ratio``, ``completeness``, leaders'
    output) and the parameters ``p`` (scalars, or arrays against the chains). Both engines
    call it; the formulas are ``mechanisms.shared_pool`` and ``mechanisms.partner_placement``.
    """
    comp = plan.competition
    assert comp is not None
    reference = macro * (mech.lead_intensity(p["lead_rate"], plan.leads_weight, 1.0, ratio, p["size_elasticity"],
                                             p["size_feedback_cap"], completeness, completeness_0,
                                             p["completeness_gain"])
                         + mech.leader_leads(leader_output_yi, p["leader_leads_per_10yi"], 1.0))
    if linked:
        reference = reference * mech.linkage_factor(ratio, plan.links, p["size_feedback_cap"])
    attraction = own * mech.approval_attraction(plan.levers["approval_speedup"][month], p["approval_pull"])
    leads = mech.shared_pool(own, reference, attraction, comp.pools, p["contested_share"])
    if comp.transfer is not None:
        leads = mech.partner_placement(leads, comp.transfer)
    return leads


# --------------------------------------------------------------------------- results


def chain_counties(scenario: Scenario) -> dict[str, str]:
    """Each chain's county id (empty without counties)."""
    return {c.id: c.county for c in scenario.chains if c.county}


def _county_totals(scenario: Scenario, summary: Any, chain_ids: set[str]) -> dict[str, Any]:
    """Targets met and output in the last target year of a set of chains."""
    t = summary.targets
    rows = np.flatnonzero(t["chain"].isin(chain_ids).to_numpy())
    if not rows.size:
        return {}
    year = int(t["target_year"].iloc[rows].max())
    last = rows[t["target_year"].iloc[rows].to_numpy() == year]
    total = summary.target_output_yi[:, last].sum(axis=1)
    q = np.quantile(total, [0.1, 0.5, 0.9])
    base = {c.id: c.base_output.value_yi for c in scenario.chains}
    return {
        "chains": len(chain_ids), "targets": int(rows.size),
        "expected_targets_met": float(t["p_reach"].iloc[rows].sum()),
        "p_all_targets": float(np.all(summary.reached[:, rows], axis=1).mean()),
        "year": year, "base_output_yi": float(sum(base[c] for c in t["chain"].iloc[last])),
        "target_yi": float(t["target_yi"].iloc[last].sum()),
        "output_yi_mean": float(total.mean()), "output_yi_p10": float(q[0]), "output_yi_p50": float(q[1]),
        "output_yi_p90": float(q[2]),
    }


def county_results(scenario: Scenario, summary: Any) -> list[dict[str, Any]]:
    """One row per county: its chains and targets, the expected number of its targets met
    (Σ p_reach), the probability that all are met, and the output (亿元/year) of its chains with
    a target in its last target year: base, target, mean and P10/P50/P90 over replicates."""
    members = _members(scenario)
    return [{"county": c.id, "name_zh": c.name_zh, "name_en": c.name_en,
             **_county_totals(scenario, summary, members[c.id])} for c in scenario.counties]


def province_result(scenario: Scenario, summary: Any) -> dict[str, Any]:
    """``county_results`` for the whole province (every chain)."""
    return {"name_zh": scenario.county.name_zh, "name_en": scenario.county.name_en, "counties": len(scenario.counties),
            **_county_totals(scenario, summary, set(scenario.chain_ids))}


def _members(scenario: Scenario) -> dict[str, set[str]]:
    members: dict[str, set[str]] = {c.id: set() for c in scenario.counties}
    for chain in scenario.chains:
        if chain.county in members:
            members[chain.county].add(chain.id)
    return members


def annotate(result: dict[str, Any], scenario: Scenario, summary: Any) -> dict[str, Any]:
    """A run's CONTRACT.md JSON entry with what a province adds: ``county`` on every chain
    row, ``counties`` (``county_results``) and ``province`` (``province_result``)."""
    if not scenario.counties:
        return result
    county = chain_counties(scenario)
    result = {**result, "chains": [{**row, "county": county.get(row["chain"])} for row in result["chains"]]}
    result["counties"] = county_results(scenario, summary)
    result["province"] = province_result(scenario, summary)
    return result


Z95 = 1.959963984540054


def _mean_difference(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    """Mean of the paired differences b − a with its 95% normal interval."""
    d = np.asarray(b, dtype=float) - np.asarray(a, dtype=float)
    half = Z95 * d.std(ddof=1) / np.sqrt(d.size) if d.size > 1 else np.inf
    return float(d.mean()), float(d.mean() - half), float(d.mean() + half)


def verdict(lo: float, hi: float) -> str:
    """``gains`` when the interval of a difference lies above 0, ``loses`` below, else ``unclear``."""
    return "gains" if lo > 0 else "loses" if hi < 0 else "unclear"


def chain_differences(summary_a: Any, summary_b: Any, county: dict[str, str]) -> list[dict[str, Any]]:
    """Per chain target present in both runs: the mean output (亿元/year) in the target year
    under each, their paired difference B − A with its 95% interval, and whether the chain
    ``gains``, ``loses`` or changes by less than the interval can tell (``unclear``)."""
    ta, tb = summary_a.targets, summary_b.targets
    index_b = {(r.chain, int(r.target_year)): i for i, r in enumerate(tb.itertuples(index=False))}
    out = []
    for i, r in enumerate(ta.itertuples(index=False)):
        j = index_b.get((r.chain, int(r.target_year)))
        if j is None:
            continue
        diff, lo, hi = _mean_difference(summary_a.target_output_yi[:, i], summary_b.target_output_yi[:, j])
        out.append({"chain": r.chain, "county": county.get(r.chain), "target_year": int(r.target_year),
                    "output_yi_mean_a": float(summary_a.target_output_yi[:, i].mean()),
                    "output_yi_mean_b": float(summary_b.target_output_yi[:, j].mean()),
                    "output_diff_yi": diff, "output_diff_yi_ci": [lo, hi], "verdict": verdict(lo, hi)})
    return out


def county_differences(scenario: Scenario, summary_a: Any, summary_b: Any) -> list[dict[str, Any]]:
    """Per county of ``scenario`` (run as A and as B on common random numbers): the output of
    its chains in its last target year (亿元/year, summed per replicate) under A and B, the
    paired difference B − A with its 95% interval, the change in the expected number of
    targets met, and the verdict (``gains``, ``loses``, ``unclear``)."""
    out = []
    tb = summary_b.targets
    index_b = {(r.chain, int(r.target_year)): i for i, r in enumerate(tb.itertuples(index=False))}
    ta = summary_a.targets
    for county in scenario.counties:
        members = _members(scenario)[county.id]
        rows = [i for i, r in enumerate(ta.itertuples(index=False)) if r.chain in members]
        if not rows:
            continue
        year = int(ta["target_year"].iloc[rows].max())
        rows = [i for i in rows if int(ta["target_year"].iloc[i]) == year]
        pairs = [(i, index_b.get((ta["chain"].iloc[i], year))) for i in rows]
        pairs = [(i, j) for i, j in pairs if j is not None]
        if not pairs:
            continue
        a = summary_a.target_output_yi[:, [i for i, _ in pairs]].sum(axis=1)
        b = summary_b.target_output_yi[:, [j for _, j in pairs]].sum(axis=1)
        diff, lo, hi = _mean_difference(a, b)
        met_a = float(ta["p_reach"].iloc[[i for i, _ in pairs]].sum())
        met_b = float(tb["p_reach"].iloc[[j for _, j in pairs]].sum())
        out.append({"county": county.id, "name_zh": county.name_zh, "year": year,
                    "output_yi_mean_a": float(a.mean()), "output_yi_mean_b": float(b.mean()),
                    "output_diff_yi": diff, "output_diff_yi_ci": [lo, hi], "verdict": verdict(lo, hi),
                    "expected_targets_met_a": met_a, "expected_targets_met_b": met_b})
    return out
