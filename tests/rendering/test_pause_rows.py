"""--pause cuts a page taller than the terminal only between the rows of its tables.

Each page of a real run (RNN, LSTM and GRU at 80×40 and 60×24) is drawn whole, as without
--pause (the oracle: the views on a console with no height), and its rows are found in those
lines from the tables as built (a row begins on the line that starts with its labels). The
screenfuls --pause shows must then be that page, in order, nothing lost or shown twice, but
for the title and header that a screenful going on with a table repeats; each fits the
terminal with its prompt, and each begins where a row (or something after a table) begins.
"""

from __future__ import annotations

import re
from itertools import pairwise
from typing import Any

import pytest
from pause_screens import Page, console_at, drawn, paused, tables
from rich.text import Text

from bptt_trace.config import Config
from bptt_trace.rendering.tables import NotedTable
from bptt_trace.trace.loop import run

CONTINUED = "(continued)"


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


def unframed(screens: list[list[str]]) -> list[list[str]]:
    """The screenfuls without the edges of a box cut between them: the bottom edge that
    closes it at the foot of one, the top edge that opens it again, "(continued)", atop the
    next (``test_pause_narrow`` holds those edges to where they must be)."""
    kept = [list(screen) for screen in screens]
    for before, after in pairwise(kept):
        if after and after[0].startswith("╭") and CONTINUED in after[0]:
            assert before and before[-1].startswith("╰"), before[-1:]
            del before[-1], after[0]
    return kept


def check(pages: list[Page], width: int, height: int) -> tuple[int, int]:
    """Each screenful within the terminal with its prompt; together, the page drawn whole.
    One that goes on with a table begins under the table's title "(continued)" and its header
    as first drawn, where a row begins, or inside a row taller than a screenful under that
    header, below a line with the row's labels and "(continued)". How many screenfuls went on
    with a table, and how many of them inside a row."""
    goes_on = inside_rows = 0
    for whole, framed, drawn_tables, _ in pages:
        assert all(len(screen) <= height - 1 for screen in framed)
        screens = unframed(framed)
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
            while number > 0 and at < len(whole) and not whole[at].strip() and screen[0].strip():
                rebuilt.append(whole[at])  # a blank line (an edge) left out where a row was cut
                at += 1
            begun = [r for r in regions if r[3] and r[3][0] <= at]  # the tables begun by then
            if number == 0 or not begun or CONTINUED not in " ".join(screen[:3]):
                assert CONTINUED not in " ".join(screen[:3]), screen[:3]
                if number > 0 and begun:  # after the table's rows (and its note, if any)
                    table, _, _, starts, end = begun[-1]
                    assert at >= end if table.note is not None else at > starts[-1], screen[0]
                rebuilt.extend(screen)
                continue
            table, _, header, starts, end = begun[-1]
            goes_on += 1
            assert table.heading is not None
            continued = Text.assemble(table.heading, " ", CONTINUED)
            titled = len(drawn(console_at(width, 100), [continued]))
            assert [w for line in screen[:titled] for w in words(line)] == words(continued.plain)
            head = whole[header : starts[0]]  # the header as the page drawn whole shows it
            assert screen[titled : titled + len(head)] == head
            rest = screen[titled + len(head) :]
            if at not in starts:
                row = max(k for k, start in enumerate(starts) if start <= at)
                last = row + 1 == len(starts)
                row_end = len(whole) if last and table.note is None else [*starts, end][row + 1]
                room = height - 1 - titled - len(head)
                assert row_end - starts[row] > room, (
                    f"a screenful goes on inside a row: {rest[0]!r}"
                )
                labels = leading_labels(table, row)
                assert words(rest[0])[: len(labels)] == labels, rest[0]
                assert rest[0].endswith(CONTINUED), rest[0]
                rest = rest[1:]
                inside_rows += 1
            else:
                assert at != starts[0], "a title and header left without a row"
            rebuilt.extend(rest)
        assert rebuilt == whole  # nothing lost, nothing twice, in order
    return goes_on, inside_rows


CASES = [(cell, w, h) for cell in ("rnn", "lstm", "gru") for w, h in ((80, 40), (60, 24))]


