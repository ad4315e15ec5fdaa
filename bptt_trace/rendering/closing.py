"""The trace's closing lines: the rule above a step's update, the loss curve and the
predictions after training, and the line that says how the run ended; ``Ending`` gathers
what they are made of as the events come."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderableType
from rich.measure import Measurement
from rich.rule import Rule
from rich.text import Text

from ..core.truncation import updates_per_step
from ..trace.events import (
    DivergedEvent,
    EndEvent,
    Event,
    GradientsEvent,
    InterruptedEvent,
    PredictionsEvent,
    RunEvent,
    TrainStepEvent,
)
from .theme import fmt_loss, plural
from .update import loss_change


def update_rule(
    event: GradientsEvent, config: Mapping[str, Any], precision: int, lossless: bool = False
) -> str:
    """The rule above a step's update; under --chunks or --tbptt with an update after each
    window, the whole step's gradient has none of its own and each window's says so (and
    says when it has no loss: ``lossless``)."""
    L = fmt_loss(event.loss, precision)
    chunk = getattr(event, "chunk", None)
    if chunk is not None and lossless:
        return f"step {event.step} · window {chunk} · no loss in this window (θ unchanged)"
    if chunk is not None:
        return f"step {event.step} · window {chunk} · its L = {L} · its update"
    if config.get("update_every") == "chunk":
        return f"step {event.step} · L = {L} · an update after each window"
    return f"step {event.step} · L = {L} · update every parameter by gradient descent"


class TitleRule:
    """A rule with its title in it, as Rich's ``Rule`` draws it when the title fits; a
    title too long for the width (Rich would cut it with an ellipsis) goes whole above a
    plain rule, wrapping at spaces."""

    def __init__(self, title: str) -> None:
        self.title = title

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(1, 1)  # as Rich's Rule: as wide as it is given

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Any]:
        if cell_len(self.title) <= options.max_width - 4:  # Rich's Rule keeps 4 for its ends
            plain = "[" not in self.title and ":" not in self.title and not console._highlight
            # the Text render_str makes of a title without markup or emoji codes (whose
            # parsing imports Rich's table of emoji)
            yield Rule(Text(self.title, "rule.text") if plain else self.title, style="title")
        else:
            yield Text(self.title, "title")
            yield Rule(style="title")


def summary(
    curve: Sequence[tuple[int, float]],
    before: Sequence[PredictionsEvent],
    after: Sequence[PredictionsEvent],
    total: int,
    precision: int,
) -> list[RenderableType]:
    """After training (more than one step): the loss curve, and the predictions before and
    after when the trace has them."""
    out: list[RenderableType] = []
    if len(curve) > 1:
        from .predictions import predictions_table  # a run of one step shows neither
        from .training import LossCurve

        steps, losses = [s for s, _ in curve], [v for _, v in curve]
        out += [LossCurve(steps, losses, precision=precision), Text()]  # then a blank line
        if before and after:
            out.append(predictions_table(before, after, precision, total))
    return out


def end_line(event: EndEvent, first: float, run: RunEvent | None, precision: int) -> Text:
    """✓ finished after N steps: the loss before the first update and after the last (under
    --update-every chunk, an update per window); ⚠ when finite but absurdly large."""
    updates = event.step * (updates_per_step(run.config, run.sentences) if run else 1)
    losses = loss_change(first, event.loss, event.loss_after, updates, precision)
    if event.warning:
        done = f"⚠ finished after {plural(event.step, 'step')}, but {event.warning} ({losses})"
        return Text(done, "status.bad")
    return Text(f"✓ finished after {plural(event.step, 'step')}: {losses}", "status.ok")


AFTER_A_STEP = ("train_step", "params", "predictions", "run", "end", "diverged", "interrupted")
"""The events that do not say a step has begun: a step done, the parameters and predictions
after it, the run's first and last events."""


class StepsBegun:
    """How far a trace got within its steps: the last step of which an event came (its
    tables may show), and whether that step's update (or a window's) came."""

    def __init__(self) -> None:
        self.begun = 0
        self.updated = False

    def see(self, event: Event) -> None:
        step = getattr(event, "step", None)
        if event.kind in AFTER_A_STEP or not isinstance(step, int):
            return
        if step > self.begun:
            self.begun, self.updated = step, False
        if event.kind == "update" and step == self.begun:
            self.updated = True


def interrupted_line(event: InterruptedEvent, steps: StepsBegun | None = None) -> Text:
    """■ after the last step done; or, when the next one had begun (its tables show, as when
    --pause stops at one of them), during that one: its parameters were not updated."""
    shown = "; shown is what it had"
    if steps is None or steps.begun <= event.step:
        return Text(f"■ interrupted after step {event.step}{shown}", "status.bad")
    update = "before its update was kept" if steps.updated else "before its update"
    return Text(f"■ interrupted during step {steps.begun}, {update}{shown}", "status.bad")


class Ending:
    """What the closing lines are made of, gathered as the events come: each step's loss
    (the curve), the predictions before and after training, how far the steps got (for a run
    interrupted within one), and whether the trace closed with an event of its own."""

    def __init__(self) -> None:
        self.curve: list[tuple[int, float]] = []
        self.before: list[PredictionsEvent] = []
        self.after: list[PredictionsEvent] = []
        self.steps = StepsBegun()
        self.closed = False

    def see(self, event: Event) -> None:
        self.steps.see(event)
        if isinstance(event, TrainStepEvent):
            self.curve.append((event.step, event.loss))
        elif isinstance(event, PredictionsEvent):
            (self.after if event.step > 0 else self.before).append(event)

    def summary(self, run: RunEvent | None, precision: int) -> list[RenderableType]:
        """The loss curve and the predictions (after more than one step)."""
        total = len(run.sentences) if run is not None else 0
        return summary(self.curve, self.before, self.after, total, precision)

    def lines(
        self, event: Event, run: RunEvent | None, precision: int, training: bool = True
    ) -> list[RenderableType]:
        """A closing event's lines (end, diverged, interrupted): the summary (when
        ``training`` shows) and the line that says how the run ended."""
        self.closed = True
        shown = self.summary(run, precision) if training else []
        if isinstance(event, EndEvent):
            first = self.curve[0][1] if self.curve else event.loss
            return [*shown, end_line(event, first, run, precision)]
        if isinstance(event, InterruptedEvent):
            return [*shown, interrupted_line(event, self.steps)]
        assert isinstance(event, DivergedEvent)
        return [*shown, Text(f"✗ {event.message}", "status.bad")]
