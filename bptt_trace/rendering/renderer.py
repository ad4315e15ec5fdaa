"""The Rich reader of the event stream: events in, renderables out, in stream order.

``TraceRenderer`` needs nothing but events, so a live run and a saved trace render the
same; each event type has its handler, chosen by the event's type. ``render`` prints a whole
stream to a console, for notebooks and scripts.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import singledispatchmethod
from typing import Any

from rich.console import Console, RenderableType
from rich.rule import Rule
from rich.text import Text

from ..core.cells import make_cell
from ..core.cells.declaration import Cell
from ..core.model import declared
from ..core.truncation import scheme_of, updates_per_step
from ..trace.events import (
    BackwardEvent,
    BlameEvent,
    CheckEvent,
    DivergedEvent,
    EndEvent,
    Event,
    ForwardEvent,
    GatesEvent,
    GradientsEvent,
    InterruptedEvent,
    JacobiansEvent,
    LossGradientsEvent,
    OutputEvent,
    ParamsEvent,
    PredictionsEvent,
    RunEvent,
    TrainStepEvent,
    UpdateEvent,
)
from ..trace.truncation_event import TruncationEvent
from .budget import hidden_note, sentence_shown, time_step_edge
from .check import check_view
from .flow import blame_view, gates_view, jacobians_view, loss_gradients_view
from .formulas import formula_panel
from .groups import Grouped, group_views
from .header import run_header
from .theme import THEME, VisibleConsole, fmt_loss, plural
from .training import LossCurve, predictions_table
from .truncation import truncation_view
from .update import UpdateView, loss_change


class TraceRenderer:
    """Feed it events one at a time; it returns what is ready to print."""

    def __init__(
        self, precision: int = 4, step_through: bool = False, only: Iterable[str] | None = None
    ) -> None:
        self.precision = precision
        self.only = frozenset(only) if only else None  # --only: the views to show
        self.step_through = step_through  # one table per time step, for --pause
        self.run: RunEvent | None = None
        self.cell: Cell | None = None
        self.symbols: dict[str, str] = {}
        self.pending: list[Grouped] = []
        self.omitted = 0
        self.curve: list[tuple[int, float]] = []
        self.before: list[PredictionsEvent] = []
        self.after: list[PredictionsEvent] = []
        self.closed = False
        self.step_backward: list[BackwardEvent] = []
        self.step_unseen = 0
        self.step_loss_gradients: list[LossGradientsEvent] = []
        self.step_gradients: GradientsEvent | None = None
        self.step_outputs: list[tuple[OutputEvent, Any]] = []  # with hₜ, for ∂L/∂V's terms
        self.step_h: dict[tuple[int, int], Any] = {}
        self.unshown: set[int] = set()  # the sentences of this step whose tables --detail hid

    def feed(self, event: Event) -> list[RenderableType]:
        out = self._flush_if_new_group(event)
        if self.run is not None and not isinstance(event, ParamsOrPredictions):
            event = event.compacted(self.run.config.get("detail", "auto"))
        if isinstance(event, Grouped):
            self._hold(event)
        else:
            out.extend(self.handle(event))
        return out

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

    def close(self) -> list[RenderableType]:
        """Everything left, and a line saying so if the trace was cut off."""
        out = self._flush()
        if not self.closed:
            out.extend(self._summary())
            out.append(
                Text("The trace ends without a closing event: it was cut off.", "status.bad")
            )
        return out

    def flush(self) -> list[RenderableType]:
        """The events held for a group, rendered now (``--pause`` shows each as it comes)."""
        return self._flush()

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

    @singledispatchmethod
    def handle(self, event: Event) -> list[RenderableType]:
        """What an event shows when it arrives (the params event shows nothing)."""
        return []

    @handle.register
    def _(self, event: RunEvent) -> list[RenderableType]:
        self.run = event
        self.cell = make_cell(event.config)
        self.symbols = {spec.name: spec.symbol for spec in declared(self.cell)}
        return [run_header(event, self.cell)] if self.only is None else []

    @handle.register
    def _(self, event: BlameEvent) -> list[RenderableType]:
        scheme = scheme_of(self.run.config) if self.run is not None else None
        cut_by = scheme.flag() if scheme is not None else None
        return self._keep("blame", [blame_view(event, self.symbols, cut_by)], event)

    @handle.register
    def _(self, event: GatesEvent) -> list[RenderableType]:
        return self._keep("blame", [gates_view(event)], event)

    @handle.register
    def _(self, event: JacobiansEvent) -> list[RenderableType]:
        assert self.cell is not None
        recurrent = self.symbols[self.cell.recurrent]
        return self._keep("jacobians", [jacobians_view(event, self.cell, recurrent)])

    @handle.register
    def _(self, event: LossGradientsEvent) -> list[RenderableType]:
        self.step_loss_gradients.append(event)
        return self._keep("blame", [loss_gradients_view(event, self.symbols)], event)

    @handle.register
    def _(self, event: TruncationEvent) -> list[RenderableType]:
        return self._keep("blame", [truncation_view(event, self.symbols)])

    @handle.register
    def _(self, event: CheckEvent) -> list[RenderableType]:
        return [check_view(event, self.symbols)]

    @handle.register
    def _(self, event: GradientsEvent) -> list[RenderableType]:
        assert self.run is not None
        self.step_gradients = event  # ∂L/∂θ before clipping, for the update's views
        out: list[RenderableType] = []
        traced = len({e.sentence for e in self.step_backward})
        total = len(self.run.sentences)
        if 0 < traced < total:
            out.append(
                Text(
                    f"The step covers all {total} sentences; the first {traced} are "
                    "traced in full (--detail full traces them all).",
                    "note",
                )
            )
        hidden = hidden_note(sorted(self.unshown), traced or total)  # whatever --only says
        self.unshown = set()
        return hidden + self._keep(
            "update",
            [
                *out,
                Rule(self._update_rule(event), style="title"),
            ],
        )

    def _update_rule(self, event: GradientsEvent) -> str:
        """The rule above a step's update; under --chunks or --tbptt with an update after each
        window, the whole step's gradient has none of its own and each window's says so."""
        L = fmt_loss(event.loss, self.precision)
        chunk = getattr(event, "chunk", None)
        if chunk is not None:
            return f"step {event.step} · window {chunk} · its L = {L} · its update"
        if self.run is not None and self.run.config.get("update_every") == "chunk":
            return f"step {event.step} · L = {L} · an update after each window"
        return f"step {event.step} · L = {L} · update every parameter by gradient descent"

    @handle.register
    def _(self, event: UpdateEvent) -> list[RenderableType]:
        assert self.run is not None and self.cell is not None
        backward, self.step_backward = self.step_backward, []
        unseen, self.step_unseen = self.step_unseen, 0
        per_loss, self.step_loss_gradients = self.step_loss_gradients, []
        grads, self.step_gradients = self.step_gradients, None
        outputs, self.step_outputs, self.step_h = self.step_outputs, [], {}
        B, vocab, precision = len(self.run.sentences), self.run.vocab, self.precision
        update = UpdateView(event, vocab, precision, declared(self.cell), grads)
        return [
            *self._keep("update", [update]),
            *self._keep(
                "formulas",
                [
                    formula_panel(
                        self.cell,
                        event,
                        backward,
                        per_loss,
                        vocab,
                        B,
                        precision,
                        unseen,
                        grads,
                        outputs,
                        self.run.config.get("loss") == "last",
                    )
                ],
            ),
        ]

    @handle.register
    def _(self, event: TrainStepEvent) -> list[RenderableType]:
        self.curve.append((event.step, event.loss))
        return []

    @handle.register
    def _(self, event: PredictionsEvent) -> list[RenderableType]:
        (self.after if event.step > 0 else self.before).append(event)
        return []

    def _summary(self) -> list[RenderableType]:
        out: list[RenderableType] = []
        if len(self.curve) > 1 and self.shows("training"):
            steps, losses = [s for s, _ in self.curve], [v for _, v in self.curve]
            out.append(LossCurve(steps, losses, precision=self.precision))
            if self.before and self.after:
                assert self.run is not None
                total = len(self.run.sentences)
                out.append(predictions_table(self.before, self.after, self.precision, total))
        return out

    @handle.register
    def _(self, event: EndEvent) -> list[RenderableType]:
        self.closed = True
        first = self.curve[0][1] if self.curve else event.loss
        run = self.run  # under --update-every chunk, an update per window
        updates = event.step * (updates_per_step(run.config, run.sentences) if run else 1)
        losses = loss_change(first, event.loss, event.loss_after, updates, self.precision)
        if event.warning:  # finite, but absurdly large
            done = f"⚠ finished after {plural(event.step, 'step')}, but {event.warning} ({losses})"
            return [*self._summary(), Text(done, "status.bad")]
        return [
            *self._summary(),
            Text(f"✓ finished after {plural(event.step, 'step')}: {losses}", "status.ok"),
        ]

    @handle.register
    def _(self, event: DivergedEvent) -> list[RenderableType]:
        self.closed = True
        return [*self._summary(), Text(f"✗ {event.message}", "status.bad")]

    @handle.register
    def _(self, event: InterruptedEvent) -> list[RenderableType]:
        self.closed = True
        return [
            *self._summary(),
            Text(f"■ interrupted after step {event.step}; shown is what it had", "status.bad"),
        ]


GROUP_VIEWS = {
    "forward": ("forward",),
    "output": ("output",),
    "backward": ("backward", "contributions"),
}
"""The views of each kind of grouped event."""

ParamsOrPredictions = (ParamsEvent, PredictionsEvent)
"""Events rendered as they come, without summaries (they are small or never shown)."""


def renderables(events: Iterable[Event], precision: int = 4) -> Iterator[RenderableType]:
    """Everything the trace shows, in order, for a stream of events."""
    renderer = TraceRenderer(precision)
    for event in events:
        yield from renderer.feed(event)
    yield from renderer.close()


def make_console(**kwargs: object) -> Console:
    """A console with the trace's theme (pass ``file=``, ``width=``, ``no_color=`` …)."""
    return VisibleConsole(theme=THEME, highlight=False, **kwargs)  # type: ignore[arg-type]


def render(events: Iterable[Event], console: Console | None = None, precision: int = 4) -> None:
    """Print the tables of a stream of events (in a notebook, a terminal or a file)."""
    console = console or make_console()
    for renderable in renderables(events, precision):
        console.print(renderable)
