"""Calibration to reported figures: moments (what is compared), fit (how), report (what it says).

The entry points are in ``chainsim.calibrate``: ``calibrate`` and ``fit_table``.
"""

from .moments import MomentSpec, calibration_problems, moment_specs, simulate_moments
from .report import CalibrationResult, fit_frame

__all__ = ["CalibrationResult", "MomentSpec", "calibration_problems", "fit_frame", "moment_specs",
           "simulate_moments"]
