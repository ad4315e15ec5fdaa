"""‖∂s_T/∂sₖ‖₂ for every k of a sentence from matrix–vector products alone: O(T²·S²) time and
O(T·S) memory, for states too wide for the exact stack of Jacobians (``jacobians.py``).

The chain Mₖ = ∂s_T/∂sₖ is never formed. Two products go through it, one time step at a time:

    u ↦ u·Mₖ   (row vector at s_T to sₖ): the cell's own way back, ``delta`` then
               ``to_previous``, exact;
    w ↦ Mₖ·w   (column vector at sₖ to s_T): the cell's ``step`` linearised by a central
               difference, (step(s + εw) − step(s − εw)) / 2ε, relative error about 1e-10.

Golub–Kahan–Lanczos bidiagonalisation on these products gives σ_max(Mₖ) as the largest
singular value of a small bidiagonal matrix; every k runs at once (the vectors of all chains
that are still running go through a time step as one matrix product) and a chain stops when
its estimate changes by less than ``TOLERANCE`` (relative) from one iteration to the next.
Lanczos' estimates grow towards σ_max from below. Accuracy, tested against
``np.linalg.norm(J, 2)``: within 1e-6 relative (tanh, sigmoid, the gated cells); with ReLU a
pre-activation within ε of its kink makes the difference quotient a mix of both slopes, which
the same tests bound at 1e-4.

Each time step j is scaled by dⱼ, the growth of one random vector taken back through it (so
that no vector leaves the floats however long the chain); the norms come back as logarithms.
"""

from __future__ import annotations

import numpy as np

from .cells.declaration import Cell, Params

TOLERANCE = 1e-8
"""A chain's estimate is final when it changes by less than this (relative)."""

MAX_ITERATIONS = 80
"""At most this many Lanczos iterations a chain (a short chain of flat spectrum needs most)."""


