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


LEVERS: dict[str, LeverSpec] = {
    spec.name: spec
    for spec in [
        LeverSpec(
            "attraction_effort", "招商力度", "Attraction effort", "× status quo", 0.25, 3.0, 1.0,
            "Multiplier on the arrival rate of investment leads in every chain (精准招商, 点对点招商).",
        ),
        LeverSpec(
            "chain_chief_priority", "链长制重点链倾斜", "Chain-chief priority", "0–1", 0.0, 1.0, 0.0,
            "How strongly the chain-chief system (链长制) concentrates effort on priority chains: "
            "priority chains get effort × (1 + chain_chief_gain × lever), the others keep theirs.",
            figure="lc_chain_count",
        ),
        LeverSpec(
            "precision_targeting", "精准补链", "Precision gap-filling", "share of leads", 0.0, 1.0, 0.2,
            "Share of new leads aimed at a chain's missing segments (补链/延链) instead of a random segment.",
        ),
        LeverSpec(
            "approval_speedup", "审批提速", "Approval and build speed-up", "fraction cut", 0.0, 0.6, 0.0,
            "Fractional cut in the signed→started lag and the build time (营商环境). 蕉城 cut a 3-year "
            "build to under 17 months: a cut of 1 − 17/36 ≈ 0.53.",
            figure="jc_build_time_after",
        ),
        LeverSpec(
            "prework_fund_yi", "项目前期工作经费", "Pre-work fund", "亿元/year", 0.0, 0.5, 0.05,
            "Annual fund for project pre-work; shortens the signed→started lag. 连城: 500万元 a year "
            "(0.05亿元).",
            figure="lc_prework_fund", provenance="reported",
        ),
        LeverSpec(
            "standard_factory_wm2", "标准化厂房供给", "Standard factory supply", "万平方米/year", 0.0, 50.0, 3.0,
            "Ready-built standard factory floor space supplied per year; small projects that move into one "
            "skip most of their build. 龙岩's ten parks built 109.75万平方米 from 2019 to 2020M08.",
            figure="ly_standard_factory_new",
        ),
        LeverSpec(
            "finance_matching", "产融对接", "Finance matching", "0–1", 0.0, 1.0, 0.0,
            "Strength of bank–enterprise matching (产融对接, 银企对接): cuts the drop-out hazard of signed "
            "and started projects by up to finance_dropout_cut.",
        ),
        LeverSpec(
            "leader_drive", "以商招商", "Leader-driven attraction", "× status quo", 0.0, 3.0, 1.0,
            "Multiplier on the extra leads each chain leader (链主) pulls in (以商招商).",
        ),
    ]
}


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
        ParameterSpec("started_dropout_per_year", "1/year", 0.0, 1.0, 0.03,
                      "Annual hazard that a started project stalls for good."),
        ParameterSpec("commissioning_months", "months", 0.5, 12.0, 3.0,
                      "Mean completed→producing lag (trial production, permits)."),
        ParameterSpec("ramp_months", "months", 1.0, 60.0, 12.0,
                      "Time constant of the ramp-up to capacity: output = capacity × (1 − exp(−age/ramp))."),
        ParameterSpec("output_intensity", "亿元 output/year per 亿元 invested", 0.05, 10.0, 0.8,
                      "Annual output at full capacity per 亿元 of project investment; chains may override."),
        ParameterSpec("growth_per_year", "1/year", -0.3, 0.5, 0.04,
                      "Mean organic growth rate of existing enterprises' output."),
        ParameterSpec("growth_sd_per_year", "1/sqrt(year)", 0.0, 1.0, 0.08,
                      "Volatility of an enterprise's output growth."),
        ParameterSpec("exit_per_year", "1/year", 0.0, 0.5, 0.02,
                      "Annual exit hazard of an enterprise (closure or relocation)."),
        ParameterSpec("size_elasticity", "dimensionless", 0.0, 2.0, 0.3,
                      "Elasticity of a chain's lead arrivals with its output relative to the start."),
        ParameterSpec("completeness_gain", "dimensionless", 0.0, 5.0, 0.6,
                      "Lead intensity multiplier 1 + gain × completeness: a complete chain attracts more."),
        ParameterSpec("leader_pull", "share per leader", 0.0, 2.0, 0.1,
                      "Extra lead intensity per chain leader (链主), times the leader_drive lever."),
        ParameterSpec("chain_chief_gain", "dimensionless", 0.0, 3.0, 0.5,
                      "Extra effort on a priority chain under full chain-chief priority."),
        ParameterSpec("prework_gain", "dimensionless", 0.0, 5.0, 0.5,
                      "Start-lag factor (1 + gain)/(1 + gain × fund/fund_ref) with fund_ref = 0.05亿元/year."),
        ParameterSpec("factory_half_wm2", "万平方米/year", 0.1, 200.0, 10.0,
                      "Standard-factory supply at which half of small projects find a ready factory."),
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
    ]
}

PREWORK_FUND_REF_YI = 0.05
"""Reference pre-work fund, 亿元/year: 连城's 500万元 a year (figure lc_prework_fund)."""

MAJOR_PROJECT_YI = 5.0
"""Projects of at least this investment (亿元) count as major (5–10亿 and ≥10亿 in the seeds)."""

LEADER_PROJECT_YI = 10.0
"""A completed project of at least this investment (亿元) becomes a chain leader (链主)."""

BACKBONE_PROJECT_YI = 3.0
"""A completed project of at least this investment (亿元) becomes a backbone firm (骨干)."""
