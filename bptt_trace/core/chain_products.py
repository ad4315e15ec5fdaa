"""The two products through the chain Mₖ = ∂s_T/∂sₖ of one sentence, one time step at a time,
without forming it (``chain_norms`` estimates ‖Mₖ‖₂ from them):

    u ↦ u·Mₖ   (row vector at s_T to sₖ): the cell's own way back, ``delta`` then
               ``to_previous``, exact;
    w ↦ Mₖ·w   (column vector at sₖ to s_T): the cell's ``step`` linearised by a central
               difference, (step(s + εw) − step(s − εw)) / 2ε, relative error about 1e-10.

Each time step j is scaled by dⱼ, the growth of one random vector taken back through it
(``calibrate``), so that no vector leaves the floats however long the chain.
"""

from __future__ import annotations

import numpy as np

from . import interrupt
from .cells.declaration import Cell, Params


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
        """u·∂sⱼ/∂sⱼ₋₁ / dⱼ for rows u at sⱼ (a unit of work: it polls ``interrupt``)."""
        interrupt.poll()
        delta = self.cell.delta(self.q, u, self.kept[j], self.state[j])
        return self.cell.to_previous(self.q, delta, self.kept[j]) / self.scale[j]

    def ahead(self, j: int, w: np.ndarray) -> np.ndarray:
        """∂sⱼ/∂sⱼ₋₁·w / dⱼ for rows w at sⱼ₋₁ (a central difference of ``step``; a unit of
        work: it polls ``interrupt``)."""
        interrupt.poll()
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
