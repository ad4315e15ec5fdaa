"""An event whose arrays were summarised already (a window's events) still names a NaN, an
infinity or a norm beyond the floats in them, as the array itself would."""

from __future__ import annotations

import numpy as np
import pytest

from bptt_trace.trace.events import GradientsEvent
from bptt_trace.trace.finite import nonfinite
from bptt_trace.trace.summary import summarize


def event(grad: np.ndarray) -> GradientsEvent:
    return GradientsEvent(step=1, loss=1.0, grads={"W_h": grad}, chunk=1, window=[1, 1, 2])


@pytest.mark.parametrize(
    ("bad", "said"),
    [(np.nan, "became NaN"), (np.inf, "became infinite"), (-np.inf, "became infinite")],
)
@pytest.mark.parametrize("where", [(0, 0), (40, 77), (99, 99)])  # in head, middle, tail
def test_a_bad_entry_is_named_in_the_array_and_in_its_summary(bad, said, where) -> None:
    grad = np.random.default_rng(0).normal(size=(100, 100))
    grad[where] = bad
    assert nonfinite(event(grad)) == f"W_h {said}"
    assert nonfinite(event(summarize(grad))) == f"W_h {said}"  # type: ignore[arg-type]


def test_a_norm_beyond_the_floats_is_named_in_a_summary() -> None:
    grad = np.full((100, 100), 1e307)  # every entry finite, ‖grad‖ = 1e309
    assert nonfinite(event(grad)) == "W_h has a norm beyond the floats"
    assert nonfinite(event(summarize(grad))) == "W_h has a norm beyond the floats"  # type: ignore[arg-type]


def test_finite_summaries_pass() -> None:
    grad = np.random.default_rng(1).normal(size=(100, 100))
    assert nonfinite(event(summarize(grad))) is None  # type: ignore[arg-type]
