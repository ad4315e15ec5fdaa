"""The Rich reader of the event stream: events in, renderables out, in stream order.

``TraceRenderer`` needs nothing but events, so a live run and a saved trace render the
same. ``render`` prints a whole stream to a console, for notebooks and scripts.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.rule import Rule
from rich.text import Text

from ..trace.events import Event, PredictionsEvent, RunEvent
from .backward import backward_table
from .check import check_view
from .contributions import contributions_table
from .flow import blame_view, jacobians_view, loss_gradients_view
from .formulas import formula_panel
from .forward import forward_table
from .header import run_header
from .output import output_view
from .theme import THEME, fmt
from .training import LossCurve, predictions_table
from .update import UpdateView

GROUPED = ("forward", "output", "backward")
"""Events shown together, one table per step and sentence."""

GROUP_EDGE = 6
"""A table shows the first and the last GROUP_EDGE time steps of a longer sentence."""


class TraceRenderer:
    """Feed it events one at a time; it returns what is ready to print."""

    def __init__(self, precision: int = 4, step_through: bool = False) -> None:
        self.precision = precision
        self.step_through = step_through  # one table per time step, for --pause
        self.run: RunEvent | None = None
        self.pending: list[Any] = []
        self.omitted = 0
        self.curve: list[tuple[int, float]] = []
        self.before: list[PredictionsEvent] = []
        self.after: list[PredictionsEvent] = []
        self.closed = False
        self.step_backward: list[Any] = []
        self.step_unseen = 0
        self.step_loss_gradients: list[Any] = []

    def feed(self, event: Event) -> list[RenderableType]:
        out = self._flush_if_new_group(event)
        handler = getattr(self, f"_on_{event.kind}", None)
        if self.run is not None and event.kind not in ("params", "predictions"):
            event = event.compacted(self.run.config.get("detail", "auto"))
        if event.kind in GROUPED:
            self._hold(event)
        elif handler is not None:
            out.extend(handler(event))
        return out

    def _hold(self, event: Event) -> None:
        """Keep the first and last GROUP_EDGE events of a group, and count the others."""
        if len(self.pending) == 2 * GROUP_EDGE:
            self.pending.pop(GROUP_EDGE)
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
        if not events or self.run is None:
            return []
        cfg = self.run.config
        kind = events[0].kind
        if kind == "forward":
            shown: RenderableType = forward_table(events, self.precision, cfg["activation"])
        elif kind == "output":
            shown = output_view(events, self.run.vocab, self.precision)
        else:
            self.step_backward.extend(events)
            self.step_unseen += omitted
            shown = Group(
                backward_table(events, self.precision, cfg["activation"], cfg.get("truncate")),
                contributions_table(events, self.run.vocab, self.precision),
            )
        if not omitted:
            return [shown]
        where = f"the first and last {GROUP_EDGE}"
        note = Text(
            f"{omitted} more time steps are not shown ({where} are); the JSON trace has them all.",
            "note",
        )
        return [shown, note]

    def _on_run(self, event: RunEvent) -> list[RenderableType]:
        self.run = event
        return [run_header(event)]

    def _on_blame(self, event: Any) -> list[RenderableType]:
        return [blame_view(event)]

    def _on_jacobians(self, event: Any) -> list[RenderableType]:
        return [jacobians_view(event)]

    def _on_loss_gradients(self, event: Any) -> list[RenderableType]:
        self.step_loss_gradients.append(event)
        return [loss_gradients_view(event)]

    def _on_check(self, event: Any) -> list[RenderableType]:
        return [check_view(event)]

    def _on_gradients(self, event: Any) -> list[RenderableType]:
        assert self.run is not None
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
        return [
            *out,
            Rule(
                f"step {event.step} · L = {fmt(event.loss, self.precision)[1:]} · "
                "update every parameter by gradient descent",
                style="title",
            ),
        ]

    def _on_update(self, event: Any) -> list[RenderableType]:
        assert self.run is not None
        backward, self.step_backward = self.step_backward, []
        unseen, self.step_unseen = self.step_unseen, 0
        per_loss, self.step_loss_gradients = self.step_loss_gradients, []
        several = len(self.run.sentences) > 1
        return [
            UpdateView(event, self.run.vocab, self.precision),
            formula_panel(
                event, backward, per_loss, self.run.vocab, several, self.precision, unseen
            ),
        ]

    def _on_train_step(self, event: Any) -> list[RenderableType]:
        self.curve.append((event.step, event.loss))
        return []

    def _on_predictions(self, event: PredictionsEvent) -> list[RenderableType]:
        (self.after if event.step > 0 else self.before).append(event)
        return []

    def _summary(self) -> list[RenderableType]:
        out: list[RenderableType] = []
        if len(self.curve) > 1:
            out.append(LossCurve([s for s, _ in self.curve], [v for _, v in self.curve]))
            if self.before and self.after:
                out.append(predictions_table(self.before, self.after, self.precision))
        return out

    def _on_end(self, event: Any) -> list[RenderableType]:
        self.closed = True
        first = self.curve[0][1] if self.curve else event.loss
        return [
            *self._summary(),
            Text(
                f"✓ finished after {event.step} step(s): loss {fmt(first, self.precision)[1:]} → "
                f"{fmt(event.loss, self.precision)[1:]} "
                "(the loss of the last step, before its update)",
                "status.ok",
            ),
        ]

    def _on_diverged(self, event: Any) -> list[RenderableType]:
        self.closed = True
        return [*self._summary(), Text(f"✗ {event.message}", "status.bad")]

    def _on_interrupted(self, event: Any) -> list[RenderableType]:
        self.closed = True
        return [
            *self._summary(),
            Text(f"■ interrupted after step {event.step}; shown is what it had", "status.bad"),
        ]


def renderables(events: Iterable[Event], precision: int = 4) -> Iterator[RenderableType]:
    """Everything the trace shows, in order, for a stream of events."""
    renderer = TraceRenderer(precision)
    for event in events:
        yield from renderer.feed(event)
    yield from renderer.close()


def make_console(**kwargs: Any) -> Console:
    """A console with the trace's theme (pass ``file=``, ``width=``, ``no_color=`` …)."""
    return Console(theme=THEME, highlight=False, **kwargs)


def render(events: Iterable[Event], console: Console | None = None, precision: int = 4) -> None:
    """Print the tables of a stream of events (in a notebook, a terminal or a file)."""
    console = console or make_console()
    for renderable in renderables(events, precision):
        console.print(renderable)
