"""An independent reference for the truncation schemes, in plain NumPy: no bptt_trace import.

Each cell's equations are written again from the README (row vectors; gates in torch's order),
one sentence at a time, on a tiny reverse-mode differentiator (``Var``): a window's loss is
built as an expression of the parameters, from the state carried into it as a constant, and
its gradient is read off the expression, so that nothing here is the engine's BPTT.

The schemes, again from the issue's text (time steps 1-based, inclusive):
- truncate K: one window per loss s, running max(1, s − K + 1) … s, its one loss s;
- chunks K: windows 1…K, K+1…2K, …, the last ragged; all their losses;
- tbptt K1:K2: at t = K1, 2K1, … and T, the window max(1, t − K2 + 1) … t with the losses in
  (t_prev, t].
A sentence takes part in a window up to its own last token; the loss is the mean over sentences.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

import numpy as np

Params = dict[str, np.ndarray]


class Var:
    """A value and, after ``backward``, the gradient of one scalar with respect to it."""

    tape: ClassVar[list[Var]] = []

    def __init__(self, value: np.ndarray, parents: tuple = ()) -> None:
        self.value = np.asarray(value, dtype=float)
        self.parents = parents  # (parent, function from this node's gradient to the parent's)
        self.grad = np.zeros_like(self.value)
        Var.tape.append(self)

    def __add__(self, other: Var) -> Var:
        return Var(self.value + other.value, ((self, lambda g: g), (other, lambda g: g)))

    def __mul__(self, other: Var) -> Var:
        a, b = self.value, other.value
        return Var(a * b, ((self, lambda g: g * b), (other, lambda g: g * a)))

    def __matmul__(self, other: Var) -> Var:  # (H,) row vector times an (H, n) matrix
        a, b = self.value, other.value
        return Var(a @ b, ((self, lambda g: b @ g), (other, lambda g: np.outer(a, g))))

    def row(self, i: int) -> Var:  # xₜ·W for a one-hot xₜ
        n = self.value.shape

        def back(g: np.ndarray) -> np.ndarray:
            out = np.zeros(n)
            out[i] = g
            return out

        return Var(self.value[i], ((self, back),))

    def one_minus(self) -> Var:
        return Var(1.0 - self.value, ((self, lambda g: -g),))

    def tanh(self) -> Var:
        y = np.tanh(self.value)
        return Var(y, ((self, lambda g: g * (1.0 - y * y)),))

    def sigmoid(self) -> Var:
        y = 1.0 / (1.0 + np.exp(-self.value))
        return Var(y, ((self, lambda g: g * y * (1.0 - y)),))

    def cross_entropy(self, y: int) -> Var:
        """−log softmax(self)[y] for logits ``self``."""
        o = self.value - self.value.max()
        p = np.exp(o) / np.exp(o).sum()
        grad = p.copy()
        grad[y] -= 1.0
        return Var(-np.log(p[y]), ((self, lambda g: g * grad),))

    def scaled(self, c: float) -> Var:
        return Var(c * self.value, ((self, lambda g: c * g),))


def gradients(loss: Var, leaves: dict[str, Var]) -> Params:
    """d loss / d leaf for every leaf: the tape in reverse."""
    loss.grad = np.ones_like(loss.value)
    for node in reversed(Var.tape):
        for parent, back in node.parents:
            parent.grad = parent.grad + back(node.grad)
    out = {name: leaf.grad.copy() for name, leaf in leaves.items()}
    Var.tape = []
    return out


def step(cell: str, P: dict[str, Var], token: int, state: tuple[Var, ...]) -> tuple[Var, ...]:
    """One time step of each cell, from the README's equations; state (h,) or (h, c)."""
    h = state[0]

    def pre(gate: str) -> Var:  # xₜ·W_gate + hₜ₋₁·Wʰ_gate + b_gate
        return P[f"W{gate}"].row(token) + h @ P[f"W_h{gate}"] + P[f"b{gate}"]

    if cell == "rnn":
        return (pre("").tanh(),)
    if cell == "lstm":
        c = state[1]
        i, f, g, o = pre("_i").sigmoid(), pre("_f").sigmoid(), pre("_g").tanh(), pre("_o").sigmoid()
        c_new = f * c + i * g
        return (o * c_new.tanh(), c_new)
    z, r = pre("_z").sigmoid(), pre("_r").sigmoid()
    if cell == "gru":  # h̃ = tanh(xW_n + (r ⊙ h)·Wʰ_n + b_n)
        n = (P["W_n"].row(token) + (r * h) @ P["W_h_n"] + P["b_n"]).tanh()
    else:  # reset after: h̃ = tanh(xW_n + b_n + r ⊙ (h·Wʰ_n + bʰ_n))
        n = (P["W_n"].row(token) + P["b_n"] + r * (h @ P["W_h_n"] + P["b_h_n"])).tanh()
    return (z * h + z.one_minus() * n,)  # hₜ = zₜ ⊙ hₜ₋₁ + (1 − zₜ) ⊙ h̃ₜ


