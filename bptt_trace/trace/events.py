"""The event stream: every event type by its kind, and an event from its JSON form.

Each event is a frozen dataclass whose fields are its JSON fields (``docs/schema.md``
describes them), defined by role: ``run_events`` (the run, and how it ended),
``time_step_events`` (forward, output, backward), ``sentence_events`` (blame, gates,
Jacobians, per-loss gradients, predictions), ``training_events`` (parameters, check,
gradients, update, the step's loss) and ``truncation_event``; ``base_event`` holds what they
share. A field named in ``spliced`` is a mapping whose items are JSON fields of their own
(the parameters by name, or a cell's per-time-step quantities), so that what a cell declares
becomes fields without a class per cell. Arrays are NumPy arrays when the engine makes an
event and nested lists when a trace is read back; readers call ``np.asarray`` either way.
Events are built by keyword. Every event type is imported from here.
"""

from __future__ import annotations

from typing import Any

from .base_event import Event, field_names
from .run_events import DivergedEvent, EndEvent, InterruptedEvent, RunEvent
from .schema_events import SCHEMA as SCHEMA  # the fields' version: defined without NumPy
from .sentence_events import (
    BlameEvent,
    GatesEvent,
    JacobiansEvent,
    LossGradientsEvent,
    PredictionsEvent,
)
from .time_step_events import BackwardEvent, ForwardEvent, OutputEvent
from .training_events import (
    CheckEvent,
    ChunkedEvent,
    GradientsEvent,
    ParamsEvent,
    TrainStepEvent,
    UpdateEvent,
)
from .truncation_event import TruncationEvent

__all__ = [
    "CLOSING",
    "EVENT_TYPES",
    "SCHEMA",
    "BackwardEvent",
    "BlameEvent",
    "CheckEvent",
    "ChunkedEvent",
    "DivergedEvent",
    "EndEvent",
    "Event",
    "ForwardEvent",
    "GatesEvent",
    "GradientsEvent",
    "InterruptedEvent",
    "JacobiansEvent",
    "LossGradientsEvent",
    "OutputEvent",
    "ParamsEvent",
    "PredictionsEvent",
    "RunEvent",
    "TrainStepEvent",
    "TruncationEvent",
    "UpdateEvent",
    "from_json",
]


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
