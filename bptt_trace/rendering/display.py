"""Where the tables go: the terminal (unless --json), an --export recording, and --pause."""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path
from typing import Any

from rich.console import Console, RenderableType

from ..files.atomic import write_atomically
from ..trace.events import CLOSING, Event
from .renderer import TraceRenderer, make_console

EXPORT_WIDTH = 100
EXPORTS = (".html", ".svg", ".txt")


class Quit(Exception):
    """The user typed q at a --pause prompt."""


class Display:
    """Renders events to the terminal and the export recording, pausing when asked."""

    def __init__(self, precision: int, show: bool, export: Path | None, pause: bool) -> None:
        self.renderer = TraceRenderer(precision, step_through=pause)
        self.console = make_console(**stdout_size()) if show else None
        self.export = export
        self.recorder: Console | None = None
        if export is not None:
            self.recorder = make_console(
                file=io.StringIO(),
                record=True,
                width=EXPORT_WIDTH,
                force_terminal=True,
                color_system="truecolor",
            )
        self.pause = pause and show

    def _print(self, renderables: list[RenderableType]) -> None:
        for renderable in renderables:
            if self.console is not None:
                self.console.print(renderable)
            if self.recorder is not None:
                self.recorder.print(renderable)

    def feed(self, event: Event) -> None:
        if self.console is None and self.recorder is None:
            return  # --json alone: no tables to make
        shown = self.renderer.feed(event)
        self._print(shown)
        if shown and self.pause and event.kind not in CLOSING:
            wait_for_enter()

    def close(self) -> None:
        if self.console is not None or self.recorder is not None:
            self._print(self.renderer.close())

    def save_export(self) -> None:
        """Write the recording to --export FILE atomically, as HTML, SVG or text."""
        if self.recorder is None or self.export is None:
            return
        suffix = self.export.suffix.lower()
        if suffix == ".html":
            content = self.recorder.export_html()
        elif suffix == ".svg":
            content = self.recorder.export_svg(title="bptt-trace")
        else:
            content = self.recorder.export_text()
        data = content.encode("utf-8")
        write_atomically(self.export, lambda handle: handle.write(data))


def wait_for_enter() -> None:
    """Block until Enter; ``q`` then Enter raises Quit."""
    sys.stderr.write("── Enter: next · q then Enter: quit ── ")
    sys.stderr.flush()
    answer = sys.stdin.readline()
    if answer == "" or answer.strip().lower() == "q":
        raise Quit


def stdout_size() -> dict[str, Any]:
    """100 columns when stdout is not a terminal (unless COLUMNS says otherwise)."""
    if sys.stdout.isatty() or os.environ.get("COLUMNS"):
        return {}
    return {"width": 100}
