"""Set a user's gradients against a computed set, after undoing conventions.

Two conventions are not bugs: a constant factor on every gradient (the loss averaged over time
steps or summed over sentences, a flipped sign) and a matrix in the transposed layout. ``fit``
finds them and measures what is left, per quantity: the largest absolute difference, and the
largest relative to the largest entry of either array.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Fit:
    """The user's numbers against a computed set: the factor and the transposed matrices that
    explain them best, and the differences left after undoing both, per quantity."""

    factor: float
    transposed: tuple[str, ...]
    max_abs: dict[str, float]
    max_rel: dict[str, float]

    @property
    def worst(self) -> float:
        return max(self.max_rel.values(), default=0.0)

    def matching(self, tolerance: float) -> list[str]:
        return [name for name, rel in self.max_rel.items() if rel <= tolerance]


def relative(user: np.ndarray, computed: np.ndarray) -> float:
    """max |user − computed| over the largest |entry| of either (0 when both are zero)."""
    scale = max(float(np.abs(user).max(initial=0.0)), float(np.abs(computed).max(initial=0.0)))
    diff = float(np.abs(user - computed).max(initial=0.0))
    return 0.0 if diff == 0.0 else diff / scale


def best_factor(user: np.ndarray, computed: np.ndarray) -> float | None:
    """The c that brings c·computed nearest user (least squares), None if computed is zero."""
    norm = float(np.vdot(computed, computed))
    return float(np.vdot(user, computed)) / norm if norm > 0.0 else None


def orient(user: np.ndarray, computed: np.ndarray) -> tuple[np.ndarray, bool]:
    """computed, transposed when the user's matrix is in the other layout: told by the shape,
    or for a square matrix by which way it fits better."""
    if computed.ndim != 2 or user.shape != computed.T.shape:
        return computed, False
    if computed.shape[0] != computed.shape[1]:
        return computed.T, True

    def misfit(m: np.ndarray) -> float:
        c = best_factor(user, m)
        return relative(user, m if c is None else c * m)

    flipped = misfit(computed.T) < misfit(computed)
    return (computed.T, True) if flipped else (computed, False)


def fit(
    user: Mapping[str, np.ndarray],
    computed: Mapping[str, np.ndarray],
    tolerance: float,
    factor: float | None = None,
) -> Fit:
    """The factor (unless given) is the one that makes the most quantities agree within
    ``tolerance``: 1 unless another does better (a mistake in some parameters leaves the others
    agreeing at 1)."""
    names = [name for name in computed if name in user]
    oriented, transposed = {}, []
    for name in names:
        oriented[name], flipped = orient(user[name], computed[name])
        if flipped:
            transposed.append(name)
    factors = [1.0] if factor is None else [factor]
    for name in names if factor is None else ():
        c = best_factor(user[name], oriented[name])
        if c is not None and np.isfinite(c) and c != 0.0:
            factors.append(c)

    def score(c: float) -> tuple[int, float]:
        rels = [relative(user[n], c * oriented[n]) for n in names]
        return sum(r <= tolerance for r in rels), -max(rels, default=0.0)

    factor = max(factors, key=score)  # the first (1) among equals
    if abs(factor - 1.0) <= tolerance:
        factor = 1.0
    return Fit(
        factor=factor,
        transposed=tuple(transposed),
        max_abs={n: float(np.abs(user[n] - factor * oriented[n]).max(initial=0.0)) for n in names},
        max_rel={n: relative(user[n], factor * oriented[n]) for n in names},
    )


def describe_factor(c: float, sentences: int, tokens: int, outputs: int) -> str:
    """What a factor on every gradient usually means, in words."""
    known = [
        (1.0, ""),
        (sentences, f"the loss summed over the {sentences} sentences instead of averaged"),
        (1.0 / tokens, f"the loss averaged over the {tokens} time steps"),
        (1.0 / outputs, f"the loss averaged over the {outputs} outputs"),
        (sentences / outputs, "each sentence's loss averaged over its outputs, then summed"),
    ]
    known = [(value, text) for value, text in known if value != 1.0 or not text]
    for sign, flip in ((1.0, ""), (-1.0, "a flipped sign (e.g. ∂L/∂o = y − ŷ)")):
        for value, text in known:
            if abs(c - sign * value) <= 1e-9 * abs(c):
                return " and ".join(part for part in (text, flip) if part)
    return "a constant factor on every gradient"
