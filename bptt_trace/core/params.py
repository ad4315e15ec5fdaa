"""The parameters of the vanilla RNN and its activation functions, in the seed's names.

Shapes, with |vocab| the vocabulary size and H the hidden size:

    W        : (|vocab|, H)   input -> hidden     (row x_t of W is x_t·W for a one-hot x_t)
    W_h      : (H, H)         hidden -> hidden    (the seed's Wʰ)
    b        : (H,)           hidden bias
    V        : (H, |vocab|)   hidden -> output
    b_output : (|vocab|,)     output bias
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NAMES = ("W", "W_h", "b", "V", "b_output")
"""The five parameters, in the order the seed's table lists them and the trace shows them."""

SYMBOLS = {"W": "W", "W_h": "Wʰ", "b": "b", "V": "V", "b_output": "b_output"}


@dataclass(frozen=True)
class Params:
    """The five parameters of the RNN (float64 arrays, shapes in the module docstring)."""

    W: np.ndarray
    W_h: np.ndarray
    b: np.ndarray
    V: np.ndarray
    b_output: np.ndarray

    def as_dict(self) -> dict[str, np.ndarray]:
        return {name: getattr(self, name) for name in NAMES}

    @property
    def hidden(self) -> int:
        return int(self.W_h.shape[0])

    @property
    def vocab_size(self) -> int:
        return int(self.W.shape[0])


def init_params(vocab_size: int, hidden: int, rng: np.random.Generator) -> Params:
    """Small random W, W_h, V drawn from N(0, σ²) with σ = 0.5/√H; zero biases.

    The draws are made in the order W, W_h, V from ``rng``, so a seed fixes them all.
    """
    sigma = 0.5 / np.sqrt(hidden)
    W = rng.normal(0.0, sigma, size=(vocab_size, hidden))
    W_h = rng.normal(0.0, sigma, size=(hidden, hidden))
    V = rng.normal(0.0, sigma, size=(hidden, vocab_size))
    return Params(W=W, W_h=W_h, b=np.zeros(hidden), V=V, b_output=np.zeros(vocab_size))
