"""Every block the tables print (a table with its title and caption, a view's lines below it,
the update rule's panel, the loss curve) is followed by exactly one blank line before the
next block's title: no caption runs into the next title, and no two blank lines follow one
another. A divider (a step's or a window's rule) introduces what follows it directly.

The lines are read from a coloured rendering: a title is a line that begins in the title
style; a caption is read from each table object (``NotedTable.note``, a folded table's note),
its lines as Rich's own console wraps it at the width.
"""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console, Group
from rich.text import Text

from bptt_trace.config import Config
from bptt_trace.rendering.cells import cells_view
from bptt_trace.rendering.folding import Folded, Wrapped
from bptt_trace.rendering.renderer import make_console, renderables
from bptt_trace.rendering.tables import NotedTable
from bptt_trace.rendering.theme import THEME
from bptt_trace.trace.loop import run

LONG = [f"w{i % 7}" for i in range(40)]
SMALL = [["I", "like", "NLP"], ["I", "like", "RNNs"], ["you", "like", "NLP", "too"]]

RUNS = {
    "rnn, 2 steps, --check": ([["I", "like", "NLP"]], Config(steps=2, check=True)),
    "lstm": ([["I", "like", "NLP"]], Config(cell="lstm")),
    "gru": ([["I", "like", "NLP"]], Config(cell="gru")),
    "a long sentence, --chunks 2": ([LONG], Config(chunks=2)),
    "sentences, --chunks 2 by window": (
        SMALL,
        Config(chunks=2, update_every="chunk", steps=2),
    ),
    "sentences, --tbptt 1:2": (SMALL, Config(tbptt=(1, 2))),
}

ESCAPE = re.compile(r"\x1b\[[0-9;]*m")
TITLE = THEME.styles["title"].render(
    "x", color_system=Console(color_system="standard")._color_system
)
TITLE_START = TITLE[: TITLE.index("x")]


def shown(corpus: list[list[str]], config: Config) -> list:
    return list(renderables(run(corpus, config)))


def compare_cells() -> list:
    runs = {
        cell: list(run([["I", "like", "NLP"]], Config(cell=cell)))
        for cell in ("rnn", "lstm", "gru")
    }
    return [cells_view(runs, 4)]


def printed(items: list, width: int) -> list[str]:
    out = io.StringIO()
    console = make_console(file=out, width=width, force_terminal=True, color_system="standard")
    for item in items:
        console.print(item)
    return out.getvalue().split("\n")


def plain(line: str) -> str:
    return ESCAPE.sub("", line).rstrip()


def captions(items: list) -> list[Text]:
    """Every table's caption (a folded table's note too), from the objects."""
    found: list[Text] = []
    for item in items:
        if isinstance(item, Group):
            found += captions(list(item.renderables))
        elif isinstance(item, (Folded, Wrapped)):
            found += captions([item.build(list(range(item.n)))])
        elif isinstance(item, NotedTable) and item.note is not None:
            found.append(item.note)
    return found


def rich_lines(text: Text, width: int) -> list[str]:
    console = Console(file=io.StringIO(), width=width, theme=THEME)
    return [
        "".join(s.text for s in line).rstrip() for line in console.render_lines(text, pad=False)
    ]


CASES = [(name, width) for name in [*RUNS, "--compare-cells"] for width in (60, 80, 120)]


@pytest.fixture(scope="module")
def views() -> dict[str, list]:
    made = {name: shown(*RUNS[name]) for name in RUNS}
    made["--compare-cells"] = compare_cells()
    return made


@pytest.mark.parametrize(("name", "width"), CASES)
def test_every_title_follows_a_blank_line_or_a_divider(views: dict, name: str, width: int) -> None:
    lines = printed(views[name], width)
    titles = 0
    for i, line in enumerate(lines):
        if not line.startswith(TITLE_START) or i == 0:
            continue
        before = lines[i - 1]
        if before.startswith(TITLE_START):
            continue  # a title wrapped onto a second line
        titles += 1
        above = plain(before)
        assert above == "" or set(above) <= set("─ ") or "─────" in above, (
            f"line {i + 1}: {plain(line)!r} follows {above!r}"
        )
    assert titles >= 1


@pytest.mark.parametrize(("name", "width"), CASES)
def test_never_two_blank_lines_in_a_row(views: dict, name: str, width: int) -> None:
    lines = [plain(line) for line in printed(views[name], width)]
    doubled = [i + 1 for i in range(1, len(lines) - 1) if lines[i] == lines[i - 1] == ""]
    assert doubled == []


@pytest.mark.parametrize(("name", "width"), CASES)
def test_every_caption_is_followed_by_a_blank_line_or_the_end(
    views: dict, name: str, width: int
) -> None:
    lines = [plain(line) for line in printed(views[name], width)]
    while lines and lines[-1] == "":
        lines.pop()
    notes = captions(views[name])
    assert notes, "each of these runs shows captions"
    for note in notes:
        own = rich_lines(note, width)
        at = [i for i in range(len(lines)) if lines[i : i + len(own)] == own]
        for i in at:
            after = i + len(own)
            assert after == len(lines) or lines[after] == "", (
                f"the caption {own[-1]!r} runs into {lines[after]!r}"
            )
