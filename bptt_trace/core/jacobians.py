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
    number behind it (‖∂h_T/∂h_first‖)."""

    first: int
    jacobian_norms: np.ndarray
    sigma_max: float
    spectral_radius: float
    verdict: str
    end_to_end: float
    rate: float


def spectrum(matrix: np.ndarray) -> tuple[float, float]:
    """A square matrix's largest singular value and its spectral radius (largest |eigenvalue|)."""
    return float(np.linalg.norm(matrix, 2)), float(np.max(np.abs(np.linalg.eigvals(matrix))))


def spectral_norms(jacobians: np.ndarray) -> np.ndarray:
    """‖J‖₂ of each matrix of a stack (n, H, H).

    The one-line NumPy equivalent is ``np.linalg.norm(jacobians, 2, axis=(1, 2))`` (n SVDs);
    this is √λ_max(J·Jᵀ) from one batched symmetric eigenvalue call, which measured faster.
    """
    gram = jacobians @ jacobians.transpose(0, 2, 1)
    return np.sqrt(np.maximum(np.linalg.eigvalsh(gram)[:, -1], 0.0))


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
    """
    q = cell.prepare(p)
    H = state.shape[1]
    first = max(1, T - HORIZON + 1)
    n = T - first + 1
    jacobians = np.empty((n, H, H))  # jacobians[k - first] = ∂h_T/∂hₖ, a row per unit of h_T
    jacobians[n - 1] = np.eye(H)  # ∂h_T/∂h_T
    for k in range(T - 1, first - 1, -1):
        # ∂h_T/∂hₖ = ∂h_T/∂hₖ₊₁ · ∂hₖ₊₁/∂hₖ: each row taken back one time step, as a gradient is
        back = cell.delta(q, jacobians[k - first + 1], kept[k + 1], state[k + 1])
        jacobians[k - first] = cell.to_previous(q, back, kept[k + 1])
    norms = np.append(spectral_norms(jacobians[:-1]), 1.0)  # the last is ‖I‖ = 1
    end = float(norms[0])
    rate = end ** (1.0 / (n - 1)) if n > 1 and end > 0 else 1.0
    if n < 2:
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
    )
