"""‖∂s_T/∂sₖ‖₂ for every k of a sentence from matrix–vector products alone, for states too
wide for the exact products (``jacobians.py``): O(T·S) memory besides the parameters.

The chain Mₖ = ∂s_T/∂sₖ is never formed. Two products go through it, one time step at a time
(``chain_products``): u ↦ u·Mₖ back from s_T, exact, and w ↦ Mₖ·w ahead to s_T, by a central
difference of the cell's ``step`` (relative error about 1e-10).

Every chain ends at s_T, so they share a basis Q of BLOCK rows there (``shared_subspace``):
one sweep back gives Q·Mₖ for every k (its σ_max a lower bound of ‖Mₖ‖), one sweep ahead
(Horner's scheme) a random mix of every Mₖ·vₖ, the next basis: O(BLOCK·T·S²) a sweep, for
all k. Its estimates are final where two bases agree and reach past the top cluster of Mₖ's
singular values; the other chains, and the short ones, finish with Golub–Kahan–Lanczos
bidiagonalisation from their best vector (O(I·(T−k)·S²) each; Lanczos' estimates grow towards
σ_max from below), which stops when its estimate settles and its residual is small.

Accuracy (ACCURACY, tested against ``np.linalg.norm(J, 2)`` of the formed products over
hypothesis-drawn cells, activations, near-degenerate top singular values, norms from 1e-300
to 1e300, dead ReLU steps and zero chains): within 1e-5 relative; with ReLU a pre-activation
within ε of its kink makes the difference quotient a mix of both slopes: 1e-4.

Each time step j is scaled by dⱼ, the growth of one random vector taken back through it (so
that no vector leaves the floats however long the chain: ``Chain.calibrate``); the norms come
back as logarithms.
"""

from __future__ import annotations

import numpy as np

from .cells.declaration import Cell, Params
from .chain_products import Chain

ACCURACY = 1e-5
"""The documented (and tested) relative accuracy of the norms: |log σ̃ − log σ| ≤ ACCURACY
(1e-4 with ReLU, whose kinks the central differences can straddle)."""

TOLERANCE = 1e-8
"""A chain's Lanczos estimate is final when it changes by less than this (relative) ..."""

RESIDUAL = 1e-6
"""... and its singular vectors' residual is at most this (relative)."""

MAX_ITERATIONS = 80
"""At most this many Lanczos iterations a chain (a short chain of flat spectrum needs most)."""

BLOCK = 64
"""The rows of the basis at s_T that every chain shares."""

BLOCK_ITERATIONS = 4
"""At most this many sweeps back through the shared basis."""

SETTLED = 1e-7
"""A chain's estimate from the shared basis is final when two bases give it within this."""

CLUSTER = 0.5
"""The largest ratio of the smallest to the largest singular value of Q·Mₖ that settles."""

SHORT = 16
"""Chains of at most this many time steps always finish with Lanczos of their own."""


def chain_log_norms(
    cell: Cell,
    q: Params,
    state: np.ndarray,
    kept: np.ndarray,
    x: np.ndarray,
    first: int,
    seed: int = 0,
    block: int = BLOCK,
) -> np.ndarray:
    """log ‖∂s_T/∂sₖ‖₂ for k = first … T (−inf where the chain is exactly 0; 0 at k = T).

    ``state`` and ``kept`` are the sentence's (T+1, ·) states and caches, ``x`` its tokens;
    ``block`` the rows of the shared basis.
    """
    T = state.shape[0] - 1
    chain = Chain(cell, q, state[: T + 1], kept[: T + 1], x, first)
    rng = np.random.default_rng(seed)
    start = chain.calibrate(rng)
    logs = np.zeros(T - first + 1)  # at k = T: log 1
    if T == first:
        return logs
    ks, S = np.arange(first, T), state.shape[1]
    log_scale = np.cumsum(np.log(chain.scale[first + 1 :])[::-1])[::-1]  # Σ log dⱼ, j > k
    alive = np.linalg.norm(start[first:T], axis=1) > 0
    logs[:-1][~alive] = -np.inf
    if ks.size > SHORT:
        sigma, right, settled = shared_subspace(chain, ks, rng, block)
    else:
        sigma, right, settled = np.zeros(ks.size), np.zeros((ks.size, S)), ks < 0
    short = ks > T - SHORT  # few steps: cheap, and the most varied top singular vectors
    todo = alive & (short | ~settled)  # the rest of the way by Lanczos, from the best vector
    if todo.any():
        v = np.where(sigma[todo, None] > 0, right[todo], start[first:T][todo])
        sigma[todo] = np.maximum(sigma[todo], lanczos(chain, ks[todo], v))
    with np.errstate(divide="ignore"):
        logs[:-1][alive] = np.log(sigma[alive]) + log_scale[alive]
    return logs


