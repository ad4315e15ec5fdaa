"""--pause as a test sees it: every page of a real run under --pause, Enter at every prompt,
each page drawn whole (the oracle: the views on a console with no height) beside the
screenfuls --pause shows of it, and the prompts it wrote."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from rich.console import Console, Group, RenderableType
from rich.segment import Segment, Segments
from rich.text import Text

from bptt_trace.config import Config
from bptt_trace.rendering import display
from bptt_trace.rendering.display import Display
from bptt_trace.rendering.tables import NotedTable
from bptt_trace.rendering.terminal import TraceConsole
from bptt_trace.trace.loop import run


def console_at(width: int, height: int) -> Console:
    return TraceConsole(
        file=io.StringIO(), width=width, height=height, force_terminal=False, color_system=None
    )


def drawn(console: Console, renderables: list[Any]) -> list[str]:
    """The lines the renderables print, each stripped of its trailing blanks."""
    with console.capture() as captured:
        for renderable in renderables:
            console.print(renderable)
    return [line.rstrip() for line in captured.get().split("\n")[:-1]]


Page = tuple[list[str], list[list[str]], list[NotedTable], Console]
"""A page drawn whole, its screenfuls, its tables, the console."""


def paused(
    cell: str, width: int, height: int, monkeypatch: pytest.MonkeyPatch, hidden: int = 4
) -> tuple[list[Page], str]:
    """Every page of "I like NLP" under --pause, Enter at every prompt; and the stderr."""
    pages: list[Page] = []
    cut = display.screenfuls

    def recorded(shown: list[RenderableType], console: Console, rows: int) -> list[list[Any]]:
        pieces = cut(shown, console, rows)
        assert rows == height - 1  # the prompt's line
        whole = drawn(console_at(width, 10**4), shown)  # before Folded forgets its table
        screens = [drawn(console_at(width, height), piece) for piece in pieces]
        pages.append((whole, screens, list(tables(shown, console)), console))
        return pieces

    monkeypatch.setattr(display, "screenfuls", recorded)
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n" * 1000))
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    shown = Display(4, True, None, True)
    shown.console = console_at(width, height)
    for event in run([["I", "like", "NLP"]], Config(cell=cell, hidden=hidden)):
        shown.feed(event)
    shown.close()
    return pages, err.getvalue()


def tables(renderables: list[Any], console: Console) -> Iterator[NotedTable]:
    """The tables drawn, also inside groups and views made of tables (the update)."""
    for item in renderables:
        if isinstance(item, NotedTable):
            yield item
        elif isinstance(item, Group):
            yield from tables(list(item.renderables), console)
        elif not isinstance(item, (Text, str, Segments)) and hasattr(item, "__rich_console__"):
            parts = list(item.__rich_console__(console, console.options))
            yield from tables([p for p in parts if not isinstance(p, Segment)], console)
