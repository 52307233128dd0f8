"""The scenario schema: pydantic models of a scenario file, and the checks that need a
whole scenario.

Core objects: ``Scenario`` (frozen, strict; ``extra="forbid"`` everywhere) and its parts
``County``, ``Calendar``, ``Chain`` (with ``AmountYi`` base output and ``Target``s),
``Policy`` (``LeverSetting``s over time), ``ParameterSetting``, ``Calibration``
(``Moment``s, ``FreeParameter``s) and ``Ensemble``; ``semantic_problems`` for what passes
the schema but makes no sense to the model. All money is in 亿元 (``chainsim.units``).
Reading files, with errors located by line, is ``chainsim.scenario``'s job.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import hashlib
import json
import math
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from .catalogue import COUNTY_LEVERS, LEVERS, PARAMETERS
from .units import MoneyError, parse_money


def did_you_mean(word: str, choices: Any) -> str:
    match = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f"; did you mean {match[0]!r}?" if match else ""


# --------------------------------------------------------------------------- field types


def _money(value: Any) -> float:
    try:
        return parse_money(value)
    except MoneyError as exc:
        raise ValueError(str(exc)) from None


MoneyYi = Annotated[float, BeforeValidator(_money)]
"""Money in 亿元; accepts "200亿", "200亿元", "2e10 CNY", "20 bn CNY" or a plain number."""

PositiveMoneyYi = Annotated[float, BeforeValidator(_money), Field(gt=0)]

MIN_OUTPUT_YI = 0.01
"""Smallest annual output (base or target) of a chain, 亿元/year: 100万元."""

MAX_OUTPUT_YI = 10_000.0
"""Largest annual output (base or target) of a chain, 亿元/year: 1万亿元, above any county's
chain; larger values would make the engines track more than 100,000 enterprises."""


def _chain_output(value: float) -> float:
    if value <= 0:
        raise ValueError(f"must be greater than 0 (an annual output in 亿元), got {value:g}")
    if not MIN_OUTPUT_YI <= value <= MAX_OUTPUT_YI:
        raise ValueError(f"{value:g}亿元 is outside the supported range of a chain's annual output, "
                         f"{MIN_OUTPUT_YI:g} to {MAX_OUTPUT_YI:g}亿元 (100万元 to 1万亿元)")
    return value


ChainOutputYi = Annotated[float, BeforeValidator(_money), AfterValidator(_chain_output)]
"""A chain's annual output in 亿元/year, within [MIN_OUTPUT_YI, MAX_OUTPUT_YI]."""

MAX_TARGET_YI = 1_000_000.0
"""Largest target, 亿元/year (100万亿元, about China's annual GDP): a target is only compared
with the simulated output, so an out-of-reach target is allowed but not an overflowing one."""


def _target(value: float) -> float:
    if value <= 0:
        raise ValueError(f"must be greater than 0 (an annual output in 亿元), got {value:g}")
    if not MIN_OUTPUT_YI <= value <= MAX_TARGET_YI:
        raise ValueError(f"{value:g}亿元 is outside the supported range of a target, {MIN_OUTPUT_YI:g} to "
                         f"{MAX_TARGET_YI:g}亿元 (100万元 to 100万亿元)")
    return value


TargetYi = Annotated[float, BeforeValidator(_money), AfterValidator(_target)]

YEARS = (1900, 2200)
"""The calendar years a scenario may name."""


def _year_month(value: Any) -> str:
    low, high = YEARS
    if isinstance(value, _dt.date):
        year, month = value.year, value.month
    elif isinstance(value, int) and not isinstance(value, bool):
        year, month = value, 1
    else:
        parts = value.strip().split("-") if isinstance(value, str) else []
        if not (len(parts) in (2, 3) and parts[0].isdigit() and parts[1].isdigit()):
            raise ValueError(f"expected a month as YYYY-MM (e.g. 2022-01), got {value!r}")
        year, month = int(parts[0]), int(parts[1])
    if not low <= year <= high:
        raise ValueError(f"year {year} is outside the supported range {low}–{high} (got {value!r})")
    if not 1 <= month <= 12:
        raise ValueError(f"month {month} is not a month of the year, 01–12 (got {value!r})")
    return f"{year:04d}-{month:02d}"


YearMonth = Annotated[str, BeforeValidator(_year_month)]
"""A calendar month written YYYY-MM."""

Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")]


def month_index(ym: str) -> int:
    """Months since year 0 for a YYYY-MM string (used for month arithmetic)."""
    year, month = (int(x) for x in ym.split("-"))
    return year * 12 + (month - 1)


def month_label(index: int) -> str:
    """Inverse of ``month_index``."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _known(named: dict[str, Any], catalogue: dict[str, Any], kind: str) -> dict[str, Any]:
    """``named`` unchanged if every key is in ``catalogue``; else a did-you-mean error."""
    for name in named:
        if name not in catalogue:
            raise ValueError(f"unknown {kind} {name!r}{did_you_mean(name, catalogue)}")
    return named


def _number_means_value(cls: type, data: Any) -> Any:
    """A plain number written for a setting means ``{value: number}``."""
    if isinstance(data, (int, float)) and not isinstance(data, bool):
        return {"value": data}
    if isinstance(data, str):  # YAML reads 1e3 (no decimal point) as text
        try:
            return {"value": float(data)}
        except ValueError:
            pass
    return data


class Strict(BaseModel):
    """Base of every scenario model: unknown keys are errors and objects are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


