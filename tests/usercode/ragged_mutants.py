"""A hand-written BPTT of a corpus of sentences of different lengths, as a user would write it:
one sentence at a time, each to its own length, dense one-hot inputs, dictionaries indexed by
t, L the mean over sentences of each one's summed losses. It can make every catalogued mistake
of the vanilla RNN (tanh), the LSTM and both GRUs (the reset gate before or after the product).

Independent of bptt_trace (written from README's equations and its table of mistakes), and of
tests/mistaken_bptt.py, whose '=' for '+=' overwrites across sentences too. Here each
sentence's gradient is its own, then added to the corpus's: '=' keeps one step of each
sentence, its first (a loop from T down to 1) or its own last (a loop from 1 up to T), never a
step past its end.

    corpus_bptt(cell, p, sentences, eos, loss, mistake=None, **numbers) -> (grads, loss)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Params = dict[str, np.ndarray]
Back = tuple[Params, np.ndarray, np.ndarray]  # (step t's contributions, ∂L/∂hₜ₋₁, ∂L/∂cₜ₋₁)
GATES = {"lstm": "ifgo", "gru": "zrn", "gru-after": "zrn"}


def sigmoid(a: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-a))


def names(cell: str) -> list[str]:
    """The cell's own parameters in the rows layout (V and b_output not included)."""
    if cell == "rnn":
        return ["W", "W_h", "b"]
    found = [f"{w}_{g}" for g in GATES[cell] for w in ("W", "W_h", "b")]
    return [*found, "b_h_n"] if cell == "gru-after" else found


def random_params(cell: str, vocab: int, hidden: int, seed: int) -> Params:
    """Weights ~ N(0, 0.7²), biases ~ N(0, 0.3²): nonzero everywhere."""
    rng = np.random.default_rng(seed)
    shapes = {"W": (vocab, hidden), "W_h": (hidden, hidden), "V": (hidden, vocab)}
    p: Params = {}
    for name in [*names(cell), "V", "b_output"]:
        kind = name if cell == "rnn" or name in ("V", "b_output") else name.rsplit("_", 1)[0]
        shape = shapes.get(kind, (vocab,) if name == "b_output" else (hidden,))
        p[name] = rng.normal(0, 0.7 if kind in shapes else 0.3, shape)
    return p


def step(cell: str, p: Params, x: np.ndarray, h: np.ndarray, c: np.ndarray) -> dict:
    """One step forward from (hₜ₋₁, cₜ₋₁): everything the way back needs."""
    s: dict = {"x": x, "h_prev": h, "c_prev": c}
    if cell == "rnn":
        s["a"] = x @ p["W"] + h @ p["W_h"] + p["b"]
        s["h"], s["c"] = np.tanh(s["a"]), c
        return s
    if cell == "lstm":
        a = {k: x @ p[f"W_{k}"] + h @ p[f"W_h_{k}"] + p[f"b_{k}"] for k in "ifgo"}
        s.update({k: np.tanh(a[k]) if k == "g" else sigmoid(a[k]) for k in "ifgo"})
        s["c"] = s["f"] * c + s["i"] * s["g"]
        s["h"] = s["o"] * np.tanh(s["c"])
        return s
    s["z"] = sigmoid(x @ p["W_z"] + h @ p["W_h_z"] + p["b_z"])
    s["r"] = sigmoid(x @ p["W_r"] + h @ p["W_h_r"] + p["b_r"])
    if cell == "gru":
        s["n"] = np.tanh(x @ p["W_n"] + (s["r"] * h) @ p["W_h_n"] + p["b_n"])
    else:
        s["u"] = h @ p["W_h_n"] + p["b_h_n"]
        s["n"] = np.tanh(x @ p["W_n"] + p["b_n"] + s["r"] * s["u"])
    s["h"], s["c"] = (1 - s["z"]) * s["n"] + s["z"] * h, c
    return s


