"""The one-hot inputs at any width: a vocabulary too wide for the terminal folds its middle
columns into one marked column with a note naming them, as the other wide tables do; the
first token's column and the last ones (<eos>, the target) stay, and no line is cut."""

import io

import pytest
from rich.cells import cell_len

from bptt_trace.rendering.header import one_hot_table
from bptt_trace.rendering.renderer import make_console

SENTENCE = "I like NLP very much today and tomorrow too".split()
VOCAB = [*SENTENCE, "<eos>"]


def shown(width: int) -> list[str]:
    buffer = io.StringIO()
    console = make_console(file=buffer, width=width, no_color=True)
    console.print(one_hot_table(VOCAB, [SENTENCE]))
    return buffer.getvalue().splitlines()


@pytest.mark.parametrize("width", [40, 60, 80, 100])
def test_a_wide_vocabulary_folds_its_middle_columns_and_names_them(width: int) -> None:
    lines = shown(width)
    assert all(cell_len(line) <= width for line in lines)
    header = next(line.split() for line in lines if line.split()[:3] == ["sentence", "t", "token"])
    columns = header[3:]
    assert columns[-1] == "<eos>"
    if columns == VOCAB:  # wide enough for all of them
        assert "⋯" not in "\n".join(lines)
        return
    gap = columns.index("⋯")
    kept_first, kept_last = columns[:gap], columns[gap + 1 :]
    folded = VOCAB[len(kept_first) : len(VOCAB) - len(kept_last)]
    assert kept_first == VOCAB[: len(kept_first)] and kept_last == VOCAB[-len(kept_last) :]
    note = " ".join(lines[lines.index(next(x for x in lines if x.startswith("⋯"))) :])
    named = folded[0] if len(folded) == 1 else f"{folded[0]}…{folded[-1]}"
    assert note.startswith(f"⋯ {named} folded ({len(folded)} of {len(VOCAB)} columns)")


def test_each_row_has_its_one_where_its_token_is_shown_and_the_gap_elsewhere() -> None:
    lines = shown(60)
    header = next(line.split() for line in lines if line.split()[:3] == ["sentence", "t", "token"])
    columns = header[3:]
    rows = [line.split() for line in lines if line.split()[:1] and line.split()[-1] in "01"]
    for t, token in enumerate(SENTENCE, start=1):
        row = next(r for r in rows if str(t) in r[:2] and token in r[1:3])
        cells = row[-len(columns) :]
        for name, cell in zip(columns, cells, strict=True):
            assert cell == ("⋯" if name == "⋯" else "1" if name == token else "0")
