"""The activation functions f of the vanilla RNN, each with its derivative f′."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Activation:
    """f and its derivative f′, given both a = the pre-activation and h = f(a)."""

    name: str
    formula: str
    derivative: str
    f: Callable[[np.ndarray], np.ndarray]
    f_prime: Callable[[np.ndarray, np.ndarray], np.ndarray]


def _sigmoid(a: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * a))  # equals 1/(1+e^(−a)), without overflow


ACTIVATIONS: dict[str, Activation] = {
    "tanh": Activation(
        "tanh", "f(a) = tanh(a)", "f′(a) = 1 − tanh²(a) = 1 − h²", np.tanh, lambda a, h: 1.0 - h * h
    ),
    "sigmoid": Activation(
        "sigmoid",
        "f(a) = 1 / (1 + e^(−a))",
        "f′(a) = f(a)·(1 − f(a)) = h·(1 − h)",
        _sigmoid,
        lambda a, h: h * (1.0 - h),
    ),
    "relu": Activation(
        "relu",
        "f(a) = max(0, a)",
        "f′(a) = 1 if a > 0 else 0",
        lambda a: np.maximum(a, 0.0),
        lambda a, h: (a > 0).astype(a.dtype),
    ),
}