def back_rnn(p: Params, S: dict, t: int, dh: np.ndarray, mistake: str | None, n: dict) -> Back:
    """Step t of the vanilla RNN; S[j] for j = 1 … the sentence's length (its own T)."""
    T, zero = len(S), np.zeros_like(dh)

    def h(j: int) -> np.ndarray:  # h₀ = 0 and h_{T+1} = 0: nothing past the sentence's ends
        return S[j]["h"] if 1 <= j <= T else zero

    f_prime = {
        "derivative-missing": np.ones_like(dh),
        "derivative-of-pre-activation": 1 - S[t]["a"] ** 2,
        "derivative-applied-twice": (1 - h(t) ** 2) ** 2,
        "derivative-time-shift": 1 - h(t + n.get("shift", 0)) ** 2,
    }.get(mistake or "", 1 - h(t) ** 2)
    da = dh * f_prime
    left = h(t - 1)
    if mistake == "h-t-for-h-prev":
        left = h(t)
    if mistake == "initial-state-wrap" and t == 1:
        left = h(T)  # hs[t − 1] of a list hs[1:] … wraps to the sentence's last state
    grads = {"W": np.outer(S[t]["x"], da), "W_h": np.outer(left, da), "b": da}
    recurrent = p["W_h"] if mistake == "transposed-recurrence" else p["W_h"].T
    return grads, da @ recurrent, zero


def back_lstm(p: Params, s: dict, dh: np.ndarray, dc_next: np.ndarray, mistake: str | None) -> Back:
    tc = np.tanh(s["c"])
    through = 1.0 if mistake == "tanh-c-derivative-missing" else 1 - tc**2
    dc = dh * s["o"] * through + dc_next
    dv = {"i": dc * s["g"], "f": dc * s["c_prev"], "g": dc * s["i"], "o": dh * tc}
    da = {}
    for k in "ifgo":
        if k == "g":
            da[k] = dv[k] * (1 - s[k] ** 2)
        else:
            da[k] = dv[k] if mistake == "gate-derivative-missing" else dv[k] * s[k] * (1 - s[k])
    if mistake == "forget-gate-gradient-missing":
        da["f"] = np.zeros_like(dh)
    grads = {}
    for k in "ifgo":
        grads.update({f"W_{k}": np.outer(s["x"], da[k]), f"W_h_{k}": np.outer(s["h_prev"], da[k])})
        grads[f"b_{k}"] = da[k]
    dh_prev = sum((da[k] @ p[f"W_h_{k}"].T for k in "ifgo"), np.zeros_like(dh))
    if mistake == "hidden-path-missing":
        dh_prev = np.zeros_like(dh)
    dc_prev = np.zeros_like(dh) if mistake == "cell-path-missing" else dc * s["f"]
    return grads, dh_prev, dc_prev


def back_gru(cell: str, p: Params, s: dict, dh: np.ndarray, mistake: str | None) -> Back:
    z, r, nn, h = s["z"], s["r"], s["n"], s["h_prev"]
    da_n = dh * (1 - z) * (1 - nn**2)
    dz = dh * (h - nn)
    if cell == "gru":
        drh = da_n @ p["W_h_n"].T  # ∂L/∂(rₜ ⊙ hₜ₋₁)
        dr = drh * h
    else:
        du = da_n * r  # ∂L/∂(hₜ₋₁·Wʰ_n + bʰ_n)
        dr = da_n * s["u"]
    missing = mistake == "gate-derivative-missing"
    da_z = dz if missing or mistake == "update-gate-derivative-missing" else dz * z * (1 - z)
    da_r = dr if missing else dr * r * (1 - r)
    if mistake == "reset-path-missing":
        da_r = np.zeros_like(dh)
    grads = {}
    for k, da in (("z", da_z), ("r", da_r), ("n", da_n)):
        grads[f"W_{k}"], grads[f"b_{k}"] = np.outer(s["x"], da), da
    grads["W_h_z"], grads["W_h_r"] = np.outer(h, da_z), np.outer(h, da_r)
    if cell == "gru":
        grads["W_h_n"] = np.outer(r * h, da_n)
        through = drh * r + da_z @ p["W_h_z"].T + da_r @ p["W_h_r"].T
    else:
        grads["W_h_n"], grads["b_h_n"] = np.outer(h, du), du
        through = du @ p["W_h_n"].T + da_z @ p["W_h_z"].T + da_r @ p["W_h_r"].T
    dh_prev = dh * z if mistake == "hidden-path-missing" else dh * z + through
    return grads, dh_prev, np.zeros_like(dh)


