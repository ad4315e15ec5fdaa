"""The training progress bar: steps done, the loss, steps/s, time elapsed and time left.

It is a Rich live display on the console that prints the tables whenever both go to the
same terminal, so a table is always printed above the bar, never into it; it is cleared when
the run ends (or is stopped), and hidden while a ``--pause`` prompt waits. It appears only
once a run has taken ``DELAY`` seconds, so a short run shows none.
"""

from __future__ import annotations

import os
import sys
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

from ..rendering.display import Display, terminal_console
from .request import Request

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


class TrainingBar:
    """Call ``advance`` at each training step; ``close`` when the run ends."""

    def __init__(self, console: Console, steps: int, enabled: bool) -> None:
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
            disable=not enabled,
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


def progress_bar(req: Request, steps: int, display: Display) -> TrainingBar:
    """The bar on the tables' console when both share a terminal, else on stderr's; none
    under --quiet, for one step, off a terminal, or above JSON written to the terminal."""
    same = same_terminal()
    wanted = not req.quiet and steps > 1 and sys.stderr.isatty()
    if same and display.console is None:
        wanted = False  # raw JSON lines on the bar's terminal would break it
    console = display.console if same and display.console is not None else None
    return TrainingBar(console or terminal_console(req.color, stderr=True), steps, wanted)


def same_terminal() -> bool:
    """Whether stdout and stderr are the same terminal."""
    try:
        return (
            sys.stdout.isatty()
            and sys.stderr.isatty()
            and os.path.samestat(os.fstat(sys.stdout.fileno()), os.fstat(sys.stderr.fileno()))
        )
    except (OSError, ValueError, AttributeError):  # not real files (a test's capture)
        return False
