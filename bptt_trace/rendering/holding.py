"""Grouped events held until their group is complete, and the step's bookkeeping: the base
of ``renderer.TraceRenderer`` (a group is a table: one kind of event, one step, one
sentence)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.console import RenderableType

from ..core.cells.declaration import Cell
from ..trace.events import (
    BackwardEvent,
    Event,
    ForwardEvent,
    GradientsEvent,
    LossGradientsEvent,
    OutputEvent,
    RunEvent,
    UpdateEvent,
)
from .budget import sentence_shown, time_step_edge
from .groups import Grouped, group_views
from .window_brief import in_brief
from .window_scope import WindowScope, scope_of

GROUP_VIEWS = {
    "forward": ("forward",),
    "output": ("output",),
    "backward": ("backward", "contributions"),
}
"""The views of each kind of grouped event."""


class GroupHolder:
    """The events of a group, held (the first and last ``edge`` of them) and then rendered."""

    def __init__(
        self, precision: int = 4, step_through: bool = False, only: Iterable[str] | None = None
    ) -> None:
        self.precision = precision
        self.only = frozenset(only) if only else None  # --only: the views to show
        self.step_through = step_through  # one table per time step, for --pause
        self.run: RunEvent | None = None
        self.cell: Cell | None = None
        self.pending: list[Grouped] = []
        self.omitted = 0
        self.step_backward: list[BackwardEvent] = []
        self.step_unseen = 0
        self.step_loss_gradients: list[LossGradientsEvent] = []
        self.step_gradients: GradientsEvent | None = None
        self.step_outputs: list[tuple[OutputEvent, Any]] = []  # with hₜ, for ∂L/∂V's terms
        self.step_h: dict[tuple[int, int], Any] = {}
        self.unshown: set[int] = set()  # the sentences of this step whose tables --detail hid

    def _brief(self, event: Event) -> bool:
        """Whether ``event`` is a window's in brief (its gradients, or the update after)."""
        if isinstance(event, UpdateEvent) and event.chunk is not None:
            event = self.step_gradients  # type: ignore[assignment]
        if not isinstance(event, GradientsEvent) or self.run is None:
            return False
        return self._in_brief(scope_of(self.run, event))

    def _in_brief(self, scope: WindowScope | None) -> bool:
        """Whether the window of ``scope`` is a row of the step's windows in brief."""
        return self.run is not None and in_brief(scope, self.run.config.get("detail", "auto"))

    def _take_step(self, scope: WindowScope | None) -> tuple[list[Any], int, list[Any], list[Any]]:
        """The step's backward events, how many were left out, its per-loss gradients and
        outputs, for an update's formulas; kept, not taken, by a window without a loss that
        ran at the step's starting θ (the window with the first loss writes out their sums)."""
        if scope is not None and scope.fresh and not scope.losses:
            return [], 0, [], []
        backward, self.step_backward = self.step_backward, []
        unseen, self.step_unseen = self.step_unseen, 0
        per_loss, self.step_loss_gradients = self.step_loss_gradients, []
        outputs, self.step_outputs, self.step_h = self.step_outputs, [], {}
        return backward, unseen, per_loss, outputs

    def shows(self, view: str) -> bool:
        """Whether the view is shown (``--only`` names it, or there is no --only)."""
        return self.only is None or view in self.only

    def _keep(
        self, view: str, shown: list[RenderableType], event: Event | None = None
    ) -> list[RenderableType]:
        return shown if self.shows(view) and self.sentence_shown(event, view) else []

    def sentence_shown(self, event: Event | None, *views: str) -> bool:
        """Whether the tables of ``event``'s sentence show (``budget``); the sentences of
        views that would have shown are counted, and the step says so."""
        if sentence_shown(event, self.run):
            return True
        if any(self.shows(view) for view in views):
            self.unshown.add(getattr(event, "sentence", 0))
        return False

    def _hold(self, event: Grouped) -> None:
        """Keep the first and last ``edge`` events of a group, and count the others."""
        edge = time_step_edge(self.run, event)
        if len(self.pending) == 2 * edge:
            self.pending.pop(edge)
            self.omitted += 1
        self.pending.append(event)

    def flush(self) -> list[RenderableType]:
        """The events held for a group, rendered now (``--pause`` shows each as it comes)."""
        return self._flush()

    def drop_held(self) -> None:
        """Forget the events held for a table: the run was stopped (a stop shows no more
        tables; a sentence's held backward pass at --detail full is megabytes of them)."""
        self.pending, self.omitted = [], 0

    def _flush_if_new_group(self, event: Event) -> list[RenderableType]:
        if not self.pending:
            return []
        head = self.pending[0]
        key = (event.kind, getattr(event, "step", None), getattr(event, "sentence", None))
        if key == (head.kind, head.step, head.sentence) and not self.step_through:
            return []
        return self._flush()

    def _flush(self) -> list[RenderableType]:
        events, omitted = self.pending, self.omitted
        self.pending, self.omitted = [], 0
        if not events or self.run is None or self.cell is None:
            return []
        if isinstance(events[0], BackwardEvent):
            self.step_backward.extend(events)  # type: ignore[arg-type]
            self.step_unseen += omitted
        elif isinstance(events[0], ForwardEvent):
            self.step_h.update({(e.sentence, e.t): e.h for e in events})  # type: ignore[union-attr]
        elif isinstance(events[0], OutputEvent):
            h = self.step_h
            self.step_outputs += [(e, h.get((e.sentence, e.t))) for e in events]  # type: ignore[misc]
        views = GROUP_VIEWS.get(events[0].kind, ())
        shows = self.shows if self.sentence_shown(events[0], *views) else lambda view: False
        edge = time_step_edge(self.run, events[0])
        return group_views(events, omitted, self.run, self.cell, self.precision, shows, edge)
