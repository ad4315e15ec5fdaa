"""The Rich reader of the event stream: events in, renderables out, in stream order.

``TraceRenderer`` needs nothing but events, so a live run and a saved trace render the
same; each event type has its handler, chosen by the event's type. ``render`` prints a whole
stream to a console, for notebooks and scripts.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import singledispatchmethod

from rich.console import Console, RenderableType
from rich.text import Text

from ..core.cells import make_cell
from ..core.model import declared
from ..core.truncation import scheme_of
from ..trace.events import (
    BlameEvent,
    CheckEvent,
    DivergedEvent,
    EndEvent,
    Event,
    GatesEvent,
    GradientsEvent,
    InterruptedEvent,
    JacobiansEvent,
    LossGradientsEvent,
    ParamsEvent,
    PredictionsEvent,
    RunEvent,
    UpdateEvent,
)
from ..trace.truncation_event import TruncationEvent
from .budget import every_k, hidden_note
from .closing import Ending, TitleRule, update_rule
from .flow import blame_view, gates_view, loss_gradients_view
from .formulas import formula_panel
from .groups import Grouped
from .header import run_header
from .holding import GROUP_VIEWS as GROUP_VIEWS  # re-exported
from .holding import GroupHolder
from .theme import THEME, VisibleConsole
from .update import UpdateView
from .vanishing import jacobians_view
from .window_brief import BriefWindows
from .window_scope import no_loss, scope_of


class TraceRenderer(GroupHolder):
    """Feed it events one at a time; it returns what is ready to print."""

    def __init__(
        self, precision: int = 4, step_through: bool = False, only: Iterable[str] | None = None
    ) -> None:
        super().__init__(precision, step_through, only)
        self.symbols: dict[str, str] = {}
        self.brief = BriefWindows()  # windows in a row each (--chunks, --tbptt)
        self.ending = Ending()  # the loss curve, the predictions, the closing line

    def feed(self, event: Event) -> list[RenderableType]:
        self.ending.see(event)
        out = self._flush_if_new_group(event)
        if self.run is not None and not isinstance(event, ParamsOrPredictions):
            event = event.compacted(self.run.config.get("detail", "auto"))
        if self.brief.rows and not self._brief(event):
            out.extend(self._keep("update", self.brief.flush(self.precision)))
        if isinstance(event, Grouped):
            self._hold(event)
        else:
            out.extend(self.handle(event))
        return out

    def drop_held(self) -> None:
        super().drop_held()
        self.brief.rows = []  # (a step's windows in brief: a table too)

    def close(self) -> list[RenderableType]:
        """Everything left, and a line saying so if the trace was cut off."""
        out = [*self._flush(), *self._keep("update", self.brief.flush(self.precision))]
        if not self.ending.closed:
            out.extend(self.ending.summary(self.run, self.precision) if self.training else [])
            out.append(
                Text("The trace ends without a closing event: it was cut off.", "status.bad")
            )
        return out

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
        return self._keep("blame", [gates_view(event, every_k(self.run))], event)

    @handle.register
    def _(self, event: JacobiansEvent) -> list[RenderableType]:
        assert self.cell is not None
        recurrent = self.symbols[self.cell.recurrent]
        view = jacobians_view(event, self.cell, recurrent, every_k(self.run))
        return self._keep("jacobians", [view])

    @handle.register
    def _(self, event: LossGradientsEvent) -> list[RenderableType]:
        self.step_loss_gradients.append(event)
        return self._keep("blame", [loss_gradients_view(event, self.symbols)], event)

    @handle.register
    def _(self, event: TruncationEvent) -> list[RenderableType]:
        from .truncation import truncation_view  # a run without a scheme never needs it

        view = "truncation" if self.shows("truncation") else "blame"  # shown by either
        return self._keep(view, [truncation_view(event, self.symbols)])

    @handle.register
    def _(self, event: CheckEvent) -> list[RenderableType]:
        from .check import check_view  # only under --check

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
            out.append(Text())  # a blank line below it, before the update's rule
        hidden = hidden_note(sorted(self.unshown), traced or total)  # whatever --only says
        self.unshown = set()
        if self._brief(event):
            return hidden + out  # its update is a row of the step's windows in brief
        return hidden + self._keep(
            "update",
            [
                *out,
                TitleRule(
                    update_rule(event, self.run.config, self.precision, no_loss(self.run, event))
                ),
            ],
        )

    @handle.register
    def _(self, event: UpdateEvent) -> list[RenderableType]:
        assert self.run is not None and self.cell is not None
        grads, self.step_gradients = self.step_gradients, None
        scope = scope_of(self.run, grads)
        backward, unseen, per_loss, outputs = self._take_step(scope)
        B, vocab, precision = len(self.run.sentences), self.run.vocab, self.precision
        if grads is not None and scope is not None and self._in_brief(scope):
            self.brief.add(grads, event, scope)
            return []
        update = UpdateView(event, vocab, precision, declared(self.cell), grads, scope)
        if scope is not None and not scope.losses:  # no loss, a zero gradient: nothing moved
            return self._keep("update", [update])
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
                        scope,
                    ),
                    Text(),  # a blank line below the panel, before what follows
                ],
            ),
        ]

    @property
    def training(self) -> bool:
        """Whether the loss curve and the predictions show (``--only`` may leave them out)."""
        return self.shows("training")

    @handle.register
    def _(self, event: EndEvent) -> list[RenderableType]:
        return self.ending.lines(event, self.run, self.precision, self.training)

    @handle.register
    def _(self, event: DivergedEvent) -> list[RenderableType]:
        return self.ending.lines(event, self.run, self.precision, self.training)

    @handle.register
    def _(self, event: InterruptedEvent) -> list[RenderableType]:
        return self.ending.lines(event, self.run, self.precision, self.training)


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
