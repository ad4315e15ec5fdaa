"""The tables of one sentence's time steps at a traced step: the forward pass, the output,
and the backward pass with its contributions; and the views --only may name."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.console import Group, RenderableType
from rich.text import Text

from ..core.cells.declaration import Cell
from ..trace.events import BackwardEvent, ForwardEvent, OutputEvent, RunEvent
from .backward import backward_table
from .contributions import contributions_table
from .forward import forward_table
from .gaps import GAP_ROW, runs
from .output import output_view
from .theme import plural

Grouped = ForwardEvent | OutputEvent | BackwardEvent
"""Events shown together, one table per step and sentence."""

GROUPED = tuple(cls.kind for cls in (ForwardEvent, OutputEvent, BackwardEvent))
"""Their kinds."""

GROUP_EDGE = 6
"""A table shows the first and the last GROUP_EDGE time steps of a longer sentence."""


def group_views(
    events: Sequence[Grouped],
    omitted: int,
    run: RunEvent,
    cell: Cell,
    precision: int,
    shows: Callable[[str], bool],
    edge: int = GROUP_EDGE,
) -> list[RenderableType]:
    """The tables of a group of events (one kind, step and sentence) that ``shows`` wants;
    ``omitted`` time steps were left out of the middle."""
    head = events[0]
    parts: list[RenderableType] = []
    if isinstance(head, ForwardEvent):
        if shows("forward"):
            parts.append(forward_table(events, precision, cell))  # type: ignore[arg-type]
    elif isinstance(head, OutputEvent):
        B = len(run.sentences)
        if shows("output"):
            parts.append(output_view(events, run.vocab, precision, B, cell.logits))  # type: ignore[arg-type]
    else:
        backward: list[BackwardEvent] = events  # type: ignore[assignment]
        B = len(run.sentences)
        if shows("backward"):
            T = len(run.sentences[head.sentence]) if head.sentence < B else None
            longest = max((len(s) for s in run.sentences), default=T)
            parts.append(backward_table(backward, precision, cell, run.config, B, T, longest))
        if shows("contributions"):
            detail = run.config.get("detail", "auto")
            parts.append(contributions_table(backward, run.vocab, precision, cell, detail))
    if not parts:
        return []
    if omitted:  # below each table: which time steps its ⋯ row stands for
        steps = sorted(e.t for e in events)
        start, end = runs(steps, steps[0], steps[-1])[0]  # the middle left out
        note = Text(
            f"The {GAP_ROW} row stands for t = {start} … {end}: {plural(omitted, 'time step')} "
            f"not shown (the first and last {edge} are); the JSON trace has them all.",
            "note",
        )
        parts = [Group(part, note, Text()) for part in parts]
    return [parts[0] if len(parts) == 1 else Group(*parts)]
