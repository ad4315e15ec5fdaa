"""A hand-written LSTM and GRU (the reset gate after the product, as torch's nn.GRU), forward
and BPTT, as a practitioner would write them, able to make each classic gated-cell mistake.

Independent of bptt_trace: written from the equations, one sentence, dense one-hot inputs,
dictionaries of states indexed by t. Row vectors and the rows layout's names:

    LSTM  aₜ = xₜ·W_gate + hₜ₋₁·W_h_gate + b_gate for i, f, g, o; iₜ, fₜ, oₜ = σ(a), gₜ = tanh(a)
          cₜ = fₜ ⊙ cₜ₋₁ + iₜ ⊙ gₜ,  hₜ = oₜ ⊙ tanh(cₜ),  h₀ = c₀ = 0
    GRU   zₜ = σ(xₜ·W_z + hₜ₋₁·W_h_z + b_z),  rₜ = σ(xₜ·W_r + hₜ₋₁·W_h_r + b_r)
          nₜ = tanh(xₜ·W_n + b_n + rₜ ⊙ (hₜ₋₁·W_h_n + b_h_n)),  hₜ = (1 − zₜ) ⊙ nₜ + zₜ ⊙ hₜ₋₁
    output  logits = hₜ·V + b_output; --loss last: L = −log softmax(o_T)[<eos>];
            --loss every: L = Σₜ −log softmax(oₜ)[next token] (<eos> after the last)

``lstm_bptt(p, ids, eos, loss, mistake=None)`` is correct; each mistake changes the lines that
README's definitions name; ``SKIPS`` are slips of the loop's bounds (the outputs' gradients
are computed before the loop, and a step the loop skips keeps ∂L/∂hₜ, ∂L/∂cₜ at 0).
Gradients come back in the rows layout, with the loss.
"""

from __future__ import annotations

import numpy as np

Params = dict[str, np.ndarray]
LSTM_GATES = ("i", "f", "g", "o")
GRU_GATES = ("z", "r", "n")
LSTM_MISTAKES = (
    "cell-path-missing",
    "tanh-c-derivative-missing",
    "gate-derivative-missing",
    "hidden-path-missing",
    "forget-gate-gradient-missing",
)
GRU_MISTAKES = (
    "reset-path-missing",
    "update-gate-derivative-missing",
    "gate-derivative-missing",
    "hidden-path-missing",
)


def sigmoid(a: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-a))


def softmax(o: np.ndarray) -> np.ndarray:
    e = np.exp(o - o.max())
    return e / e.sum()


def random_params(cell: str, vocab: int, hidden: int, seed: int, scale: float = 0.8) -> Params:
    """Weights ~ N(0, scale²), biases ~ N(0, 0.5²): nonzero everywhere."""
    rng = np.random.default_rng(seed)
    p: Params = {}
    for gate in LSTM_GATES if cell == "lstm" else GRU_GATES:
        p[f"W_{gate}"] = rng.normal(0, scale, (vocab, hidden))
        p[f"W_h_{gate}"] = rng.normal(0, scale, (hidden, hidden))
        p[f"b_{gate}"] = rng.normal(0, 0.5, hidden)
    if cell == "gru":
        p["b_h_n"] = rng.normal(0, 0.5, hidden)
    p["V"] = rng.normal(0, scale, (hidden, vocab))
    p["b_output"] = rng.normal(0, 0.5, vocab)
    return p


def outputs(
    p: Params, hs: dict[int, np.ndarray], ids: list[int], eos: int, loss: str, g: Params
) -> tuple[dict[int, np.ndarray], float]:
    """∂L/∂hₜ from the output at each t (zero where there is none), ∂L/∂V and ∂L/∂b_output
    added into g, and L."""
    T, hidden = len(ids), p["V"].shape[0]
    targets = [*ids[1:], eos]
    steps = range(1, T + 1) if loss == "every" else [T]
    dh_out = {t: np.zeros(hidden) for t in range(1, T + 1)}
    total = 0.0
    for t in steps:
        y = softmax(hs[t] @ p["V"] + p["b_output"])
        total -= float(np.log(y[targets[t - 1]]))
        dy = y.copy()
        dy[targets[t - 1]] -= 1.0
        g["V"] += np.outer(hs[t], dy)
        g["b_output"] += dy
        dh_out[t] = dy @ p["V"].T
    return dh_out, total


SKIPS = ("first-step-missing", "last-step-missing")
"""The loop's slips: ``range(T, 1, -1)`` never visits t = 1, ``range(T − 1, 0, -1)`` t = T."""


def loop(T: int, mistake: str | None) -> range:
    """The backward loop's time steps, T down to 1 (or as a slip in ``SKIPS`` has them)."""
    top = T - 1 if mistake == "last-step-missing" else T
    return range(top, 1 if mistake == "first-step-missing" else 0, -1)


def one_hot(i: int, size: int) -> np.ndarray:
    x = np.zeros(size)
    x[i] = 1.0
    return x


