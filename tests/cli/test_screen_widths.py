"""Every width from 60 columns keeps every number whole and the most blamed time steps in
sight: read back from a real pseudo-terminal through pyte, at 60, 80 and 120 columns, for
sentences of 3, 12 and 36 tokens (the blame matrix, the shares, the per-loss terms and the
predictions are as wide as the sentence, or as many parameters as the cell has). And a pipe
from an 80-column terminal gets lines of at most 80 columns."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from pty_screen import ROOT, run_on_pty

from bptt_trace.rendering.theme import subscript

LONG = (ROOT / "sentences" / "long.txt").read_text(encoding="utf-8").splitlines()[-1]
SENTENCES = {
    3: "I like NLP",
    12: "one two three four five six seven eight nine ten eleven twelve",
    36: LONG,
}

WHOLE = re.compile(r"[+-]?\d[\d,]*(\.\d+)?(e[+-]\d+)?%?")
"""A number as the tables print it, whole: +0.1234, -2.8312e-05, 3.9e-01, 1,024, 12%."""

NOT_NUMBERS = re.compile(r"\d+/\d[\d,]*|\d+–\d+")
"""Fractions and ranges of the notes (1/10,000, 1–2): not cells of a table."""


def cut_numbers(lines: list[str]) -> list[str]:
    """Every word that starts as a number and is not one whole (1.0e, 0.03…, 2.4e-0)."""
    cut = []
    for line in lines:
        for word in line.split():
            word = word.strip("[]()│|,;:").rstrip(".")
            if re.match(r"[+-]?\d", word) and not (
                WHOLE.fullmatch(word) or NOT_NUMBERS.fullmatch(word)
            ):
                cut.append(word)
    return cut


def test_the_check_finds_a_cut_number() -> None:
    """The check itself: what Rich's cropping and ellipsis leave is caught, whole numbers
    pass."""
    assert cut_numbers([" W   2.4e-05   1.0e", " b  0.03…", "+0.1234 [-2.8312e-05]"]) == [
        "1.0e",
        "0.03…",
    ]
    assert cut_numbers(["deepest at least 0.32 of it, palest under 1/10,000); 12%"]) == []


def blame_headings(lines: list[str], state: str = "h") -> list[str]:
    """The heading lines of the blame matrices (those of the hidden state ``state``)."""
    return [line for line in lines if re.match(rf"^ loss +{state}₁ ", line)]


@pytest.mark.parametrize("tokens", [3, 12, 36])
@pytest.mark.parametrize("columns", [60, 80, 120])
def test_every_number_whole_and_the_last_state_shown(columns: int, tokens: int) -> None:
    args = [SENTENCES[tokens], "--quiet", "--no-pager"]
    session = run_on_pty(args, columns=columns)
    assert session.code == 0
    screen = session.lines()
    assert not cut_numbers(screen), (columns, tokens, cut_numbers(screen)[:10])
    last = f"h{subscript(tokens)}"
    headings = blame_headings(screen)
    assert headings, (columns, tokens)
    for heading in headings:
        assert heading.split()[-1] == last, (columns, tokens, heading)
    folded = [line for line in screen if "folded" in line]
    assert bool(folded) == (tokens > 3), (columns, tokens, folded)
    if tokens > 3:  # the gap is marked, and the note names exactly the steps it holds
        words = headings[0].split()
        assert words[1:3] == ["h₁", "⋯"], words
        after = number(words[3])
        names = "h₂" if after == 3 else f"h₂…h{subscript(after - 1)}"
        assert any(f"⋯ {names} folded ({after - 2} of {tokens}" in line for line in folded)
        assert [number(w) for w in words[3:]] == list(range(after, tokens + 1))


def number(name: str) -> int:
    """The time step of a column's heading: h₁₂ → 12."""
    return int(name[1:].translate(str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")))


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_the_gated_cells_tables_keep_their_numbers_whole_at_60_columns(cell: str) -> None:
    """The LSTM's two heatmaps (h and c), 14 parameters' shares and per-loss terms; the
    GRU's; and the predictions table after training."""
    args = [SENTENCES[12], "--cell", cell, "--loss", "every", "--steps", "2", "--quiet"]
    args += ["--only", "blame,training"]  # the wide tables
    session = run_on_pty([*args, "--no-pager"], columns=60)
    assert session.code == 0
    screen = session.lines()
    assert not cut_numbers(screen), cut_numbers(screen)[:10]
    assert [line.split()[-1] for line in blame_headings(screen)] == ["h₁₂", "h₁₂"]
    if cell == "lstm":
        assert [line.split()[-1] for line in blame_headings(screen, "c")] == ["c₁₂", "c₁₂"]
    shares = [line for line in screen if re.match(r"^ θ +t=1 ", line)]
    assert shares and all(line.split()[-1] == "t=12" for line in shares), shares
    text = "\n".join(screen)
    assert "‖∂Lₛ/∂b_output‖" in text  # the per-loss terms' last column, on a block of its own
    assert "Predictions" in text


@pytest.mark.parametrize(
    ("redirects", "width"),
    [("", 80), ("2>/dev/null", 80), ("</dev/null", 80), ("</dev/null 2>/dev/null", 100)],
    ids=["stdin and stderr the terminal", "stdin", "stderr", "neither"],
)
def test_a_pipe_from_an_80_column_terminal_gets_80_columns(
    redirects: str, width: int, tmp_path: Path
) -> None:
    """stdout a pipe, stderr or stdin the terminal: the tables are laid out for the terminal
    the user sits at (not the 100 columns of a pipe without one); with neither, 100."""
    out = tmp_path / "out.txt"
    script = f'"$0" -m bptt_trace "$1" --quiet --color never {redirects} | cat > "{out}"'
    session = run_on_pty(
        [SENTENCES[12]], program=["/bin/sh", "-c", script, sys.executable], columns=80
    )
    assert session.code == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) > 100
    assert width - 5 <= max(len(line) for line in lines) <= width  # laid out for that width
    assert not cut_numbers(lines)


def test_compare_cells_keeps_its_heatmap_whole_at_60_columns() -> None:
    session = run_on_pty([SENTENCES[36], "--compare-cells", "--quiet", "--no-pager"], columns=60)
    assert session.code == 0
    screen = session.lines()
    assert not cut_numbers(screen), cut_numbers(screen)[:10]
    heading = [line for line in screen if re.match(r"^ cell +h₁ ", line)]
    assert len(heading) == 1 and heading[0].split()[-1] == "h₃₆", heading
    assert "⋯" in heading[0]