def shared_subspace(
    chain: Chain, ks: np.ndarray, rng: np.random.Generator, block: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For every chain Mₖ (k in ``ks``, consecutive): the best σ_max(Q·Mₖ) over the bases Q of
    the iterations (each a lower bound of σ_max(Mₖ)), the top right singular vector of that
    Q·Mₖ (a unit row at sₖ), and whether the estimate settled: the last basis, a fresh random
    mix, gave the best of the earlier ones again, within SETTLED (relative), and the smallest
    singular value of Q·Mₖ is at most CLUSTER times its largest (so that the basis is wider
    than the top cluster of Mₖ's singular values, not a random pick within it).

    All chains end at s_T, so they share one basis there: ``block`` rows, taken back through every
    time step at once (every Q·Mₖ from one sweep), then replaced by a random mix of the
    Mₖ·vₖ/σₖ (each ≈ the top left singular vector of Mₖ) brought forward from every sₖ at once
    (Horner's scheme: one sweep). O(block·n·S²) an iteration, O(block·S + n·S) memory.
    """
    n, S, first = ks.size, chain.state.shape[1], int(ks[0])
    m = min(block, S)
    basis = np.linalg.qr(rng.standard_normal((S, m)))[0].T  # orthonormal rows at s_T
    best, right = np.zeros(n), np.zeros((n, S))
    settled = np.zeros(n, dtype=bool)
    for iteration in range(BLOCK_ITERATIONS):
        rows, sigma, spread = basis, np.zeros(n), np.zeros(n)
        for j in range(chain.T, first, -1):  # rows = Q·M_{j−1}
            rows = chain.back(j, rows)
            values, vectors = np.linalg.eigh(rows @ rows.T)
            i = j - 1 - first
            sigma[i] = np.sqrt(max(values[-1], 0.0))
            spread[i] = np.sqrt(max(values[0], 0.0)) <= CLUSTER * sigma[i]
            if sigma[i] > best[i]:
                right[i] = (vectors[:, -1] @ rows) / sigma[i]
        # settled: this basis, drawn afresh, gives the best estimate of the others again, and
        # reaches past the chain's top singular values (its last one is CLUSTER times smaller)
        settled = (np.abs(sigma - best) <= SETTLED * np.maximum(sigma, best)) & (spread > 0)
        best = np.maximum(best, sigma)
        if iteration == BLOCK_ITERATIONS - 1 or (iteration and settled.all()):
            break
        mix = rng.standard_normal((n, m))
        ahead = np.zeros((m, S))
        for j in range(first + 1, chain.T + 1):  # ahead = Σ over k < j of mixₖ ⊗ M_{k→j}·vₖ/σₖ
            i = j - 1 - first
            if best[i] > 0:
                ahead += np.outer(mix[i], right[i] / best[i])
            ahead = chain.ahead(j, ahead)
        basis = np.linalg.qr(ahead.T)[0].T
    return best, right, settled


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
    tail = np.ones(m)  # |last entry| of the top left singular vector of the bidiagonal matrix
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
        # the last estimate's Ritz vectors leave a residual β·|tail| (GK's identity): within it
        # of a singular value, which in a cluster of near-equal ones the change cannot tell
        near = beta * tail[r] <= RESIDUAL * sigma[r]
        estimate, tail[r] = bidiagonal_norms(alphas[r, : i + 1], betas[r, :i])
        steady = np.abs(estimate - sigma[r]) <= TOLERANCE * estimate
        settled = (steady & near) | (beta == 0) | (alpha == 0)
        sigma[r] = estimate
        running = r[~settled]
    return sigma


def bidiagonal_norms(alphas: np.ndarray, betas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The largest singular value of each upper bidiagonal matrix B (diagonal ``alphas``
    (m, n), superdiagonal ``betas`` (m, n − 1)), and the |last entry| of its left singular
    vector."""
    m, n = alphas.shape
    b = np.zeros((m, n, n))
    b[:, np.arange(n), np.arange(n)] = alphas
    b[:, np.arange(n - 1), np.arange(1, n)] = betas
    values, vectors = np.linalg.eigh(b @ b.transpose(0, 2, 1))  # B·Bᵀ: λ_max = σ_max²
    return np.sqrt(np.maximum(values[:, -1], 0.0)), np.abs(vectors[:, -1, -1])
