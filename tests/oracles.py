"""The independent oracles, in one place: a deliberately naive RNN (dense one-hot vectors, one
sentence at a time, its own activations), central finite differences of its loss, and a
truncated-BPTT reference that re-runs each loss over its last K time steps.

It shares no code with bptt_trace: parameters are plain dicts of arrays by their JSON names
(W, W_h, b, V, b_output), so that the engine's numbers can be checked against it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Params = dict[str, np.ndarray]

NAMES = ("W", "W_h", "b", "V", "b_output")
"""The vanilla RNN's parameters by their JSON names, in the order a trace lists them."""

F = {
    "tanh": np.tanh,
    "sigmoid": lambda a: 1.0 / (1.0 + np.exp(-a)),
    "relu": lambda a: np.maximum(a, 0.0),
}


def one_hot(i: int, n: int) -> np.ndarray:
    x = np.zeros(n)
    x[i] = 1.0
    return x


def hidden_states(p: Params, ids: list[int], f: str, h0: np.ndarray | None = None) -> list:
    """[h₀, h₁, …, h_T] of one sentence: hₜ = f(xₜ·W + hₜ₋₁·Wʰ + b) with dense one-hot xₜ."""
    h = [np.zeros(p["W_h"].shape[0]) if h0 is None else h0]
    for i in ids:
        x = one_hot(i, p["W"].shape[0])
        h.append(F[f](x @ p["W"] + h[-1] @ p["W_h"] + p["b"]))
    return h


def step_loss(p: Params, h_t: np.ndarray, y: int) -> float:
    o = h_t @ p["V"] + p["b_output"]
    o = o - o.max()
    return float(-(o[y] - np.log(np.exp(o).sum())))


def losses(p: Params, ids: list[int], target: int, mode: str, f: str) -> list[tuple]:
    """(t, Lₜ) for every output time step of one sentence."""
    h = hidden_states(p, ids, f)
    ys = [*ids[1:], target]
    steps = range(1, len(ids) + 1) if mode == "every" else [len(ids)]
    return [(t, step_loss(p, h[t], ys[t - 1])) for t in steps]


def corpus_loss(p: Params, corpus: list[list[int]], target: int, mode: str, f: str) -> float:
    """The mean over sentences of each sentence's summed losses."""
    return sum(sum(L for _, L in losses(p, s, target, mode, f)) for s in corpus) / len(corpus)


def numeric_gradients(loss: Callable[[Params], float], p: Params, eps: float = 1e-3) -> Params:
    """Central finite differences of ``loss(params)`` for every entry of every parameter.

    The five-point central stencil (f(x−2ε) − 8f(x−ε) + 8f(x+ε) − f(x+2ε)) / 12ε has an
    error of order ε⁴·f⁽⁵⁾/30, so that a step of 1e-3 keeps float64 round-off (about
    3e-13) and truncation error both small enough to test a relative error of 1e-7 (at 3e-3 a
    one-unit RNN with Wʰ = 1.3 over five steps was 2.3e-7 off).
    """
    grads = {}

    def shifted(name: str, idx: tuple, delta: float) -> float:
        moved = {k: v.copy() for k, v in p.items()}
        moved[name][idx] += delta
        return loss(moved)

    for name, value in p.items():
        g = np.zeros_like(value)
        for idx in np.ndindex(value.shape):
            far = shifted(name, idx, -2 * eps) - shifted(name, idx, 2 * eps)
            near = shifted(name, idx, eps) - shifted(name, idx, -eps)
            g[idx] = (far + 8 * near) / (12 * eps)
        grads[name] = g
    return grads


def truncated_reference(p: Params, ids: list[int], eos: int, mode: str, f: str, K: int) -> Params:
    """Σₛ ∂Lₛ/∂θ with hₛ₋ₖ held fixed: each loss re-run over its last K time steps only."""
    h = hidden_states(p, ids, f)
    ys = [*ids[1:], eos]
    steps = range(1, len(ids) + 1) if mode == "every" else [len(ids)]

    def loss(q: Params) -> float:
        total = 0.0
        for s in steps:
            start = max(s - K, 0)
            h_s = hidden_states(q, ids[start:s], f, h0=h[start])[-1]  # h[start] is detached
            total += step_loss(q, h_s, ys[s - 1])
        return total

    return numeric_gradients(loss, p)


def max_relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """max |a − b| / max(|a| + |b|, 1e-5), entrywise.

    The floor keeps entries that are (nearly) zero, such as the gradient reaching the first
    word of a long sentence, from dividing finite-difference noise (about 1e-13, measured up
    to 1.05e-13) by zero: below 1e-5 an entry must agree to 1e-12 absolutely for a relative
    error of 1e-7, ten times that noise.
    """
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-5)))


