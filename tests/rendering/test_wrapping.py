"""Vectors too wide for their column wrap onto more lines led by their entry index; a table
whose numbers do not fit beside its labels stacks its value columns, then puts the values
below the labels; labels are never narrowed."""

from __future__ import annotations

import io

from rich.text import Text

from bptt_trace.rendering.renderer import make_console
from bptt_trace.rendering.tables import Tokens, Values, noted_table
from bptt_trace.rendering.vectors import Vector

EIGHT = [0.1, -0.2, 0.3, -0.4, 0.5, -0.6, 0.7, -0.8]


def shown(renderable: object, width: int) -> list[str]:
    out = io.StringIO()
    make_console(file=out, width=width, color_system=None).print(renderable)
    return [line.rstrip() for line in out.getvalue().splitlines()]


def test_a_vector_that_fits_is_one_line_as_ever() -> None:
    assert shown(Vector(EIGHT, 4), 80) == [
        "[+0.1000 -0.2000 +0.3000 -0.4000 +0.5000 -0.6000 +0.7000 -0.8000]"
    ]


def test_a_vector_too_wide_wraps_with_the_index_of_each_lines_first_entry() -> None:
    assert shown(Vector(EIGHT, 4), 40) == [
        "[1] +0.1000 -0.2000 +0.3000 -0.4000",
        "[5] +0.5000 -0.6000 +0.7000 -0.8000",
    ]
    assert shown(Vector(EIGHT, 4), 30) == [
        "[1] +0.1000 -0.2000 +0.3000",
        "[4] -0.4000 +0.5000 -0.6000",
        "[7] +0.7000 -0.8000",
    ]


def test_a_wrapped_matrix_says_row_and_column_and_labelled_rows_the_column() -> None:
    assert shown(Vector([EIGHT[:6], EIGHT[2:]], 4, matrix=True), 30) == [
        "[1,1] +0.1000 -0.2000 +0.3000",
        "[1,4] -0.4000 +0.5000 -0.6000",
        "[2,1] +0.3000 -0.4000 +0.5000",
        "[2,4] -0.6000 +0.7000 -0.8000",
    ]
    assert shown(Vector([EIGHT[:6], EIGHT[2:]], 4, labels=["I", "NLP"]), 34) == [
        "I   [1] +0.1000 -0.2000 +0.3000",
        "    [4] -0.4000 +0.5000 -0.6000",
        "NLP [1] +0.3000 -0.4000 +0.5000",
        "    [4] -0.6000 +0.7000 -0.8000",
    ]


def table() -> object:
    t = noted_table("Forward", "t", Tokens("xₜ"), "term", Values("value"), Values("hₜ"))
    t.add_row("1", "I", Text("  x₁·W"), Vector(EIGHT[:4], 4), "")
    t.add_row("", "", Text("= a₁"), Vector(EIGHT[:4], 4), Vector(EIGHT[4:], 4))
    return t


def test_the_table_stacks_its_value_columns_then_puts_values_below_labels() -> None:
    assert shown(table(), 120)[2] == (" t   xₜ   term     value                               hₜ")
    assert shown(table(), 60)[1:7] == [
        "",
        " t   xₜ   term     value",
        " " + "─" * 51,
        " 1   I      x₁·W   [+0.1000 -0.2000 +0.3000 -0.4000]",
        "          = a₁     [+0.1000 -0.2000 +0.3000 -0.4000]",
        "          h₁       [+0.5000 -0.6000 +0.7000 -0.8000]",  # hₜ named at its row's t
    ]
    assert shown(table(), 40)[1:] == [  # a blank line below, as the layouts above
        " t  xₜ  term",
        " " + "─" * 15,
        " 1  I     x₁·W",
        "    [+0.1000 -0.2000 +0.3000 -0.4000]",
        "        = a₁",
        "    [+0.1000 -0.2000 +0.3000 -0.4000]",
        "        h₁",
        "    [+0.5000 -0.6000 +0.7000 -0.8000]",
        "",
    ]
