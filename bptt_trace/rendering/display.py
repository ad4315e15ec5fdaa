"""Where the tables go: the terminal (unless --json), an --export recording, and --pause.

Under ``--pause`` every forward and backward time step is a page of its own, followed by a
prompt that says where the trace is; the pages of one table share its column widths, so
the columns stay put from page to page.

Rendering polls ``core.interrupt`` at every event, every table printed and every table of the
export, so that a stop is not held up by a large trace; ``abandon`` drops the tables and the
export once a stop cut them.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

from rich.console import RenderableType
from rich.rule import Rule

from ..core import interrupt
from ..trace.events import CLOSING, Event, RunEvent
from .closing import TitleRule
from .groups import GROUPED
from .pages import group, prompt, prompt_height, same_widths, screenfuls, where, whole_path
from .renderer import TraceRenderer
from .terminal import terminal_console

EXPORTS = {
    ".html": "the tables as a web page",
    ".svg": "the tables as an image",
    ".txt": "the tables as text",
}


class Quit(Exception):
    """The user typed q at a --pause prompt, or its input ended."""


class Display:
    """Renders events to the terminal and the export recording, pausing when asked."""

    def __init__(
        self,
        precision: int,
        show: bool,
        export: Path | None,
        pause: bool,
        color: str = "auto",
        width: int | None = None,
        only: tuple[str, ...] = (),
    ) -> None:
        self.pause = pause and show
        self.renderer = TraceRenderer(precision, step_through=self.pause, only=only)
        self.console = terminal_console(color, width=width) if show else None
        self.export = export
        self.width = width
        self.recorded: list[RenderableType] | None = [] if export is not None else None
        """What --export saves, printed when it is saved: at --width, or as wide as it needs."""
        self.hold: Callable[[], AbstractContextManager[Any]] = nullcontext
        """Wrapped around each prompt (the progress bar hides meanwhile)."""
        self.run: RunEvent | None = None
        self.pages: list[tuple[Event, list[RenderableType]]] = []
        self.carried: list[RenderableType] = []
        """A page's closing dividers, held for the top of the next page under --pause: a
        divider introduces what follows it, and is not left alone above a prompt."""
        self.prompt_open = False
        self.abandoned = False
        """A stop cut the rendering: no more tables, and no export."""

    @property
    def recorder(self) -> list[RenderableType] | None:
        """What --export will save (None without --export)."""
        return self.recorded

    def abandon(self) -> None:
        """A stop cut the rendering short: show nothing more, export nothing."""
        self.abandoned = True
        self.console = None
        self.recorded = None
        self.pause = False
        self.pages = []
        self.carried = []

    def detach(self) -> None:
        """The terminal went away: go on recording for --export only."""
        self.console = None
        self.pause = False

    def end_prompt(self) -> None:
        """End the prompt's line, if ^C or the end of input left it open."""
        if self.prompt_open:
            self.prompt_open = False
            sys.stderr.write("\n")
            sys.stderr.flush()

    def show(self, *renderables: RenderableType) -> None:
        """Print renderables that are not events' (a comparison of runs) on every console."""
        self._print(list(renderables))

    def _print(self, renderables: list[RenderableType]) -> None:
        if self.recorded is not None:
            self.recorded.extend(renderables)
        if self.console is None or not renderables:
            return
        try:
            self.end_prompt()
            for renderable in renderables:
                interrupt.poll()  # a table: a unit of work
                self.console.print(renderable)
        except OSError:  # the reader of stdout, or the terminal, went away
            self.detach()
            raise

    def feed(self, event: Event) -> None:
        if self.console is None and self.recorded is None:
            return  # --json alone: no tables to make
        interrupt.poll()
        if isinstance(event, RunEvent):
            self.run = event
        if not self.pause:
            self._print(self.renderer.feed(event))
            return
        if self.pages and group(event) != group(self.pages[0][0]):
            self._show_pages()
        shown = self.renderer.feed(event)
        if event.kind in GROUPED:  # held until its table's last time step is here
            self.pages.append((event, shown + self.renderer.flush()))
        else:
            self._page(event, shown)

    def _show_pages(self) -> None:
        pages, self.pages = self.pages, []
        if self.console is not None:
            same_widths([shown for _, shown in pages], self.console)
        for event, shown in pages:
            self._page(event, shown)

    def _page(self, event: Event, shown: list[RenderableType]) -> None:
        """A page and its prompt; a page taller than the terminal in screenfuls, each with
        its prompt (the last one's names the page, the others say more follows)."""
        shown, self.carried = [*self.carried, *shown], []
        if not (shown and self.pause and event.kind not in CLOSING) or self.console is None:
            self._print(shown)
            return
        kept = len(shown)
        while kept and isinstance(shown[kept - 1], (Rule, TitleRule)):
            kept -= 1
        shown, self.carried = shown[:kept], shown[kept:]
        if not shown:
            return
        whole_path(shown, event, self.run)
        place = where(event, self.run)
        width = self.console.width
        longest = (place, f"{place} · part 99 of 99")
        asked = max(prompt_height(prompt(text, width), width) for text in longest)
        pieces = screenfuls(shown, self.console, self.console.height - asked)  # and the prompt
        if len(pieces) == 1:
            self._print(shown)
            self.ask(place)
            return
        if self.recorded is not None:
            self.recorded.extend(shown)  # the export has the page whole
        recorded, self.recorded = self.recorded, None
        try:
            for number, piece in enumerate(pieces, 1):
                self._print(piece)
                more = number < len(pieces)
                self.ask(f"{place} · part {number} of {len(pieces)}" if more else place)
        finally:
            if not self.abandoned:
                self.recorded = recorded

    def ask(self, place: str) -> None:
        """Wait for Enter; ``q`` then Enter, or the end of input, raises Quit."""
        with self.hold():
            self.prompt_open = True  # before it shows: a ^C may come as soon as it does
            try:
                width = self.console.width if self.console is not None else 80
                sys.stderr.write(prompt(place, width))
                sys.stderr.flush()
            except OSError:
                self.detach()
                raise
            answer = sys.stdin.readline()
            if answer.endswith("\n"):
                self.prompt_open = False
        if answer == "" or answer.strip().lower() == "q":
            raise Quit

    def drop_pages(self) -> None:
        """Forget the pages not yet shown, and the tables held until their group is whole:
        the run was stopped, and only its closing lines are shown."""
        self.pages = []
        self.carried = []
        self.renderer.drop_held()

    def close(self) -> None:
        if self.console is not None or self.recorded is not None:
            self._show_pages()  # a trace cut off in the middle of a table
            carried, self.carried = self.carried, []
            self._print([*carried, *self.renderer.close()])

    def save_export(self) -> str | None:
        """Write the recording to --export FILE atomically; what it holds, for the user.
        A stop while the tables are laid out (``interrupt.Interrupted``) leaves the file as
        it was: None, and ``abandoned``."""
        if self.recorded is None or self.export is None:
            return None
        from ..files.atomic import write_atomically  # a run without --export needs neither
        from .exports import export_console, exported

        suffix = self.export.suffix.lower()
        try:
            recorder = export_console(self.recorded, self.width, suffix)
            for renderable in self.recorded:
                interrupt.poll()
                recorder.print(renderable)
        except interrupt.Interrupted:
            self.abandon()
            return None
        data = exported(recorder, suffix, self.run).encode("utf-8")
        write_atomically(self.export, lambda handle: handle.write(data))
        return EXPORTS[suffix]
