"""The output layer and its loss: oₜ = hₜ·V + b_output, ŷₜ = softmax(oₜ), Lₜ = −log ŷₜ[yₜ]."""

from __future__ import annotations

import numpy as np

from .params import Params


def log_softmax(o: np.ndarray) -> np.ndarray:
    """log ŷ for logits o of shape (..., |vocab|), computed stably."""
    shifted = o - o.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def logits(p: Params, h_t: np.ndarray) -> np.ndarray:
    """o_t = h_t·V + b_output."""
    return h_t @ p.V + p.b_output


def output_gradient(
    p: Params, h_t: np.ndarray, y_t: np.ndarray, scale: float
) -> tuple[np.ndarray, np.ndarray]:
    """The losses L_t = −log ŷ_t[y_t] of some rows, and scale·∂L_t/∂o_t = scale·(ŷ_t − y_t).

    h_t: (n, H); y_t: (n,) target indices. One exp per logit: ŷ = e/Σe with e = exp(o − max o).
    """
    n = np.arange(y_t.size)
    o = logits(p, h_t)  # o_t = h_t·V + b_output
    o -= o.max(axis=1, keepdims=True)  # shift for a stable softmax
    o_y = o[n, y_t].copy()
    e = np.exp(o, out=o)
    total = e.sum(axis=1)
    loss = np.log(total) - o_y  # L_t = −log ŷ_t[y_t] = log Σe − (o − max o)[y_t]
    do = e
    do *= (scale / total)[:, None]  # scale·ŷ_t
    do[n, y_t] -= scale  # scale·(ŷ_t − y_t)
    return loss, do
