"""Money in 亿元: every accepted spelling, the round trip through format_yi, and what is refused."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chainsim.units import CNY_PER_YI, MoneyError, format_yi, parse_money, yi_to_cny


@pytest.mark.parametrize(
    ("text", "expected_yi"),
    [
        # the spellings DESIGN.md promises
        ("200亿", 200.0),
        ("200亿元", 200.0),
        ("2e10 CNY", 200.0),
        ("20 bn CNY", 200.0),
        # traditional characters (the Queshan seed) and 万元 (the pre-work fund)
        ("105.6億元", 105.6),
        ("105.6億", 105.6),
        ("500万元", 0.05),
        ("500万", 0.05),
        ("8200萬元", 0.82),
        ("8200萬", 0.82),
        # yuan, in several spellings and cases
        ("1e8 元", 1.0),
        ("1e8 cny", 1.0),
        ("1e8 RMB", 1.0),
        ("1e8 yuan", 1.0),
        ("3.5 yi", 3.5),
        # billions and millions
        ("20 billion CNY", 200.0),
        ("20 BN  cny", 200.0),
        ("2 bn", 20.0),
        ("2 billion", 20.0),
        ("300 mn CNY", 3.0),
        ("300 million CNY", 3.0),
        ("300 m CNY", 3.0),
        # number forms
        ("1,000亿元", 1000.0),
        (" 12.5 亿元 ", 12.5),
        (".5亿", 0.5),
        ("+7亿", 7.0),
        ("-7亿", -7.0),  # parse_money reads the sign; the schema rejects amounts <= 0
        ("96.92", 96.92),
        ("1E2亿", 100.0),
    ],
)
def test_parse_money_reads_each_spelling_as_亿元(text: str, expected_yi: float) -> None:
    assert parse_money(text) == pytest.approx(expected_yi, rel=1e-12)


@pytest.mark.parametrize("number", [0, 7, 96.92, 1e-3, 2.5e3])
def test_plain_numbers_mean_亿元(number: float) -> None:
    assert parse_money(number) == float(number)
    assert isinstance(parse_money(number), float)


@pytest.mark.parametrize("value", [True, False])
def test_booleans_are_not_money(value: bool) -> None:
    with pytest.raises(MoneyError, match="boolean"):
        parse_money(value)


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, "1e400 亿元", "1e400"])
def test_nan_and_infinities_are_not_money(value: object) -> None:
    with pytest.raises(MoneyError, match="finite"):
        parse_money(value)


@pytest.mark.parametrize("text", ["nan亿元", "inf", "infinity CNY", "NaN"])
def test_spelled_out_nan_and_inf_are_not_money(text: str) -> None:
    with pytest.raises(MoneyError):
        parse_money(text)


@pytest.mark.parametrize("text", ["10 furlongs", "10 USD", "10 美元", "10 trillion", "10 千元"])
def test_unknown_units_are_refused_naming_the_unit(text: str) -> None:
    with pytest.raises(MoneyError, match="unknown money unit"):
        parse_money(text)


@pytest.mark.parametrize("value", ["", "   ", "亿元", "ten 亿", "1.2.3亿", "12 亿 元 extra 3", None, [200], {"v": 1}])
def test_unreadable_values_are_refused(value: object) -> None:
    with pytest.raises(MoneyError):
        parse_money(value)


def test_money_error_is_a_value_error() -> None:
    # pydantic turns ValueError raised in validators into located validation errors
    assert issubclass(MoneyError, ValueError)


def test_format_yi_shows_the_unit_and_digits() -> None:
    assert format_yi(200) == "200.00亿元"
    assert format_yi(0.05, digits=3) == "0.050亿元"
    assert format_yi(96.924, digits=1) == "96.9亿元"


@pytest.mark.parametrize("value", [0.05, 1.0, 96.92, 105.6, 700.0, 12345.678])
def test_format_yi_round_trips_through_parse_money(value: float) -> None:
    assert parse_money(format_yi(value)) == pytest.approx(value, abs=0.005)
    assert parse_money(format_yi(value, digits=6)) == pytest.approx(value, abs=5e-7)


def test_yi_to_cny() -> None:
    assert CNY_PER_YI == 1e8
    assert yi_to_cny(200) == 2e10


positive_finite = st.floats(min_value=1e-12, max_value=1e200, allow_nan=False, allow_infinity=False)


@given(positive_finite)
def test_number_with_亿元_suffix_parses_to_itself(x: float) -> None:
    assert parse_money(f"{x}亿元") == x


@given(positive_finite)
def test_amount_in_cny_parses_to_亿元(x: float) -> None:
    assert parse_money(f"{x * 1e8} CNY") == pytest.approx(x, rel=1e-12)


@given(st.floats(min_value=0.0, max_value=1e9, allow_nan=False, allow_infinity=False))
def test_format_yi_round_trip_is_within_half_a_digit(x: float) -> None:
    assert abs(parse_money(format_yi(x)) - x) <= 0.005 + 1e-9 * x
