"""An independent reference for the truncation schemes' gradients, by brute force: a
hand-written vanilla RNN (dense one-hot vectors, plain NumPy, no code of bptt_trace) re-run
window by window.

A window (start, first_loss, end) runs steps start … end from the true state at start − 1,
taken as a constant; its losses are those at first_loss … end; its gradient is plain BPTT
inside it. A scheme's gradient at fixed parameters is the sum over its windows:

    --truncate K   one window per loss s: (max(1, s − K + 1), s, s)
    --chunks K     (1, 1, K), (K+1, K+1, 2K), …, the last one ragged
    --tbptt K1:K2  at t = K1, 2K1, … and T: (max(1, t − K2 + 1), t_prev + 1, t)
"""

from __future__ import annotations

import numpy as np
from oracles import NAMES, F, Params, hidden_states, one_hot

DERIVATIVE = {
    "tanh": lambda a, h: 1 - h**2,
    "sigmoid": lambda a, h: h * (1 - h),
    "relu": lambda a, h: (a > 0).astype(float),
}


def reference_windows(kind: str, k1: int, k2: int, T: int) -> list[tuple[int, int, int]]:
    """(start, first_loss, end) of each window, 1-based and inclusive."""
    if kind == "truncate":
        return [(max(1, s - k1 + 1), s, s) for s in range(1, T + 1)]
    if kind == "chunks":
        return [(a, a, min(a + k1 - 1, T)) for a in range(1, T + 1, k1)]
    ends = [t for t in range(k1, T + 1) if t % k1 == 0]
    if not ends or ends[-1] != T:
        ends.append(T)
    starts = [0, *ends[:-1]]
    return [(max(1, t - k2 + 1), prev + 1, t) for prev, t in zip(starts, ends, strict=True)]


def window_gradient(
    p: Params, ids: list[int], target: int, mode: str, f: str, window: tuple[int, int, int]
) -> Params:
    """Plain BPTT inside one window, from the true state at start − 1 as a constant."""
    return window_flow(p, ids, target, mode, f, window)[0]


def window_flow(
    p: Params, ids: list[int], target: int, mode: str, f: str, window: tuple[int, int, int]
) -> tuple[Params, dict[int, np.ndarray]]:
    """``window_gradient`` and ∂L/∂hₜ of the window's losses at each of its time steps."""
    start, first_loss, end = window
    T = len(ids)
    true_h = hidden_states(p, ids, f)
    ys = [*ids[1:], target]
    has_loss = [False] + [mode == "every" or t == T for t in range(1, T + 1)]
    V = p["W"].shape[0]
    h = {start - 1: true_h[start - 1]}
    a = {}
    for t in range(start, end + 1):
        a[t] = one_hot(ids[t - 1], V) @ p["W"] + h[t - 1] @ p["W_h"] + p["b"]
        h[t] = F[f](a[t])
    g = {name: np.zeros_like(p[name]) for name in NAMES}
    dh_next = np.zeros(p["W_h"].shape[0])
    flows = {}
    for t in range(end, start - 1, -1):
        dh = dh_next.copy()
        if first_loss <= t and has_loss[t]:
            o = h[t] @ p["V"] + p["b_output"]
            y_hat = np.exp(o - o.max()) / np.exp(o - o.max()).sum()
            y_hat[ys[t - 1]] -= 1.0
            g["V"] += np.outer(h[t], y_hat)
            g["b_output"] += y_hat
            dh += y_hat @ p["V"].T
        flows[t] = dh
        da = dh * DERIVATIVE[f](a[t], h[t])
        g["W"] += np.outer(one_hot(ids[t - 1], V), da)
        g["W_h"] += np.outer(h[t - 1], da)
        g["b"] += da
        dh_next = da @ p["W_h"].T
    return g, flows


def scheme_dh(
    p: Params, ids: list[int], target: int, mode: str, f: str, kind: str, k1: int, k2: int
) -> np.ndarray:
    """(T, H): ∂L/∂hₜ at each time step as the scheme's windows compute it, summed over the
    windows that run t (one under --chunks; under --tbptt and --truncate's per-loss windows,
    every window whose states include t)."""
    total = np.zeros((len(ids), p["W_h"].shape[0]))
    for window in reference_windows(kind, k1, k2, len(ids)):
        for t, dh in window_flow(p, ids, target, mode, f, window)[1].items():
            total[t - 1] += dh
    return total


def scheme_gradient(
    p: Params, ids: list[int], target: int, mode: str, f: str, kind: str, k1: int, k2: int
) -> Params:
    """The scheme's gradient of one sentence (its own losses), summed over its windows."""
    total = {name: np.zeros_like(p[name]) for name in NAMES}
    for window in reference_windows(kind, k1, k2, len(ids)):
        for name, g in window_gradient(p, ids, target, mode, f, window).items():
            total[name] += g
    return total


def full_gradient(p: Params, ids: list[int], target: int, mode: str, f: str) -> Params:
    """Full BPTT: one window over the whole sentence."""
    return window_gradient(p, ids, target, mode, f, (1, 1, len(ids)))


def reference_metrics(g: np.ndarray, full: np.ndarray) -> dict[str, float | None]:
    """Relative error, cosine and share of equal signs, written out from their definitions."""
    g, full = np.ravel(g), np.ravel(full)
    n_full = np.sqrt(np.sum(full**2))
    n_g = np.sqrt(np.sum(g**2))
    pairs = zip(g, full, strict=True)
    agree = sum(1 for u, v in pairs if (u > 0) == (v > 0) and (u < 0) == (v < 0))
    return {
        "relative_error": float(np.sqrt(np.sum((g - full) ** 2)) / n_full) if n_full else None,
        "cosine": float(np.sum(g * full) / (n_g * n_full)) if n_g and n_full else None,
        "sign_agreement": agree / g.size,
    }


def reference_reach(kind: str, k1: int, k2: int, T: int, losses: list[int]) -> list[int]:
    """How many states each loss reaches: from its window's start to itself."""
    out = []
    for s in losses:
        start = min(w[0] for w in reference_windows(kind, k1, k2, T) if w[1] <= s <= w[2])
        out.append(s - start + 1)
    return out
