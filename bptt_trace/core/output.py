"""The output layer and its loss, the same for every cell:

    oₜ = hₜ·V + b_output,   ŷₜ = softmax(oₜ),   Lₜ = −log ŷₜ[yₜ],   ∂Lₜ/∂oₜ = ŷₜ − yₜ

V is (H, |vocab|), b_output (|vocab|,). The model's sizes are read off V: ``dims``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .cells.declaration import Outer, Param, Params, Total

if TYPE_CHECKING:  # NumPy is imported where the math runs, not with the declaration
    import numpy as np

OUTPUT_PARAMS = (
    Param("V", "V", ("H", "V"), "normal", Outer("h", "do")),  # ∂L/∂V = Σₜ hₜᵀ·(ŷₜ − yₜ)
    Param("b_output", "b_output", ("V",), "zeros", Total("do")),  # ∂L/∂b_output = Σₜ (ŷₜ − yₜ)
)


def dims(p: Params) -> dict[str, int]:
    """The vocabulary size V and the hidden size H of parameters ``p``."""
    H, V = p["V"].shape
    return {"V": int(V), "H": int(H)}


def log_softmax(o: np.ndarray) -> np.ndarray:
    """log ŷ for logits o of shape (..., |vocab|), computed stably."""
    import numpy as np

    shifted = o - o.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def logits(p: Params, h_t: np.ndarray) -> np.ndarray:
    """oₜ = hₜ·V + b_output."""
    return h_t @ p["V"] + p["b_output"]


def output_gradient(
    p: Params, h_t: np.ndarray, y_t: np.ndarray, scale: float
) -> tuple[np.ndarray, np.ndarray]:
    """The losses Lₜ = −log ŷₜ[yₜ] of some rows, and scale·∂Lₜ/∂oₜ = scale·(ŷₜ − yₜ).

    h_t: (n, H); y_t: (n,) target indices. One exp per logit: ŷ = e/Σe with e = exp(o − max o).
    """
    import numpy as np

    n = np.arange(y_t.size)
    o = logits(p, h_t)  # oₜ = hₜ·V + b_output
    o -= o.max(axis=1, keepdims=True)  # shift for a stable softmax
    o_y = o[n, y_t].copy()
    e = np.exp(o, out=o)
    total = e.sum(axis=1)
    loss = np.log(total) - o_y  # Lₜ = −log ŷₜ[yₜ] = log Σe − (o − max o)[yₜ]
    do = e
    do *= (scale / total)[:, None]  # scale·ŷₜ
    do[n, y_t] -= scale  # scale·(ŷₜ − yₜ)
    return loss, do
