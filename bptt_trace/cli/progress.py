"""The training progress bar: steps done, the loss, steps/s, time elapsed and time left.

It is a Rich live display on the console that prints the tables whenever both go to the
same terminal, so a table is always printed above the bar, never into it; it is cleared when
the run ends (or is stopped), and hidden while a ``--pause`` prompt waits. It appears only
once a run has taken ``rich_bar.DELAY`` seconds, so a short run shows none. This module
decides whether a run has a bar; ``rich_bar`` (and Rich's live display) is imported only then.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol

from ..rendering.display import Display, terminal_console
from .request import Request


class TrainingBar(Protocol):
    """Call ``advance`` at each training step; ``close`` when the run ends; inside ``hidden``
    no bar shows (a prompt waits for the user). ``rich_bar.RichBar`` draws one, ``NoBar``
    nothing."""

    def advance(self, step: int, loss: float) -> None: ...

    def close(self) -> None: ...

    def hidden(self) -> AbstractContextManager[None]: ...


class NoBar:
    """The bar of a run that shows none (--quiet, one step, off a terminal)."""

    def advance(self, step: int, loss: float) -> None:
        pass

    def close(self) -> None:
        pass

    @contextmanager
    def hidden(self) -> Iterator[None]:
        yield


def progress_bar(req: Request, steps: int, display: Display) -> TrainingBar:
    """The bar on the tables' console when both share a terminal, else on stderr's; none
    under --quiet, for one step, off a terminal, or above JSON written to the terminal."""
    same = same_terminal()
    wanted = not req.quiet and steps > 1 and sys.stderr.isatty()
    if same and display.console is None:
        wanted = False  # raw JSON lines on the bar's terminal would break it
    if not wanted:
        return NoBar()
    from .rich_bar import RichBar  # Rich's live display: imported only for a bar that may show

    console = display.console if same and display.console is not None else None
    return RichBar(console or terminal_console(req.color, stderr=True), steps)


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
