"""The analyst's questions: compare two policies, sensitivity, what it takes; and the
planner's decisions: what a budget buys (``optimise``), under which conditions a target is
met (``discover``), which policy is robust (``robustness``), what it takes in planner units
and two levers (``planner_units``, ``cheapest_pair``).

Core objects (modules comparison, sensitivity_analysis, lever_search): ``compare`` → ``Comparison``, ``sensitivity`` →
``Sensitivity``, ``what_it_takes`` → ``WhatItTakes``. All run ensembles through
``chainsim.ensemble.run_ensemble`` on common random numbers (one master seed for every
run they compare), so differences between runs are the policies', not the dice's.
"""

from .comparison import Comparison, compare, paired_difference_interval
from .sensitivity_analysis import Factor, Sensitivity, factors, sensitivity
from .lever_search import WhatItTakes, what_it_takes
from .discovery import Discovery, discover
from .optimise import Optimised, optimise
from .planner import PairSearch, PlannerUnits, cheapest_pair, planner_units
from .robustness import Robustness, robustness

__all__ = [
    "Comparison", "compare", "paired_difference_interval",
    "Factor", "Sensitivity", "factors", "sensitivity",
    "WhatItTakes", "what_it_takes",
    "Optimised", "optimise", "Discovery", "discover", "Robustness", "robustness",
    "PlannerUnits", "planner_units", "PairSearch", "cheapest_pair",
]
