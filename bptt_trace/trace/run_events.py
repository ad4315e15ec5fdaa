"""The events that open and close a run: the run itself (its vocabulary, sentences and
config), and how it ended (all its steps done, diverged, or interrupted)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from .base_event import Event


@dataclass(frozen=True)
class RunEvent(Event):
    """The run's start: the events' ``schema`` version, the tool's ``version``, the vocabulary,
    the sentences and the configuration (every option's value)."""

    kind: ClassVar[str] = "run"
    schema: int
    version: str
    vocab: list[str]
    sentences: list[list[str]]
    config: dict[str, Any]


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
    """The run stopped at ``step``: ``quantity`` left the floats (NaN or ±inf); ``message``
    says so to the user, with what to try."""

    kind: ClassVar[str] = "diverged"
    step: int
    quantity: str
    message: str


@dataclass(frozen=True)
class InterruptedEvent(Event):
    """The run was stopped (Ctrl-C, SIGTERM or SIGHUP) after ``step``, whose parameters the
    ``params`` event before holds."""

    kind: ClassVar[str] = "interrupted"
    step: int