Provenance = Literal["reported", "calibrated", "assumed"]


class Sourced(Strict):
    """Where a number comes from."""

    provenance: Provenance = Field(description="reported (cite a figure), calibrated (give an interval) or assumed.")
    figure: str | None = Field(None, description="Id of the reported figure in data/reported_figures.csv.")
    interval: tuple[float, float] | None = Field(None, description="Calibrated interval, in the value's unit.")
    note: str = ""

    @model_validator(mode="after")
    def _provenance_is_complete(self) -> "Sourced":
        if self.provenance == "reported" and not self.figure:
            raise ValueError("a reported value must name its figure (figure: <id>)")
        if self.provenance == "calibrated" and self.interval is None:
            raise ValueError("a calibrated value must give its interval (interval: [low, high])")
        if self.interval is not None and self.interval[0] > self.interval[1]:
            raise ValueError("interval low is above high")
        return self


class AmountYi(Sourced):
    """A chain's annual output in 亿元/year with its provenance (within MIN_OUTPUT_YI..MAX_OUTPUT_YI)."""

    value_yi: ChainOutputYi = Field(alias="value", description="Annual output in 亿元/year (0.01 to 10000).")


class Target(Strict):
    """A chain's target: annual output of ``value`` 亿元 in ``year``."""

    value_yi: TargetYi = Field(alias="value", description="Target annual output, 亿元/year (0.01 to 1000000).")
    year: int = Field(ge=1900, le=2200, description="Calendar year the target is for.")
    figure: str | None = Field(None, description="Reported figure stating the target.")
    provenance: Provenance = "reported"

    @model_validator(mode="after")
    def _reported_names_figure(self) -> "Target":
        if self.provenance == "reported" and not self.figure:
            raise ValueError("a reported target must name its figure (figure: <id>)")
        return self


class Intensity(Sourced):
    """Annual output at full capacity per 亿元 invested (亿元 output per year per 亿元)."""

    value: float = Field(gt=0, le=10)


class Leader(Strict):
    """A named leader enterprise (链主) with, optionally, its output at the start (亿元/year)."""

    name: str = Field(min_length=1)
    output_yi: ChainOutputYi | None = Field(None, description="Its annual output at the start, 亿元/year (0.01 to 10000).")
    provenance: Provenance = "assumed"
    figure: str | None = None
    note: str = ""

    @model_validator(mode="before")
    @classmethod
    def _a_name_is_a_leader(cls, data: Any) -> Any:
        return {"name": data} if isinstance(data, str) else data


class Chain(Strict):
    """An industrial chain (产业链): base output, targets, segments, leaders."""

    id: Identifier
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    base_output: AmountYi = Field(description="Annual output at the start, 亿元/year.")
    targets: list[Target] = Field(min_length=1)
    segments: list[str] = Field(min_length=1, max_length=50, description="Segments (环节) of the chain (at most 50).")
    segments_filled: int = Field(ge=0, description="How many segments are present at the start.")
    leaders: list[Leader] = Field(default_factory=list, max_length=100,
                                  description="Leader enterprises (链主): names, or {name, output_yi} to state their "
                                              "size (at most 100).")
    enterprises: int | None = Field(None, ge=1, le=100_000, description="Initial enterprise count; derived if absent.")
    output_intensity: Intensity | None = None
    attraction_weight: float | None = Field(None, gt=0, le=1e6, description="Relative share of leads; default ∝ base output.")
    priority: bool = Field(False, description="A priority chain under the chain-chief system (链长制).")
    in_park: bool = Field(True, description="Produces inside the county's industrial parks.")
    type: Literal["manufacturing", "tourism_services", "agri_food", "logistics"] = Field(
        "manufacturing", description="Chain type (catalogue.CHAIN_TYPES): output per 亿元, build time, land, firm size.")
    county: Identifier | None = Field(None, description="In a scenario of several counties: the county (counties[].id) "
                                                        "the chain is in (chainsim.province).")
    industry: Identifier | None = Field(None, description="In a scenario of several counties: the industry whose "
                                                          "provincial pool of leads the chain competes for.")
    note: str = ""

    @model_validator(mode="after")
    def _segments_fit(self) -> "Chain":
        stated = [lead.output_yi for lead in self.leaders if lead.output_yi is not None]
        if stated and sum(stated) >= self.base_output.value_yi:
            raise ValueError(f"the leaders' stated output ({sum(stated):g}亿元) must be below the chain's base output")
        if self.segments_filled > len(self.segments):
            raise ValueError(f"segments_filled ({self.segments_filled}) exceeds the {len(self.segments)} segments")
        years = [t.year for t in self.targets]
        if len(set(years)) != len(years):
            raise ValueError("two targets for the same year")
        return self


