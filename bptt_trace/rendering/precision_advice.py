"""Which --precision shows a change too small for the decimals shown: the words under an
update whose old and new values look alike (``update.UpdateView.note``)."""

from __future__ import annotations

import numpy as np

from ..config import MAX_PRECISION


def advice(change: float) -> str:
    """Which --precision shows a change this small; never one past the allowed range."""
    if change == 0:
        return "They are the same floats: the update changed no entry."
    needed = decimals_showing(change)
    if needed > MAX_PRECISION:
        return (
            f"Even --precision {MAX_PRECISION} does not show it; the JSON trace (--json, "
            "--output) holds every digit."
        )
    return f"--precision {needed} shows it."


def decimals_showing(change: float) -> int:
    """The fewest decimals at which ``change`` no longer rounds away (≥ half the last one),
    the rule of ``update.UpdateView.note``."""
    needed = max(0, int(np.ceil(-np.log10(2 * change))))
    while change < 0.5 * 10.0**-needed:  # the logarithm's rounding, one way or the other
        needed += 1
    while needed > 0 and change >= 0.5 * 10.0 ** -(needed - 1):
        needed -= 1
    return needed
