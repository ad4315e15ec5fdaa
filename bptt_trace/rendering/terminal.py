"""The console on the terminal (stdout, or stderr for the progress bar): the trace's theme,
``--color``, ``--width`` or the terminal's, and a closed pipe left to the caller."""

from __future__ import annotations

from typing import Any

from rich.console import Console

from .screen_size import stdout_size
from .theme import THEME, VisibleConsole


class TraceConsole(VisibleConsole):
    """A console with the trace's theme that lets a closed pipe be the caller's business."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(theme=THEME, highlight=False, **kwargs)

    def on_broken_pipe(self) -> None:
        # Rich's own answer is to exit with status 1; the caller closes the trace first.
        self.quiet = True
        raise BrokenPipeError


def terminal_console(
    color: str = "auto", stderr: bool = False, width: int | None = None
) -> Console:
    """A console on stdout (or stderr) that colours as ``--color`` says; ``auto`` leaves it
    to the terminal and to NO_COLOR and FORCE_COLOR. ``width``: --width, else the terminal's."""
    options: dict[str, Any] = stdout_size() if not stderr else {}
    if width is not None:
        options["width"] = width
    if color == "always":
        options.update(force_terminal=True, no_color=False)
    elif color == "never":
        options.update(color_system=None)
    return TraceConsole(stderr=stderr, **options)
