"""The events that speak of one traced sentence as a whole: the blame (how much each loss
reaches back to each state), a gated cell's gates, the Jacobian norms, the gradient of each
loss alone, and the predictions at every t."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from .base_event import Event


@dataclass(frozen=True)
class BlameEvent(Event):
    """‖∂Lₛ/∂hₖ‖ for each loss s (``losses``) and k = 1 … T, and the norm of each time step's
    contribution to each gradient (``shares``, a name kept from older traces).

    ``matrix`` has a row per loss s in ``losses`` (s = 1 … T under ``every``, s = T under
    ``last``) and a column per k = 1 … T, 0 where k > s or past a truncation. ``extra`` holds
    the cell's second matrix of the same shape, if any (``matrix_c`` = ‖∂Lₛ/∂cₖ‖ for the LSTM).
    ``shares`` maps each parameter to the norm of each time step's contribution to its gradient.
    """

    kind: ClassVar[str] = "blame"
    whole: ClassVar[tuple[str, ...]] = ("losses", "matrix", "extra", "shares")
    spliced: ClassVar[str | None] = "extra"
    step: int
    sentence: int
    horizon: int
    losses: list[int]
    matrix: Any
    extra: dict[str, Any]
    shares: dict[str, Any]


@dataclass(frozen=True)
class GatesEvent(Event):
    """A gated cell's gates over one sentence: ``products`` the mean over units of ∏ⱼ of the
    ``carry`` gate over j = k+1 … T, for k = 1 … T; ``saturation`` each gate's share of values
    below 0.1 and above 0.9."""

    kind: ClassVar[str] = "gates"
    whole: ClassVar[tuple[str, ...]] = ("products", "saturation")
    step: int
    sentence: int
    carry: str
    products: Any
    saturation: dict[str, list[float]]


@dataclass(frozen=True)
class JacobiansEvent(Event):
    """‖∂h_T/∂hₖ‖₂ for k = first … T, Wʰ's σ_max and spectral radius, a verdict, the factor
    per step, and the cause of an extreme verdict (an exactly zero gradient, an overflow)."""

    kind: ClassVar[str] = "jacobians"
    whole: ClassVar[tuple[str, ...]] = ("norms",)
    step: int
    sentence: int
    first: int
    norms: Any
    sigma_max: float
    spectral_radius: float
    verdict: str
    end_to_end: float
    rate: float
    cause: str | None


@dataclass(frozen=True)
class LossGradientsEvent(Event):
    """Under ``--loss every``: the gradient of each loss Lₛ alone (``losses``: the s)."""

    kind: ClassVar[str] = "loss_gradients"
    whole: ClassVar[tuple[str, ...]] = ("losses", "grads")
    spliced: ClassVar[str | None] = "grads"
    step: int
    sentence: int
    losses: list[int]
    grads: dict[str, Any]


@dataclass(frozen=True)
class PredictionsEvent(Event):
    """For one sentence: the top tokens of softmax(h_t·V + b_output) at every t."""

    kind: ClassVar[str] = "predictions"
    step: int
    sentence: int
    tokens: list[str]
    top: list[list[list[Any]]]
    targets: list[str | None]
