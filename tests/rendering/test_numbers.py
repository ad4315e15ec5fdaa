"""The number format every table uses: signs, ranges, zeros, alignment, and losses."""

import math
import re
from decimal import Decimal, localcontext

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bptt_trace.rendering.theme import fmt, fmt_loss, matrix, summary_text, vector

PROPERTY = settings(max_examples=300, deadline=None)
FINITE = st.floats(allow_nan=False, allow_infinity=False)
# magnitudes spread over every decade, so that the edges of each range are reached
SPREAD = st.builds(
    lambda m, e, s: s * m * 10.0**e,
    st.floats(1.0, 9.999999),
    st.integers(-12, 12),
    st.sampled_from([1.0, -1.0]),
)


@pytest.mark.parametrize(
    ("x", "precision", "shown"),
    [
        (0.1234, 4, "+0.1234"),
        (-1.5, 4, "-1.5000"),
        (-12.25, 2, "-12.25"),
        (99999.99994, 4, "+99999.9999"),  # the largest that stays fixed: 5 digits before .
        (99999.99996, 4, "+1.0000e+05"),  # rounds to 100000.0000: 6 digits
        (284634588.944, 4, "+2.8463e+08"),  # what --lr 1e9 printed as +284634588.9440
        (-1e150, 4, "-1.0000e+150"),
        (1.7e308, 2, "+1.70e+308"),
        (0.00005001, 4, "+0.0001"),  # rounds to a non-zero fixed number: stays fixed
        (0.00001, 4, "+1.0000e-05"),  # would show as 0.0000: scientific
        (-0.00001, 4, "-1.0000e-05"),  # would show as -0.0000
        (-0.3, 0, "-3e-01"),  # --precision 0 printed -0
        (0.6, 0, "+1"),
        (0.0, 4, "+0.0000"),
        (-0.0, 4, "+0.0000"),
        (-0.0, 0, "+0"),
    ],
)
def test_fmt(x: float, precision: int, shown: str) -> None:
    assert fmt(x, precision) == shown


@PROPERTY
@given(x=FINITE | SPREAD, precision=st.integers(0, 8))
def test_fmt_shows_every_number_faithfully(x: float, precision: int) -> None:
    text = fmt(x, precision)
    assert text[0] in "+-"  # a sign, always: colour is never the only carrier
    assert not re.fullmatch(r"-0(\.0*)?(e[+-]\d+)?", text)  # never a negative zero
    with localcontext() as context:
        context.prec = 1000
        shown, exact = Decimal(text), Decimal(x)
        assert (shown == 0) == (x == 0)  # zero is shown as zero, and nothing else is
        assert shown == 0 or (shown < 0) == (x < 0)  # the sign is x's
        mantissa, _, exponent = text.partition("e")
        assert len(mantissa.split(".")[1] if "." in mantissa else "") == precision
        unit = Decimal(10) ** (int(exponent or 0) - precision)  # the last digit's value
        assert abs(shown - exact) <= unit / 2  # correctly rounded
    if exponent:  # scientific only outside the fixed range: below its last digit, or that
        # rounds to 1e5 or more at this precision (99999.5 at 0 decimals is 100000: 6 digits)
        assert abs(x) < 10.0**-precision or abs(x) >= (1e5 - 0.5 * 10.0**-precision) * (1 - 1e-9)
    else:
        assert len(mantissa[1:].split(".")[0]) <= 5


@pytest.mark.parametrize(
    ("x", "shown"),
    [
        (1.5078, "1.5078"),
        (0.0123, "0.0123"),  # 3 significant digits at 4 decimals: fixed
        (0.001234, "1.23e-03"),  # 0.0012 would keep only 2
        (4.99e-05, "4.99e-05"),  # not 0.0000
        (123456.0, "1.23e+05"),
        (0.0, "0.0000"),
    ],
)
def test_fmt_loss_keeps_three_significant_digits(x: float, shown: str) -> None:
    assert fmt_loss(x, 4) == shown


@PROPERTY
@given(x=SPREAD.map(abs), precision=st.integers(0, 8))
def test_fmt_loss_is_never_zero_and_never_far_off(x: float, precision: int) -> None:
    text = fmt_loss(x, precision)
    assert float(text) > 0
    assert math.isclose(float(text), x, rel_tol=0.5e-2)  # 3 significant digits at least


def test_a_vector_pads_every_entry_to_the_widest() -> None:
    text = vector([-12.5, 0.5, -0.0, -0.9], 4).plain
    assert text == "[-12.5000  +0.5000  +0.0000  -0.9000]"


@pytest.mark.parametrize(
    ("values", "shown"),
    [
        ([284634588.944, 0.5, -0.0, -0.9], "[+2.8463e+08 +5.0000e-01 +0.0000e+00 -9.0000e-01]"),
        ([1e-4, -2.1774e-05], "[+1.0000e-04 -2.1774e-05]"),  # the Δ row of a small --lr
        ([0.1234, -0.5], "[+0.1234 -0.5000]"),
    ],
)
def test_a_vector_is_in_one_notation(values: list[float], shown: str) -> None:
    assert vector(values, 4).plain == shown


@PROPERTY
@given(st.lists(FINITE | SPREAD, min_size=1, max_size=8), st.integers(0, 6))
def test_every_entry_of_a_vector_has_the_same_width(values: list[float], precision: int) -> None:
    text = vector(values, precision).plain
    inner = text[1:-1]
    scientific = any("e" in fmt(v, precision) for v in values if v != 0)  # one notation
    # scientific: every entry so, zero written +0 (0.0 and -0.0 alike, as fmt writes it)
    each = [f"{v or 0.0:+.{precision}e}" if scientific else fmt(v, precision) for v in values]
    width = max(len(e) for e in each)
    assert len(inner) == len(values) * (width + 1) - 1
    cells = [inner[i * (width + 1) : i * (width + 1) + width] for i in range(len(values))]
    assert [c.lstrip() for c in cells] == each


def test_a_matrix_aligns_its_columns_across_rows() -> None:
    lines = matrix([[1e9, 0.5], [-0.0, -0.9]], 4).plain.splitlines()
    assert lines == ["[+1.0000e+09 +5.0000e-01]", "[    +0.0000     -0.9000]"]  # a row's notation


def test_a_summary_follows_the_same_rules() -> None:
    summary = {
        "summary": True,
        "shape": [3, 4],
        "norm": 2.5e9,
        "min": -0.0,
        "max": 2.8e8,
        "largest": [[0, 1, 2.8e8], [2, 3, -1e-7]],
    }
    assert summary_text(summary, 4).plain == (
        "‖·‖ = 2.50e+09 · 3×4 · range +0.0000 … +2.8000e+08 · largest: "
        "[1,2] +2.8000e+08, [3,4] -1.0000e-07"
    )
