"""The loss curve on losses anywhere in the floats: a replayed trace may hold
1.7976931348623157e308 beside 5e-324 and 0 (the loss axis once raised OverflowError there)."""

from __future__ import annotations

import io
import math
import sys
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from bptt_trace.rendering.renderer import make_console
from bptt_trace.rendering.training import LossCurve

LARGEST = sys.float_info.max
EXTREME = st.floats(min_value=0.0, max_value=LARGEST) | st.sampled_from(
    [0.0, 5e-324, 1e-300, 1.0, 1e300, LARGEST, math.nextafter(LARGEST, 0)]
)


def ticks(losses: list[float], height: int) -> list[Decimal]:
    """The labels of the loss axis, as printed (exact decimals: '1.80e+308' is past the
    largest float, which only its rounding to 3 digits put there)."""
    console = make_console(file=io.StringIO(), width=70)
    console.print(LossCurve(range(1, len(losses) + 1), losses, height=height))
    lines = console.file.getvalue().splitlines()
    return [Decimal(line.split("┤")[0].strip()) for line in lines if "┤" in line]


@given(st.lists(EXTREME, min_size=1, max_size=40), st.integers(2, 12))
@settings(max_examples=200, deadline=None)
def test_any_finite_losses_draw_with_ticks_within_their_range(losses, height) -> None:
    found = ticks(losses, height)
    assert found
    low, high = Decimal(min(losses)), Decimal(max(losses))
    for tick in found:  # shown to 3 significant digits at least: within 0.5% of the range
        assert low * Decimal("0.995") <= tick <= high * Decimal("1.005"), (tick, low, high)


def test_the_replayed_loss_at_the_largest_float_draws() -> None:
    """The issue's example, with ordinary losses beside it."""
    found = ticks([LARGEST, 1.0, 2.0, 1e-300, 0.0], 10)
    assert max(found) == Decimal("1.80e+308")