class Chain:
    """The products through the time steps first+1 … T of one sentence, scaled step by step."""

    def __init__(
        self, cell: Cell, q: Params, state: np.ndarray, kept: np.ndarray, x: np.ndarray, first: int
    ) -> None:
        self.cell, self.q, self.state, self.kept, self.x = cell, q, state, kept, x
        self.first, self.T = first, state.shape[0] - 1
        self.scale = np.ones(self.T + 1)  # dⱼ for j = first+1 … T
        S = state.shape[1]
        rms = np.sqrt(np.mean(state * state, axis=1))
        self.eps = 1e-5 * np.sqrt(S) * np.maximum(1.0, rms)  # ε at sⱼ₋₁, for ‖w‖ = 1

    def back(self, j: int, u: np.ndarray) -> np.ndarray:
        """u·∂sⱼ/∂sⱼ₋₁ / dⱼ for rows u at sⱼ."""
        delta = self.cell.delta(self.q, u, self.kept[j], self.state[j])
        return self.cell.to_previous(self.q, delta, self.kept[j]) / self.scale[j]

    def ahead(self, j: int, w: np.ndarray) -> np.ndarray:
        """∂sⱼ/∂sⱼ₋₁·w / dⱼ for rows w at sⱼ₋₁ (a central difference of ``step``)."""
        norm = np.sqrt(np.einsum("ij,ij->i", w, w))[:, None]
        unit = w / np.where(norm > 0, norm, 1.0)
        eps = self.eps[j - 1]
        both = np.concatenate([self.state[j - 1] + eps * unit, self.state[j - 1] - eps * unit])
        tokens = np.full(both.shape[0], self.x[j], dtype=np.intp)
        s, _ = self.cell.step(self.q, tokens, both)
        m = w.shape[0]
        return (s[:m] - s[m:]) * (norm / (2.0 * eps * self.scale[j]))

    def calibrate(self, rng: np.random.Generator) -> np.ndarray:
        """Set dⱼ from one random row vector taken back from s_T, and return that vector at
        each sₖ (unit rows, (T+1, S); zero where the chain is exactly 0 from there back)."""
        S = self.state.shape[1]
        seen = np.zeros((self.T + 1, S))
        u = rng.standard_normal((1, S))
        u /= np.linalg.norm(u)
        seen[self.T] = u[0]
        for j in range(self.T, self.first, -1):
            u = self.back(j, u)  # with dⱼ = 1 still
            norm = float(np.linalg.norm(u))
            if not (np.isfinite(norm) and norm > 0):
                break  # exactly 0 (or beyond the floats) from here back: dⱼ stays 1
            self.scale[j] = norm
            u /= norm
            seen[j - 1] = u[0]
        return seen

    def forward_sweep(self, ks: np.ndarray, w: np.ndarray) -> np.ndarray:
        """Row i: the scaled Mₖ·w[i] for k = ks[i] (ks ascending)."""
        w = w.copy()
        for j in range(int(ks[0]) + 1, self.T + 1):
            n = int(np.searchsorted(ks, j))  # the chains with k < j pass through step j
            w[:n] = self.ahead(j, w[:n])
        return w

    def backward_sweep(self, ks: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Row i: the scaled u[i]·Mₖ for k = ks[i] (ks ascending)."""
        u = u.copy()
        for j in range(self.T, int(ks[0]), -1):
            n = int(np.searchsorted(ks, j))
            u[:n] = self.back(j, u[:n])
        return u


def chain_log_norms(
    cell: Cell,
    q: Params,
    state: np.ndarray,
    kept: np.ndarray,
    x: np.ndarray,
    first: int,
    seed: int = 0,
) -> np.ndarray:
    """log ‖∂s_T/∂sₖ‖₂ for k = first … T (−inf where the chain is exactly 0; 0 at k = T).

    ``state`` and ``kept`` are the sentence's (T+1, ·) states and caches, ``x`` its tokens.
    """
    T = state.shape[0] - 1
    chain = Chain(cell, q, state[: T + 1], kept[: T + 1], x, first)
    start = chain.calibrate(np.random.default_rng(seed))
    logs = np.zeros(T - first + 1)  # at k = T: log 1
    if T == first:
        return logs
    ks = np.arange(first, T)
    log_scale = np.cumsum(np.log(chain.scale[first + 1 :])[::-1])[::-1]  # Σ log dⱼ, j > k
    alive = np.linalg.norm(start[first:T], axis=1) > 0
    logs[:-1][~alive] = -np.inf
    sigma = lanczos(chain, ks[alive], start[first:T][alive])
    with np.errstate(divide="ignore"):
        logs[:-1][alive] = np.log(sigma) + log_scale[alive]
    return logs


def lanczos(chain: Chain, ks: np.ndarray, v: np.ndarray) -> np.ndarray:
    """σ_max of each scaled chain Mₖ (k in ``ks``), by Golub–Kahan bidiagonalisation from the
    unit rows ``v`` at sₖ; all chains at once, each stopping when its estimate settles."""
    m = ks.size
    sigma = np.zeros(m)
    if m == 0:
        return sigma
    alphas, betas = np.zeros((m, MAX_ITERATIONS)), np.zeros((m, MAX_ITERATIONS))
    u = chain.forward_sweep(ks, v)
    alphas[:, 0] = np.linalg.norm(u, axis=1)
    sigma[:] = alphas[:, 0]
    u /= np.where(alphas[:, 0] > 0, alphas[:, 0], 1.0)[:, None]
    running = np.flatnonzero(alphas[:, 0] > 0)
    for i in range(1, MAX_ITERATIONS):
        if running.size == 0:
            break
        r = running
        back = chain.backward_sweep(ks[r], u[r]) - alphas[r, i - 1, None] * v[r]
        beta = np.linalg.norm(back, axis=1)
        betas[r, i - 1] = beta
        v[r] = back / np.where(beta > 0, beta, 1.0)[:, None]
        ahead = chain.forward_sweep(ks[r], v[r]) - beta[:, None] * u[r]
        alpha = np.linalg.norm(ahead, axis=1)
        alphas[r, i] = alpha
        u[r] = ahead / np.where(alpha > 0, alpha, 1.0)[:, None]
        estimate = bidiagonal_norms(alphas[r, : i + 1], betas[r, :i])
        settled = (np.abs(estimate - sigma[r]) <= TOLERANCE * estimate) | (beta == 0) | (alpha == 0)
        sigma[r] = estimate
        running = r[~settled]
    return sigma


def bidiagonal_norms(alphas: np.ndarray, betas: np.ndarray) -> np.ndarray:
    """The largest singular value of each upper bidiagonal matrix (diagonal ``alphas`` (m, n),
    superdiagonal ``betas`` (m, n − 1))."""
    m, n = alphas.shape
    b = np.zeros((m, n, n))
    b[:, np.arange(n), np.arange(n)] = alphas
    b[:, np.arange(n - 1), np.arange(1, n)] = betas
    gram = b.transpose(0, 2, 1) @ b  # BᵀB: λ_max = σ_max², from a symmetric eigenvalue call
    return np.sqrt(np.maximum(np.linalg.eigvalsh(gram)[:, -1], 0.0))
