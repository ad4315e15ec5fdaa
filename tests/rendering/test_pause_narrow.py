"""--pause on a small terminal: every screenful and its prompt fit the terminal as drawn.

A terminal shows its last rows: a screenful whose lines and prompt (each line counted as
the rows it wraps onto at the terminal's width) are more than its height loses its first
lines off the top; found at 60×24, where the prompt wrapped onto a second line, mid-word,
and a dozen screenfuls began with the second half of a wrapped title. The update rule's
panel was cut anywhere, mid-formula, and a page held its divider alone.

The oracles are the page drawn whole (``pause_screens``) and the box as Rich draws it: an
entry of the update rule's panel begins with a parameter's rule, "θ ← θ − α·…", or a note
("A derivation …", "…: summarised at this size"); a rule is a line of ─ (with a title in it or not).
"""

from __future__ import annotations

import re

import pytest
from pause_screens import console_at, drawn, paused
from rich.cells import cell_len, chop_cells
from rich.text import Text

from bptt_trace.rendering.pages import prompt

CONTINUED = "(continued)"
SIZES = [(80, 40), (60, 24), (40, 12)]
CASES = [(cell, w, h) for cell in ("rnn", "lstm", "gru") for w, h in SIZES]
IDS = [f"{c}-{w}x{h}" for c, w, h in CASES]
LOWEST = [(cell, 40, 10) for cell in ("rnn", "lstm", "gru")]
"""The smallest terminal --pause is held to: for the fit alone."""
ASKS = re.compile(r".*?(?:Enter: next · q: quit |Enter/q )")
ENTRY = re.compile(r"│ (\S+) ← \1 |│ A derivation |│ .*: summarised at this size")
RULE = re.compile(r"─+( .* ─+)?")


