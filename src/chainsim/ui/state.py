"""What a page needs to draw itself: the ``AppState``.

Core objects: ``AppState`` (language, the scenario as loaded, the slider values,
replicates, seed and the saved settings), ``Saved`` (one saved slider setting) and
``apply_levers`` (the scenario a slider setting means). Page bodies are plain functions
of an ``AppState``, so tests can drive them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ..catalogue import LEVERS
from ..report import applied_lever_value
from ..scenario import Scenario


def status_quo_levers(scenario: Scenario) -> dict[str, float]:
    """Every lever's value as the scenario applies it (catalogue order): a scheduled
    lever shows the value in force for most of the simulated months
    (``chainsim.report.applied_lever_value``), e.g. liancheng_approvals' 0.53 from 2022-03."""
    return {name: applied_lever_value(scenario, name) for name in LEVERS}


def apply_levers(scenario: Scenario, levers: Mapping[str, float]) -> Scenario:
    """The scenario with the slider values in force.

    Only levers whose value differs from the value the scenario applies are replaced (by a
    constant, see ``Scenario.with_levers``); an unmoved lever keeps the scenario's own
    setting, schedule and per-chain values included, so an unmoved slider means exactly
    the scenario as loaded.
    """
    base = status_quo_levers(scenario)
    moved = {name: float(v) for name, v in levers.items() if float(v) != base[name]}
    return scenario.with_levers(**moved) if moved else scenario


def lever_key(levers: Mapping[str, float]) -> tuple[tuple[str, float], ...]:
    """Lever values as a hashable, ordered key (for caches)."""
    return tuple((name, float(levers[name])) for name in LEVERS if name in levers)


@dataclass(frozen=True)
class Saved:
    """A saved slider setting: its name and lever values (for one scenario)."""

    name: str
    scenario_hash: str
    levers: tuple[tuple[str, float], ...]

    def scenario(self, base: Scenario) -> Scenario:
        """The scenario this setting means, given the scenario as loaded."""
        return apply_levers(base, dict(self.levers))


@dataclass(frozen=True)
class AppState:
    """Everything a page body reads.

    ``scenario`` is the scenario as loaded (the status quo); ``levers`` the slider
    values (units as in ``chainsim.catalogue.LEVERS``); ``reps`` replicates per run and
    ``seed`` the master seed; ``saved`` the saved settings of this scenario.
    """

    lang: str
    source: str
    scenario: Scenario
    levers: Mapping[str, float]
    reps: int
    seed: int
    saved: tuple[Saved, ...] = ()
    base_hash: str = field(default="")

    def __post_init__(self) -> None:
        if not self.base_hash:
            object.__setattr__(self, "base_hash", self.scenario.content_hash())

    @property
    def current(self) -> Scenario:
        """The scenario with the sliders' values in force."""
        return apply_levers(self.scenario, self.levers)

    @property
    def lever_key(self) -> tuple[tuple[str, float], ...]:
        return lever_key(self.levers)
