"""The catalogue of policy levers and model parameters: names, units, bounds, defaults.

Core objects: ``LEVERS`` (``LeverSpec`` by name) and ``PARAMETERS`` (``ParameterSpec`` by
name). A scenario may only name what is listed here; the mechanisms read these names.
Every default carries its provenance: ``reported`` (with the seed figure id that backs
it) or ``assumed`` (a modeller's choice, flagged in reports and the UI). Calibration
replaces assumed values with ``calibrated`` ones in the scenario files.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Provenance = Literal["reported", "calibrated", "assumed"]


@dataclass(frozen=True)
class LeverSpec:
    """A policy lever a planner can move.

    ``low``/``high`` bound the values a scenario or slider may take; ``default`` is the
    value when a scenario does not set it. ``figure`` names the reported figure (in
    data/reported_figures.csv) the lever's meaning or default comes from.
    """

    name: str
    label_zh: str
    label_en: str
    unit: str
    low: float
    high: float
    default: float
    description: str
    figure: str | None = None
    provenance: Provenance = "assumed"
    cost: "LeverCost | None" = None


@dataclass(frozen=True)
class LeverCost:
    """What a lever costs the county a year, in 亿元/year: ``per_unit_yi`` × the lever's value.

    For a lever whose unit is "× the county's land plan" the unit is the plan's 亩 a year
    (see ``chainsim.costs``). ``provenance`` is ``reported`` when ``figure`` states the cost
    (or the figures it is derived from), ``assumed`` otherwise; ``basis`` says what the
    money buys and where the number comes from.
    """

    per_unit_yi: float
    basis: str
    provenance: Provenance = "assumed"
    figure: str | None = None


@dataclass(frozen=True)
class ParameterSpec:
    """A model parameter: its unit, admissible bounds and default value with provenance."""

    name: str
    unit: str
    low: float
    high: float
    default: float
    description: str
    provenance: Provenance = "assumed"
    figure: str | None = None
    plausible: tuple[float, float] | None = None

    @property
    def plausible_range(self) -> tuple[float, float]:
        """The range an assumed value is varied over when nothing fits it (sensitivity, priors):
        ``plausible`` when given, else half to twice the default, within the bounds."""
        if self.plausible is not None:
            return self.plausible
        lo, hi = sorted((self.default * 0.5, self.default * 2.0))
        return max(lo, self.low), min(hi, self.high)


LEVERS: dict[str, LeverSpec] = {
    spec.name: spec
    for spec in [
        LeverSpec(
            "attraction_effort", "招商力度", "Attraction effort", "× status quo", 0.25, 3.0, 1.0,
            "Attraction effort (精准招商, 点对点招商) relative to the status quo. Leads respond with diminishing "
            "returns: × e(1 + effort_half)/(e + effort_half), at most 1 + effort_half times the status quo.",
            cost=LeverCost(0.10, "招商 teams, events and travel: 0.10亿元 (1000万元) a year at status-quo effort "
                           "(assumed; 確山 held 10 promotion events in half a year, qs_2014h1_promotion_events)"),
        ),
        LeverSpec(
            "chain_chief_priority", "链长制重点链倾斜", "Chain-chief priority", "0–1", 0.0, 1.0, 0.0,
            "How strongly the chain-chief system (链长制) concentrates effort on priority chains: a priority "
            "chain's share of the county's leads is raised by (1 + chain_chief_gain × lever) and the shares are "
            "renormalised, so the other chains lose what the priority chains gain.",
            figure="lc_chain_count",
            cost=LeverCost(0.02, "chain-chief offices and staff time: 0.02亿元 a year at full priority (assumed); "
                           "its main cost is the attention the other chains lose"),
        ),
        LeverSpec(
            "precision_targeting", "精准补链", "Precision gap-filling", "share of leads", 0.0, 1.0, 0.2,
            "Share of new leads aimed at a chain's missing segments (补链/延链) instead of a random segment.",
            cost=LeverCost(0.05, "industry-chain mapping (招商图谱) and targeted teams: 0.05亿元 a year to aim every "
                           "lead (assumed)"),
        ),
        LeverSpec(
            "approval_speedup", "审批提速", "Approval and build speed-up", "fraction cut", 0.0, 0.53, 0.0,
            "Fractional cut in the signed→started lag and the build time (营商环境). 蕉城 cut a 3-year "
            "build to under 17 months: a cut of 1 − 17/36 ≈ 0.53, the largest cut the seeds report (the lever's maximum).",
            figure="jc_build_time_after",
            cost=LeverCost(0.20, "one-stop approval service, 代办 teams and parallel reviews: 0.20亿元 a year for a "
                           "full cut, 0.11亿元 for 蕉城's 53% (assumed)"),
        ),
        LeverSpec(
            "prework_fund_yi", "项目前期工作经费", "Pre-work fund", "亿元/year", 0.0, 0.5, 0.05,
            "Annual fund for project pre-work; the share of projects whose pre-work it pays for "
            "(fund / prework_need_yi, at most all) start sooner. 连城: 500万元 a year (0.05亿元).",
            figure="lc_prework_fund", provenance="reported",
            cost=LeverCost(1.0, "the fund itself (连城: 每年安排500万元专项资金)", "reported", "lc_prework_fund"),
        ),
        LeverSpec(
            "standard_factory_wm2", "标准化厂房供给", "Standard factory supply", "万平方米/year", 0.0, 20.0, 3.0,
            "Ready-built standard factory floor space added per year to the county's stock; a small project "
            "that finds space in one skips most of its build and needs no land. 龙岩's ten parks built "
            "109.75万平方米 from 2019 to 2020M08, about 7万平方米 a year for each of its seven counties; "
            "20万平方米 a year (the maximum) is three times that.",
            figure="ly_standard_factory_new",
            cost=LeverCost(0.15, "construction at about 1,500元/m², 0.15亿元 per 万平方米 (assumed; 龙岩's parks "
                           "were financed partly by special bonds, ly_special_bond_approved)"),
        ),
        LeverSpec(
            "finance_matching", "产融对接", "Finance matching", "0–1", 0.0, 1.0, 0.0,
            "Strength of bank–enterprise matching (产融对接, 银企对接): cuts the drop-out hazard of signed "
            "and started projects by up to finance_dropout_cut.",
            cost=LeverCost(0.10, "risk-compensation pool and interest subsidies: 0.10亿元 a year at full strength "
                           "(assumed; 龙岩 matched 10 projects with 25亿元 of credit, ly_finance_matching_credit)"),
        ),
        LeverSpec(
            "leader_drive", "以商招商", "Leader-driven attraction", "× status quo", 0.0, 3.0, 1.0,
            "Multiplier on the extra leads each chain leader (链主) pulls in (以商招商).",
            cost=LeverCost(0.03, "rewards and services for leaders that bring suppliers: 0.03亿元 a year at "
                           "status-quo drive (assumed)"),
        ),
        LeverSpec(
            "land_supply", "工业用地供给", "Industrial land supply", "× land plan", 0.5, 1.25, 1.0,
            "Industrial land made ready per year, as a multiple of the county's land plan "
            "(resources.land_supply_mu_per_year). The province sets a county's land quota (用地指标); "
            "reclaiming idle plots (盘活存量工业用地和闲置厂房, as 龙岩 does) adds at most about a quarter "
            "(assumed), hence the maximum of 1.25×.",
            figure="ly_etdz_ring_road_new_land",
            cost=LeverCost(0.0055, "land development at 0.0055亿元 (55万元) per 亩: 龙岩经开区's ring road cost "
                           "about 11亿元 and opens 2000多亩 (ly_etdz_ring_road_investment / "
                           "ly_etdz_ring_road_new_land); × the plan's 亩 a year", "reported",
                           "ly_etdz_ring_road_new_land"),
        ),
    ]
}


@dataclass(frozen=True)
class ChainType:
    """What kind of economy a chain is: multipliers on the manufacturing reference.

    ``output_factor`` × output_intensity (output per 亿元 invested), ``build_factor`` × build
    time, ``land_factor`` × land per 亿元 invested, ``firm_factor`` × the mean output of an
    existing firm (which sets a chain's initial firm count). Manufacturing is 1 everywhere:
    the calibrated parameters are the manufacturing ones. All assumed: the seeds report no
    per-type ratios; ``note`` says what the numbers stand for.
    """

    name: str
    label_zh: str
    output_factor: float
    build_factor: float
    land_factor: float
    firm_factor: float
    note: str
    provenance: Provenance = "assumed"


CHAIN_TYPES: dict[str, ChainType] = {t.name: t for t in [
    ChainType("manufacturing", "制造业", 1.0, 1.0, 1.0, 1.0,
              "The reference: factories (显示屏, 锂电, 新材料, 精细化工, 建材, 门业); the calibrated parameters."),
    ChainType("tourism_services", "文旅康养服务", 0.45, 0.7, 0.6, 0.3,
              "Scenic areas, hotels, 康养 and training centres earn about half as much a year per 亿元 invested as "
              "a factory, build faster, need less land per 亿元 (much of it scenic land outside the park) and are "
              "run by many small firms."),
    ChainType("agri_food", "农产品精深加工", 1.5, 0.6, 0.8, 0.4,
              "Food processing (连城地瓜干) turns its capital over fast: cheap plants with high throughput, short "
              "builds and many small processors."),
    ChainType("logistics", "商贸物流", 0.6, 0.8, 1.5, 0.5,
              "Warehouses and trade: modest output per 亿元, land-hungry per 亿元 invested."),
]}
"""Chain types with their multipliers (``Chain.type`` in a scenario; default manufacturing)."""


PARAMETERS: dict[str, ParameterSpec] = {
    spec.name: spec
    for spec in [
        ParameterSpec("lead_rate", "leads/month", 0.0, 500.0, 12.0,
                      "County-wide arrival rate of investment leads at status-quo effort, split across chains by "
                      "attraction weight."),
        ParameterSpec("sign_prob", "probability", 0.01, 0.99, 0.45,
                      "Probability that a lead is signed rather than lost, at status-quo policy."),
        ParameterSpec("lead_months", "months", 0.5, 24.0, 3.0,
                      "Mean time a lead stays open before it is signed or lost."),
        ParameterSpec("size_ordinary_median_yi", "亿元", 0.05, 5.0, 0.6,
                      "Median investment of an ordinary project (亿元支撑 tier)."),
        ParameterSpec("size_ordinary_sigma", "log-sd", 0.1, 2.0, 0.8,
                      "Log-scale spread of ordinary project sizes."),
        ParameterSpec("major_share", "probability", 0.0, 0.6, 0.15,
                      "Share of leads that are major projects (十亿带动 / 旗舰型 tier). Liancheng 2021: 8 of 54 "
                      "signed projects were ≥5亿元.", figure="lc_2021_signed_5to10_count"),
        ParameterSpec("flagship_leads_per_year", "leads/year", 0.0, 5.0, 0.2,
                      "County-wide arrival rate of flagship leads (百亿领航: 50亿级基地型, 100亿级旗舰型), a tier with its "
                      "own arrival process: strategic investors come for a chain's base (its completeness), not for "
                      "more 招商 teams, so attraction effort does not raise it. 连城 aims for such projects "
                      "(lc_base_project_scale_target, lc_flagship_project_scale_target) and signed none in 2021: at "
                      "0.2 leads a year about one is signed every ten years.",
                      figure="lc_flagship_project_scale_target"),
        ParameterSpec("size_flagship_median_yi", "亿元", 20.0, 300.0, 60.0,
                      "Median investment of a flagship project (between the 50亿 基地型 and the 100亿 旗舰型 the seed "
                      "names).", figure="lc_base_project_scale_target"),
        ParameterSpec("size_flagship_sigma", "log-sd", 0.05, 1.0, 0.3,
                      "Log-scale spread of flagship project sizes (0.3: 90% between 37 and 98亿)."),
        ParameterSpec("size_major_median_yi", "亿元", 2.0, 100.0, 7.0,
                      "Median investment of a major project."),
        ParameterSpec("size_major_sigma", "log-sd", 0.05, 1.5, 0.4,
                      "Log-scale spread of major project sizes."),
        ParameterSpec("start_lag_months", "months", 0.5, 36.0, 5.0,
                      "Mean signed→started lag at status-quo approvals and pre-work fund."),
        ParameterSpec("signed_dropout_per_year", "1/year", 0.0, 2.0, 0.10,
                      "Annual hazard that a signed project is abandoned before it starts."),
        ParameterSpec("build_months_1yi", "months", 1.0, 48.0, 12.0,
                      "Mean build time (started→completed) of a 1亿元 project."),
        ParameterSpec("build_size_elasticity", "dimensionless", 0.0, 1.0, 0.35,
                      "Elasticity of build time with project size: a 20亿 project takes 20^0.35 ≈ 2.9 times as "
                      "long as a 1亿 one (蕉城: 3 years for such projects).", figure="jc_build_time_before"),
        ParameterSpec("build_months_max", "months", 6.0, 120.0, 48.0,
                      "Longest mean build time at status-quo approvals, whatever the size (a flagship builds in "
                      "phases and produces from the first): 蕉城's 3 years before its reforms (\"3年建设周期\", "
                      "jc_build_time_before) plus a year for a county without its record of big builds (assumed).",
                      figure="jc_build_time_before"),
        ParameterSpec("started_dropout_per_year", "1/year", 0.0, 1.0, 0.03,
                      "Annual hazard that a started project stalls for good."),
        ParameterSpec("commissioning_months", "months", 0.5, 12.0, 3.0,
                      "Mean completed→producing lag (trial production, permits)."),
        ParameterSpec("ramp_months", "months", 1.0, 60.0, 12.0,
                      "Time constant of the ramp-up to capacity: output = capacity × (1 − exp(−age/ramp))."),
        ParameterSpec("output_intensity", "亿元 output/year per 亿元 invested", 0.05, 10.0, 0.8,
                      "Annual output at full capacity per 亿元 of project investment (manufacturing; other chain "
                      "types × their output factor); chains may override.", plausible=(0.3, 1.6)),
        *(ParameterSpec(f"output_factor_{t.name}", "× output_intensity", 0.1, 5.0, t.output_factor,
                        f"Output per 亿元 invested of a {t.name} chain ({t.label_zh}) relative to manufacturing. "
                        + t.note) for t in CHAIN_TYPES.values() if t.name != "manufacturing"),
        ParameterSpec("growth_per_year", "1/year", -0.3, 0.5, 0.04,
                      "Mean organic growth rate of existing enterprises' output.", plausible=(-0.02, 0.10)),
        ParameterSpec("growth_sd_per_year", "1/sqrt(year)", 0.0, 1.0, 0.08,
                      "Volatility of an enterprise's output growth."),
        ParameterSpec("exit_per_year", "1/year", 0.0, 0.5, 0.02,
                      "Annual exit hazard of an enterprise (closure or relocation)."),
        ParameterSpec("exit_size_elasticity", "dimensionless", 0.0, 1.5, 0.3,
                      "How the exit hazard falls with firm size: × (output / mean firm output)^(−elasticity), at "
                      "most 10×; small firms close more often, leaders (链主) rarely."),
        ParameterSpec("macro_sd_per_year", "1/year", 0.0, 0.2, 0.03,
                      "Spread of the year effect on growth shared by every chain of the county (a good or bad year "
                      "for all): 龙岩's industry grew 2.6% in Jan–Aug 2020, 1.4 points above Fujian's "
                      "(ly_2020m1m8_industrial_va_growth, ly_2020m1m8_industrial_va_growth_gap), several points "
                      "below a usual year: a bad year is one to two of these spreads.",
                      figure="ly_2020m1m8_industrial_va_growth"),
        ParameterSpec("macro_lead_elasticity", "dimensionless", 0.0, 10.0, 3.0,
                      "How strongly the year effect moves lead arrivals: leads × exp(elasticity × effect), so a year "
                      "3 points worse brings about 9% fewer leads (investors wait in a bad year)."),
        ParameterSpec("size_elasticity", "dimensionless", 0.0, 2.0, 0.3,
                      "Elasticity of a chain's lead arrivals with its output relative to the start."),
        ParameterSpec("completeness_gain", "dimensionless", 0.0, 5.0, 0.6,
                      "Lead intensity multiplier 1 + gain × completeness: a complete chain attracts more."),
        ParameterSpec("leader_leads_per_10yi", "leads/month per 10亿元/year", 0.0, 2.0, 0.04,
                      "Leads a chain's leaders (链主) bring in each month per 10亿元 a year of their own output, times "
                      "the leader_drive lever (以商招商): 蕉城's lithium leader drew \"200多家上下游企业\" "
                      "(jc_upstream_firms), about 20 signed a year, 45 leads, over a decade around 宁德时代, whose "
                      "Ningde output is of the order of 1,000亿元 a year (assumed: not in the seeds): about 0.04.",
                      figure="jc_upstream_firms"),
        ParameterSpec("chain_chief_gain", "dimensionless", 0.0, 3.0, 0.5,
                      "Extra effort on a priority chain under full chain-chief priority."),
        ParameterSpec("prework_lag_cut", "fraction", 0.0, 0.9, 0.3,
                      "Cut in the signed→started lag of a project whose pre-work the fund pays for."),
        ParameterSpec("prework_need_yi", "亿元/year", 0.01, 10.0, 0.5,
                      "Pre-work fund that would pay for every project's pre-work (about 0.5% of a year's signed "
                      "investment in 连城: 96.92亿 in 2021); a fund of f covers min(1, f / need) of the projects.",
                      figure="lc_2021_signed_value"),
        ParameterSpec("factory_wm2_per_yi", "万平方米 per 亿元", 0.1, 10.0, 1.0,
                      "Standard-factory floor space a small project uses per 亿元 invested."),
        ParameterSpec("investment_intensity_yi_per_mu", "亿元/亩", 0.005, 0.5, 0.04,
                      "Investment per 亩 of industrial land (投资强度): a project of s 亿元 needs s / intensity 亩. "
                      "0.04亿元 (400万元) per 亩 is 確山's 2015 plan: 120亿元 of fixed-asset investment on 2 km² "
                      "(3,000亩) of new built-up area (qs_2015_plan_fai / qs_2015_plan_new_builtup_area).",
                      figure="qs_2015_plan_new_builtup_area"),
        ParameterSpec("land_wait_months", "months", 0.0, 36.0, 6.0,
                      "How long a project ready to start waits for land or factory space before it goes elsewhere."),
        ParameterSpec("effort_half", "× status quo", 0.1, 10.0, 0.5,
                      "Saturation of attraction effort: leads × e(1 + h)/(e + h); at most 1 + h times the status "
                      "quo however hard the county tries (the pool of movable investors is finite)."),
        ParameterSpec("size_feedback_cap", "× base output", 1.0, 10.0, 2.0,
                      "Largest output ratio (output / base output) that still raises a chain's lead arrivals: "
                      "the size feedback stops compounding beyond it."),
        ParameterSpec("factory_build_factor", "fraction", 0.05, 1.0, 0.3,
                      "Build time of a small project in a ready factory, as a fraction of a new build."),
        ParameterSpec("small_project_max_yi", "亿元", 0.1, 10.0, 1.0,
                      "Largest project that can use a standard factory."),
        ParameterSpec("finance_dropout_cut", "fraction", 0.0, 1.0, 0.5,
                      "Cut in drop-out hazards under full finance matching."),
        ParameterSpec("enterprise_output_yi", "亿元/year", 0.1, 50.0, 2.0,
                      "Mean annual output of an existing enterprise, used to set a chain's initial number of "
                      "enterprises when the scenario does not give it."),
        ParameterSpec("leader_output_share", "fraction", 0.0, 0.9, 0.35,
                      "Share of a chain's base output produced by its leaders (链主) at the start."),
        # -- a province of counties (scenarios with ``counties:``; no effect on one county)
        ParameterSpec("contested_share", "fraction", 0.0, 1.0, 0.5,
                      "In a scenario of several counties, the share of a chain's status-quo leads that come from "
                      "the province's pool for its industry, which every county with a chain of that industry "
                      "competes for (chainsim.province): Fujian names nine counties for its lithium chain and five "
                      "for stainless steel (fj_chains_per_county_max: 1-2 key chains per county) and asks for a "
                      "joint pre-review of projects signed at provincial events (联合预审) so that counties do not "
                      "bid against each other; 龙岩's ten parks court the same 央企、世界500强、全国民企百强. The "
                      "share itself is assumed.", figure="fj_chains_per_county_max"),
        ParameterSpec("approval_pull", "dimensionless", 0.0, 5.0, 1.0,
                      "How much a faster approval raises a chain's pull on the contested leads of its industry: "
                      "attraction × (1 + approval_pull × approval_speedup); 1 means 蕉城's 53% cut "
                      "(jc_build_time_after) draws 1.53 times the leads at equal effort."),
    ]
}


COUNTY_LEVERS = ("land_supply", "standard_factory_wm2")
"""Levers that act on the county's shared resources (land, factory space), not on a chain."""

PREWORK_FUND_REF_YI = 0.05
"""Reference pre-work fund, 亿元/year: 连城's 500万元 a year (figure lc_prework_fund)."""

MAJOR_PROJECT_YI = 5.0
"""Projects of at least this investment (亿元) count as major (5–10亿 and ≥10亿 in the seeds)."""

LEADER_PROJECT_YI = 10.0
"""A completed project of at least this investment (亿元) becomes a chain leader (链主)."""

BACKBONE_PROJECT_YI = 3.0
"""A completed project of at least this investment (亿元) becomes a backbone firm (骨干)."""

PLAUSIBLE_GROWTH_PER_YEAR = 0.225
"""Fastest output growth the seeds report, 1/year: 確山's industrial cluster, +22.5% year on year
in H1 2014 (figure qs_2014h1_park_output_growth). Longyan's industry grew 2.6% in Jan–Aug 2020
(ly_2020m1m8_industrial_va_growth). A chain simulated to grow faster than this, compounded from
its base output to its target year, in more than ``GROWTH_WARNING_SHARE`` of replicates is
flagged as implausible."""

GROWTH_WARNING_SHARE = 0.05
"""Share of replicates above the plausible growth at which ``chainsim run`` warns."""
