"""The fast engine: the Mesa model's stochastic process on numpy arrays.

Core object: ``run_block(scenario, seed, replicates)`` runs a block of replicates at once
and returns ``Trajectories`` in the same layout as the Mesa engine (``chainsim.model``),
from the same formulas in ``chainsim.mechanisms``. ``tests/test_engine_equivalence.py``
holds the two engines to the same distributions of outcomes.

How it is fast without being a different model
----------------------------------------------
Once a lead has arrived, nothing that happens to the project depends on the county's
state: its monthly transition probabilities depend only on its replicate's parameters,
its own size and build time, and the lever paths, all known in advance. So the fast
engine draws a project's whole path when it arrives (the month it is decided, signed or
lost; started or dropped; completed or stalled; in production) instead of stepping every
open project every month. Each stage's waiting time is drawn exactly from the monthly
probabilities the Mesa model uses: it is the first month ``m`` after entering the stage in
month ``s`` with

    Σ_{k=s+1..m} log(1 − q_k) < log V,   V ~ U(0, 1],   q_k = P(a transition in month k),

the law of "the first month whose draw says move": geometric when ``q`` is constant (closed
form), found by bisection on a cumulative table when a lever schedule makes it vary. What
happens in that month (advance or drop) is drawn by calling the mechanism with a uniform
on [0, q_k), i.e. conditioned on a transition. Stocks and flows are counted from the event
months at the end. Enterprises need a monthly step, since their output feeds back into
lead arrivals: an enterprise exits in a month drawn at its birth (geometric) and grows by
a lognormal factor each month.

The state feeds back only through lead arrivals (Poisson intensity from output, leaders
and completeness) and the segment a lead aims at (from the filled segments). Each month:

1. lead intensity from the state at the start of the month (the end of the last);
2. enterprises exit or grow (after the warm-up);
3. projects whose production starts this month become enterprises and fill their
   segment (after the warm-up; during it they are only counted);
4. new leads arrive (Poisson);
5. the month's output, enterprises by tier and completeness are recorded.

The paths of the leads of ``BATCH_MONTHS`` consecutive months are drawn together (numpy
calls on larger arrays), each lead seeing the filled segments of its own arrival month:
nothing a lead does can reach the state before four months (one transition a month from
lead to production), so drawing its path up to three months late changes nothing. A lead
that is lost never uses its size or segment, so only leads that will be signed draw them.

Randomness: one ``Generator`` per block, from the block's ``SeedSequence``, used in a fixed
order; the block is the unit of reproducibility (see ``chainsim.ensemble``).
"""

from __future__ import annotations

import numpy as np

from . import mechanisms as mech
from .prepare import Plan, base_outputs, chain_intensity, draw_parameters, make_plan, size_bin
from .province import contested_leads
from .records import COHORT_METRICS, INDEX, N_BINS, Trajectories, flow_index, new_record, pipeline_cutoff
from .scenario import Scenario

BATCH_MONTHS = 2
"""Months of arrivals whose paths are drawn together: fewer than the shortest path from arrival
to being ready to start (2 months), so a batch is drawn before any of its projects asks for land."""

_COHORT_ROWS = [INDEX[name] for name in COHORT_METRICS]
_TIER_ROWS = [INDEX["ent_leader"], INDEX["ent_backbone"], INDEX["ent_growth"], INDEX["ent_supplier"]]
_STOCK_ROWS = [INDEX["stock_lead"], INDEX["stock_signed"], INDEX["stock_started"], INDEX["stock_completed"],
               INDEX["stock_waiting"]]
_WAITING = 4
"""Index in ``_STOCK_ROWS`` of the signed projects waiting for land or factory space."""
_N_TIERS = len(mech.TIERS)
_LOG_FLOOR = -700.0
"""Floor on log(1 − q), a month's log-probability of no transition: keeps q = 1 finite."""


# ------------------------------------------------------------------ waiting times


def _log_keep(q: np.ndarray) -> np.ndarray:
    """log(1 − q): the log-probability of no transition in a month of probability ``q``."""
    with np.errstate(divide="ignore"):
        return np.maximum(np.log1p(-q), _LOG_FLOOR)


def _cumulative(log_keep: np.ndarray) -> np.ndarray:
    """(T + 1, rows) sums of a (T, rows) table over the months before each month."""
    out = np.zeros((log_keep.shape[0] + 1, log_keep.shape[1]))
    np.cumsum(log_keep, axis=0, out=out[1:])
    return out


def _first_event(start: np.ndarray, log_v: np.ndarray, log_keep: np.ndarray, horizon: int,
                 varying: "_Varying | None" = None, row: np.ndarray | None = None) -> np.ndarray:
    """Month of the first transition of projects that entered a stage in month ``start``.

    A project's monthly log-probability of no transition is ``log_keep`` (its own,
    constant) plus, if ``varying`` is given, a part that varies by month and row
    (replicate × chain). The transition is in the first month ``m > start`` whose
    cumulative log-survival falls below ``log_v`` (the log of a uniform on (0, 1]).
    Returns months in (start, horizon]; ``horizon`` means no transition before the end.

    With a varying part, the closed form of the constant case is used while the lever
    regime of the first month after ``start`` lasts, and a bisection on the cumulative
    table after that. So an event before a lever changes is computed exactly as if the
    lever never changed: a policy from month P leaves every month before P as it was.
    """
    if varying is None:
        return _geometric(start, log_v, log_keep, horizon)
    first = np.minimum(start + 1, horizon - 1)
    keep0 = log_keep + varying.log_keep[first, row]
    answer = _geometric(start, log_v, keep0, horizon)
    change = varying.next_change[first]
    later = np.flatnonzero(answer >= change)
    if later.size:
        answer[later] = varying.bisect(start[later], log_v[later], np.broadcast_to(log_keep, start.shape)[later],
                                       row[later], change[later], horizon)
    return answer


