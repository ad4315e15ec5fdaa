"""The vanilla RNN, in the notation of the classic BPTT walk-through (row vectors):

    aₜ = xₜ·W + hₜ₋₁·Wʰ + b          the pre-activation; xₜ one-hot, so xₜ·W is a row of W
    hₜ = f(aₜ)                       h₀ = 0
    ∂L/∂aₜ   = ∂L/∂hₜ ⊙ f′(aₜ)        backprop through f
    ∂L/∂hₜ₋₁ = ∂L/∂aₜ·Wʰᵀ            backprop through Wʰ
    ∂L/∂W  += xₜᵀ·∂L/∂aₜ,  ∂L/∂Wʰ += hₜ₋₁ᵀ·∂L/∂aₜ,  ∂L/∂b += ∂L/∂aₜ     time step t's contributions

Shapes: W (|vocab|, H), Wʰ (H, H), b (H,); a batch of B states is (B, H).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

from .declaration import Cell, Outer, Param, Params, Row, Term, Total

if TYPE_CHECKING:  # NumPy comes with the activations, on first use, not with the declaration
    import numpy as np

    from ..activations import Activation

DERIVATIVE = {"tanh": "1 − h{t}²", "sigmoid": "h{t}·(1 − h{t})", "relu": "1 if a{t} > 0 else 0"}
"""f′ from what the forward pass kept, as a row label: {t} is the row's time step."""


class VanillaRNN(Cell):
    name: ClassVar[str] = "rnn"
    title: ClassVar[str] = "Vanilla RNN"
    params = (
        Param("W", "W", ("V", "H"), "normal", Row("da")),
        Param("W_h", "Wʰ", ("H", "H"), "normal", Outer("h_prev", "da")),
        Param("b", "b", ("H",), "zeros", Total("da")),
    )
    forward_terms = (
        Term("x_W", "  x{t}·W"),
        Term("h_prev_W_h", "+ h{p}·Wʰ"),
        Term("b", "+ b"),
        Term("a", "= a{t}"),
    )
    symbols: ClassVar[dict[str, str]] = {"da": "∂L/∂a{t}", "h_prev": "h{p}"}
    next_label: ClassVar[str] = "+ from t = {next} via Wʰ: ∂L/∂a{n}·Wʰᵀ"
    jacobian_note: ClassVar[str] = "∂h_T/∂hₖ = ∏ⱼ diag(f′(aⱼ))·Wʰᵀ for j = T … k+1"
    backward_note: ClassVar[str] = (
        "∂L/∂hₜ is the total derivative: everything downstream of hₜ, through all "
        "later time steps. hₜ₋₁ᵀ in the contribution to Wʰ is the immediate one (hₜ₋₁ held "
        "fixed); summing the immediate terms over t gives the total gradient ∂L/∂Wʰ."
    )
    contributions_note: ClassVar[str] = (
        "Time step t adds ∂L/∂aₜ to ∂L/∂b and to the row of xₜ's token in ∂L/∂W "
        "(xₜᵀ·∂L/∂aₜ is zero elsewhere), and hₜ₋₁ᵀ·∂L/∂aₜ to ∂L/∂Wʰ."
    )

    def __init__(self, activation: str = "tanh") -> None:
        self.activation = activation
        self.backward_terms = (
            Term("f_prime", f"⊙ f′(a{{t}}) = {DERIVATIVE[activation]}"),
            Term("da", "= ∂L/∂a{t}", result=True),
        )

    @cached_property
    def act(self) -> Activation:
        """f and f′ (imported on first use: the declaration reads without NumPy)."""
        from ..activations import ACTIVATIONS

        return ACTIVATIONS[self.activation]

    @classmethod
    def configured(cls, config: Mapping[str, Any]) -> VanillaRNN:
        return cls(config.get("activation", "tanh"))

    @property
    def equations(self) -> tuple[str, ...]:
        return (f"aₜ = xₜ·W + hₜ₋₁·Wʰ + b,  hₜ = {self.act.name}(aₜ),  h₀ = 0",)

    @property
    def facts(self) -> tuple[str, ...]:
        return (f"f = {self.act.name}",)

    @property
    def state_label(self) -> str:
        return f"hₜ = {self.act.name}(aₜ)"

    def cache_width(self, hidden: int) -> int:
        return hidden  # aₜ

    def delta_width(self, hidden: int) -> int:
        return hidden  # ∂L/∂aₜ

    def step(self, p: Params, x_t: np.ndarray, s_prev: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        a = p["W"][x_t] + s_prev @ p["W_h"] + p["b"]  # aₜ = xₜ·W + hₜ₋₁·Wʰ + b
        return self.act.f(a), a  # hₜ = f(aₜ)

    def delta(self, p: Params, ds: np.ndarray, cache: np.ndarray, s: np.ndarray) -> np.ndarray:
        return ds * self.act.f_prime(cache, s)  # ∂L/∂aₜ = ∂L/∂hₜ ⊙ f′(aₜ)

    def to_previous(self, p: Params, delta: np.ndarray, cache: np.ndarray) -> np.ndarray:
        return delta @ p["W_h"].T  # ∂L/∂hₜ₋₁ = ∂L/∂aₜ·Wʰᵀ

    def step_values(
        self, p: Params, cache: np.ndarray, h_prev: np.ndarray, delta: np.ndarray
    ) -> dict[str, np.ndarray]:
        return {"da": delta, "h_prev": h_prev}

    def shown_forward(
        self, p: Params, x: np.ndarray, s_prev: np.ndarray, cache: np.ndarray
    ) -> dict[str, np.ndarray]:
        return {"x_W": p["W"][x], "h_prev_W_h": s_prev @ p["W_h"], "b": p["b"], "a": cache}

    def shown_backward(
        self, p: Params, cache: np.ndarray, s: np.ndarray, ds: np.ndarray, delta: np.ndarray
    ) -> dict[str, np.ndarray]:
        return {"f_prime": self.act.f_prime(cache, s), "da": delta}

    def kink_sides(self, cache: np.ndarray) -> np.ndarray | None:
        return cache > 0 if self.act.kinked else None  # ReLU's kink at aₜ = 0
