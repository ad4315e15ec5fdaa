"""The training progress bar as Rich draws it: a live display of the steps done, the loss,
steps/s, time elapsed and time left (``progress`` decides whether a run has one, and imports
this module, and Rich's progress display with it, only then)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console, RenderableType
from rich.constrain import Constrain
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

DELAY = float(os.environ.get("BPTT_TRACE_PROGRESS_DELAY", "1"))
"""Seconds before the bar appears (the environment variable is for tests)."""


class RateColumn(ProgressColumn):
    """Steps per second, once Rich has measured it."""

    def render(self, task: Task) -> Text:
        speed = task.speed
        if speed is None:
            return Text("")
        return Text(f"{speed:,.0f} steps/s" if speed >= 10 else f"{speed:.1f} steps/s")


class NarrowProgress(Progress):
    """A bar two columns short of the terminal's width, so that the ^C a terminal echoes
    stays on the bar's line, which Rich clears, and does not wrap onto the next."""

    def __init__(self, *columns: ProgressColumn, console: Console, **options: Any) -> None:
        self.screen = console  # Rich asks for the renderables before ``self.console`` exists
        super().__init__(*columns, console=console, **options)

    def get_renderables(self) -> Iterator[RenderableType]:
        yield Constrain(self.make_tasks_table(self.tasks), max(self.screen.width - 2, 1))


class RichBar:
    """The bar (a ``progress.TrainingBar``), shown once the run has taken ``DELAY`` seconds."""

    def __init__(self, console: Console, steps: int) -> None:
        self.progress = NarrowProgress(
            TextColumn("step"),
            MofNCompleteColumn(),
            BarColumn(bar_width=None),
            TextColumn("loss {task.fields[loss]}"),
            RateColumn(),
            TimeElapsedColumn(),
            TextColumn("left"),
            TimeRemainingColumn(),
            console=console,
            transient=True,
            redirect_stdout=False,  # the tables go through ``console`` itself
        )
        self.task = self.progress.add_task("training", total=steps, loss="…")
        self.begun = time.monotonic()
        self.showing = False

    def advance(self, step: int, loss: float) -> None:
        self.progress.update(self.task, completed=step, loss=f"{loss:.4f}")
        if not self.showing and time.monotonic() - self.begun >= DELAY:
            self.showing = True
            self.progress.start()

    def close(self) -> None:
        if self.showing:
            self.showing = False
            self.progress.stop()

    @contextmanager
    def hidden(self) -> Iterator[None]:
        """No bar while inside (a prompt waits for the user)."""
        showing = self.showing
        self.close()
        try:
            yield
        finally:
            if showing:
                self.showing = True
                self.progress.start()