def lstm_bptt(
    p: Params,
    ids: list[int],
    eos: int,
    loss: str = "last",
    mistake: str | None = None,
    flows: dict[str, np.ndarray] | None = None,
) -> tuple[Params, float]:
    """(gradients, loss); ``flows``, when given, receives ∂L/∂hₜ and ∂L/∂cₜ (T×H each)."""
    vocab, hidden = p["W_i"].shape
    T = len(ids)
    xs = {t: one_hot(i, vocab) for t, i in enumerate(ids, start=1)}
    hs, cs, gates = {0: np.zeros(hidden)}, {0: np.zeros(hidden)}, {}
    for t in range(1, T + 1):
        a = {k: xs[t] @ p[f"W_{k}"] + hs[t - 1] @ p[f"W_h_{k}"] + p[f"b_{k}"] for k in LSTM_GATES}
        v = {k: np.tanh(a[k]) if k == "g" else sigmoid(a[k]) for k in LSTM_GATES}
        cs[t] = v["f"] * cs[t - 1] + v["i"] * v["g"]
        hs[t] = v["o"] * np.tanh(cs[t])
        gates[t] = v
    g = {k: np.zeros_like(v) for k, v in p.items()}
    dh_out, total = outputs(p, hs, ids, eos, loss, g)
    dh_next, dc_next = np.zeros(hidden), np.zeros(hidden)
    seen = {"dh": np.zeros((T, hidden)), "dc": np.zeros((T, hidden))}
    for t in loop(T, mistake):
        v, tc = gates[t], np.tanh(cs[t])
        dh = dh_out[t] + dh_next
        if mistake == "tanh-c-derivative-missing":
            dc = dh * v["o"] + dc_next
        else:
            dc = dh * v["o"] * (1 - tc**2) + dc_next
        seen["dh"][t - 1], seen["dc"][t - 1] = dh, dc
        dv = {"i": dc * v["g"], "f": dc * cs[t - 1], "g": dc * v["i"], "o": dh * tc}
        da = {}
        for k in LSTM_GATES:
            if k == "g":
                da[k] = dv[k] * (1 - v[k] ** 2)
            elif mistake == "gate-derivative-missing":
                da[k] = dv[k]
            else:
                da[k] = dv[k] * v[k] * (1 - v[k])
        if mistake == "forget-gate-gradient-missing":
            da["f"] = np.zeros(hidden)
        for k in LSTM_GATES:
            g[f"W_{k}"] += np.outer(xs[t], da[k])
            g[f"W_h_{k}"] += np.outer(hs[t - 1], da[k])
            g[f"b_{k}"] += da[k]
        dh_next = sum((da[k] @ p[f"W_h_{k}"].T for k in LSTM_GATES), np.zeros(hidden))
        if mistake == "hidden-path-missing":
            dh_next = np.zeros(hidden)
        dc_next = np.zeros(hidden) if mistake == "cell-path-missing" else dc * v["f"]
    if flows is not None:
        flows.update(seen)
    return g, total


def gru_bptt(
    p: Params, ids: list[int], eos: int, loss: str = "last", mistake: str | None = None
) -> tuple[Params, float]:
    vocab, hidden = p["W_z"].shape
    T = len(ids)
    xs = {t: one_hot(i, vocab) for t, i in enumerate(ids, start=1)}
    hs, z, r, n, u = {0: np.zeros(hidden)}, {}, {}, {}, {}
    for t in range(1, T + 1):
        x, h = xs[t], hs[t - 1]
        z[t] = sigmoid(x @ p["W_z"] + h @ p["W_h_z"] + p["b_z"])
        r[t] = sigmoid(x @ p["W_r"] + h @ p["W_h_r"] + p["b_r"])
        u[t] = h @ p["W_h_n"] + p["b_h_n"]
        n[t] = np.tanh(x @ p["W_n"] + p["b_n"] + r[t] * u[t])
        hs[t] = (1 - z[t]) * n[t] + z[t] * h
    g = {k: np.zeros_like(v) for k, v in p.items()}
    dh_out, total = outputs(p, hs, ids, eos, loss, g)
    dh_next = np.zeros(hidden)
    for t in loop(T, mistake):
        h = hs[t - 1]
        dh = dh_out[t] + dh_next
        da_n = dh * (1 - z[t]) * (1 - n[t] ** 2)
        dz, dr, du = dh * (h - n[t]), da_n * u[t], da_n * r[t]
        if mistake in ("update-gate-derivative-missing", "gate-derivative-missing"):
            da_z = dz
        else:
            da_z = dz * z[t] * (1 - z[t])
        da_r = dr if mistake == "gate-derivative-missing" else dr * r[t] * (1 - r[t])
        if mistake == "reset-path-missing":
            da_r = np.zeros(hidden)
        for k, da in (("z", da_z), ("r", da_r), ("n", da_n)):
            g[f"W_{k}"] += np.outer(xs[t], da)
            g[f"b_{k}"] += da
        g["W_h_z"] += np.outer(h, da_z)
        g["W_h_r"] += np.outer(h, da_r)
        g["W_h_n"] += np.outer(h, du)
        g["b_h_n"] += du
        dh_next = dh * z[t]
        if mistake != "hidden-path-missing":
            dh_next = dh_next + da_z @ p["W_h_z"].T + da_r @ p["W_h_r"].T + du @ p["W_h_n"].T
    return g, total


BPTT = {"lstm": lstm_bptt, "gru": gru_bptt}


def finite_differences(
    cell: str, p: Params, ids: list[int], eos: int, loss: str, eps: float = 1e-5
) -> Params:
    """Central differences of the forward pass's L, entry by entry."""
    forward = BPTT[cell]
    numeric = {}
    for name, value in p.items():
        grad = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            up, down = dict(p), dict(p)
            up[name], down[name] = value.copy(), value.copy()
            up[name][index] += eps
            down[name][index] -= eps
            grad[index] = (forward(up, ids, eos, loss)[1] - forward(down, ids, eos, loss)[1]) / (
                2 * eps
            )
        numeric[name] = grad
    return numeric
