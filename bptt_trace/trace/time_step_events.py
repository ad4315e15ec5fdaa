"""The events of one time step of one traced sentence: the forward pass, the output and its
loss, and the step of BPTT back through it. Arrays are NumPy arrays when the engine makes an
event and nested lists when a trace is read back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from .base_event import Event


@dataclass(frozen=True)
class ForwardEvent(Event):
    """One time step of one sentence: the cell's forward terms (for the vanilla RNN aₜ =
    x_W + h_prev_W_h + b, and a) and the state h."""

    kind: ClassVar[str] = "forward"
    spliced: ClassVar[str | None] = "terms"
    step: int
    sentence: int
    t: int
    token: str
    token_index: int
    terms: dict[str, Any]
    h: Any


@dataclass(frozen=True)
class OutputEvent(Event):
    """o_t, ŷ_t, the target, L_t = −log ŷ_t[target] and ∂L_t/∂o_t = ŷ_t − y_t."""

    kind: ClassVar[str] = "output"
    step: int
    sentence: int
    t: int
    o: Any
    y_hat: Any
    target: str
    target_index: int
    loss: float
    dL_do: Any


@dataclass(frozen=True)
class BackwardEvent(Event):
    """One time step of BPTT: where ∂L/∂hₜ comes from, then the cell's terms (for the vanilla
    RNN f_prime and da = ∂L/∂aₜ), h_prev, each outer-product contribution ``d<name>`` (dW_h =
    hₜ₋₁ᵀ·∂L/∂aₜ) and the running sums ``sum_<name>`` after this time step (None when too
    large for the detail; the gradients event has the totals)."""

    kind: ClassVar[str] = "backward"
    spliced: ClassVar[str | None] = "terms"
    step: int
    sentence: int
    t: int
    token: str
    token_index: int
    dh_from_output: Any
    dh_from_next: Any
    dh: Any
    terms: dict[str, Any]
    cut: bool
