"""The analyst's questions: compare two policies, sensitivity, what it takes.

Core objects (modules comparison, sensitivity_analysis, lever_search): ``compare`` → ``Comparison``, ``sensitivity`` →
``Sensitivity``, ``what_it_takes`` → ``WhatItTakes``. All run ensembles through
``chainsim.ensemble.run_ensemble`` on common random numbers (one master seed for every
run they compare), so differences between runs are the policies', not the dice's.
"""

from .comparison import Comparison, compare, paired_difference_interval
from .sensitivity_analysis import Factor, Sensitivity, factors, sensitivity
from .lever_search import WhatItTakes, what_it_takes

__all__ = [
    "Comparison", "compare", "paired_difference_interval",
    "Factor", "Sensitivity", "factors", "sensitivity",
    "WhatItTakes", "what_it_takes",
]
