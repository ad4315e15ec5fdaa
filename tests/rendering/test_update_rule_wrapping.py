"""The update rule's panel at any width from 40 to 120 columns: a line too long for the panel
goes on, on the rows it wraps onto, indented under the start of that line, never back at the
panel's left edge; a formula's rows (an entry's head, its sum, its terms, its update) further
in than the line itself, so that none reads as a line of its own; the note's prose as a
paragraph. Nothing is lost: the rows of each line hold its characters, in order.

The lines are read from the panel drawn so wide that nothing wraps (the oracle), and found
again in the panel drawn at each width.
"""

from __future__ import annotations

import io
import re

import pytest
from rich.panel import Panel

from bptt_trace.config import Config
from bptt_trace.rendering.renderer import make_console, renderables
from bptt_trace.rendering.theme import THEME
from bptt_trace.trace.loop import run

ESCAPE = re.compile(r"\x1b\[[0-9;]*m")

CONFIGS = {
    "rnn": Config(),
    "lstm": Config(cell="lstm"),
    "gru": Config(cell="gru"),
    "rnn, clipped, 2 sentences": Config(clip=0.01),
}


def panel_of(config: Config) -> Panel:
    corpus = (
        [["I", "like", "NLP"], ["you", "like", "RNNs", "too"]]
        if config.clip
        else [["I", "like", "NLP"]]
    )
    for item in renderables(run(corpus, config)):
        if isinstance(item, Panel) and "update rule" in str(getattr(item.title, "plain", "")):
            return item
    raise AssertionError("no update rule panel")


def rows(panel: Panel, width: int) -> list[str]:
    """The panel's inner rows, between its side edges, as drawn at ``width`` columns."""
    out = io.StringIO()
    make_console(file=out, width=width, color_system=None).print(panel)
    drawn = out.getvalue().split("\n")
    inner = [line for line in drawn if line.startswith("│")]
    assert all(line.endswith("│") for line in inner)
    return [line[2:-1].rstrip() for line in inner]


def prose(panel: Panel) -> set[str]:
    """The lines drawn in the note style (dim italic): the note's sentences."""
    out = io.StringIO()
    console = make_console(file=out, width=1000, force_terminal=True, color_system="standard")
    console.print(panel)
    note = THEME.styles["note"].render("x", color_system=console._color_system).split("x")[0]
    return {
        ESCAPE.sub("", line)[2:-1].strip()
        for line in out.getvalue().split("\n")
        if line.split("│ ", 1)[-1].lstrip(" ").startswith(note)
    }


def indent(row: str) -> int:
    return len(row) - len(row.lstrip(" "))


def squeezed(text: str) -> str:
    return "".join(text.split())


@pytest.fixture(scope="module", params=list(CONFIGS))
def panel(request: pytest.FixtureRequest) -> Panel:
    return panel_of(CONFIGS[request.param])


def test_each_line_wraps_under_its_own_start_at_every_width(panel: Panel) -> None:
    lines = [(indent(row), row.strip()) for row in rows(panel, 1000) if row.strip()]
    notes = prose(panel)
    assert any("←" in text for _, text in lines)
    wrapped = 0
    for width in range(40, 121):
        drawn = [row for row in rows(panel, width) if row.strip()]
        at = 0
        for start, text in lines:
            first = drawn[at]
            assert indent(first) == start, (width, first, text)
            held, at = squeezed(first), at + 1
            paragraph = text in notes
            while held != squeezed(text):
                assert squeezed(text).startswith(held), (width, text, held)
                row = drawn[at]
                wrapped += 1
                if paragraph:
                    assert indent(row) == start, (width, row, text)
                else:
                    assert indent(row) > start, f"at {width}: {row!r} goes on {text!r}"
                held, at = held + squeezed(row), at + 1
        assert at == len(drawn), (width, drawn[at:])
    assert wrapped > 0  # lines did wrap at the narrower widths