def rows(line: str, width: int) -> int:
    """The terminal rows a line takes at ``width`` columns (a full line: one)."""
    return max(1, -(-cell_len(line) // width))


def screens_and_prompts(
    cell: str, width: int, height: int, monkeypatch: pytest.MonkeyPatch
) -> tuple[list[tuple[list[str], list[list[str]]]], list[list[str]], list[str]]:
    """The pages (drawn whole, and their screenfuls), every screenful in order, and the
    prompt shown below each."""
    pages, err = paused(cell, width, height, monkeypatch)
    shown = [(whole, screens) for whole, screens, _, _ in pages]
    screens = [screen for _, page in shown for screen in page]
    prompts = ASKS.findall(err)
    assert len(prompts) == len(screens)  # a prompt below each screenful, none else
    return shown, screens, prompts


@pytest.mark.parametrize(
    ("cell", "width", "height"), CASES + LOWEST, ids=IDS + [f"{c}-40x10" for c, _, _ in LOWEST]
)
def test_every_screenful_and_its_prompt_fit_the_terminal_as_drawn(
    cell: str, width: int, height: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, screens, prompts = screens_and_prompts(cell, width, height, monkeypatch)
    for screen, asked in zip(screens, prompts, strict=True):
        assert cell_len(asked) < width, asked  # one line, with a column for the cursor
        drawn_rows = sum(rows(line, width) for line in screen) + rows(asked, width)
        assert drawn_rows <= height, (asked, screen[:2])


@pytest.mark.parametrize(("cell", "width", "height"), CASES, ids=IDS)
def test_no_screenful_begins_inside_a_wrapped_title(
    cell: str, width: int, height: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A title wider than the terminal wraps. What the terminal shows of a screenful, its
    last ``height`` rows with the prompt's (each line cut into rows of ``width`` columns),
    begins with the screenful's first line, never with the rest of a wrapped title."""
    pages, _ = paused(cell, width, height, monkeypatch)
    tails: set[str] = set()
    for _, _, found, _ in pages:
        for table in found:
            if table.heading is None:
                continue
            for title in (table.heading, Text.assemble(table.heading, " ", CONTINUED)):
                tails.update(drawn(console_at(width, 100), [title])[1:])
    tails.discard("")
    assert tails  # at these widths some titles wrap
    _, screens, prompts = screens_and_prompts(cell, width, height, monkeypatch)
    for screen, asked in zip(screens, prompts, strict=True):
        shown = [row for line in [*screen, asked] for row in terminal_rows(line, width)]
        top = shown[-height:][0].rstrip()
        assert top == terminal_rows(screen[0], width)[0].rstrip(), (top, screen[0])
        assert top not in tails, top


def terminal_rows(line: str, width: int) -> list[str]:
    """A line as a terminal of ``width`` columns shows it: cut into rows."""
    return chop_cells(line, width) or [""]


@pytest.mark.parametrize("width", range(40, 121, 4))
def test_the_prompt_is_one_line_of_whole_words_at_every_width_from_40(width: int) -> None:
    """Each place a run names, with a part number or not, at widths 40 to 120: one line, with
    room for the answer, and every word in it a word of the prompt in full or of the words
    that abbreviate it."""
    places = [
        "the model and the inputs",
        "step 1 · forward t = 2 of 3",
        "step 1 · blame matrix · part 1 of 2",
        "step 12 · sentence 3 · backward t = 12 of 14 · part 2 of 3",
        "step 100 · sentence 12 · vanishing or exploding? · part 10 of 12",
        "step 3 · per-loss gradients · part 1 of 4",
    ]
    known = {"──", "Enter:", "next", "·", "q:", "quit", "Enter/q", "t=2/3", "t=12/14"}
    known |= {"part", "1/2", "2/3", "10/12", "1/4", "sent.", "model,", "inputs", "vanishing?"}
    known |= {"∂"}
    for place in places:
        asked = prompt(place, width)
        assert "\n" not in asked and cell_len(asked) + 1 <= width, asked
        assert asked.strip()
        for word in asked.split():
            assert word in known or word in place.split(), (word, asked)
    assert prompt(places[1], 80) == "── step 1 · forward t = 2 of 3 ── Enter: next · q: quit "


def panel_parts(screen: list[str]) -> list[str]:
    """The lines of a screenful that belong to a box (from its top edge to its bottom)."""
    inside, kept = False, []
    for line in screen:
        inside = inside or line.startswith("╭")
        if inside:
            kept.append(line)
        inside = inside and not line.startswith("╰")
    return kept


@pytest.mark.parametrize(("cell", "width", "height"), CASES, ids=IDS)
def test_a_panel_is_cut_between_its_entries_in_a_box_on_every_screenful(
    cell: str, width: int, height: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each screenful with a part of a panel (the header's, the update rule's) holds it in a
    whole box: its top edge (the first with its title, the others titled "(continued)") and
    its bottom edge; no entry of the update rule is cut between screenfuls unless taller
    than a screenful by itself."""
    pages, _ = paused(cell, width, height, monkeypatch)
    cut = {"bptt-trace": 0, "The update rule": 0}
    for whole, screens, _, _ in pages:
        box = panel_parts(whole)
        if not box:
            continue
        title = next(name for name in cut if name in box[0])
        inner = box[1:-1]
        pieces = [piece for piece in map(panel_parts, screens) if piece]
        cut[title] += len(pieces) - 1
        shown: list[str] = []
        boundaries = []
        for number, piece in enumerate(pieces):
            assert piece[0].startswith("╭") and piece[-1].startswith("╰"), piece
            assert (CONTINUED in piece[0]) == (number > 0), piece[0]
            assert piece[0].startswith(f"╭─ {title.split()[0]}"), piece[0]
            assert number > 0 or piece[0] == box[0]
            assert piece[-1] == box[-1]
            shown.extend(piece[1:-1])
            boundaries.append(len(shown))
        assert shown == inner  # every line of the box, once, in order
        if title != "The update rule":
            continue
        starts = [n for n, line in enumerate(inner) if ENTRY.match(line)]
        assert starts and starts[0] == 0, inner[:2]
        room = height - 1 - 2  # a screenful less the box's two edges
        for start, end in zip(starts, [*starts[1:], len(inner)], strict=True):
            split = [b for b in boundaries[:-1] if start < b < end]
            assert not split or end - start > room, inner[start : start + 2]
    if width <= 60:
        assert cut["The update rule"] > 0  # taller than a screenful there
    if height <= 12 and cell != "rnn":
        assert cut["bptt-trace"] > 0  # the gated cells' equations: taller than a screenful


@pytest.mark.parametrize(("cell", "width", "height"), CASES, ids=IDS)
def test_no_screenful_holds_only_a_rule(
    cell: str, width: int, height: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A divider (or a table's rule) goes with what follows it: neither a screenful nor a page
    of its own; the update's divider heads the update's page."""
    pages, _ = paused(cell, width, height, monkeypatch)
    for _, screens, _, _ in pages:
        for screen in screens:
            lines = [line.strip() for line in screen if line.strip()]
            assert not all(RULE.fullmatch(line) for line in lines), screen
            assert not RULE.fullmatch(lines[-1]), screen[-2:]
    divider = [s[0] for _, (s, *_), _, _ in pages if "gradient descent" in " ".join(s[:3])]
    assert divider  # the update's page begins with its divider
