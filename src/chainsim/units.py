"""Money in 亿元 (yi yuan): parsing and formatting.

The model's one money unit is the 亿元: 1亿元 = 1e8 CNY, so "200亿元" is 20 billion CNY.
``parse_money`` accepts the spellings a scenario author is likely to write and returns
亿元; ``format_yi`` prints a value with its unit.
"""

from __future__ import annotations

import math
import re

CNY_PER_YI = 1e8
"""Yuan in one 亿元."""

_SCALE_TO_YI = {
    "亿元": 1.0,
    "亿": 1.0,
    "億元": 1.0,
    "億": 1.0,
    "yi": 1.0,
    "万元": 1e-4,
    "万": 1e-4,
    "萬元": 1e-4,
    "萬": 1e-4,
    "元": 1e-8,
    "cny": 1e-8,
    "rmb": 1e-8,
    "yuan": 1e-8,
    "bn cny": 10.0,
    "billion cny": 10.0,
    "bn": 10.0,
    "billion": 10.0,
    "mn cny": 0.01,
    "million cny": 0.01,
    "m cny": 0.01,
}

_NUMBER = r"[+-]?(?:\d+(?:,\d{3})*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_MONEY_RE = re.compile(rf"^\s*(?P<num>{_NUMBER})\s*(?P<unit>[^\d\s].*?)?\s*$")


class MoneyError(ValueError):
    """A money value that cannot be read as 亿元."""


def parse_money(value: object) -> float:
    """Return ``value`` in 亿元.

    Plain numbers mean 亿元. Strings may carry a unit: "200亿", "200亿元", "500万元",
    "2e10 CNY", "20 bn CNY", "20 billion CNY", "3.5 yi". Raises ``MoneyError`` for
    anything else (booleans, NaN, infinities, unknown units).
    """
    if isinstance(value, bool):
        raise MoneyError(f"expected an amount of money, got a boolean ({value})")
    if isinstance(value, (int, float)):
        amount = float(value)
    elif isinstance(value, str):
        match = _MONEY_RE.match(value)
        if not match:
            raise MoneyError(f"cannot read {value!r} as money; write e.g. 200亿元, '2e10 CNY' or 20 (meaning 亿元)")
        number = float(match.group("num").replace(",", ""))
        unit = (match.group("unit") or "").strip()
        key = re.sub(r"\s+", " ", unit.lower())
        if not key:
            scale = 1.0
        elif key in _SCALE_TO_YI:
            scale = _SCALE_TO_YI[key]
        else:
            known = "亿元, 亿, 万元, 元, CNY, bn CNY, billion CNY, mn CNY"
            raise MoneyError(f"unknown money unit {unit!r} in {value!r}; known units: {known}")
        amount = number * scale
    else:
        raise MoneyError(f"expected an amount of money, got {type(value).__name__}")
    if not math.isfinite(amount):
        raise MoneyError(f"money must be a finite number, got {value!r}")
    return amount


def format_yi(value_yi: float, digits: int = 2) -> str:
    """Format an amount in 亿元 with its unit, e.g. ``format_yi(200) == '200.00亿元'``."""
    return f"{value_yi:.{digits}f}亿元"


def yi_to_cny(value_yi: float) -> float:
    """亿元 to yuan."""
    return value_yi * CNY_PER_YI