class Calendar(Strict):
    """Simulated time: monthly steps from ``start`` through ``horizon``."""

    start: YearMonth
    step: Literal["month"] = "month"
    horizon: YearMonth
    warmup_months: int = Field(36, ge=0, le=240, description="Months simulated before start to fill the pipeline.")

    @model_validator(mode="after")
    def _horizon_after_start(self) -> "Calendar":
        if month_index(self.horizon) < month_index(self.start):
            raise ValueError(f"horizon {self.horizon} is before start {self.start}")
        if month_index(self.horizon) - month_index(self.start) >= 12 * 60:
            raise ValueError("horizon more than 60 years after start")
        return self

    @property
    def months(self) -> int:
        """Number of simulated months from start through horizon."""
        return month_index(self.horizon) - month_index(self.start) + 1

    @property
    def start_year(self) -> int:
        return int(self.start[:4])


class Step(Strict):
    """A lever value in force from a month on."""

    from_: YearMonth = Field(alias="from")
    value: float


class LeverSetting(Strict):
    """A lever: a value, optionally changed from given months on and per chain."""

    value: float
    schedule: list[Step] = Field(default_factory=list)
    by_chain: dict[str, float] = Field(default_factory=dict)
    by_county: dict[str, float] = Field(default_factory=dict, description="A different value for every chain of a "
                                        "county (scenarios of several counties); by_chain wins over it.")
    note: str = ""

    _plain_number = model_validator(mode="before")(classmethod(_number_means_value))


class Policy(Strict):
    """A named set of lever values over time.

    ``start`` is the policy start: the first month in which levers set by an analysis
    (``Scenario.with_levers``: what-it-takes, sensitivity, compare, the app) take effect.
    Absent, it is the month after the last reported (calibration) month, or the scenario's
    start if that is later, so that no analysis rewrites the calibrated past.
    """

    name: str = "status_quo"
    description: str = ""
    start: YearMonth | None = None
    levers: dict[str, LeverSetting] = Field(default_factory=dict)

    @field_validator("levers")
    @classmethod
    def _known_levers(cls, levers: dict[str, LeverSetting]) -> dict[str, LeverSetting]:
        return _known(levers, LEVERS, "lever")

    def lever(self, name: str) -> LeverSetting:
        return self.levers.get(name) or LeverSetting(value=LEVERS[name].default)


Distribution = Literal["fixed", "uniform", "loguniform", "triangular", "normal", "lognormal"]


class ParameterSetting(Sourced):
    """A model parameter: fixed (``value``) or uncertain (``dist`` with bounds)."""

    provenance: Provenance = "assumed"
    value: float | None = None
    dist: Distribution = "fixed"
    low: float | None = None
    high: float | None = None
    mode: float | None = None
    sd: float | None = Field(None, gt=0, le=1e6)

    _plain_number = model_validator(mode="before")(classmethod(_number_means_value))

    @model_validator(mode="after")
    def _distribution_complete(self) -> "ParameterSetting":
        if self.dist == "fixed":
            if self.value is None:
                raise ValueError("a fixed parameter needs value")
        elif self.dist in ("uniform", "loguniform", "triangular"):
            if self.low is None or self.high is None or not self.low < self.high:
                raise ValueError(f"a {self.dist} distribution needs low < high")
            if self.dist == "loguniform" and self.low <= 0:
                raise ValueError("a loguniform distribution needs low > 0")
            if self.dist == "triangular" and (self.mode is None or not self.low <= self.mode <= self.high):
                raise ValueError("a triangular distribution needs low <= mode <= high")
        else:
            if self.value is None or self.sd is None:
                raise ValueError(f"a {self.dist} distribution needs value (its mean or median) and sd")
            if self.dist == "lognormal" and self.value <= 0:
                raise ValueError("a lognormal distribution needs value > 0 (its median)")
            if self.dist == "lognormal" and self.sd > 5:
                raise ValueError(f"a lognormal's sd is on the log scale: at most 5, got {self.sd:g}")
        return self

    @property
    def central(self) -> float:
        """A representative value: the fixed value, mode, or mid-point."""
        if self.value is not None:
            return self.value
        if self.mode is not None:
            return self.mode
        assert self.low is not None and self.high is not None
        if self.dist == "loguniform":
            return math.sqrt(self.low * self.high)
        return 0.5 * (self.low + self.high)


SIZE_CLASS_EDGES_YI = (1.0, 5.0, 10.0)
"""Project size-class edges (亿元) in which flows are recorded: the classes the seeds report."""

Statistic = Literal[
    "signed_count", "signed_value_yi", "started_count", "started_value_yi",
    "completed_count", "completed_value_yi", "output_yi", "output_growth", "investment_yi", "producing_count",
]


