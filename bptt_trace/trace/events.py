"""The event stream: every event type, defined once, with its JSON form.

Each event is a frozen dataclass whose fields are its JSON fields (``docs/schema.md``
describes them). A field named in ``spliced`` is a mapping whose items are JSON fields of
their own (the parameters by name, or a cell's per-time-step quantities), so that what a cell
declares becomes fields without a class per cell. Arrays are NumPy arrays when the engine makes
an event and nested lists when a trace is read back; readers call ``np.asarray`` either way.
Events are built by keyword.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from .base_event import Event, field_names
from .schema_events import SCHEMA as SCHEMA  # the fields' version: defined without NumPy
from .truncation_event import TruncationEvent


@dataclass(frozen=True)
class RunEvent(Event):
    kind: ClassVar[str] = "run"
    schema: int
    version: str
    vocab: list[str]
    sentences: list[list[str]]
    config: dict[str, Any]


@dataclass(frozen=True)
class ParamsEvent(Event):
    """The parameters before the update of step ``step`` + 1 (step 0: the initial ones)."""

    kind: ClassVar[str] = "params"
    spliced: ClassVar[str | None] = "params"
    step: int
    params: dict[str, Any]


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


@dataclass(frozen=True)
class BlameEvent(Event):
    """‖∂Lₛ/∂hₖ‖ for each loss s (``losses``) and k = 1 … T, and each step's share.

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
class CheckEvent(Event):
    """The gradient check: per parameter, entries compared of total, max relative error, and
    entries skipped (their every finite-difference stencil crosses a kink of the activation)."""

    kind: ClassVar[str] = "check"
    step: int
    tolerance: float
    checked: dict[str, int]
    total: dict[str, int]
    max_error: dict[str, float]
    skipped: dict[str, int]
    truncation_error: dict[str, float] | None
    passed: bool


class ChunkedEvent(Event):
    """An event that a windowed scheme (``--chunks``, ``--tbptt`` with ``--update-every
    chunk``) makes once per window: its optional fields are written only when set, so that a
    whole-step event, and every trace without such a scheme, reads as it always has."""

    optional: ClassVar[tuple[str, ...]] = ()

    def to_json(self, detail: str = "auto") -> dict[str, Any]:
        data = super().to_json(detail)
        for name in self.optional:
            if data[name] is None:
                del data[name]
        return data


@dataclass(frozen=True)
class GradientsEvent(ChunkedEvent):
    """∂L/∂θ of the step, before any update (and before any clipping). Under a windowed
    scheme updating after each window, one more per window: ``chunk`` (1-based), ``window``
    ([start, first loss, end], time steps), its own L and ∂L/∂θ, and the staleness of the
    state carried into it for the first sentence: ``carried_state`` (hₜ at start − 1 as the
    windows before computed it) beside ``carried_state_now`` (recomputed from h₀ with the
    parameters this window runs with); null when that sentence has ended before."""

    kind: ClassVar[str] = "gradients"
    spliced: ClassVar[str | None] = "grads"
    optional: ClassVar[tuple[str, ...]] = ("chunk", "window")
    whole: ClassVar[tuple[str, ...]] = ("window",)
    step: int
    loss: float
    grads: dict[str, Any]
    chunk: int | None = None
    window: list[int] | None = None
    carried_state: Any = None
    carried_state_now: Any = None

    def to_json(self, detail: str = "auto") -> dict[str, Any]:
        data = super().to_json(detail)
        if self.chunk is None:  # the staleness belongs to a window only
            del data["carried_state"], data["carried_state_now"]
        return data


@dataclass(frozen=True)
class UpdateEvent(ChunkedEvent):
    """θ ← θ − lr·scale·∂L/∂θ: the old values, the gradients applied and the new values;
    ``chunk`` as in the window's gradients event (absent for a whole-step update)."""

    kind: ClassVar[str] = "update"
    optional: ClassVar[tuple[str, ...]] = ("chunk",)
    step: int
    lr: float
    grad_norm: float
    scale: float
    old: dict[str, Any]
    applied: dict[str, Any]
    new: dict[str, Any]
    chunk: int | None = None


@dataclass(frozen=True)
class TrainStepEvent(Event):
    kind: ClassVar[str] = "train_step"
    step: int
    loss: float
    grad_norm: float


@dataclass(frozen=True)
class PredictionsEvent(Event):
    """For one sentence: the top tokens of softmax(h_t·V + b_output) at every t."""

    kind: ClassVar[str] = "predictions"
    step: int
    sentence: int
    tokens: list[str]
    top: list[list[list[Any]]]
    targets: list[str | None]


@dataclass(frozen=True)
class EndEvent(Event):
    """The run finished all its steps. ``loss`` is the last step's L, before its update;
    ``loss_after`` is L of the final parameters, after the last update (one more forward
    pass; None in traces written before it was added). ``warning`` says when the parameters
    or the loss grew absurdly large while staying finite (None otherwise)."""

    kind: ClassVar[str] = "end"
    step: int
    loss: float
    warning: str | None = None
    loss_after: float | None = None


@dataclass(frozen=True)
class DivergedEvent(Event):
    kind: ClassVar[str] = "diverged"
    step: int
    quantity: str
    message: str


@dataclass(frozen=True)
class InterruptedEvent(Event):
    kind: ClassVar[str] = "interrupted"
    step: int


EVENT_TYPES: dict[str, type[Event]] = {
    cls.kind: cls
    for cls in (
        RunEvent,
        ParamsEvent,
        ForwardEvent,
        OutputEvent,
        BackwardEvent,
        BlameEvent,
        GatesEvent,
        JacobiansEvent,
        LossGradientsEvent,
        CheckEvent,
        GradientsEvent,
        UpdateEvent,
        TrainStepEvent,
        PredictionsEvent,
        EndEvent,
        DivergedEvent,
        InterruptedEvent,
        TruncationEvent,
    )
}

CLOSING = ("end", "diverged", "interrupted")
"""The events that close a trace; a trace without one was cut off."""


def from_json(data: dict[str, Any]) -> Event:
    """The event that ``to_json`` made ``data`` from (arrays stay nested lists)."""
    cls = EVENT_TYPES[data["event"]]
    names = field_names(cls)
    # a field left out is one written only when set (``ChunkedEvent``): its default
    fields_ = {name: data[name] for name in names if name != cls.spliced and name in data}
    if cls.spliced is not None:
        own = {"event", *names}
        fields_[cls.spliced] = {key: value for key, value in data.items() if key not in own}
    return cls(**fields_)
