"""What the catalogues of every cell share: a mistake's variant, and the builders of the
variants that every cell's mistaken pass makes alike (truncation, clipping, '=' for '+=',
accumulators not reset), each given the cell's switches."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

MAX_K = 64
"""truncated-K is tried for K = 1 … min(T − 1, MAX_K)."""


@dataclass(frozen=True)
class Variant:
    """One way a mistake can be made: its identifier (``truncated-2``), its numbers, its
    switches, and the equation as the user's numbers then imply it."""

    id: str
    knobs: Any  # the switches of the cell's mistaken pass (mistakes.Knobs, GatedKnobs)
    implied: str
    numbers: dict[str, Any] = field(default_factory=dict)


def kept_choices(lengths: np.ndarray) -> tuple[str, ...]:
    """'first' and 'last', or 'first' alone when every sentence is one step long."""
    return ("first",) if int(lengths.max()) == 1 else ("first", "last")


def kept_words(lengths: np.ndarray, which: str) -> str:
    """Whose contribution '=' keeps: step 1's, step T's (one sentence), or each sentence's own
    last step's."""
    if which == "first":
        return "time step 1's" if lengths.size == 1 else "each sentence's time step 1's"
    if lengths.size == 1:
        return f"time step {int(lengths[0])}'s"
    return "each sentence's own last step's"


def ratio_counts(
    user: Mapping[str, np.ndarray], reference: Mapping[str, np.ndarray], names: Iterable[str]
) -> list[int]:
    """The whole numbers n ≥ 2 that the user's gradients of ``names`` are of the right ones
    (least squares), and 2."""
    found = {2}
    for name in names:
        mine, ref = user.get(name), reference[name]
        if mine is None or mine.shape != ref.shape or not np.any(ref):
            continue
        r = float(np.vdot(mine, ref) / np.vdot(ref, ref))
        if 1.5 <= r <= 1e6:
            found.add(round(r))
    return sorted(found)


def norm_bound(p: Mapping[str, np.ndarray], user: Mapping[str, np.ndarray]) -> float | None:
    """C for clipping by the global norm, from the user's numbers: their global norm."""
    squares = [float(np.vdot(g, g)) for name, g in user.items() if name in p]
    C = float(np.sqrt(sum(squares))) if squares else 0.0
    return C if 0.0 < C < np.inf else None


def clip_bound(p: Mapping[str, np.ndarray], user: Mapping[str, np.ndarray]) -> float | None:
    """C for elementwise clipping, from the user's numbers: their largest |entry|."""
    grads = [g for name, g in user.items() if name in p and g.size]
    C = max((float(np.abs(g).max()) for g in grads), default=0.0)
    return C if C > 0 else None


def truncated(T: int, knobs: Callable[..., Any]) -> list[Variant]:
    """truncated-K for K = 1 … min(T − 1, MAX_K), whatever the cell (``knobs`` its switches)."""
    return [
        Variant(
            f"truncated-{K}",
            knobs(truncate=K),
            f"each loss flows back through at most K = {K} time step{'' if K == 1 else 's'}",
            {"K": K},
        )
        for K in range(1, min(T - 1, MAX_K) + 1)
    ]


def clipped(
    p: Mapping[str, np.ndarray], user: Mapping[str, np.ndarray], knobs: Callable[..., Any]
) -> list[Variant]:
    """Clipping, elementwise (C: the user's largest |entry|) and by the global norm (C: the
    user's global norm), whatever the cell."""
    found = []
    C = clip_bound(p, user)
    if C is not None:
        implied = f"every entry of every gradient clipped to [−C, C], C = {C:.6g}"
        found.append(Variant(f"elementwise-clip-{C:.6g}", knobs(clip=C), implied, {"C": C}))
    C = norm_bound(p, user)
    if C is not None:
        implied = f"every gradient × min(1, C/‖g‖), ‖g‖ the norm of all of them, C = {C:.6g}"
        found.append(Variant(f"norm-clip-{C:.6g}", knobs(clip_norm=C), implied, {"C": C}))
    return found


def skipped(
    lengths: np.ndarray, out: np.ndarray, which: str, knobs: Callable[..., Any]
) -> list[Variant]:
    """Each sentence's first (or own last) step left out of the backward loop, whatever the
    cell: its contributions to the cell's gradients missing; or the step never visited at all
    (its ∂L/∂hₜ left at 0, nothing of its output flowing back), and then also its output's
    contributions to ∂L/∂V and ∂L/∂b_output when it has one (computed in the loop).
    ``out``: the batch's outputs (B, T+1). None for the last step when every sentence is one
    step long (its first)."""
    if which not in kept_choices(lengths):
        return []
    step = kept_words(lengths, which)[: -len("'s")]
    sums = "Σ over t = 2 … T" if which == "first" else "Σ over t = 1 … T − 1"
    left = f"the cell's gradients = {sums} of the contributions ({step} left out)"
    sub = "₁" if which == "first" else "_T"
    never = f"{left}; the loop never visits it: ∂L/∂h{sub} stays 0, nothing of its output flows"
    found = [
        Variant(f"{which}-step-missing", knobs(skipped_step=which), left, {"visited": True}),
        Variant(
            f"{which}-step-missing",
            knobs(skipped_step=which, unvisited=True),
            never,
            {"visited": False, "outputs": "kept"},
        ),
    ]
    rows = np.arange(lengths.size)
    if (out[rows, 1] if which == "first" else out[rows, lengths]).any():
        found.append(
            Variant(
                f"{which}-step-missing",
                knobs(skipped_step=which, unvisited=True, skipped_output=True),
                f"{never}, nor into ∂L/∂V and ∂L/∂b_output",
                {"visited": False, "outputs": "in the loop"},
            )
        )
    return found
