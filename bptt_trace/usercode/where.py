"""Where a user's numbers part from the trace's: the entries of each gradient that differ (which
rows, which tokens; the gate is the parameter's own name), whether its sums agree, and the
first time step (from T down) at which their ∂L/∂hₜ or ∂L/∂cₜ departs, and through which part.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from .comparison import Location, Where
from .fit import relative

SHOWN = 6
"""At most this many row labels are listed."""


def differs(user: np.ndarray, computed: np.ndarray, tolerance: float) -> np.ndarray:
    """Which entries differ beyond ``tolerance`` relative to the largest |entry| of either."""
    scale = max(float(np.abs(user).max(initial=0.0)), float(np.abs(computed).max(initial=0.0)))
    return np.abs(user - computed) > tolerance * scale


def location(
    name: str, user: np.ndarray, computed: np.ndarray, tolerance: float, vocab: Sequence[str]
) -> Location:
    """Which entries of the gradient ``name`` differ: its rows (tokens for an input matrix W…,
    units of hₜ₋₁ or hₜ for the others), or its entries for a vector. Both arrays are scaled
    by their largest |entry| first, so that no sum overflows."""
    scale = max(float(np.abs(user).max(initial=0.0)), float(np.abs(computed).max(initial=0.0)))
    if scale > 0.0:
        user, computed = user / scale, computed / scale
    off = differs(user, computed, tolerance)
    if user.ndim == 1:
        idx = np.flatnonzero(off)
        by_token = name == "b_output" and user.shape[0] == len(vocab)
        labels = [vocab[i] if by_token else str(i + 1) for i in idx[:SHOWN]]
        return Location(int(idx.size), int(off.size), labels, None, None)
    rows = np.flatnonzero(off.any(axis=1))
    by_token = name.startswith("W") and not name.startswith("W_h") and user.shape[0] == len(vocab)
    labels = [vocab[i] if by_token else str(i + 1) for i in rows[:SHOWN]]

    def sums_match(axis: int) -> bool:
        return not differs(user.sum(axis=axis), computed.sum(axis=axis), tolerance).any()

    return Location(int(rows.size), int(off.shape[0]), labels, sums_match(0), sums_match(1))


def locations(
    user: Mapping[str, np.ndarray],
    computed: Mapping[str, np.ndarray],
    factor: float,
    names: Sequence[str],
    tolerance: float,
    vocab: Sequence[str],
) -> dict[str, Location]:
    return {n: location(n, user[n], factor * computed[n], tolerance, vocab) for n in names}


def departure(
    user: np.ndarray,
    own: np.ndarray,
    from_next: np.ndarray,
    tolerance: float,
    full: np.ndarray | None = None,
) -> Where:
    """The first t from T down to 1 at which the user's T×H flow departs from the trace's
    ``own + from_next`` (its part at step t itself, and its part from step t+1), and which
    part is off; t None when it never departs. Under a scheme, ``full`` is full BPTT's flow:
    where the scheme takes nothing from t+1 (a window's start is t+1) and the user's is full
    BPTT's there, the part from step t+1 is off (it crosses what the scheme cuts); and
    ``full_bptt`` says whether the user's is full BPTT's at every t."""
    total = own + from_next
    last = user.shape[0] - 1
    whole = full is not None and relative(user, full) <= tolerance
    for i in range(last, -1, -1):
        rel = relative(user[i], total[i])
        if rel <= tolerance:
            continue
        crossing = full is not None and i != last and relative(user[i], full[i]) <= tolerance
        if crossing and not np.any(from_next[i]):
            part = "step t+1"  # the scheme cuts the flow from t+1 here; the user's carries it
        elif i == last or not np.any(from_next[i]):
            part = "at t"  # nothing comes from t+1: the part at t is off
        elif np.any(own[i]) and relative(user[i], from_next[i]) <= tolerance:
            part = "at t"  # the user's is the part from t+1 alone
        else:
            part = "step t+1"
        return Where(t=i + 1, part=part, rel=rel, full_bptt=whole)
    return Where(t=None, part=None, rel=relative(user, total))
