"""Vanishing or exploding? The Jacobians of h_T with respect to earlier states of one sentence:

    ∂h_T/∂hₖ = ∂h_T/∂h_{T−1} ⋯ ∂hₖ₊₁/∂hₖ          (diag(f′(aⱼ))·Wʰᵀ a step for the vanilla RNN)

whose spectral norms (largest singular values) say how much of a gradient at h_T reaches hₖ.
Each costs a product of T matrices of H×H: it is computed for a few sentences of a traced step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .cells.declaration import Cell, Params
from .flow import HORIZON

VANISHING = 1e-2
EXPLODING = 1e2
"""‖∂h_T/∂h₁‖ below VANISHING is called vanishing, above EXPLODING exploding."""


@dataclass(frozen=True)
class Diagnosis:
    """jacobian_norms[k - first] = ‖∂h_T/∂hₖ‖₂ for k = first … T (first = 1 unless T is
    longer than HORIZON); Wʰ's largest singular value and spectral radius; the verdict and the
    number behind it (‖∂h_T/∂h_first‖) and the factor per step (0 when that is 0)."""

    first: int
    jacobian_norms: np.ndarray
    sigma_max: float
    spectral_radius: float
    verdict: str
    end_to_end: float
    rate: float
    cause: str | None = None
    """Why the verdict is extreme: an exactly zero gradient, or norms beyond the floats."""


def spectrum(matrix: np.ndarray) -> tuple[float, float]:
    """A square matrix's largest singular value and its spectral radius (largest |eigenvalue|)."""
    return float(np.linalg.norm(matrix, 2)), float(np.max(np.abs(np.linalg.eigvals(matrix))))


def spectral_norms(jacobians: np.ndarray) -> np.ndarray:
    """‖J‖₂ of each matrix of a stack (n, H, H).

    The one-line NumPy equivalent is ``np.linalg.norm(jacobians, 2, axis=(1, 2))`` (n SVDs);
    this is √λ_max(J·Jᵀ) from one batched symmetric eigenvalue call, which measured faster.
    J·Jᵀ squares the entries: a matrix whose entries are far from 1 (beyond 1e±100) is divided
    by its largest |entry| m first and its norm multiplied by m after, so that nothing
    overflows or underflows while the norm itself is a float (0 only for J = 0).
    """
    top = np.abs(jacobians).max(axis=(1, 2), initial=0.0)
    scale = np.where((top > 1e-100) & (top < 1e100) | (top == 0), 1.0, top)
    scaled = jacobians / scale[:, None, None]
    gram = scaled @ scaled.transpose(0, 2, 1)
    with np.errstate(over="ignore"):
        return scale * np.sqrt(np.maximum(np.linalg.eigvalsh(gram)[:, -1], 0.0))


def diagnose(
    cell: Cell,
    p: Params,
    state: np.ndarray,
    kept: np.ndarray,
    T: int,
    recurrent_spectrum: tuple[float, float],
) -> Diagnosis:
    """Vanishing, exploding or stable: from the product of the Jacobians ∂sⱼ/∂sⱼ₋₁ of one
    sentence (its states and the cell's cache ``kept``, (T+1, ·) each). The state is the whole
    of what a cell carries: hₜ, and cₜ too for the LSTM.

    ``recurrent_spectrum`` is ``spectrum`` of the cell's recurrent matrix (one per step).
    The product is followed back while its norm is a float: one beyond 1.8e308 starts the
    norms later (``first``), and the cause says so.
    """
    q = cell.prepare(p)
    H = state.shape[1]
    first = max(1, T - HORIZON + 1)
    n = T - first + 1
    jacobians = np.empty((n, H, H))  # jacobians[k - first] = ∂h_T/∂hₖ, a row per unit of h_T
    jacobians[n - 1] = np.eye(H)  # ∂h_T/∂h_T
    with np.errstate(all="ignore"):  # an overflowing product is looked for below
        for k in range(T - 1, first - 1, -1):
            # ∂h_T/∂hₖ = ∂h_T/∂hₖ₊₁ · ∂hₖ₊₁/∂hₖ: each row taken back one time step, as a gradient
            back = cell.delta(q, jacobians[k - first + 1], kept[k + 1], state[k + 1])
            jacobians[k - first] = cell.to_previous(q, back, kept[k + 1])
        finite = np.isfinite(jacobians).all(axis=(1, 2))
        norms = np.append(spectral_norms(np.where(finite[:-1, None, None], jacobians[:-1], 0)), 1.0)
    beyond = np.flatnonzero(~(finite & np.isfinite(norms)))
    cause = None
    if beyond.size:  # ‖∂h_T/∂hₖ‖ exceeds the floats from this k back: start after it
        start = int(beyond.max()) + 1
        cause = f"‖∂h_T/∂h{subscript(first + start - 1)}‖₂ is beyond the floats (1.8e308)"
        norms, jacobians, first, n = norms[start:], jacobians[start:], first + start, n - start
    end = float(norms[0])
    rate = end ** (1.0 / (n - 1)) if n > 1 and end > 0 else (0.0 if n > 1 else 1.0)
    if end == 0.0:
        cause = zero_cause(cell, q, state, kept, jacobians, first)
    if beyond.size:
        verdict = "exploding"
    elif n < 2:
        verdict = "stable"
    elif end < VANISHING:
        verdict = "vanishing"
    elif end > EXPLODING:
        verdict = "exploding"
    else:
        verdict = "stable"
    sigma_max, spectral_radius = recurrent_spectrum
    return Diagnosis(
        first=first,
        jacobian_norms=norms,
        sigma_max=sigma_max,
        spectral_radius=spectral_radius,
        verdict=verdict,
        end_to_end=end,
        rate=float(rate),
        cause=cause,
    )


def zero_cause(
    cell: Cell, p: Params, state: np.ndarray, kept: np.ndarray, jacobians: np.ndarray, first: int
) -> str:
    """Why ∂h_T/∂h_first is exactly 0: the step j whose Jacobian ∂hⱼ/∂hⱼ₋₁ first makes the
    product 0 (going back from T), and whether f′(aⱼ) is 0 in every unit there."""
    zero = [not np.any(jacobians[i]) for i in range(len(jacobians))]
    j = first + max(i for i, z in enumerate(zero) if z) + 1  # ∂h_T/∂h_{j−1} = 0, ∂h_T/∂hⱼ ≠ 0
    through = cell.delta(p, np.ones((1, state.shape[1])), kept[j : j + 1], state[j : j + 1])
    everywhere = not np.any(through)  # the cell passes nothing back at j (f′(aⱼ) = 0)
    kinked = cell.kink_sides(kept[j : j + 1]) is not None
    past = f"nothing reaches h{subscript(j - 1)} or earlier"
    if everywhere and kinked:
        return (
            f"the gradient is exactly zero: a dead ReLU at time step {j}, every unit's "
            f"a{subscript(j)} ≤ 0, so f′(a{subscript(j)}) = 0 and {past}"
        )
    if everywhere:
        return (
            f"the gradient is exactly zero: f′(a{subscript(j)}) is 0 in every unit at time step "
            f"{j} (saturated), so {past}"
        )
    reason = "dead ReLU units block every path" if kinked else "the Jacobians' product is 0"
    return f"the gradient is exactly zero from time step {j} back: {reason}; {past}"


def subscript(n: int) -> str:
    """12 -> ₁₂."""
    return str(n).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))