class Moment(Strict):
    """A reported figure and the simulated statistic it is compared with."""

    figure: str
    statistic: Statistic
    period_from: YearMonth = Field(alias="from")
    period_to: YearMonth = Field(alias="to")
    chains: list[str] | Literal["all", "in_park"] = "all"
    size_min_yi: MoneyYi | None = Field(None, description="Count only projects of at least this size, 亿元.")
    size_max_yi: MoneyYi | None = Field(None, description="Count only projects below this size, 亿元.")
    scale: float = Field(1.0, gt=0, le=1e6, description="Multiply the reported value by this before comparing.")
    error_rel: float = Field(0.0, ge=0, le=2, description=(
        "How loosely the figure measures the statistic, as a relative (log-scale) standard deviation: a "
        "five-year average standing for this year's level, a rounded or differently defined total. The fit "
        "compares the reported value with the simulated statistic × exp(N(0, error_rel²))."))

    @model_validator(mode="after")
    def _period_ordered(self) -> "Moment":
        if month_index(self.period_to) < month_index(self.period_from):
            raise ValueError("'to' is before 'from'")
        if self.size_min_yi is not None and self.size_max_yi is not None and self.size_min_yi >= self.size_max_yi:
            raise ValueError("size_min_yi must be below size_max_yi")
        for bound in (self.size_min_yi, self.size_max_yi):
            if bound is not None and bound not in SIZE_CLASS_EDGES_YI:
                raise ValueError(f"size bounds must be size-class edges {SIZE_CLASS_EDGES_YI} 亿元, got {bound}")
        return self


class FreeParameter(Strict):
    """A parameter the calibration may move, within [low, high]."""

    low: float
    high: float
    log: bool = Field(False, description="Search on a log scale.")

    @model_validator(mode="after")
    def _ordered(self) -> "FreeParameter":
        if not self.low < self.high:
            raise ValueError("low must be below high")
        if self.log and self.low <= 0:
            raise ValueError("a log-scale parameter needs low > 0")
        return self


BASE_OUTPUT_PREFIX = "base_output."
"""A chain's base output as a parameter: ``base_output.<chain id>`` (亿元/year)."""


def base_output_name(chain_id: str) -> str:
    """The parameter name of a chain's base output (``base_output.<chain id>``)."""
    return BASE_OUTPUT_PREFIX + chain_id


def base_output_chain(name: str) -> str | None:
    """The chain id of a ``base_output.<chain id>`` parameter name, else None."""
    return name[len(BASE_OUTPUT_PREFIX):] if name.startswith(BASE_OUTPUT_PREFIX) else None


def _known_or_chain_scoped(named: Any, kind: str) -> Any:
    """Catalogue parameters, or ``base_output.<chain id>`` (checked against the chains later)."""
    plain = {n: None for n in named if not str(n).startswith(BASE_OUTPUT_PREFIX)}
    _known(plain, PARAMETERS, kind)
    return named


class Calibration(Strict):
    """The reported figures this scenario is calibrated to, and which parameters are free.

    ``free`` maps a parameter to its prior range {low, high} (uniform, or log-uniform with
    ``log: true``); a chain's base output is ``base_output.<chain id>`` in 亿元/year."""

    targets: list[Moment] = Field(default_factory=list)
    holdout: list[Moment] = Field(default_factory=list)
    free: dict[str, FreeParameter] = Field(default_factory=dict)

    @field_validator("free")
    @classmethod
    def _known_parameters(cls, free: dict[str, FreeParameter]) -> dict[str, FreeParameter]:
        return _known_or_chain_scoped(free, "parameter")


class Posterior(Strict):
    """Joint draws of the calibrated parameters from their posterior (``chainsim calibrate``).

    ``parameters`` names the columns (catalogue parameters or ``base_output.<chain id>``),
    each row of ``draws`` is one draw of all of them together. A run gives each group of
    replicates one draw, so what the figures leave open is carried into P(target).
    ``figures``/``holdout``: the figure ids fitted and held out; ``method``: how it was made.
    """

    method: str = Field(min_length=1)
    figures: list[str] = Field(default_factory=list)
    holdout: list[str] = Field(default_factory=list)
    parameters: list[str] = Field(min_length=1, max_length=100)
    draws: list[list[float]] = Field(min_length=1, max_length=2000)

    @field_validator("parameters")
    @classmethod
    def _known_parameters(cls, names: list[str]) -> list[str]:
        if len(set(names)) != len(names):
            raise ValueError("a parameter is named twice")
        return _known_or_chain_scoped(names, "parameter")

    @model_validator(mode="after")
    def _rows_complete(self) -> "Posterior":
        width = len(self.parameters)
        for k, row in enumerate(self.draws):
            if len(row) != width:
                raise ValueError(f"draw {k} has {len(row)} values for {width} parameters")
            if not all(math.isfinite(v) for v in row):
                raise ValueError(f"draw {k} holds a value that is not a finite number")
        return self

    def column(self, name: str) -> list[float]:
        """Every draw's value of one parameter."""
        k = self.parameters.index(name)
        return [row[k] for row in self.draws]


class FigureRow(Strict):
    """A county's own reported figure, with the columns of data/reported_figures.csv."""

    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,79}$")]
    place: str = Field(min_length=1)
    indicator: str = Field(min_length=1)
    period: str = Field(min_length=1)
    value: float = Field(allow_inf_nan=False)
    unit: str
    source: str = Field(min_length=1)
    quote: str = Field(min_length=1)
    note: str = ""

    @field_validator("unit")
    @classmethod
    def _allowed_unit(cls, unit: str) -> str:
        from .figures import ALLOWED_UNITS

        if unit not in ALLOWED_UNITS:
            raise ValueError(f"unit {unit!r} is not one of {', '.join(sorted(ALLOWED_UNITS))}")
        return unit


