"""--pause cuts a page taller than the terminal only between the rows of its tables.

Each page of a real run (RNN, LSTM and GRU at 80×40 and 60×24) is drawn whole, as without
--pause (the oracle: the views on a console with no height), and its rows are found in those
lines from the tables as built (a row begins on the line that starts with its labels). The
screenfuls --pause shows must then be that page, in order, nothing lost or shown twice, but
for the title and header that a screenful going on with a table repeats; each fits the
terminal with its prompt, and each begins where a row (or something after a table) begins.
"""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from rich.console import Console, Group, RenderableType
from rich.segment import Segment, Segments
from rich.text import Text

from bptt_trace.config import Config
from bptt_trace.rendering import display
from bptt_trace.rendering.display import Display, TraceConsole
from bptt_trace.rendering.tables import NotedTable
from bptt_trace.trace.loop import run

CONTINUED = "(continued)"


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
    cell: str, width: int, height: int, monkeypatch: pytest.MonkeyPatch
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
    for event in run([["I", "like", "NLP"]], Config(cell=cell)):
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


def plain(cell: Any) -> str:
    return cell.plain if isinstance(cell, Text) else str(cell)


def words(line: str) -> list[str]:
    return line.split()


def leading_labels(table: NotedTable, row: int) -> list[str]:
    """The first word of each of the row's labels that is not blank: its first line begins
    with them (a label that wraps keeps its first word on the first line)."""
    labels = [c for c, kind in zip(table.columns, table.kinds, strict=True) if kind != "values"]
    found = []
    for column in labels:
        text = plain(column._cells[row]).strip()
        if text:
            found.append(text.split()[0])
    return found


Region = tuple[NotedTable, int, int, list[int], int]
"""A table in the page drawn whole: where its title begins, where its header begins, where
each row begins, where its rows end (its note; without a note, where its last row begins)."""


def region(whole: list[str], table: NotedTable, after: int, width: int) -> Region:
    assert table.heading is not None
    first_words = words(table.heading.plain)[:4]
    title = next(i for i in range(after, len(whole)) if words(whole[i])[:4] == first_words)
    header = title + len(drawn(console_at(width, 100), [table.heading]))
    rule = next(i for i in range(header, len(whole)) if re.fullmatch(r" ─+", whole[i]))
    starts, at = [], rule + 1
    for row in range(table.row_count):
        labels = leading_labels(table, row)
        while words(whole[at])[: len(labels)] != labels or not whole[at].strip():
            at += 1
        starts.append(at)
        at += 1
    end = starts[-1] if starts else rule + 1
    if table.note is not None:
        note = words(table.note.plain)[:4]
        end = next(i for i in range(end + 1, len(whole)) if words(whole[i])[:4] == note)
    return table, title, header, starts, end


CASES = [(cell, w, h) for cell in ("rnn", "lstm", "gru") for w, h in ((80, 40), (60, 24))]


@pytest.mark.parametrize(
    ("cell", "width", "height"), CASES, ids=[f"{c}-{w}x{h}" for c, w, h in CASES]
)
def test_pause_cuts_pages_only_between_rows_and_repeats_the_header(
    cell: str, width: int, height: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    pages, _ = paused(cell, width, height, monkeypatch)
    assert any(len(screens) > 1 for _, screens, _, _ in pages), "the update is taller"
    goes_on = 0  # screenfuls that go on with a table
    for whole, screens, drawn_tables, _ in pages:
        assert all(len(screen) <= height - 1 for screen in screens)
        if len(screens) == 1:
            assert screens[0] == whole  # a page that fits is shown as it is
            continue
        regions, after = [], 0
        for table in drawn_tables:
            regions.append(region(whole, table, after, width))
            after = regions[-1][4]
        rebuilt: list[str] = []
        for number, screen in enumerate(screens):
            at = len(rebuilt)  # where in the page drawn whole this screenful goes on
            inside = [r for r in regions if r[3] and r[3][0] <= at < max(r[4], r[3][-1] + 1)]
            if number == 0 or not inside:
                assert CONTINUED not in screen[0], screen[0]
                rebuilt.extend(screen)
                continue
            table, _, header, starts, _ = inside[0]
            goes_on += 1
            assert at in starts[1:], f"a screenful goes on inside a row: {whole[at]!r}"
            assert table.heading is not None
            continued = Text.assemble(table.heading, " ", CONTINUED)
            titled = len(drawn(console_at(width, 100), [continued]))
            assert [w for line in screen[:titled] for w in words(line)] == words(continued.plain)
            head = whole[header : starts[0]]  # the header as the page drawn whole shows it
            assert screen[titled : titled + len(head)] == head
            rebuilt.extend(screen[titled + len(head) :])
        assert rebuilt == whole  # nothing lost, nothing twice, in order
    assert goes_on > 0
