"""The one-hot inputs at any width: a vocabulary too wide for the terminal folds columns into
marked columns with a note naming them, as the other wide tables do; the columns of the
tokens the table lists stay before any other (<eos>, the target, is not an input: it folds
first), and no line is cut. Every row shows its 1: in its token's column, or in the ⋯ column
that stands for it when even the listed tokens do not all fit."""

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
    if columns == VOCAB:  # wide enough for all of them
        assert "⋯" not in "\n".join(lines)
        return
    assert columns[-1] == "⋯"  # <eos> folds before any token the rows list
    kept = [c for c in columns if c != "⋯"]
    assert kept == [t for t in VOCAB if t in kept]  # in the vocabulary's order
    folded = [t for t in VOCAB if t not in kept]
    runs, run = [], []  # the folded tokens, in runs of neighbours in the vocabulary
    for t in VOCAB:
        if t in folded:
            run.append(t)
        elif run:
            runs, run = [*runs, run], []
    runs += [run] if run else []
    assert columns.count("⋯") == len(runs)
    note = " ".join(lines[lines.index(next(x for x in lines if x.startswith("⋯"))) :])
    named = ", ".join(r[0] if len(r) == 1 else f"{r[0]}…{r[-1]}" for r in runs)
    assert note.startswith(f"⋯ {named} folded ({len(folded)} of {len(VOCAB)} columns)")


def test_each_row_has_its_one_in_its_tokens_column_or_in_the_gap_standing_for_it() -> None:
    lines = shown(60)
    header = next(line.split() for line in lines if line.split()[:3] == ["sentence", "t", "token"])
    columns = header[3:]
    rows = [x.split() for x in lines if x.split()[:1] and x.split()[-1] in ("0", "1", "⋯")]
    for t, token in enumerate(SENTENCE, start=1):
        row = next(r for r in rows if str(t) in r[:2] and token in r[1:3])
        cells = row[-len(columns) :]
        j = VOCAB.index(token)
        for p, (name, cell) in enumerate(zip(columns, cells, strict=True)):
            if name != "⋯":
                assert cell == ("1" if name == token else "0")
                continue
            low = next((VOCAB.index(c) for c in reversed(columns[:p]) if c != "⋯"), -1) + 1
            high = next((VOCAB.index(c) for c in columns[p + 1 :] if c != "⋯"), len(VOCAB)) - 1
            assert cell == ("1" if low <= j <= high else "⋯"), (token, p)
        assert cells.count("1") == 1