def zero_state(cell: str, H: int) -> tuple[np.ndarray, ...]:
    return (np.zeros(H), np.zeros(H)) if cell == "lstm" else (np.zeros(H),)


def targets(sentence: list[int], target: int, loss: str) -> dict[int, int]:
    """{t: yₜ} at the time steps with an output."""
    n = len(sentence)
    ys = [*sentence[1:], target]
    steps = range(1, n + 1) if loss == "every" else [n]
    return {t: ys[t - 1] for t in steps}


def windows(kind: str, k1: int, k2: int, T: int) -> list[tuple[int, int, int]]:
    """(start, first loss, end) of every window, in the order they run."""
    if kind == "truncate":
        return [(max(1, s - k1 + 1), s, s) for s in range(1, T + 1)]
    if kind == "chunks":
        return [(a, a, min(a + k1 - 1, T)) for a in range(1, T + 1, k1)]
    out, before, t = [], 0, k1
    while before < T:
        t = min(t, T)
        out.append((max(1, t - k2 + 1), before + 1, t))
        before, t = t, t + k1
    return out


def run_window(
    cell: str,
    p: Params,
    sentence: list[int],
    ys: dict[int, int],
    window: tuple[int, int, int],
    carried: tuple[np.ndarray, ...],
    scale: float,
) -> tuple[float, Params, dict[int, tuple[np.ndarray, ...]]]:
    """One sentence's part of a window: its loss × ``scale``, the gradient, the states."""
    start, first, end = window
    end = min(end, len(sentence))
    P = {name: Var(value) for name, value in p.items()}
    state = tuple(Var(s) for s in carried)  # a constant: nothing flows back into it
    states, total = {}, None
    for t in range(start, end + 1):
        state = step(cell, P, sentence[t - 1], state)
        states[t] = tuple(s.value.copy() for s in state)
        if t >= first and t in ys:
            term = (state[0] @ P["V"] + P["b_output"]).cross_entropy(ys[t])
            total = term if total is None else total + term
    if total is None:
        Var.tape = []
        return 0.0, {name: np.zeros_like(v) for name, v in p.items()}, states
    total = total.scaled(scale)
    return float(total.value), gradients(total, P), states


def forward_states(cell: str, p: Params, sentence: list[int]) -> dict[int, tuple]:
    """{t: state} for t = 0 … n from the zero state, at parameters p."""
    H = p["V"].shape[0]
    _, _, states = run_window(cell, p, sentence, {}, (1, 1, len(sentence)), zero_state(cell, H), 1)
    return {0: zero_state(cell, H), **states}


def add(total: Params, part: Params) -> None:
    for name in total:
        total[name] = total[name] + part[name]


def scheme_gradient(
    cell: str, p: Params, corpus: list[list[int]], target: int, loss: str, scheme: tuple
) -> tuple[float, Params, list[Params]]:
    """At fixed p: L, the scheme's gradient (the sum over its windows) and each window's,
    every window run from the full forward pass's state at its start − 1."""
    T, B = max(len(s) for s in corpus), len(corpus)
    full = [forward_states(cell, p, s) for s in corpus]
    per_window, L = [], 0.0
    for w in windows(*scheme, T):
        g = {name: np.zeros_like(v) for name, v in p.items()}
        for s, sentence in enumerate(corpus):
            if w[0] > len(sentence):
                continue
            part_loss, part, _ = run_window(
                cell, p, sentence, targets(sentence, target, loss), w, full[s][w[0] - 1], 1 / B
            )
            L += part_loss
            add(g, part)
        per_window.append(g)
    total = {name: np.zeros_like(v) for name, v in p.items()}
    for g in per_window:
        add(total, g)
    return L, total, per_window


def chunked_training(
    cell: str,
    p: Params,
    corpus: list[list[int]],
    target: int,
    loss: str,
    scheme: tuple,
    lr: float,
    steps: int,
    clip: Callable[[float], float] = lambda norm: 1.0,
) -> list[tuple[Params, Params]]:
    """--update-every chunk: (window gradient, parameters after its update) for every window
    of every step, in order. A window runs with the current parameters from the latest state
    computed at its start − 1 (each step starts again from h₀)."""
    T, B, H = max(len(s) for s in corpus), len(corpus), p["V"].shape[0]
    out = []
    for _ in range(steps):
        latest = [{0: zero_state(cell, H)} for _ in corpus]
        for w in windows(*scheme, T):
            g = {name: np.zeros_like(v) for name, v in p.items()}
            for s, sentence in enumerate(corpus):
                if w[0] > len(sentence):
                    continue
                ys = targets(sentence, target, loss)
                _, part, states = run_window(cell, p, sentence, ys, w, latest[s][w[0] - 1], 1 / B)
                latest[s].update(states)
                add(g, part)
            norm = float(np.sqrt(sum((v * v).sum() for v in g.values())))
            p = {name: p[name] - lr * clip(norm) * g[name] for name in p}
            out.append((g, p))
    return out
