"""Off a terminal (a pipe, a file, an --export .txt) no line ends in spaces: a table pads its
rows to its width with spaces, which a terminal shows as nothing but ``cat -A``, ``diff`` and
an editor keep. The text is otherwise Rich's own, and on a terminal (--color always) the
lines are Rich's whole, padding and all.

The expected text is Rich's: the run's own trace (``--output``) printed on a plain
``rich.console.Console`` (not the project's console), its lines' trailing spaces removed here.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from clitools import run_cli
from rich.console import Console

from bptt_trace.files.trace_reader import read_trace
from bptt_trace.rendering.renderer import renderables
from bptt_trace.rendering.screen import VisibleConsole
from bptt_trace.rendering.tables import Values, noted_table
from bptt_trace.rendering.theme import THEME
from bptt_trace.rendering.vectors import Vector

RUNS = {
    "rnn": ["I like NLP"],
    "lstm": ["I like NLP", "--cell", "lstm"],
    "gru": ["I like NLP", "--cell", "gru"],
    "compare-cells": ["I like NLP", "--compare-cells"],
    "chunks": ["--chunks", "2", "--file", "sentences/small.txt"],
}

ROOT = Path(__file__).parents[2]


def piped(args: list[str], *more: str) -> str:
    proc = run_cli([*args, "--width", "80", *more], cwd=ROOT)
    assert proc.returncode == 0, proc.stderr.decode()
    return proc.stdout.decode("utf-8")


def rich_text(trace: Path, width: int) -> str:
    """What Rich itself prints for the trace's tables, padding and all."""
    console = Console(file=io.StringIO(), width=width, theme=THEME, highlight=False, record=True)
    for renderable in renderables(read_trace(trace)):
        console.print(renderable)
    return console.export_text()


def stripped(text: str) -> str:
    return "\n".join(line.rstrip(" ") for line in text.split("\n"))


@pytest.mark.parametrize("name", RUNS)
def test_no_piped_line_ends_in_a_space(name: str) -> None:
    text = piped(RUNS[name])
    assert text.endswith("\n")
    ending = [line for line in text.split("\n") if line.endswith(" ")]
    assert ending == [], f"{len(ending)} lines end in spaces: {ending[:3]!r}"


def test_the_piped_text_is_riches_less_its_trailing_spaces(tmp_path: Path) -> None:
    trace = tmp_path / "trace.jsonl"
    text = piped(RUNS["lstm"], "--output", str(trace))
    padded = rich_text(trace, 80)
    assert any(line.endswith(" ") for line in padded.split("\n"))  # there was padding
    assert text == stripped(padded)


def test_an_exported_text_has_no_trailing_spaces(tmp_path: Path) -> None:
    export = tmp_path / "tables.txt"
    piped(RUNS["rnn"], "--export", str(export), "--json")
    text = export.read_text("utf-8")
    assert "Backward pass" in text
    assert [line for line in text.split("\n") if line.endswith(" ")] == []


def a_padded_table() -> object:
    table = noted_table("A table", "t", Values("value"), caption="its caption")
    table.add_row("1", Vector([[0.5, -0.25]], 4))
    table.add_row("long label", "— none")
    return table


def printed(console_type: type[Console], **options: object) -> str:
    out = io.StringIO()
    console = console_type(file=out, width=60, theme=THEME, highlight=False, **options)
    console.print(a_padded_table())
    return out.getvalue()


def test_on_a_terminal_the_lines_are_riches_padding_and_all() -> None:
    for colour in ("truecolor", None):
        ours = printed(VisibleConsole, force_terminal=True, color_system=colour)
        assert ours == printed(Console, force_terminal=True, color_system=colour)
        assert " \n" in ours or " \x1b[0m\n" in ours  # the padding is there


def test_off_a_terminal_in_colour_no_line_ends_in_a_space() -> None:
    """A console told to colour a file (the API's ``make_console(color_system=…)``): the
    styles' escapes stay, the spaces before the newline go."""
    ours = printed(VisibleConsole, color_system="truecolor")
    assert "\x1b[" in ours
    plain = printed(VisibleConsole)
    assert [line for line in plain.split("\n") if line.endswith(" ")] == []
    for line in ours.split("\n"):
        assert not line.replace("\x1b[0m", "").rstrip("\x1b[0123456789;m").endswith(" ")
