"""What the gated cells share: the logistic function σ, in a form exact in relative terms at
both ends, and the stacking of per-gate parameters into one matrix for one product a step."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .declaration import Outer, Param, Params, Row, Total

if TYPE_CHECKING:
    import numpy as np


def sigmoid(a: np.ndarray) -> np.ndarray:
    """σ(a) = 1/(1 + e^(−a)), as e^a/(1 + e^a) where a < 0 so that nothing overflows."""
    import numpy as np

    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1.0, e) / (1.0 + e)


def gate_params(
    gate: str,
    symbol: str,
    delta: str,
    recurrent_left: str = "h_prev",
    bias_init: str | float = "zeros",
) -> tuple[Param, Param, Param]:
    """A gate's input matrix W_gate (|vocab|×H), recurrent matrix W_h_gate (H×H), bias b_gate."""
    return (
        Param(f"W_{gate}", f"W_{symbol}", ("V", "H"), "normal", Row(delta)),
        Param(f"W_h_{gate}", f"Wʰ_{symbol}", ("H", "H"), "normal", Outer(recurrent_left, delta)),
        Param(f"b_{gate}", f"b_{symbol}", ("H",), bias_init, Total(delta)),
    )


def stacked(p: Params, gates: tuple[str, ...]) -> dict[str, np.ndarray]:
    """The gates' matrices side by side: W (|vocab|×nH), Wʰ (H×nH) and b (nH)."""
    import numpy as np

    return {
        "W_all": np.concatenate([p[f"W_{g}"] for g in gates], axis=1),
        "W_h_all": np.concatenate([p[f"W_h_{g}"] for g in gates], axis=1),
        "b_all": np.concatenate([p[f"b_{g}"] for g in gates]),
    }
