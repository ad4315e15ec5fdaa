"""The activation functions f of the vanilla RNN, each with its derivative f′."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Activation:
    """f and its derivative f′, given both a = the pre-activation and h = f(a).

    ``kinked`` says whether f has a kink (ReLU at a = 0), where f′ jumps and finite
    differences across it mean nothing.
    """

    name: str
    formula: str
    derivative: str
    f: Callable[[np.ndarray], np.ndarray]
    f_prime: Callable[[np.ndarray, np.ndarray], np.ndarray]
    kinked: bool = False


def _sigmoid(a: np.ndarray) -> np.ndarray:
    """1/(1 + e^(−a)) to full relative precision at any a, without overflow.

    With e = e^(−|a|) ≤ 1: 1/(1 + e) for a ≥ 0, and e/(1 + e) (= e^a/(1 + e^a)) for a < 0, so
    that a tiny σ(a) at a very negative a is not the difference of two numbers near 1.
    """
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1.0, e) / (1.0 + e)


def _sigmoid_prime(a: np.ndarray, h: np.ndarray) -> np.ndarray:
    """σ′(a) = σ(a)·(1 − σ(a)) = e/(1 + e)² with e = e^(−|a|): full relative precision on both
    sides (h·(1 − h) loses it for large a, where 1 − h is a difference of numbers near 1)."""
    e = np.exp(-np.abs(a))
    return e / ((1.0 + e) * (1.0 + e))


ACTIVATIONS: dict[str, Activation] = {
    "tanh": Activation(
        "tanh", "f(a) = tanh(a)", "f′(a) = 1 − tanh²(a) = 1 − h²", np.tanh, lambda a, h: 1.0 - h * h
    ),
    "sigmoid": Activation(
        "sigmoid",
        "f(a) = 1 / (1 + e^(−a))",
        "f′(a) = f(a)·(1 − f(a)) = h·(1 − h)",
        _sigmoid,
        _sigmoid_prime,
    ),
    "relu": Activation(
        "relu",
        "f(a) = max(0, a)",
        "f′(a) = 1 if a > 0 else 0",
        lambda a: np.maximum(a, 0.0),
        lambda a, h: (a > 0).astype(a.dtype),
        kinked=True,
    ),
}