def _geometric(start: np.ndarray, log_v: np.ndarray, log_keep: np.ndarray, horizon: int) -> np.ndarray:
    """First month after ``start`` at a constant monthly log-survival ``log_keep`` (closed form)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        k = np.where(log_keep < 0, np.ceil(log_v / np.minimum(log_keep, -1e-300)), np.inf)
    return np.minimum(start + np.maximum(k, 1.0), horizon).astype(np.int64)


class _Varying:
    """A stage's monthly log-survival that changes with a lever schedule, by row.

    ``log_keep[k, row]``: the part of month ``k``; ``cum[k, row]``: its sum over the months
    before ``k``; ``next_change[k]``: the first month after ``k`` whose lever regime differs
    from month ``k``'s (the horizon if none).
    """

    def __init__(self, log_keep: np.ndarray, regime: np.ndarray):
        self.log_keep = log_keep
        self.cum = _cumulative(log_keep)
        T = regime.size
        nxt = np.full(T, T, dtype=np.int64)
        for k in range(T - 2, -1, -1):
            nxt[k] = k + 1 if regime[k + 1] != regime[k] else nxt[k + 1]
        self.next_change = nxt

    def bisect(self, start: np.ndarray, log_v: np.ndarray, log_keep: np.ndarray, row: np.ndarray,
               lo: np.ndarray, horizon: int) -> np.ndarray:
        """First month in [lo, horizon) whose cumulative log-survival since ``start`` is below
        ``log_v`` (``horizon`` if none); no month before ``lo`` qualifies."""
        rows = self.cum.shape[1]
        flat = self.cum.reshape(-1)
        base = flat[(start + 1) * rows + row]
        lo, hi = lo.copy(), np.full(start.shape, horizon, dtype=np.int64)
        while True:
            active = lo < hi
            if not active.any():
                return lo
            mid = np.minimum((lo + hi) // 2, horizon - 1)
            moved = (mid - start) * log_keep + flat[(mid + 1) * rows + row] - base < log_v
            hi = np.where(active & moved, mid, hi)
            lo = np.where(active & ~moved, mid + 1, lo)


def _constant_in_time(plan: Plan, *levers: str) -> bool:
    return all(bool(np.all(plan.levers[name] == plan.levers[name][:1])) for name in levers)


# ------------------------------------------------------------------ enterprises


def _growth_exponent(growth_per_year: np.ndarray, growth_sd_per_year: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray]:
    """``(a, b)`` with ``mech.growth_factor(z, g, sd) == exp(a + b z)``, read off the mechanism.

    An enterprise's monthly growth factor is lognormal: its log is affine in the standard
    normal ``z``. Taking the two coefficients once per replicate makes the monthly step of
    every enterprise one multiply-add and one exp, in single precision (its rounding, 1e-7
    a month, is far below the growth noise).
    """
    a = np.log(mech.growth_factor(0.0, growth_per_year, growth_sd_per_year))
    b = np.log(mech.growth_factor(1.0, growth_per_year, growth_sd_per_year)) - a
    return a.astype(np.float32), b.astype(np.float32)


def _standard_normal(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` standard normal draws in single precision, by the Box–Muller transform of
    uniforms from ``rng`` (three times faster than ``rng.standard_normal`` here). Uniforms
    on a 2⁻²⁴ grid cap |z| at 5.8, a tail of probability 1e-8."""
    half = (n + 1) // 2
    u = rng.random((2, half), dtype=np.float32)
    radius = np.sqrt(np.float32(-2.0) * np.log1p(-u[0]))
    angle = np.float32(2.0 * np.pi) * u[1]
    z = np.empty(2 * half, dtype=np.float32)
    np.multiply(radius, np.cos(angle), out=z[:half])
    np.multiply(radius, np.sin(angle), out=z[half:])
    return z[:n]


