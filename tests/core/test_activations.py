"""The activations against independent references: sigmoid to full relative precision."""

from __future__ import annotations

import warnings
from decimal import Decimal, localcontext

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from bptt_trace.core.activations import ACTIVATIONS

SIGMOID = ACTIVATIONS["sigmoid"]


def decimal_sigmoid(a: float) -> tuple[float, float]:
    """σ(a) = 1/(1 + e) and σ′(a) = σ(a)·(1 − σ(a)) = e/(1 + e)², e = e^(−a), in 60-digit
    decimal arithmetic, rounded to float."""
    with localcontext() as ctx:
        ctx.prec = 60
        e = (-Decimal(a)).exp()
        return float(1 / (1 + e)), float(e / ((1 + e) * (1 + e)))


wide = st.floats(min_value=-700.0, max_value=700.0, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(a=st.lists(wide, min_size=1, max_size=8))
def test_sigmoid_and_its_derivative_keep_full_relative_precision(a: list[float]) -> None:
    """Within 4 units in the last place of a 60-digit reference, at any a from −700 to 700
    (σ down to 1e-304), where 0.5·(1 + tanh(a/2)) is off by 1e-6 relative at a = −27."""
    x = np.array(a)
    h = SIGMOID.f(x)
    reference = np.array([decimal_sigmoid(v) for v in a])
    assert_allclose(h, reference[:, 0], rtol=4 * np.finfo(float).eps, atol=0)
    assert_allclose(SIGMOID.f_prime(x, h), reference[:, 1], rtol=8 * np.finfo(float).eps, atol=0)


def test_sigmoid_at_minus_27_is_exact_where_the_tanh_form_was_not() -> None:
    value, _ = decimal_sigmoid(-27.0)
    assert_allclose(SIGMOID.f(np.array([-27.0]))[0], value, rtol=2 * np.finfo(float).eps)


def test_sigmoid_warns_of_nothing_at_the_ends_of_the_float_range() -> None:
    x = np.array([-1.7e308, -1000.0, -745.2, 0.0, 745.2, 1000.0, 1.7e308])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        h = SIGMOID.f(x)
        d = SIGMOID.f_prime(x, h)
    assert_allclose(h, [0.0, 0.0, 0.0, 0.5, 1.0, 1.0, 1.0], atol=1e-300)
    assert_allclose(d[[0, 1, 3, 5, 6]], [0.0, 0.0, 0.25, 0.0, 0.0], atol=1e-300)