def backer(cell: str, p: Params, S: dict, mistake: str | None, n: dict) -> Callable[..., Back]:
    """back(t, ∂L/∂hₜ, ∂L/∂cₜ from step t+1) of one sentence."""
    if cell == "rnn":
        return lambda t, dh, dc: back_rnn(p, S, t, dh, mistake, n)
    if cell == "lstm":
        return lambda t, dh, dc: back_lstm(p, S[t], dh, dc, mistake)
    return lambda t, dh, dc: back_gru(cell, p, S[t], dh, mistake)


def corpus_bptt(
    cell: str,
    p: Params,
    sentences: list[list[int]],
    eos: int,
    loss: str = "last",
    mistake: str | None = None,
    **n,
) -> tuple[Params, float]:
    """(∂L/∂θ, L) for L = (1/B)·Σ over sentences of each one's losses, BPTT'd as ``mistake``
    has it (None: correctly). Numbers: shift (±1), which ('first', 'last'), runs, K, C,
    missing (the names left at zero)."""
    vocab, H = p["V"].shape[1], p["V"].shape[0]
    B, longest = len(sentences), max(map(len, sentences))
    g = {k: np.zeros_like(v) for k, v in p.items()}
    total = 0.0
    for _run in range(n.get("runs", 1) if mistake == "not-reset" else 1):
        g["V"][:], g["b_output"][:], total = 0.0, 0.0, 0.0  # the output layer's are reset
        for ids in sentences:
            T = longest if mistake == "padding-leak" else len(ids)  # a leak runs on to the end
            S: dict = {}
            h, c = np.zeros(H), np.zeros(H)
            for t in range(1, T + 1):
                x = np.zeros(vocab)
                if t <= len(ids):
                    x[ids[t - 1]] = 1.0
                S[t] = step(cell, p, x, h, c)
                h, c = S[t]["h"], S[t]["c"]
            targets = [*ids[1:], eos] + [eos] * (T - len(ids))
            dh_out = {t: np.zeros(H) for t in range(1, T + 1)}
            for t in range(1, T + 1) if loss == "every" else [T]:
                o = S[t]["h"] @ p["V"] + p["b_output"]
                y = np.exp(o - o.max()) / np.exp(o - o.max()).sum()
                total -= float(np.log(y[targets[t - 1]])) / B
                if mistake != "softmax-missing-minus-one":
                    y[targets[t - 1]] -= 1.0
                dy = y / B
                g["V"] += np.outer(S[t]["h"], dy)
                g["b_output"] += dy
                dh_out[t] = (-dy if mistake == "sign-flipped" else dy) @ p["V"].T
            back = backer(cell, p, S, mistake, n)
            contributions: dict[int, list[Params]] = {t: [] for t in range(1, T + 1)}
            if mistake == "truncated-K":  # each loss's own flow, back through K steps
                for s in range(1, T + 1):
                    dh, dc = dh_out[s], np.zeros(H)
                    for t in range(s, max(s - n["K"], 0), -1):
                        part, dh, dc = back(t, dh, dc)
                        contributions[t].append(part)
            else:
                dh_next, dc_next = np.zeros(H), np.zeros(H)
                for t in range(T, 0, -1):
                    dh = dh_out[t] + (0.0 if mistake == "missing-dh-next" else dh_next)
                    part, dh_next, dc_next = back(t, dh, dc_next)
                    contributions[t].append(part)
            mine = {k: np.zeros_like(p[k]) for k in names(cell)}  # this sentence's
            if mistake == "overwrite-not-accumulate":  # '=': the loop's last step stays
                order = range(T, 0, -1) if n["which"] == "first" else range(1, T + 1)
                for t in order:
                    mine = {k: sum(part[k] for part in contributions[t]) for k in mine}
            else:
                for t in range(1, T + 1):
                    for part in contributions[t]:
                        mine = {k: mine[k] + part[k] for k in mine}
            for k in mine:
                g[k] += mine[k]
    if mistake == "elementwise-clip-C":
        g = {k: np.clip(v, -n["C"], n["C"]) for k, v in g.items()}
    if mistake == "norm-clip-C":
        norm = np.sqrt(sum(float((v**2).sum()) for v in g.values()))
        g = {k: v * min(1.0, n["C"] / norm) for k, v in g.items()}
    for k in n.get("missing", ()) if mistake == "bias-gradient-missing" else ():
        g[k] = np.zeros_like(g[k])
    return g, total