@pytest.mark.parametrize(
    ("cell", "width", "height"), CASES, ids=[f"{c}-{w}x{h}" for c, w, h in CASES]
)
def test_pause_cuts_pages_only_between_rows_and_repeats_the_header(
    cell: str, width: int, height: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    pages, _ = paused(cell, width, height, monkeypatch)
    goes_on, inside_rows = check(pages, width, height)
    assert goes_on > 0  # the contributions and the update go on past a screenful
    assert inside_rows == 0  # no row is taller than one


@pytest.mark.parametrize(
    ("cell", "width", "height", "hidden"),
    [("rnn", 60, 24, 12), ("gru", 80, 24, 10), ("lstm", 60, 9, 4)],
    ids=["rnn-H12-60x24", "gru-H10-80x24", "lstm-60x9"],
)
def test_a_row_taller_than_a_screenful_goes_on_under_its_label(
    cell: str, width: int, height: int, hidden: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Wʰ's matrices of 12 rows, or a terminal of 9 lines: rows taller than a screenful."""
    pages, _ = paused(cell, width, height, monkeypatch, hidden=hidden)
    _, inside_rows = check(pages, width, height)
    assert inside_rows > 0


@pytest.mark.parametrize("height", [2, 3, 4, 6])
def test_on_a_terminal_of_a_few_lines_every_screenful_fits_and_nothing_is_lost(
    height: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Too low for a header and a row: the screenfuls still fit, in order, each line once
    (with at most a repeated header or label between)."""
    pages, _ = paused("rnn", 60, height, monkeypatch)
    for whole, screens, _, _ in pages:
        assert all(1 <= len(screen) <= height - 1 for screen in screens)
        shown = iter([line for screen in screens for line in screen])
        lines = [line for line in whole if line.strip()]  # a blank edge may go at a cut
        assert all(any(line == seen for seen in shown) for line in lines)  # a subsequence
        assert sum(map(len, screens)) <= len(whole) + 4 * (len(screens) - 1)
        labels = [line for screen in screens for line in screen if line.endswith(CONTINUED)]
        assert not [line for line in labels if re.search(r"\[|[+-]\d", line)]  # no numbers
        alone = [s for s in screens if all(x.endswith(CONTINUED) or not x.strip() for x in s)]
        assert not alone  # a label goes with a line of what it labels


@pytest.mark.parametrize(("logits", "cell"), [("o", "rnn"), ("v", "lstm"), ("o", "gru")])
def test_a_backward_page_is_titled_with_the_whole_path_from_the_cells_logits(
    logits: str, cell: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The LSTM's logits are v (its o is the output gate): ŷ → v → h₃ → …, once."""
    pages, _ = paused(cell, 80, 40, monkeypatch)
    titles = [
        line
        for whole, _, _, _ in pages
        for line in whole
        if line.startswith("Backward pass (BPTT)")
    ]
    path = f"ŷ → {logits} → h₃"
    assert [title.split(" · ")[-1] for title in titles] == [
        path,
        f"{path} → h₂",
        f"{path} → h₂ → h₁",
    ]


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_every_table_of_a_step_is_read_in_rows_at_every_width(cell: str) -> None:
    """Each table a traced step shows, in each of its layouts (side by side, stacked,
    vertical: 120 down to 40 columns), is told apart into its title, header and rows (none
    left to be cut between any lines), and those are its lines as drawn."""
    from bptt_trace.rendering.renderer import TraceRenderer
    from bptt_trace.rendering.table_rows import table_lines

    renderer = TraceRenderer(4, step_through=True)
    shown = [r for e in run([["I", "like", "NLP"]], Config(cell=cell)) for r in renderer.feed(e)]
    for width in (120, 80, 60, 40):
        console = console_at(width, 24)
        for table in tables(shown, console):
            parts = table_lines(table, console, console.options)
            assert parts is not None, (width, table.heading)
            rows = [line for row in parts.rows for line in row.lines]
            drawn_lines = [*parts.title, *parts.head, *rows, *parts.tail]
            assert drawn_lines == console.render_lines(table, console.options, pad=False)
            assert len(parts.rows) == table.row_count
