"""Set a user's numbers against a computed set, per quantity: the largest absolute difference,
and the largest relative to the largest |entry| of either array.

A factor on every gradient is a convention only when it is one a user's code has: the loss
summed over the sentences instead of averaged (B), averaged over every output (B/outputs), a
flipped sign. No other factor is fitted: a number that merely brings two sets nearer explains
nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ..core.batch import Batch


@dataclass(frozen=True)
class Fit:
    """The user's numbers against a computed set at ``factor``, per quantity."""

    factor: float
    max_abs: dict[str, float]
    max_rel: dict[str, float]

    @property
    def worst(self) -> float:
        return max(self.max_rel.values(), default=0.0)

    def differing(self, tolerance: float) -> list[str]:
        return [name for name, rel in self.max_rel.items() if rel > tolerance]


def relative(user: np.ndarray, computed: np.ndarray) -> float:
    """max |user − computed| over the largest |entry| of either (0 when both are zero), taken
    of the scaled arrays, so that it is a number in [0, 2] at any magnitude."""
    scale = max(float(np.abs(user).max(initial=0.0)), float(np.abs(computed).max(initial=0.0)))
    if scale == 0.0:
        return 0.0
    return float(np.abs(user / scale - computed / scale).max(initial=0.0))


def known_factors(batch: Batch) -> dict[float, str]:
    """The factors on every gradient that a user's reduction or sign gives, in words."""
    sentences, outputs = batch.x.shape[0], int(batch.out.sum())
    found: dict[float, str] = {1.0: ""}
    reductions = {
        float(sentences): f"your loss is summed over the {sentences} sentences (the trace's "
        "is their mean)",
        sentences / outputs: f"your loss is averaged over all {outputs} outputs (the trace's "
        "sums each sentence's outputs, then averages over the sentences)",
    }
    for value, text in reductions.items():
        found.setdefault(value, text)
    for value, text in list(found.items()):
        flip = "a flipped sign on every gradient (e.g. ∂L/∂o = y − ŷ for the logits o)"
        found.setdefault(-value, f"{text} and {flip}" if text else flip)
    return found


def fit(
    user: Mapping[str, np.ndarray],
    computed: Mapping[str, np.ndarray],
    tolerance: float,
    factors: tuple[float, ...] = (1.0,),
) -> Fit:
    """The factor of ``factors`` that makes the most quantities agree within ``tolerance`` (the
    first among equals, so 1 unless another does better), and the differences at it."""
    names = [name for name in computed if name in user]

    def rels(c: float) -> dict[str, float]:
        return {n: relative(user[n], c * computed[n]) for n in names}

    best: tuple[int, float] | None = None
    chosen, at = factors[0], rels(factors[0])
    for c in factors:
        r = at if c == factors[0] else rels(c)
        score = (sum(v <= tolerance for v in r.values()), -max(r.values(), default=0.0))
        if best is None or score > best:
            best, chosen, at = score, c, r
    with np.errstate(over="ignore"):  # near the largest float a difference may overflow
        max_abs = {n: float(np.abs(user[n] - chosen * computed[n]).max(initial=0.0)) for n in names}
    return Fit(factor=chosen, max_abs=max_abs, max_rel=at)