class Shock(Sourced):
    """A stated shock in one calendar year (a pandemic year, a property slump), added to the
    county's random year effect: ``growth`` (1/year, e.g. −0.05) on the growth of every
    enterprise of the named chains, ``leads`` (a fraction, e.g. −0.3) on their lead arrivals."""

    provenance: Provenance = "assumed"
    year: int = Field(ge=1900, le=2200)
    growth: float = Field(0.0, ge=-0.9, le=0.9, description="Added to enterprises' growth rate that year, 1/year.")
    leads: float = Field(0.0, ge=-1.0, le=5.0, description="Fractional change of lead arrivals that year.")
    chains: list[str] | Literal["all"] = "all"


class Link(Sourced):
    """A linkage between chains (一业兴带动百业旺): growth of ``from`` raises lead arrivals in ``to``.

    ``coefficient``: the share by which ``to``'s leads rise per unit rise of ``from``'s output
    ratio (output / base output, capped like the size feedback): 0.3 means a source chain at
    twice its base output brings its linked chain 30% more leads.
    """

    provenance: Provenance = "assumed"
    from_: str = Field(alias="from")
    to: str
    coefficient: float = Field(gt=0, le=2)


class Resource(Sourced):
    """A county resource (land, factory space) with its provenance."""

    value: float = Field(ge=0, le=1e7)


class Resources(Strict):
    """What the county can supply to projects: industrial land and standard factories.

    ``land_supply_mu_per_year``: industrial land made ready per year under the county's plan
    (亩/year; 1 km² = 1,500亩), scaled by the ``land_supply`` lever. ``land_bank_mu``: ready
    land at the first simulated month (warm-up included), 亩. ``factory_space_wm2``: empty
    standard-factory space at that month, 万平方米 (the ``standard_factory_wm2`` lever adds
    to it each year). A project that is ready to start takes factory space (if small) or land;
    when neither is left it waits up to ``land_wait_months`` and then goes elsewhere.
    """

    land_supply_mu_per_year: Resource
    land_bank_mu: Resource
    factory_space_wm2: Resource


class Ensemble(Strict):
    """Ensemble defaults: replicate count and master seed."""

    reps: int = Field(1000, ge=1, le=1_000_000)
    seed: int = Field(20220228, ge=0, le=2**63 - 1)


class County(Strict):
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    province: str = ""


MAX_CHAINS_PER_COUNTY = 50
"""Chains one county may name: a county names a handful (Fujian asks for 1-2, 3-4 where strong)."""


class Scale(Sourced):
    """A multiplier with its provenance."""

    provenance: Provenance = "assumed"
    value: float = Field(gt=0, le=1000)


class CountyUnit(Strict):
    """One county of a scenario of several counties (``counties:``; see ``chainsim.province``).

    Its chains are the scenario's chains whose ``county`` is this county's id (in a file
    they are written under the county and qualified ``<county>__<chain>`` on loading). Its
    ``levers`` replace the scenario's policy levers of the same name for its chains;
    ``resources`` are its own land and factory space; ``lead_rate_scale`` multiplies the
    ``lead_rate`` parameter (and the flagship rate) for its chains: a county twice the size
    of the reference county draws twice the leads.
    """

    id: Identifier
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    levers: dict[str, LeverSetting] = Field(default_factory=dict)
    resources: Resources | None = None
    lead_rate_scale: Scale = Field(default_factory=lambda: Scale(value=1.0),
                                   description="× the lead_rate parameter for this county's chains.")
    coastal: bool | None = Field(None, description="山海协作: a coastal (true) or mountain (false) county.")
    note: str = ""

    @field_validator("levers")
    @classmethod
    def _known_levers(cls, levers: dict[str, LeverSetting]) -> dict[str, LeverSetting]:
        return _known(levers, LEVERS, "lever")


class Pair(Sourced):
    """A 山海协作 pair: ``share`` of the coastal county's leads in every industry the mountain
    county also has go to the mountain county's chain of that industry (共建产业园区)."""

    provenance: Provenance = "assumed"
    coastal: Identifier
    mountain: Identifier
    share: float = Field(gt=0, le=1)