def _founders(rng: np.random.Generator, plan: Plan, leader_output_share: np.ndarray, bases: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``mech.initial_enterprises`` for every replicate and chain of a block at once.

    Same law: the leaders (链主) share ``leader_output_share`` of the chain's base output by
    Dirichlet(1) weights, the other firms the rest by Dirichlet(1) weights in decreasing
    order; Dirichlet(1) weights are normalised standard exponentials (as numpy draws
    them). ``bases`` is each replicate's base output by chain, (R, C), 亿元/year (see
    ``prepare.base_outputs``). Tiers do not depend on the draws and come from the mechanism itself. Returns
    the row (replicate × n_chains + chain), tier and output (亿元/year) of every founder,
    replicate by replicate.
    """
    R, C = leader_output_share.size, plan.n_chains
    rows, tiers, outputs = [], [], []
    for c in range(C):
        base, n = bases[:, c], int(plan.n_enterprises[c])
        n_leaders = min(int(plan.n_leaders0[c]), n)
        others = n - n_leaders
        _, tier = mech.initial_enterprises(np.random.default_rng(0), float(plan.base_output_yi[c]), n, n_leaders, 0.5)
        out = np.empty((R, n))
        leader_total = base * (leader_output_share if others > 0 else np.ones(R)) if n_leaders else np.zeros(R)
        stated = plan.leader_outputs_yi[c]
        if n_leaders and stated is not None:
            out[:, :n_leaders] = np.asarray(stated[:n_leaders])[None, :]
            leader_total = np.full(R, float(np.sum(stated[:n_leaders])))
        elif n_leaders:
            e = rng.standard_exponential((R, n_leaders))
            out[:, :n_leaders] = leader_total[:, None] * e / e.sum(axis=1, keepdims=True)
        if others:
            e = -np.sort(-rng.standard_exponential((R, others)), axis=1)
            out[:, n_leaders:] = np.maximum(base - leader_total, 0.0)[:, None] * e / e.sum(axis=1, keepdims=True)
        rows.append(np.repeat(np.arange(R) * C + c, n).reshape(R, n))
        tiers.append(np.broadcast_to(tier, (R, n)))
        outputs.append(out)
    return (np.concatenate(rows, axis=1).reshape(-1), np.concatenate(tiers, axis=1).reshape(-1),
            np.concatenate(outputs, axis=1).reshape(-1))


class _Enterprises:
    """Enterprises of every replicate in the block, in flat arrays with room to grow.

    ``key`` is the row (replicate × n_chains + chain); ``value`` is capacity × growth level
    (亿元/year at full ramp-up), so output is value × ramp-up share, read from the table at
    ``ramp_at`` + month × replicates; ``leaves`` is the month the enterprise exits; ``new``
    is 1 for an enterprise from a project signed from the policy start on, else 0 (its
    cohort, ``records.COHORTS``). The founders (the enterprises at the start: no ramp-up) come first, sorted by row, then
    the enterprises born from projects, in order of birth. An enterprise that exits keeps
    its slot with zero value until the arrays are compacted.

    Per-enterprise copies of per-replicate or per-row numbers (``a``, ``b``, ``extra``: the
    growth law's coefficients; ``code``: row × 2 + cohort) are taken once, when an
    enterprise is added, so that the monthly steps read contiguous arrays. Exit months are
    int16 (months < 32,768), ramp-up table positions int32, tiers int8: 44 bytes an
    enterprise (``memory._ENTERPRISE_BYTES`` allows 49).
    """

    _FIELDS = (("key", np.int64), ("tier", np.int8), ("value", np.float64), ("ramp_at", np.int32),
               ("leaves", np.int16), ("new", np.int8), ("code", np.int64), ("a", np.float32), ("b", np.float32),
               ("extra", np.float32))

    def __init__(self, key: np.ndarray, tier: np.ndarray, value: np.ndarray, leaves: np.ndarray,
                 n_chains: int, ramp: np.ndarray, growth: tuple[np.ndarray, np.ndarray] | None = None):
        self.n_chains = n_chains
        self.ramp = ramp.reshape(-1)  # ramp-up share by (age in months, replicate)
        self.n_reps = ramp.shape[1]
        self.n = self.n_founders = 0
        self.n_dead = 0
        self.n_rows = ramp.shape[1] * n_chains
        zero = np.zeros(self.n_reps, np.float32)
        self.growth_a, self.growth_b = growth if growth is not None else (zero, zero)  # per replicate
        self.extra_rows: np.ndarray | None = None  # the growth's per-row term now in the ``extra`` column
        self._born_leaders = np.empty(0, np.int64)
        self._cols = {name: np.empty(key.size + key.size // 4 + 1024, dtype) for name, dtype in self._FIELDS}
        self.add(key, tier, value, None, leaves)
        self.n_founders = self.n
        self._index_founders()

    def _index_founders(self) -> None:
        """Where each row's founders start (they are sorted by row), for summing by segment,
        and which founders are leaders."""
        f = self.n_founders
        starts = np.searchsorted(self.key[:f], np.arange(self.n_rows))
        self._founder_starts = starts[starts < f]  # rows past the last founder have none
        self._no_founders = np.flatnonzero(np.diff(np.append(starts, f)) == 0)
        self._founder_leaders = np.flatnonzero(self.tier[:f] == mech.LEADER)

    def __getattr__(self, name: str) -> np.ndarray:
        cols = self.__dict__.get("_cols")
        if cols is None or name not in cols:
            raise AttributeError(name)
        return cols[name][: self.n]

    def _put(self, at: int, **values: np.ndarray) -> None:
        for name, v in values.items():
            self._cols[name][at: at + v.size] = v

    def add(self, key: np.ndarray, tier: np.ndarray, value: np.ndarray, born: int | None, leaves: np.ndarray,
            new: np.ndarray | None = None) -> None:
        """Enterprises of rows ``key`` born in month ``born`` (None: founders, no ramp-up)."""
        need = self.n + key.size
        if need > self._cols["key"].size:
            size = max(need, 3 * self._cols["key"].size // 2)
            for name, col in self._cols.items():
                grown = np.empty(size, col.dtype)
                grown[: self.n] = col[: self.n]
                self._cols[name] = grown
        rep = key // self.n_chains
        new = np.zeros(key.size, np.int8) if new is None else new
        ramp_at = np.zeros(key.size, np.int64) if born is None else rep - born * self.n_reps
        self._put(self.n, key=key, tier=tier, value=value, ramp_at=ramp_at, leaves=leaves, new=new,
                  code=key * 2 + new, a=self.growth_a[rep], b=self.growth_b[rep])
        if self.extra_rows is not None:
            self._put(self.n, extra=self.extra_rows[key])
        if born is not None:
            self._born_leaders = np.concatenate([self._born_leaders, self.n + np.flatnonzero(tier == mech.LEADER)])
        self.n = need

    def exit(self, month: int) -> np.ndarray:
        """Zero the value of the enterprises exiting in ``month``; returns their row × tier codes."""
        gone = np.flatnonzero(self.leaves == month)
        self.value[gone] = 0.0
        codes = self.key[gone] * _N_TIERS + self.tier[gone]
        self.n_dead += gone.size
        if self.n_dead * 4 > self.n:
            alive = self.leaves > month
            founders = int(alive[: self.n_founders].sum())
            for name, col in self._cols.items():
                kept = col[: self.n][alive]
                col[: kept.size] = kept
            self.n, self.n_founders, self.n_dead = int(alive.sum()), founders, 0
            self._index_founders()
            born = np.arange(self.n_founders, self.n)
            self._born_leaders = born[self.tier[born] == mech.LEADER]
        return codes

    def grow(self, rng: np.random.Generator, extra: np.ndarray) -> None:
        """A month of growth: value × exp(a + b z + extra) = value × mech.growth_factor(z, g + 12 extra, sd),
        ``extra`` (float32, by row) the month's share of the year effect and stated shocks: pass
        the same array for every month of a year (it is copied per enterprise when it changes)."""
        if extra is not self.extra_rows:
            self.extra_rows = extra
            self._cols["extra"][: self.n] = extra[self.key]
        x = _standard_normal(rng, self.n)
        x *= self.b
        x += self.a
        x += self.extra
        self.value[:] *= np.exp(x, out=x)

    def leader_output(self, month: int, rows: int) -> np.ndarray:
        """Annual output (亿元/year) of the leader firms (链主) by row at the end of ``month``."""
        lead = self._founder_leaders
        out = np.bincount(self.key[lead], weights=self.value[lead], minlength=rows).astype(np.float64)
        born = self._born_leaders
        if born.size:
            ramp = self.ramp[self.ramp_at[born] + month * self.n_reps]
            out += np.bincount(self.key[born], weights=self.value[born] * ramp, minlength=rows)
        return out

    def chain_output(self, month: int, rows: int) -> np.ndarray:
        """Annual output (亿元/year) by row (replicate × chain) at the end of ``month``."""
        return self.cohort_output(month, rows).sum(axis=0)

    def cohort_output(self, month: int, rows: int) -> np.ndarray:
        """Annual output (亿元/year) by origin (``records.COHORTS``: founders, projects signed
        before the policy start, projects signed from it on) and row (replicate × chain) at
        the end of ``month``, (3, rows); a chain's output is the sum over origins."""
        f = self.n_founders
        out = np.zeros((3, rows))
        if f:
            starts = self._founder_starts
            out[0, : starts.size] = np.add.reduceat(self.value[:f], starts)
            out[0, self._no_founders] = 0.0
        if self.n > f:
            ramp = self.ramp[self.ramp_at[f:] + month * self.n_reps]  # (age, replicate)
            out[1:] = np.bincount(self.code[f:], weights=self.value[f:] * ramp, minlength=2 * rows).reshape(rows, 2).T
        return out


# ------------------------------------------------------------------ project paths


_ONE = np.float32(1.0)  # np.add.at is fast only when the values have the record's dtype


class _Log:
    """Writes project events into a block's record: stage entries and exits (as monthly
    changes, summed into stocks by ``finish``), flows by size class, commissionings."""

    def __init__(self, record: np.ndarray):
        self.record = record
        self.flat = record.reshape(-1)  # a view: (metric, month, row) flat indices
        _, self.months, R, C = record.shape
        self.rows = R * C
        self.spent = np.zeros((self.months, self.rows))  # monthly changes of investment spending, 亿元/month

    def _at(self, metric: np.ndarray | int, month: np.ndarray, row: np.ndarray) -> np.ndarray:
        return (metric * self.months + month) * self.rows + row

    def enter(self, stage: int, month: np.ndarray, row: np.ndarray) -> None:
        """Projects entering ``stage`` in ``month`` (before the horizon)."""
        np.add.at(self.flat, self._at(_STOCK_ROWS[stage], month, row), _ONE)

    def leave(self, stage: int, month: np.ndarray, row: np.ndarray) -> None:
        """Projects leaving ``stage`` in ``month`` (the horizon or later: never)."""
        gone = month < self.months
        np.add.at(self.flat, self._at(_STOCK_ROWS[stage], month[gone], row[gone]), -_ONE)

    def add(self, metric: str | int, month: int, row: np.ndarray, value: np.ndarray | float = 1.0) -> None:
        """Add ``value`` (per project) to ``metric`` (a name, or a row of the record) of each
        project's ``row`` in one ``month``."""
        index = INDEX[metric] if isinstance(metric, str) else metric
        start = (index * self.months + month) * self.rows
        if isinstance(value, np.ndarray):
            weights = value
        else:
            weights = None if value == 1.0 else np.full(row.shape, value)
        self.flat[start:start + self.rows] += np.bincount(row, weights, minlength=self.rows).astype(np.float32)

    def stay(self, stage: int, enter: np.ndarray | None, leave: np.ndarray, row: np.ndarray) -> None:
        """Projects in ``stage`` from month ``enter`` (None: counted as they arrived) until
        month ``leave`` (the horizon or later: never)."""
        metric = _STOCK_ROWS[stage]
        if enter is not None:
            np.add.at(self.flat, self._at(metric, enter, row), _ONE)
        gone = leave < self.months
        np.add.at(self.flat, self._at(metric, leave[gone], row[gone]), -_ONE)

    def flow(self, kind: str, month: np.ndarray, row: np.ndarray, size: np.ndarray) -> None:
        """Projects of ``size`` 亿元 moving in ``month`` (before the horizon); ``kind`` in FLOW_KINDS."""
        b = size_bin(size)
        np.add.at(self.flat, self._at(flow_index(kind, "count", 0) + b, month, row), _ONE)
        np.add.at(self.flat, self._at(flow_index(kind, "value_yi", 0) + b, month, row), size.astype(np.float32))

    def flow_by_month(self, kind: str, month: np.ndarray, row: np.ndarray, size: np.ndarray) -> None:
        """``flow`` summed in double precision per size class, month and row, each sum then
        added once to the record: one bincount for the counts and one for the 亿元 (the
        classes' rows are contiguous in the record)."""
        first_month = int(month.min()) if month.size else 0
        span = int(month.max()) - first_month + 1 if month.size else 1
        code = (size_bin(size) * span + (month - first_month)) * self.rows + row
        n = N_BINS * span * self.rows
        shape = (N_BINS, span, *self.record.shape[2:])
        for stat, weights in (("count", None), ("value_yi", size)):
            first = flow_index(kind, stat, 0)
            self.record[first:first + N_BINS, first_month:first_month + span] += np.bincount(
                code, weights, minlength=n).astype(np.float32).reshape(shape)

    def spend(self, start: np.ndarray, end: np.ndarray, row: np.ndarray, per_month: np.ndarray) -> None:
        """Projects under construction from month ``start`` (ascending) until ``end`` (exclusive;
        the horizon or later: never) spending ``per_month`` 亿元 a month, as monthly changes
        summed by ``finish``. Added start month by start month, the starts before the ends
        (the order of the additions is part of the double-precision result)."""
        gone = np.flatnonzero(end < self.months)
        index = np.concatenate([start * self.rows + row, end[gone] * self.rows + row[gone]])
        value = np.concatenate([per_month, -per_month[gone]])
        order = np.argsort(np.concatenate([2 * start, 2 * start[gone] + 1]), kind="stable")
        np.add.at(self.spent.reshape(-1), index[order], value[order])  # a view: month × rows + row

    def commissioned(self, month: np.ndarray, row: np.ndarray) -> None:
        done = month < self.months
        np.add.at(self.flat, self._at(INDEX["producing_new"], month[done], row[done]), _ONE)

    def finish(self) -> None:
        """Turn the stocks' monthly changes into stocks at the end of each month."""
        for k in _STOCK_ROWS:  # exact: counts < 2^24
            np.cumsum(self.record[k], axis=0, out=self.record[k])
        spending = np.maximum(np.cumsum(self.spent, axis=0), 0.0)  # float64: no drift from the differences
        self.record[INDEX["investment_yi"]] = spending.reshape(self.record.shape[1:])


class _Paths:
    """Draws the paths of arriving leads and starts the projects that find land.

    Per replicate: the monthly probability that a lead is decided, and the log-probability
    of no commissioning and no exit in a month. Per lever regime (a distinct setting of the
    levers that matter here; one when no lever changes) and row: the signed stage's start
    and drop-out probabilities and the started stage's stall probability. ``_first_event``
    uses cumulative monthly tables only when these levers change during the run.

    A path is drawn in two parts. ``draw`` takes a lead from its arrival to the month it is
    ready to start (or lost or dropped before); ``start`` then serves the month's ready
    projects, and those still waiting, from the county's land and factory space
    (``mech.served_in_order``) and draws the rest of the served ones' paths, from their
    actual start. Projects not served wait, and go elsewhere after ``land_wait_months``.
    """

    _LEVERS = ("approval_speedup", "prework_fund_yi", "finance_matching")

    def __init__(self, plan: Plan, p: dict[str, np.ndarray], cutoff: int):
        self.plan, self.p = plan, p
        R, C = p["lead_rate"].size, plan.n_chains
        self.R, self.rows = R, R * C
        paths = np.concatenate([plan.levers[name] for name in self._LEVERS], axis=1)  # (T, levers × C)
        settings, self.regime = np.unique(paths, axis=0, return_inverse=True)
        self.regime = self.regime.reshape(-1)  # regime of each month
        G = settings.shape[0]
        col = {k: v[None, :, None] for k, v in p.items()}  # (1, R, 1) against (G, 1, C) lever settings
        lev = {name: settings[:, None, i * C:(i + 1) * C] for i, name in enumerate(self._LEVERS)}

        def table(values: np.ndarray) -> np.ndarray:  # (G, R, C) -> flat (regime × rows + row)
            return np.broadcast_to(values, (G, R, C)).reshape(-1)

        self.p_decide = mech.lead_exit_probability(p["lead_months"])
        self.keep_lead = _log_keep(self.p_decide)
        self.keep_commission = _log_keep(mech.commissioning_probability(p["commissioning_months"]))
        self.firm_yi = p["enterprise_output_yi"]
        self.intensity = chain_intensity(plan, p).reshape(-1)  # by row
        self.p_start = table(mech.start_probability(col["start_lag_months"], lev["approval_speedup"],
                                                    lev["prework_fund_yi"], col["prework_need_yi"],
                                                    col["prework_lag_cut"]))
        self.p_drop = table(mech.dropout_probability(col["signed_dropout_per_year"], lev["finance_matching"],
                                                     col["finance_dropout_cut"]))
        self.p_signed_move = self.p_start + (1.0 - self.p_start) * self.p_drop  # as competing_outcome's cut
        self.p_stall = table(mech.dropout_probability(col["started_dropout_per_year"], lev["finance_matching"],
                                                      col["finance_dropout_cut"]))
        self.approval = table(lev["approval_speedup"])
        by_month = self.regime[:, None] * self.rows + np.arange(self.rows)  # (T, rows) flat indices
        varying_signed = not _constant_in_time(plan, "approval_speedup", "prework_fund_yi", "finance_matching")
        varying_started = not _constant_in_time(plan, "finance_matching")
        self.cum_signed = _Varying(_log_keep(self.p_signed_move[by_month]), self.regime) if varying_signed else None
        self.cum_stall = _Varying(_log_keep(self.p_stall[by_month]), self.regime) if varying_started else None
        # the county's stocks, per replicate and county (row r × n_counties + k), and the projects asking for them
        self.K = plan.n_counties
        self.land = np.tile(plan.land_bank0_mu, R)
        self.factory = np.tile(plan.factory0_wm2, R)
        self.wait = mech.wait_months(p["land_wait_months"])
        self.ready: list[list[np.ndarray]] = [[] for _ in range(plan.total_months + 1)]
        self.waiting = np.empty((6, 0))  # (row, size, segment, ready month, order key, new) of waiting projects
        self.cutoff = cutoff  # run month of the policy start: projects signed from it on are the new cohort
        self.started: list[tuple[np.ndarray, ...]] = []  # by month: projects started, paths not yet drawn

    def keep_exit(self, r: np.ndarray, output_yi: np.ndarray) -> np.ndarray:
        """Monthly log-probability that enterprises of ``output_yi`` (亿元/year) in replicates ``r`` stay."""
        p = self.p
        return _log_keep(mech.exit_probability(p["exit_per_year"][r], output_yi, self.firm_yi[r],
                                               p["exit_size_elasticity"][r]))

    def _at(self, month: np.ndarray, row: np.ndarray) -> np.ndarray:
        """Flat index into the per-regime tables of ``row`` in ``month``."""
        return self.regime[month] * self.rows + row

    def draw(self, arrival: np.ndarray, row: np.ndarray, flagship: np.ndarray, filled: np.ndarray, first: int,
             rng: np.random.Generator, log: _Log) -> None:
        """Paths of leads arriving in months ``arrival`` in rows ``row`` (``flagship``: from the
        flagship tier's own arrivals) up to the month they are ready to start; ``filled`` is the
        (months from ``first``, replicates, chains, segments) mask of the filled segments in
        each arrival month. Logs their stage stays and flows; queues the ready
        ones in ``ready[month]`` as (row, size 亿元, segment, new) columns, ``new`` = 1 for a
        project signed from the policy start (``cutoff``) on."""
        plan, p = self.plan, self.p
        T, C = plan.total_months, plan.n_chains

        # lead: decided in month D, then signed (mech.lead_outcome given a decision) or lost
        r = row // C
        v = rng.random((2, row.size))
        D = _first_event(arrival, np.log1p(-v[0]), self.keep_lead[r], T)
        log.stay(0, None, D, row)
        pd_ = self.p_decide[r]
        signed = np.flatnonzero((D < T) & (mech.lead_outcome(v[1] * pd_, pd_, p["sign_prob"][r]) == mech.ADVANCE))
        if not signed.size:
            return
        arrival, row, r, D = arrival[signed], row[signed], r[signed], D[signed]
        filled_at = filled[arrival - first, r, row % C]  # (leads, segments)
        flagship = flagship[signed].astype(np.float64)
        c, n = row % C, row.size
        size = mech.draw_project_sizes(rng, n, p["major_share"][r], p["size_ordinary_median_yi"][r],
                                       p["size_ordinary_sigma"][r], p["size_major_median_yi"][r],
                                       p["size_major_sigma"][r],
                                       flagship, p["size_flagship_median_yi"][r], p["size_flagship_sigma"][r])
        u = rng.random((2, n))
        seg = mech.choose_segments(u[0], u[1], filled_at, plan.n_segments[c],
                                   plan.levers["precision_targeting"][arrival, c])
        log.flow("signed", D, row, size)
        log.enter(1, D, row)

        # signed: ready to start or dropped in month S (mech.competing_outcome given a transition)
        v = rng.random((2, n))
        keep = np.zeros(n) if self.cum_signed is not None else _log_keep(self.p_signed_move[self._at(D, row)])
        S = _first_event(D, np.log1p(-v[0]), keep, T, self.cum_signed, row)
        moved = np.flatnonzero(S < T)
        at = self._at(S[moved], row[moved])
        out = mech.competing_outcome(v[1, moved] * self.p_signed_move[at], self.p_start[at], self.p_drop[at])
        dropped = moved[out == mech.DROP]
        log.leave(1, S[dropped], row[dropped])
        go = moved[out == mech.ADVANCE]
        if not go.size:
            return
        S = S[go]
        order = np.argsort(S, kind="stable")
        table = np.stack([row[go], size[go], seg[go], D[go] >= self.cutoff]).astype(np.float64)[:, order]
        S = S[order]
        cut = np.flatnonzero(np.diff(S)) + 1
        for first, stop in zip([0, *cut.tolist()], [*cut.tolist(), S.size]):
            self.ready[S[first]].append(table[:, first:stop])

    def start(self, m: int, rng: np.random.Generator, log: _Log, births: list[list[np.ndarray]]) -> None:
        """Month ``m``: add the month's land and factory space, serve the projects ready to
        start (those already waiting first, oldest first, then this month's in random order),
        draw the served ones' paths from their start in ``m``, and let those that waited
        ``land_wait_months`` go elsewhere. Schedules the enterprises the served projects
        become in ``births[month]`` as (row, segment, tier, capacity 亿元/year, exit month, new)."""
        plan, p = self.plan, self.p
        self.land.reshape(self.R, -1)[:] += plan.land_supply_mu[m]  # by replicate × county
        self.factory.reshape(self.R, -1)[:] += plan.factory_supply_wm2[m]
        new = self.ready[m]
        self.ready[m] = []
        if new:
            fresh = np.concatenate(new, axis=1)
            fresh = np.vstack([fresh[:3], np.full(fresh.shape[1], m, dtype=np.float64), rng.random(fresh.shape[1]),
                               fresh[3]])
            queue = np.concatenate([self.waiting, fresh], axis=1)
        elif self.waiting.shape[1]:
            queue = self.waiting
        else:
            return
        C, K = plan.n_chains, self.K
        row = queue[0].astype(np.int64)
        rep = row // C
        stock = rep if K == 1 else rep * K + plan.chain_county[row % C]  # whose land: replicate × county
        size = queue[1]
        f_need = mech.factory_need_wm2(size, p["factory_wm2_per_yi"][rep], p["small_project_max_yi"][rep])
        small = f_need > 0
        land = mech.land_need_mu(size, p["investment_intensity_yi_per_mu"][rep]) * plan.land_factor[row % C]
        l_need = np.where(small, 0.0, land)
        if (np.all(np.bincount(stock, weights=f_need, minlength=self.R * K) <= self.factory)
                and np.all(np.bincount(stock, weights=l_need, minlength=self.R * K) <= self.land)):
            # room for every request: serving order cannot matter, so skip the sort
            in_factory, on_land = small, ~small
        else:
            # by replicate (and county), then ready month, then random key in [0, 1): one exact float64 key
            order = np.argsort(stock * (plan.total_months + 1) + queue[3] + queue[4])
            queue, row, rep, size, f_need = queue[:, order], row[order], rep[order], size[order], f_need[order]
            land, stock = land[order], stock[order]
            in_factory = mech.served_in_order(f_need, self.factory, stock)
            l_need = np.where(in_factory, 0.0, land)
            on_land = mech.served_in_order(l_need, self.land, stock)
        ready_month = queue[3].astype(np.int64)
        self.factory -= np.bincount(stock[in_factory], weights=f_need[in_factory], minlength=self.R * K)
        self.land -= np.bincount(stock[on_land], weights=l_need[on_land], minlength=self.R * K)
        served = in_factory | on_land
        was_waiting = ready_month < m
        lost = ~served & (m - ready_month >= self.wait[rep])
        stays = ~served & ~lost
        log.add(_STOCK_ROWS[_WAITING], m, row[stays & ~was_waiting])
        log.add(_STOCK_ROWS[_WAITING], m, row[(served | lost) & was_waiting], -1.0)
        log.add(_STOCK_ROWS[1], m, row[served | lost], -1.0)
        if lost.any():
            log.add("land_lost_new", m, row[lost], 1.0)
        self.waiting = queue[:, stays]
        if not served.any():
            return
        log.add("land_used_mu", m, row[on_land], l_need[on_land])
        log.add("factory_used_wm2", m, row[in_factory], f_need[in_factory])
        # every uniform of the rest of the path is drawn now, so the number of draws depends on
        # nothing after month m (a later lever cannot shift the stream of earlier months)
        n = int(served.sum())
        self.started.append((np.full(n, m, dtype=np.int64), row[served], size[served],
                             queue[2, served].astype(np.int64), in_factory[served], queue[5, served],
                             rng.random((5, n))))

    def build_due(self, m: int, log: _Log, births: list[list[np.ndarray]], final: bool = False) -> None:
        """Draw the rest of the paths of the projects started so far (``_build``) when month
        ``m`` may need their enterprises: a project started in month s is in production in
        s + 2 at the earliest, so the starts of the warm-up and of every two months are built
        together (or all, if ``final``). The result is the same as building each month's starts
        in that month, addition for addition."""
        if not self.started or (not final and (m < self.plan.warmup or int(self.started[0][0][0]) > m - 2)):
            return
        parts = [np.concatenate(cols, axis=-1) for cols in zip(*self.started)]
        self.started = []
        self._build(*parts, log, births)

    def _build(self, S: np.ndarray, row: np.ndarray, size: np.ndarray, seg: np.ndarray, in_factory: np.ndarray,
               new: np.ndarray, v: np.ndarray, log: _Log, births: list[list[np.ndarray]]) -> None:
        """Paths of projects starting construction in months ``S`` (ascending), ``v`` their
        five uniforms each: completed or stalled, then in production; an enterprise after the
        warm-up (``new``: its cohort)."""
        plan, p = self.plan, self.p
        T, W, C = plan.total_months, plan.warmup, plan.n_chains
        r = row // C
        log.flow_by_month("started", S, row, size)
        at = self._at(S, row)
        build = mech.build_months(size, p["build_months_1yi"][r] * plan.build_factor[row % C],
                                  p["build_size_elasticity"][r], self.approval[at],
                                  in_factory, p["factory_build_factor"][r],
                                  p["build_months_max"][r] * plan.build_factor[row % C])
        p_done = mech.completion_probability(build)

        # started: completed or stalled in month F
        keep = _log_keep(p_done) + (0.0 if self.cum_stall is not None else _log_keep(self.p_stall[at]))
        F = _first_event(S, np.log1p(-v[0]), keep, T, self.cum_stall, row)
        log.stay(2, S, F, row)
        log.spend(S, F, row, mech.investment_per_month(size, build))
        moved = np.flatnonzero(F < T)
        stall, pd_ = self.p_stall[self._at(F[moved], row[moved])], p_done[moved]
        out = mech.competing_outcome(v[1, moved] * (pd_ + (1.0 - pd_) * stall), pd_, stall)
        go = moved[out == mech.ADVANCE]
        if not go.size:
            return
        row, r, size, seg, F, new = row[go], r[go], size[go], seg[go], F[go], new[go]
        log.flow("completed", F, row, size)

        # completed: in production in month P; an enterprise after the warm-up, exiting in month X
        v = v[2:, go]
        P = _first_event(F, np.log1p(-v[0]), self.keep_commission[r], T)
        log.stay(3, F, P, row)
        log.commissioned(P, row)
        born = np.flatnonzero((P < T) & (P >= W))
        if not born.size:
            return
        row, r, size, seg, P, new = row[born], r[born], size[born], seg[born], P[born], new[born]
        tier = mech.tier_of_project(size, v[1, born])
        capacity = mech.capacity_yi(size, self.intensity[row])
        X = _first_event(P, np.log1p(-v[2, born]), self.keep_exit(r, capacity), T)
        order = np.argsort(P, kind="stable")
        table = np.stack([row, seg, tier, capacity, X, new]).astype(np.float64)[:, order]
        P = P[order]
        cut = np.flatnonzero(np.diff(P)) + 1
        for start, stop in zip([0, *cut.tolist()], [*cut.tolist(), P.size]):
            births[P[start]].append(table[:, start:stop])


# ------------------------------------------------------------------ the block


def run_block(scenario: Scenario, seed: np.random.SeedSequence, replicates: np.ndarray,
              plan: Plan | None = None, parameters: dict[str, np.ndarray] | None = None) -> Trajectories:
    """Run the replicates numbered ``replicates`` together from one seed sequence.

    ``parameters`` (arrays of one value per replicate) overrides the scenario's draws,
    for calibration on common random numbers.
    """
    plan = plan or make_plan(scenario)
    rng = np.random.default_rng(seed)
    R, C, T, W = len(replicates), plan.n_chains, plan.total_months, plan.warmup
    RC = R * C
    p = draw_parameters(scenario, rng, R)
    if parameters:
        p.update({k: np.broadcast_to(np.asarray(v, dtype=float), (R,)).copy() for k, v in parameters.items()})
    col = {k: v[:, None] for k, v in p.items()}  # (R, 1) against chains
    effects = mech.year_effects(rng, (R, int(plan.month_year[-1]) + 1), p["macro_sd_per_year"])  # (R, years)
    lev = plan.levers
    record = new_record(T, R, C)
    paths = _Paths(plan, p, pipeline_cutoff(scenario, plan.first_month))
    log = _Log(record)
    births: list[list[np.ndarray]] = [[] for _ in range(T + 1)]
    filled = np.repeat(plan.filled0[None, :, :], R, axis=0)  # (R, C, S)
    complete0 = plan.filled0.sum(1) / plan.n_segments
    growth_a, growth_b = _growth_exponent(p["growth_per_year"], p["growth_sd_per_year"])

    bases = base_outputs(plan, p, R)  # (R, C) 亿元/year
    key, tier, value = _founders(rng, plan, p["leader_output_share"], bases)
    leaves = _first_event(np.full(key.size, W - 1), np.log1p(-rng.random(key.size)), paths.keep_exit(key // C, value), T)
    ent = _Enterprises(key, tier, value, leaves, C, mech.ramp_fraction(np.arange(T)[:, None], p["ramp_months"]),
                       (growth_a, growth_b))
    by_tier = np.bincount(ent.key * _N_TIERS + ent.tier, minlength=RC * _N_TIERS).astype(np.float64)
    output = np.bincount(ent.key, weights=ent.value, minlength=RC)  # by row, 亿元/year
    by_cohort = np.zeros((3, RC))
    by_cohort[0] = output  # the founders' until the warm-up ends
    leader_out = ent.leader_output(0, RC)  # by row: the leaders' output, 亿元/year (constant in the warm-up)
    completeness = np.broadcast_to(complete0, (R, C))
    batch: list[tuple[int, np.ndarray, np.ndarray, np.ndarray]] = []  # (month, rows of its leads, flagship?, filled then)
    extra_year, extra = -1, np.zeros(RC, np.float32)
    macro_year, macro = -1, np.ones((R, C))
    # the effort on each chain, computed once per distinct setting of its two levers
    effort_regime = np.unique(np.concatenate([lev["attraction_effort"], lev["chain_chief_priority"]], axis=1),
                              axis=0, return_inverse=True)[1].reshape(-1)
    efforts: dict[int, np.ndarray] = {}

    for m in range(T):
        warm = m < W
        # 1. lead intensity from the state at the start of the month
        if warm:
            ratio, complete = 1.0, complete0[None, :]
        else:
            ratio = output.reshape(R, C) / bases
            complete = completeness
        if effort_regime[m] not in efforts:
            efforts[effort_regime[m]] = mech.chain_effort(lev["attraction_effort"][m], plan.priority, plan.weight,
                                                          lev["chain_chief_priority"][m], col["chain_chief_gain"],
                                                          col["effort_half"], plan.county_matrix)
        effort = efforts[effort_regime[m]]
        y = plan.month_year[m]
        if y != macro_year:
            macro_year = y
            macro = mech.macro_lead_factor(effects[:, y, None], col["macro_lead_elasticity"],
                                           plan.shock_leads[y][None, :])
        lam = macro * (mech.lead_intensity(col["lead_rate"], plan.leads_weight, effort, ratio, col["size_elasticity"],
                                           col["size_feedback_cap"], complete, complete0, col["completeness_gain"])
                       + mech.leader_leads(leader_out.reshape(R, C), col["leader_leads_per_10yi"],
                                           lev["leader_drive"][m]))
        linked = not warm and plan.links.any()
        if linked:
            lam = lam * mech.linkage_factor(ratio, plan.links, col["size_feedback_cap"])
        if plan.competition is not None:  # a province: counties compete for their industries' leads
            lam = contested_leads(plan, m, lam, macro, col, ratio, complete, complete0, leader_out.reshape(R, C),
                                  linked)

        if not warm:
            # 2. enterprises exit or grow
            gone = ent.exit(m)
            if gone.size:
                by_tier -= np.bincount(gone, minlength=RC * _N_TIERS)
            if y != extra_year:  # the year effect and stated shocks, a twelfth a month, by row
                extra_year = y
                extra = ((effects[:, y, None] + plan.shock_growth[y][None, :]) / 12.0).reshape(-1).astype(np.float32)
            ent.grow(rng, extra)
            # 3. projects going into production become enterprises
            paths.build_due(m, log, births)
            if births[m]:
                b = np.concatenate(births[m], axis=1)
                b_row, b_seg, b_tier = b[0].astype(np.int64), b[1].astype(np.int64), b[2].astype(np.int64)
                ent.add(b_row, b_tier, b[3], m, b[4].astype(np.int64), b[5].astype(np.int8))
                by_tier += np.bincount(b_row * _N_TIERS + b_tier, minlength=RC * _N_TIERS)
                filled[b_row // C, b_row % C, b_seg] = True

        # 3b. projects ready to start get land or factory space, or wait (warm-up included)
        paths.start(m, rng, log, births)

        # 4. new leads; their paths are drawn a batch of months at a time
        counts = rng.poisson(lam)
        flag_counts = rng.poisson(macro * mech.flagship_intensity(col["flagship_leads_per_year"], plan.leads_weight,
                                                                  complete, complete0, col["completeness_gain"]))
        counts_all = counts + flag_counts
        record[INDEX["leads_new"], m] = counts_all
        record[INDEX["stock_lead"], m] += counts_all  # leads enter the stock as they arrive
        rows = np.arange(RC)
        batch.append((m, np.concatenate([np.repeat(rows, counts.reshape(-1)), np.repeat(rows, flag_counts.reshape(-1))]),
                      np.repeat(np.array([False, True]), [int(counts.sum()), int(flag_counts.sum())]), filled.copy()))
        if len(batch) == BATCH_MONTHS or m == T - 1:
            arrival = np.concatenate([np.full(b[1].size, b[0]) for b in batch])
            row = np.concatenate([b[1] for b in batch])
            flagship = np.concatenate([b[2] for b in batch])
            snapshot = np.stack([b[3] for b in batch])  # (months, R, C, S)
            paths.draw(arrival, row, flagship, snapshot, batch[0][0], rng, log)
            batch = []

        # 5. record the state at the end of the month
        if not warm:
            by_cohort = ent.cohort_output(m, RC)
            output = by_cohort.sum(axis=0)
            leader_out = ent.leader_output(m, RC)
        record[INDEX["output_yi"], m] = output.reshape(R, C)
        record[_COHORT_ROWS, m] = by_cohort.reshape(3, R, C)
        record[_TIER_ROWS, m] = by_tier.reshape(R, C, _N_TIERS).transpose(2, 0, 1)
        completeness = np.count_nonzero(filled, axis=2) / plan.n_segments
        record[INDEX["completeness"], m] = completeness

    paths.build_due(T, log, births, final=True)
    log.finish()
    return Trajectories(record, plan.chain_ids, plan.first_month, plan.warmup, np.asarray(replicates), p)