# The gated cells, one dense time step at a time, straight from their equations.


def sigmoid(a: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-a))


def lstm_step(p: Params, x: np.ndarray, h: np.ndarray, c: np.ndarray) -> tuple:
    """iₜ, fₜ, oₜ = σ(…), gₜ = tanh(…), cₜ = fₜ⊙cₜ₋₁ + iₜ⊙gₜ, hₜ = oₜ⊙tanh(cₜ)."""

    def pre(gate: str) -> np.ndarray:
        return x @ p[f"W_{gate}"] + h @ p[f"W_h_{gate}"] + p[f"b_{gate}"]

    i, f, g, o = sigmoid(pre("i")), sigmoid(pre("f")), np.tanh(pre("g")), sigmoid(pre("o"))
    c = f * c + i * g
    return o * np.tanh(c), c


def gru_step(p: Params, x: np.ndarray, h: np.ndarray) -> np.ndarray:
    """zₜ, rₜ = σ(…), h̃ₜ = tanh(x·W_n + (rₜ⊙hₜ₋₁)·Wʰ_n + b_n), hₜ = zₜ⊙hₜ₋₁ + (1 − zₜ)⊙h̃ₜ."""
    z = sigmoid(x @ p["W_z"] + h @ p["W_h_z"] + p["b_z"])
    r = sigmoid(x @ p["W_r"] + h @ p["W_h_r"] + p["b_r"])
    n = np.tanh(x @ p["W_n"] + (r * h) @ p["W_h_n"] + p["b_n"])
    return z * h + (1.0 - z) * n


def gru_reset_after_step(p: Params, x: np.ndarray, h: np.ndarray) -> np.ndarray:
    """torch's nn.GRU, row vectors: zₜ, rₜ = σ(…), nₜ = tanh(x·W_n + b_n + rₜ⊙(hₜ₋₁·Wʰ_n + bʰ_n)),
    hₜ = (1 − zₜ)⊙nₜ + zₜ⊙hₜ₋₁ (the reset gate after the product, its own bias bʰ_n)."""
    z = sigmoid(x @ p["W_z"] + h @ p["W_h_z"] + p["b_z"])
    r = sigmoid(x @ p["W_r"] + h @ p["W_h_r"] + p["b_r"])
    n = np.tanh(x @ p["W_n"] + p["b_n"] + r * (h @ p["W_h_n"] + p["b_h_n"]))
    return (1.0 - z) * n + z * h


def cell_states(cell: str, p: Params, ids: list[int], s0: tuple | None = None) -> list[tuple]:
    """[(h₀, c₀), (h₁, c₁), …] of one sentence for ``cell`` (c is None but for the LSTM);
    ``gru-reset-after`` is the GRU with the reset gate after the product."""
    H = p["V"].shape[0]
    h, c = s0 if s0 is not None else (np.zeros(H), np.zeros(H) if cell == "lstm" else None)
    states = [(h, c)]
    for i in ids:
        x = one_hot(i, p["V"].shape[1])
        if cell == "lstm":
            h, c = lstm_step(p, x, h, c)
        elif cell == "gru":
            h = gru_step(p, x, h)
        elif cell == "gru-reset-after":
            h = gru_reset_after_step(p, x, h)
        else:
            h = np.tanh(x @ p["W"] + h @ p["W_h"] + p["b"])
        states.append((h, c))
    return states


def cell_corpus_loss(cell: str, p: Params, corpus: list[list[int]], eos: int, mode: str) -> float:
    """The mean over sentences of each sentence's summed losses, for any of the cells."""
    total = 0.0
    for ids in corpus:
        states = cell_states(cell, p, ids)
        ys = [*ids[1:], eos]
        steps = range(1, len(ids) + 1) if mode == "every" else [len(ids)]
        total += sum(step_loss(p, states[t][0], ys[t - 1]) for t in steps)
    return total / len(corpus)


def cell_truncated(cell: str, p: Params, ids: list[int], eos: int, mode: str, K: int) -> Params:
    """Σₛ ∂Lₛ/∂θ with the state sₛ₋ₖ held fixed: each loss re-run over its last K time steps."""
    states = cell_states(cell, p, ids)
    ys = [*ids[1:], eos]
    steps = range(1, len(ids) + 1) if mode == "every" else [len(ids)]

    def loss(q: Params) -> float:
        total = 0.0
        for s in steps:
            start = max(s - K, 0)
            h_s = cell_states(cell, q, ids[start:s], states[start])[-1][0]  # detached start
            total += step_loss(q, h_s, ys[s - 1])
        return total

    return numeric_gradients(loss, p)
