"""A hand-written BPTT, as a student would write it, able to make each classic mistake.

Independent of bptt_trace: one sentence at a time, dense one-hot inputs, dictionaries of
states indexed by t, tanh written out. ``hand_bptt(..., mistake=None)`` is correct; each
``mistake`` changes the lines it names. L is the mean over sentences of each one's summed
losses; grads and ∂L/∂hₜ (of the first sentence, t = 1 … T) are returned.
"""

from __future__ import annotations

import numpy as np

Params = dict[str, np.ndarray]


def softmax(o: np.ndarray) -> np.ndarray:
    e = np.exp(o - o.max())
    return e / e.sum()


def hand_bptt(
    p: Params,
    sentences: list[list[int]],
    target: int,
    mode: str = "last",
    mistake: str | None = None,
    **n: float,
) -> tuple[Params, np.ndarray]:
    """(gradients, ∂L/∂hₜ of sentence 0 as a T×H array)."""
    W, Wh, b, V, bo = p["W"], p["W_h"], p["b"], p["V"], p["b_output"]
    vocab, H = W.shape
    B, longest = len(sentences), max(map(len, sentences))
    g = {k: np.zeros_like(v) for k, v in p.items()}
    runs = int(n.get("runs", 1)) if mistake == "not-reset" else 1
    dh_first = None
    for run in range(runs):  # not-reset: the cell's accumulators are never zeroed
        g["V"][:], g["b_output"][:] = 0.0, 0.0
        for number, ids in enumerate(sentences):
            steps = longest if mistake == "padding-leak" else len(ids)
            xs = {t: np.zeros(vocab) for t in range(1, steps + 1)}
            for t, i in enumerate(ids, start=1):
                xs[t][i] = 1.0
            hs, As = {0: np.zeros(H)}, {0: np.zeros(H)}
            for t in range(1, steps + 1):
                As[t] = xs[t] @ W + hs[t - 1] @ Wh + b
                hs[t] = np.tanh(As[t])
            hs[steps + 1], As[steps + 1] = np.zeros(H), np.zeros(H)
            nexts = [*ids[1:], target] + [target] * (steps - len(ids))
            outs = range(1, steps + 1) if mode == "every" else [steps]
            dh_out = {t: np.zeros(H) for t in range(1, steps + 2)}
            for t in outs:
                dy = softmax(hs[t] @ V + bo)
                if mistake != "softmax-missing-minus-one":
                    dy[nexts[t - 1]] -= 1.0
                dy /= B
                g["V"] += np.outer(hs[t], dy)
                g["b_output"] += dy
                dh_out[t] = (-dy if mistake == "sign-flipped" else dy) @ V.T
            dh_total = flows(p, hs, As, dh_out, steps, g, xs, mistake, n)
            if number == 0 and run == 0:
                dh_first = np.array([dh_total[t] for t in range(1, steps + 1)])
    if mistake == "elementwise-clip-C":
        for k in g:
            np.clip(g[k], -n["C"], n["C"], out=g[k])
    if mistake == "bias-gradient-missing":
        g["b"][:] = 0.0
    return g, dh_first


def flows(p, hs, As, dh_out, steps, g, xs, mistake, n) -> dict[int, np.ndarray]:
    """BPTT from t = steps down to 1 into g; ∂L/∂hₜ by t."""
    Wh, H = p["W_h"], p["W_h"].shape[0]
    dh_total = {t: np.zeros(H) for t in range(1, steps + 1)}
    if mistake == "truncated-K":  # each loss's flow, back through at most K steps
        for s in range(1, steps + 1):
            d = dh_out[s]
            for t in range(s, max(s - int(n["K"]), 0), -1):
                dh_total[t] = dh_total[t] + d
                da = d * (1 - hs[t] ** 2)
                g["W"] += np.outer(xs[t], da)
                g["W_h"] += np.outer(hs[t - 1], da)
                g["b"] += da
                d = da @ Wh.T
        return dh_total
    dh_next = np.zeros(H)
    for t in range(steps, 0, -1):
        dh = dh_out[t] if mistake == "missing-dh-next" else dh_out[t] + dh_next
        dh_total[t] = dh
        derivative = {
            "derivative-missing": np.ones(H),
            "derivative-of-pre-activation": 1 - As[t] ** 2,
            "derivative-applied-twice": (1 - hs[t] ** 2) ** 2,
            "derivative-time-shift": 1 - hs[t + int(n.get("shift", -1))] ** 2,
        }.get(mistake, 1 - hs[t] ** 2)
        da = dh * derivative
        h_left = hs[t - 1]
        if mistake == "h-t-for-h-prev":
            h_left = hs[t]
        if mistake == "initial-state-wrap" and t == 1:
            h_left = hs[steps]  # hs[t - 1] with a list hs[1:] wraps to the last
        if mistake == "overwrite-not-accumulate":
            g["W"] = np.outer(xs[t], da)
            g["W_h"] = np.outer(h_left, da)
            g["b"] = da.copy()
        else:
            g["W"] += np.outer(xs[t], da)
            g["W_h"] += np.outer(h_left, da)
            g["b"] += da
        dh_next = da @ (Wh if mistake == "transposed-recurrence" else Wh.T)
    return dh_total
