"""The events of a training step: the parameters, the gradient check, the gradients, the
update and the step's loss. Under a windowed scheme (``--chunks``, ``--tbptt`` with
``--update-every chunk``) the gradients and the update come once per window
(``ChunkedEvent``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from .base_event import Event


@dataclass(frozen=True)
class ParamsEvent(Event):
    """The parameters before the update of step ``step`` + 1 (step 0: the initial ones)."""

    kind: ClassVar[str] = "params"
    spliced: ClassVar[str | None] = "params"
    step: int
    params: dict[str, Any]


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
    raw_error: dict[str, float] | None = None
    """The largest |g − n| / max(|g| + |n|, 1e-6), rounding included (None in a trace
    written before it was recorded)."""


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
    """A step that was not traced: its L (before its update) and ‖∂L/∂θ‖."""

    kind: ClassVar[str] = "train_step"
    step: int
    loss: float
    grad_norm: float