class Scenario(Strict):
    """A whole scenario file (after ``extends`` has been merged)."""

    id: Identifier
    title: str = ""
    county: County
    calendar: Calendar
    chains: list[Chain] = Field(min_length=1, max_length=20_000,
                                description="At most 50 per county: a county names a handful.")
    policy: Policy = Field(default_factory=Policy)
    parameters: dict[str, ParameterSetting] = Field(default_factory=dict)
    calibration: Calibration = Field(default_factory=Calibration)
    ensemble: Ensemble = Field(default_factory=Ensemble)
    resources: Resources | None = Field(
        None, description="Land and factory space; without them growth is bounded by leads alone (warned).")
    shocks: list[Shock] = Field(default_factory=list, description="Stated shocks by year (pandemic, property slump).")
    links: list[Link] = Field(default_factory=list, description="Linkages between chains (锂电 → 新能源汽车, …).")
    figures: list[FigureRow] = Field(default_factory=list, max_length=500,
                                     description="The county's own reported figures (the CSV's columns).")
    posterior: Posterior | None = Field(None, description="Posterior draws of the calibrated parameters.")
    counties: list[CountyUnit] = Field(default_factory=list, max_length=5000,
                                       description="Several counties competing for leads (chainsim.province).")
    pairs: list[Pair] = Field(default_factory=list, description="山海协作 pairs of counties.")

    @field_validator("parameters")
    @classmethod
    def _known_parameters(cls, parameters: dict[str, ParameterSetting]) -> dict[str, ParameterSetting]:
        return _known(parameters, PARAMETERS, "parameter")

    @property
    def chain_ids(self) -> list[str]:
        return [c.id for c in self.chains]

    def chain(self, chain_id: str) -> Chain:
        for c in self.chains:
            if c.id == chain_id:
                return c
        raise KeyError(f"no chain {chain_id!r}{did_you_mean(chain_id, self.chain_ids)}")

    @property
    def last_target_year(self) -> int:
        return max(t.year for c in self.chains for t in c.targets)

    def figure_table(self) -> dict[str, Any]:
        """Every figure this scenario may name: data/reported_figures.csv and its own ``figures:``."""
        from .figures import Figure, load_figures  # local: figures loads a CSV

        table: dict[str, Any] = load_figures()
        for row in self.figures:
            table.setdefault(row.id, Figure(**row.model_dump()))
        return table

    def base_output_provenance(self, chain_id: str) -> str:
        """A chain's base output's provenance: ``calibrated`` when every run draws it from the
        posterior (``base_output.<chain id>``), else what the chain's file says."""
        if self.posterior is not None and base_output_name(chain_id) in self.posterior.parameters:
            return "calibrated"
        return self.chain(chain_id).base_output.provenance

    def content_hash(self) -> str:
        """SHA-256 of the scenario's canonical JSON: equal for equal content."""
        data = self.model_dump(mode="json", by_alias=True)
        for key in ("counties", "pairs", "figures", "posterior"):  # absent from the hash when not used
            if not data.get(key):
                data.pop(key, None)
        for chain in data["chains"]:
            for key in ("county", "industry"):
                if chain.get(key) is None:
                    chain.pop(key, None)
        for setting in (data.get("policy") or {}).get("levers", {}).values():
            if not setting.get("by_county"):
                setting.pop("by_county", None)
        text = json.dumps(data, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    @property
    def reported_until(self) -> str | None:
        """Last month of any calibration target or holdout (YYYY-MM), or None."""
        moments = [*self.calibration.targets, *self.calibration.holdout]
        if not moments:
            return None
        return month_label(max(month_index(m.period_to) for m in moments))

    @property
    def policy_start(self) -> str:
        """First month in which analysis levers act (YYYY-MM): ``policy.start`` if given,
        else the month after the last reported month or the scenario's start, whichever is
        later."""
        if self.policy.start is not None:
            return self.policy.start
        start = month_index(self.calendar.start)
        if self.reported_until is not None:
            start = max(start, month_index(self.reported_until) + 1)
        return month_label(start)

    def with_levers(self, **values: float) -> "Scenario":
        """A copy with the given levers set to constant values from the policy start on.

        Before ``policy_start`` each lever keeps the scenario's own path (its value and any
        schedule steps before that month), so the warm-up and the reported months are
        simulated exactly as calibrated; from the policy start on the lever is ``value``
        for every chain.
        """
        levers = dict(self.policy.levers)
        start = self.policy_start
        for name, value in values.items():
            if name not in LEVERS:
                raise KeyError(f"unknown lever {name!r}{did_you_mean(name, LEVERS)}")
            spec = LEVERS[name]
            if not spec.low <= float(value) <= spec.high:
                raise ValueError(f"{name} = {value} is outside the lever's bounds [{spec.low}, {spec.high}] {spec.unit}")
            old = self.policy.lever(name)
            earlier = [s for s in old.schedule if month_index(s.from_) < month_index(start)]
            # a schedule step applies to every chain, so by_chain values hold only before it
            levers[name] = LeverSetting(value=old.value, by_chain=old.by_chain, by_county=old.by_county,
                                        note=old.note, schedule=[*earlier, Step(**{"from": start, "value": float(value)})])
        return self.model_copy(update={"policy": self.policy.model_copy(update={"levers": levers})})

    def lever_from_policy_start(self, name: str) -> float:
        """The value a lever takes at the policy start (× its unit), for sliders and reports."""
        setting = self.policy.lever(name)
        value = setting.value
        for s in sorted(setting.schedule, key=lambda s: month_index(s.from_)):
            if month_index(s.from_) <= month_index(self.policy_start):
                value = s.value
        return value

    def with_parameters(self, **values: float) -> "Scenario":
        """A copy with the given parameters fixed at the given values (provenance kept); a
        chain's base output is ``base_output.<chain id>`` (亿元/year). A fixed parameter is no
        longer uncertain: its column leaves the posterior (the other columns keep their joint
        draws)."""
        params = dict(self.parameters)
        chains = list(self.chains)
        for name, value in values.items():
            if name.startswith(BASE_OUTPUT_PREFIX):  # a chain's base output, 亿元/year
                ids = [c.id for c in chains]
                chain_id = name[len(BASE_OUTPUT_PREFIX):]
                if chain_id not in ids:
                    raise KeyError(f"unknown chain {chain_id!r}{did_you_mean(chain_id, ids)} in {name!r}")
                k = ids.index(chain_id)
                base = chains[k].base_output.model_copy(update={"value_yi": float(value)})
                chains[k] = chains[k].model_copy(update={"base_output": base})
                continue
            if name not in PARAMETERS:
                raise KeyError(f"unknown parameter {name!r}{did_you_mean(name, PARAMETERS)}")
            old = params.get(name)
            if old is None:
                params[name] = ParameterSetting(value=float(value), provenance="assumed")
            else:
                params[name] = old.model_copy(update={"value": float(value), "dist": "fixed"})
        return self.model_copy(update={"parameters": params, "chains": chains,
                                       "posterior": _without(self.posterior, set(values))})


def _without(posterior: Posterior | None, names: set[str]) -> Posterior | None:
    """The posterior without the columns ``names`` (None when none is left)."""
    if posterior is None or not names & set(posterior.parameters):
        return posterior
    keep = [k for k, n in enumerate(posterior.parameters) if n not in names]
    if not keep:
        return None
    return posterior.model_copy(update={"parameters": [posterior.parameters[k] for k in keep],
                                        "draws": [[row[k] for k in keep] for row in posterior.draws]})


# --------------------------------------------------------------------------- semantic checks


def _parameter_bounds(name: str, chain_ids: list[str]) -> tuple[float | None, float | None]:
    """A parameter's admissible bounds: the catalogue's, or a chain output's for
    ``base_output.<chain id>`` (None when that chain does not exist)."""
    if name.startswith(BASE_OUTPUT_PREFIX):
        if name[len(BASE_OUTPUT_PREFIX):] not in chain_ids:
            return None, None
        return MIN_OUTPUT_YI, MAX_OUTPUT_YI
    spec = PARAMETERS[name]
    return spec.low, spec.high


def _unknown_chain_message(name: str, chain_ids: list[str]) -> str:
    chain = name[len(BASE_OUTPUT_PREFIX):]
    return f"no chain {chain!r}{did_you_mean(chain, chain_ids)} for {name}"


def semantic_problems(scenario: Scenario) -> list[tuple[tuple[Any, ...], str]]:
    """Checks that pass the schema but make no sense to the model: (path, message) pairs."""
    out: list[tuple[tuple[Any, ...], str]] = []
    start_year = scenario.calendar.start_year
    horizon_year = int(scenario.calendar.horizon[:4])
    ids = scenario.chain_ids
    seen: set[str] = set()
    for i, chain in enumerate(scenario.chains):
        if chain.id in seen:
            out.append((("chains", i, "id"), f"duplicate chain id {chain.id!r}"))
        seen.add(chain.id)
        for j, target in enumerate(chain.targets):
            if target.year < start_year:
                out.append((("chains", i, "targets", j, "year"),
                            f"target year {target.year} is before the start ({scenario.calendar.start})"))
            elif target.year > horizon_year:
                out.append((("chains", i, "targets", j, "year"),
                            f"target year {target.year} is after the horizon ({scenario.calendar.horizon})"))
        n_years = horizon_year - start_year + 1
        if len(chain.targets) > n_years:
            out.append((("chains", i, "targets"),
                        f"{len(chain.targets)} targets but only {n_years} simulated years"))
    for name, setting in scenario.policy.levers.items():
        spec = LEVERS[name]
        path = ("policy", "levers", name)
        if not spec.low <= setting.value <= spec.high:
            out.append(((*path, "value"), f"{setting.value} is outside the lever's bounds [{spec.low}, {spec.high}] {spec.unit}"))
        for k, step in enumerate(setting.schedule):
            if not spec.low <= step.value <= spec.high:
                out.append(((*path, "schedule", k, "value"),
                            f"{step.value} is outside the lever's bounds [{spec.low}, {spec.high}] {spec.unit}"))
            if month_index(step.from_) < month_index(scenario.calendar.start):
                out.append(((*path, "schedule", k, "from"), f"{step.from_} is before the start {scenario.calendar.start}"))
        for chain_id, value in setting.by_chain.items():
            if chain_id not in ids:
                out.append(((*path, "by_chain", chain_id), f"no chain {chain_id!r}{did_you_mean(chain_id, ids)}"))
            elif not spec.low <= value <= spec.high:
                out.append(((*path, "by_chain", chain_id),
                            f"{value} is outside the lever's bounds [{spec.low}, {spec.high}] {spec.unit}"))
    if scenario.policy.start is not None:
        start = month_index(scenario.policy.start)
        if start < month_index(scenario.calendar.start):
            out.append((("policy", "start"), f"{scenario.policy.start} is before the scenario's start "
                        f"{scenario.calendar.start}: a policy cannot change the warm-up"))
        elif scenario.reported_until is not None and start <= month_index(scenario.reported_until):
            out.append((("policy", "start"), f"{scenario.policy.start} falls in the reported months (the "
                        f"calibration figures run to {scenario.reported_until}): a policy cannot change them"))
    for k, shock in enumerate(scenario.shocks):
        if isinstance(shock.chains, list):
            for c in shock.chains:
                if c not in ids:
                    out.append((("shocks", k, "chains"), f"no chain {c!r}{did_you_mean(c, ids)}"))
        first_year = (month_index(scenario.calendar.start) - scenario.calendar.warmup_months) // 12
        if not first_year <= shock.year <= horizon_year:
            out.append((("shocks", k, "year"), f"{shock.year} is outside the simulated years {first_year}..{horizon_year}"))
    for k, link in enumerate(scenario.links):
        for key, c in (("from", link.from_), ("to", link.to)):
            if c not in ids:
                out.append((("links", k, key), f"no chain {c!r}{did_you_mean(c, ids)}"))
        if link.from_ == link.to:
            out.append((("links", k, "to"), "a chain cannot be linked to itself (its size feedback does that)"))
    if not scenario.counties and len(scenario.chains) > MAX_CHAINS_PER_COUNTY:
        out.append((("chains",), f"{len(scenario.chains)} chains: a county has at most {MAX_CHAINS_PER_COUNTY}"))
    from .province import province_problems  # local: province builds on this module

    out += province_problems(scenario)
    for name in COUNTY_LEVERS:
        if scenario.policy.lever(name).by_chain:
            out.append((("policy", "levers", name, "by_chain"),
                        f"{name} is a county resource shared by every chain; it cannot differ by chain"))
    for name, setting in scenario.parameters.items():
        spec = PARAMETERS[name]
        path = ("parameters", name)
        for key in ("value", "low", "high", "mode"):
            v = getattr(setting, key)
            if v is not None and not spec.low <= v <= spec.high:
                out.append(((*path, key), f"{v} is outside the parameter's bounds [{spec.low}, {spec.high}] {spec.unit}"))
    from .figures import load_figures  # local: figures loads a CSV

    dataset = load_figures()
    seen_figures: set[str] = set()
    for k, row in enumerate(scenario.figures):
        if row.id in dataset:
            out.append((("figures", k, "id"), f"{row.id!r} is already a figure of data/reported_figures.csv; "
                        "give the county's own figure another id"))
        elif row.id in seen_figures:
            out.append((("figures", k, "id"), f"figure id {row.id!r} appears twice"))
        seen_figures.add(row.id)
    figures = scenario.figure_table()
    cal = scenario.calibration
    warm_start = month_index(scenario.calendar.start) - scenario.calendar.warmup_months
    horizon = month_index(scenario.calendar.horizon)
    for group in ("targets", "holdout"):
        for k, m in enumerate(getattr(cal, group)):
            path = ("calibration", group, k)
            if m.figure not in figures:
                out.append(((*path, "figure"), f"no reported figure {m.figure!r}{did_you_mean(m.figure, figures)}"))
            if month_index(m.period_from) < warm_start or month_index(m.period_to) > horizon:
                out.append(((*path, "from"), f"period {m.period_from}..{m.period_to} is outside the simulated "
                            f"months {month_label(warm_start)}..{scenario.calendar.horizon} (warm-up included)"))
            if isinstance(m.chains, list):
                for c in m.chains:
                    if c not in ids:
                        out.append(((*path, "chains"), f"no chain {c!r}{did_you_mean(c, ids)}"))
    for name, free in cal.free.items():
        low, high = _parameter_bounds(name, ids)
        if low is None or high is None:
            out.append((("calibration", "free", name), _unknown_chain_message(name, ids)))
        elif free.low < low or free.high > high:
            out.append((("calibration", "free", name),
                        f"[{free.low}, {free.high}] leaves the parameter's bounds [{low}, {high}]"))
    if scenario.posterior is not None:
        post = scenario.posterior
        for name in post.parameters:
            low, high = _parameter_bounds(name, ids)
            if low is None or high is None:
                out.append((("posterior", "parameters"), _unknown_chain_message(name, ids)))
                continue
            values = post.column(name)
            if min(values) < low or max(values) > high:
                out.append((("posterior", "draws"), f"{name}: draws from {min(values):g} to {max(values):g} leave "
                            f"the parameter's bounds [{low}, {high}]"))
        for group in ("figures", "holdout"):
            for fid in getattr(post, group):
                if fid not in figures:
                    out.append((("posterior", group), f"no reported figure {fid!r}{did_you_mean(fid, figures)}"))
    for i, chain in enumerate(scenario.chains):
        for j, target in enumerate(chain.targets):
            if target.figure and target.figure not in figures:
                out.append((("chains", i, "targets", j, "figure"),
                            f"no reported figure {target.figure!r}{did_you_mean(target.figure, figures)}"))
        for key in ("base_output", "output_intensity"):
            src = getattr(chain, key)
            if src is not None and src.figure and src.figure not in figures:
                out.append((("chains", i, key, "figure"),
                            f"no reported figure {src.figure!r}{did_you_mean(src.figure, figures)}"))
    for name, setting in scenario.parameters.items():
        if setting.figure and setting.figure not in figures:
            out.append((("parameters", name, "figure"),
                        f"no reported figure {setting.figure!r}{did_you_mean(setting.figure, figures)}"))
    return out
