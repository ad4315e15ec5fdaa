"""Vanishing or exploding? The Jacobians of h_T with respect to earlier states of one sentence:

    ∂h_T/∂hₖ = ∂h_T/∂h_{T−1} ⋯ ∂hₖ₊₁/∂hₖ          (diag(f′(aⱼ))·Wʰᵀ a step for the vanilla RNN)

whose spectral norms (largest singular values) say how much of a gradient at h_T reaches hₖ.
Each costs a product of T matrices of H×H, or for wide states sweeps of matrix–vector products
(``chain_norms``): it is computed for a few sentences of a traced step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import interrupt
from .cells.declaration import Cell, Params
from .chain_norms import BLOCK, BLOCK_ITERATIONS, SHORT, chain_log_norms
from .flow import HORIZON
from .krylov import sigma_max, spectral_radius

VANISHING = 1e-2
EXPLODING = 1e2
"""‖∂h_T/∂h₁‖ below VANISHING is called vanishing, above EXPLODING exploding."""


@dataclass(frozen=True)
class Diagnosis:
    """jacobian_norms[k - first] = ‖∂h_T/∂hₖ‖₂ for k = first … T (first = 1 unless T is
    longer than ``horizon(S)``); Wʰ's largest singular value and spectral radius; the verdict
    and the number behind it (‖∂h_T/∂h_first‖) and the factor per step (0 when that is 0)."""

    first: int
    jacobian_norms: np.ndarray
    sigma_max: float
    spectral_radius: float
    verdict: str
    end_to_end: float
    rate: float
    cause: str | None = None
    """Why the verdict is extreme: an exactly zero gradient, or norms beyond the floats."""


CHAIN_WORK = 1 << 30
"""n chains ∂s_T/∂sₖ (k = T−n+1 … T) of a state of S units cost about n²·S² a sweep of
products: the norms follow s_T back only as far as keeps n²·S² within this (``horizon``)."""
MIN_CHAINS = 16


def horizon(S: int) -> int:
    """How many time steps back from s_T the norms follow a state of S units: HORIZON (256)
    up to S = 128, then fewer as S grows (64 at S = 512, 32 at S = 1,024, never below
    MIN_CHAINS), so that a traced step's norms cost O(S²) per product, not O(T²·S²)."""
    return int(min(HORIZON, max(MIN_CHAINS, math.isqrt(CHAIN_WORK) // S)))


SPECTRUM_EXACT = 512
"""Up to this many rows a matrix's spectrum is computed exactly; past it from a Krylov space."""


def spectrum(matrix: np.ndarray) -> tuple[float, float]:
    """A square matrix's largest singular value and its spectral radius (largest |eigenvalue|):
    exact up to SPECTRUM_EXACT rows, else within 1e-6 from O(H²) products (``krylov``)."""
    if matrix.shape[0] > SPECTRUM_EXACT:
        return sigma_max(matrix), spectral_radius(matrix)
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


@interrupt.phased("jacobians")
def diagnose(
    cell: Cell,
    p: Params,
    state: np.ndarray,
    kept: np.ndarray,
    T: int,
    recurrent_spectrum: tuple[float, float],
    x: np.ndarray | None = None,
) -> Diagnosis:
    """Vanishing, exploding or stable: from the product of the Jacobians ∂sⱼ/∂sⱼ₋₁ of one
    sentence (its states and the cell's cache ``kept``, (T+1, ·) each; ``x`` its tokens, which
    the products through ``step`` need for a wide state). The state is the whole of what a cell
    carries: hₜ, and cₜ too for the LSTM.

    ``recurrent_spectrum`` is ``spectrum`` of the cell's recurrent matrix (one per step).
    The product is followed back while its norm is a float: one beyond 1.8e308 starts the
    norms later (``first``), and the cause says so.

    How the norms are computed (``exact_is_cheaper``): for a state of S ≤ ``EXACT_MAX`` units,
    or when it costs less, exactly, with the product held EXACT_CHUNK matrices at a time
    (O(n·S³) time, O(S²) memory); otherwise from matrix–vector products (``chain_norms``: a
    basis shared by every chain, then Lanczos where it did not settle; O(n·S) memory, within
    1e-5 relative, 1e-4 with ReLU). Every time step of either polls ``interrupt``.
    """
    q = cell.prepare(p)
    S = state.shape[1]
    first = max(1, T - horizon(S) + 1)
    if exact_is_cheaper(S, T - first + 1) or x is None:
        norms, finite, zero = exact_norms(cell, q, state, kept, T, first)
    else:
        with np.errstate(all="ignore"):
            logs = chain_log_norms(cell, q, state[: T + 1], kept[: T + 1], x[: T + 1], first)
            norms = np.exp(logs)
        finite = logs < LOG_MAX
        zero = logs == -np.inf
    n = T - first + 1
    beyond = np.flatnonzero(~(finite & np.isfinite(norms)))
    cause = None
    if beyond.size:  # ‖∂h_T/∂hₖ‖ exceeds the floats from this k back: start after it
        start = int(beyond.max()) + 1
        cause = f"‖∂h_T/∂h{subscript(first + start - 1)}‖₂ is beyond the floats (1.8e308)"
        norms, zero, first, n = norms[start:], zero[start:], first + start, n - start
    end = float(norms[0])
    rate = end ** (1.0 / (n - 1)) if n > 1 and end > 0 else (0.0 if n > 1 else 1.0)
    if end == 0.0:
        cause = zero_cause(cell, q, state, kept, zero, first)
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


EXACT_MAX = 64
"""A state of at most this many units always gets the exact norms."""

EXACT_CHUNK = 1 << 22
"""The exact norms hold at most this many entries (32 MB) of Jacobians at once, or one."""

LANCZOS_ITERATIONS = 20
"""The typical number of Lanczos iterations of a short chain, for the cost comparison."""

LOG_MAX = float(np.log(np.finfo(float).max))


def exact_is_cheaper(S: int, n: int) -> bool:
    """Whether the exact norms of n chains of S units cost less than the iterative ones, in
    products of an S-vector with an S×S matrix: about 4·S a matrix (its product, J·Jᵀ, the
    eigenvalues) against 3 a chain step (two differences and one way back) in each of I
    Lanczos iterations over the chains of at most SHORT steps, plus as many in each sweep of
    the BLOCK rows of the shared basis over n steps when there are longer chains."""
    short = min(n, SHORT)
    iterative = 3 * LANCZOS_ITERATIONS * short * short // 2
    if n > SHORT:
        iterative += 3 * BLOCK * BLOCK_ITERATIONS * n
    return S <= EXACT_MAX or 4 * S * n <= iterative


def exact_norms(
    cell: Cell, q: Params, state: np.ndarray, kept: np.ndarray, T: int, first: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """‖∂h_T/∂hₖ‖₂ for k = first … T, whether each product is finite, and whether it is 0:
    the products taken back one time step at a time, EXACT_CHUNK entries at a time."""
    S = state.shape[1]
    n = T - first + 1
    size = max(1, EXACT_CHUNK // (S * S))
    norms, finite, zero = np.ones(n), np.ones(n, dtype=bool), np.zeros(n, dtype=bool)
    current = np.eye(S)  # ∂h_T/∂h_T, a row per unit of h_T
    with np.errstate(all="ignore"):  # an overflowing product is looked for by the caller
        for stop in range(n - 1, 0, -size):  # the chunk of k − first in [stop − size, stop)
            lo = max(0, stop - size)
            jacobians = np.empty((stop - lo, S, S))
            for i in range(stop - 1, lo - 1, -1):
                interrupt.poll()
                k = first + i
                # ∂h_T/∂hₖ = ∂h_T/∂hₖ₊₁ · ∂hₖ₊₁/∂hₖ: each row taken back one step, as a gradient
                back = cell.delta(q, current, kept[k + 1], state[k + 1])
                jacobians[i - lo] = current = cell.to_previous(q, back, kept[k + 1])
            ok = np.isfinite(jacobians).all(axis=(1, 2))
            finite[lo:stop] = ok
            zero[lo:stop] = ~jacobians.any(axis=(1, 2))
            norms[lo:stop] = spectral_norms(np.where(ok[:, None, None], jacobians, 0))
    return norms, finite, zero


def zero_cause(
    cell: Cell, p: Params, state: np.ndarray, kept: np.ndarray, zero: np.ndarray, first: int
) -> str:
    """Why ∂h_T/∂h_first is exactly 0: the step j whose Jacobian ∂hⱼ/∂hⱼ₋₁ first makes the
    product 0 (going back from T; ``zero[k − first]`` says whether ∂h_T/∂hₖ is 0), and whether
    f′(aⱼ) is 0 in every unit there."""
    j = first + int(np.flatnonzero(zero).max()) + 1  # ∂h_T/∂h_{j−1} = 0, ∂h_T/∂hⱼ ≠ 0
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
