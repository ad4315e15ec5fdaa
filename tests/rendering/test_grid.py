"""A table lays itself out (rendering/grid.py) exactly as Rich's own Table code would: the same
characters, styles and escape sequences, and the same measure, for every kind of cell a view
puts in it (one-line and multi-line text, text that wraps, wide characters, a control
character, markup-like strings, vectors that wrap, styled backgrounds), with sections, a
header taller than its cells, and no rows, at narrow and wide widths.

The reference is the same table with Rich's ``Table._measure_column`` and ``Table._render``
put back: Rich's code, not ours, says what the output must be.
"""

import io

import numpy as np
import pytest
from rich.measure import Measurement
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from bptt_trace.rendering.grid import padded_measure
from bptt_trace.rendering.renderer import make_console
from bptt_trace.rendering.tables import NotedTable, Tokens, Values, noted_table
from bptt_trace.rendering.vectors import Vector, vector_cell


class RichLaidOut(NotedTable):
    """The table as Rich lays it out, cell by cell."""

    _measure_column = Table._measure_column
    _render = Table._render


def build(cls: type[NotedTable], rows: int = 3) -> NotedTable:
    table = noted_table(
        "A title", "t", Tokens("xₜ"), "from\nwhere", Values("value"), caption="a note"
    )
    table.__class__ = cls
    rng = np.random.default_rng(0)
    cells = [
        (Text("1", "label"), Text("the", "token"), "", vector_cell(rng.normal(size=4), 4)),
        (
            "2",
            Text("一二三四五六七八九十", "token"),
            Text("first line\nsecond, longer line", "note"),
            Vector(rng.normal(size=(2, 9)) * 1e-6, 4, labels=["<eos>", "cat"]),
        ),
        (
            "[3]",
            Text("a\x1bb", "token"),
            Text("a heading that is long enough to wrap at a narrow width", "#000000 on #ff4400"),
            vector_cell(rng.normal(size=23), 4),
        ),
        ("4", "", Text("— too large to follow", "note"), vector_cell(None, 4)),
        (
            "5",
            Text("a\n\nb", "token"),
            Text.assemble(("‖·‖ = 0.0136 · 100 · largest: ", "note"), ("[42] +0.0046", "num.pos")),
            vector_cell(
                {
                    "summary": True,
                    "shape": [3, 4],
                    "norm": 1.5,
                    "min": -0.2,
                    "max": 0.3,
                    "largest": [[0, 1, 0.3], [2, 3, -0.2]],
                },
                4,
            ),
        ),
    ]
    for k in range(rows):
        table.add_row(*cells[k % len(cells)])
        if k == 1:
            table.add_section()
    return table


def shown(table: NotedTable, width: int) -> str:
    buffer = io.StringIO()
    console = make_console(file=buffer, width=width, force_terminal=True, color_system="truecolor")
    console.print(table)
    return buffer.getvalue()


@pytest.mark.parametrize("width", [30, 80, 140, 200])  # the narrow ones stack their values
@pytest.mark.parametrize("rows", [0, 1, 2, 5, 11])
def test_a_table_is_laid_out_as_rich_lays_it_out(width: int, rows: int) -> None:
    assert shown(build(NotedTable, rows), width) == shown(build(RichLaidOut, rows), width)


@pytest.mark.parametrize("width", [140, 200])
def test_a_column_justified_right_is_laid_out_as_rich_lays_it_out(width: int) -> None:
    tables = [build(cls, 5) for cls in (NotedTable, RichLaidOut)]
    for table in tables:
        table.columns[2].justify = "right"
        table.columns[1].justify = "center"
    assert shown(tables[0], width) == shown(tables[1], width)


@pytest.mark.parametrize("width", [20, 60, 1000])
def test_a_table_measures_as_rich_measures_it(width: int) -> None:
    console = make_console(file=io.StringIO(), width=width)
    options = console.options.update_width(width)
    ours = Measurement.get(console, options, build(NotedTable, 4))
    rich = Measurement.get(console, options, build(RichLaidOut, 4))
    assert ours == rich


@pytest.mark.parametrize("width", [12, 40, 200])
def test_a_vector_renders_as_rich_wraps_its_lines(width: int) -> None:
    values = np.random.default_rng(1).normal(size=(3, 17))
    vector = Vector(values, 4, labels=["a", "bb", "<eos>"])
    reference = Text("\n").join(vector.lines(width))
    reference.no_wrap, reference.overflow = False, "fold"
    assert shown(vector, width) == shown(reference, width)  # type: ignore[arg-type]


@pytest.mark.parametrize("width", range(4, 16))
def test_a_cell_as_wide_as_its_column_or_one_wider_is_laid_out_as_rich_lays_it_out(
    width: int,
) -> None:
    for cls in (NotedTable, RichLaidOut):
        table = noted_table("", "t", Values("value"))
        table.__class__ = cls
        table.columns[1].width = width  # as --pause fixes it (pages.same_widths)
        for length in range(width - 4, width + 4):
            table.add_row(str(length), Text(("ab " * 9)[: max(0, length)], "num.pos"))
        if cls is NotedTable:
            ours = shown(table, 80)
    assert ours == shown(table, 80)


@pytest.mark.parametrize("room", [*range(0, 12), 40])
def test_a_cell_measures_as_rich_measures_it_in_its_padding(room: int) -> None:
    console = make_console(file=io.StringIO(), width=80)
    options = console.options.update_width(max(room, 1)).update(max_width=room)
    cells = [
        "",
        "abc",
        "[b]markup[/b]",
        Text("a b\nlonger words here"),
        Text("一二三"),
        Vector(np.arange(7.0), 4),
        Vector(np.ones((2, 3)), 4, labels=["<eos>", "a"]),
        vector_cell(None, 4),
    ]
    for cell in cells:
        for pad in (0, 1, 2):
            rich = Measurement.get(console, options, Padding(cell, (0, pad, 0, 0)))
            assert padded_measure(console, options, cell, pad) == tuple(rich), (cell, pad)


def test_a_console_that_has_drawn_a_table_draws_it_and_others_the_same_again() -> None:
    """Lines a console has rendered are kept for it (grid_cells): what it draws again, at
    another width or with other styles, is still what Rich draws."""
    buffer = io.StringIO()
    console = make_console(file=buffer, width=140, force_terminal=True, color_system="truecolor")
    for width in (140, 80, 140):
        for rows in (5, 11):
            console.width = width
            buffer.seek(0), buffer.truncate()
            console.print(build(NotedTable, rows))
            assert buffer.getvalue() == shown(build(RichLaidOut, rows), width)
