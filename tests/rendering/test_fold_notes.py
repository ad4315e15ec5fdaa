"""Every folded table says what it left out and how to see it (under --detail auto): a table
that shows fewer rows or columns than its event holds marks each place it left some out (a ⋯
row, a ⋯ column) and names, in a note below, exactly which ones, with where they all are (the
JSON trace, whose event does hold them all). Checked as a class, for each view of the flow
(blame, shares, gated path, vanishing or exploding), the vocabulary, the output and
--compare-cells, at 60, 80 and 120 columns, for the vanilla RNN, the LSTM and the GRU on the
36 tokens of sentences/long.txt; and a one-hot row never loses its 1 to a fold.

Tables are read from the text a console draws: a header line above a ─ rule, a row a line
(the columns where the header's names start), the note in the lines below. What should be
shown and named is worked out here from the events' own arrays, not by the renderers' code.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bptt_trace import trace_sentence
from bptt_trace.config import Config
from bptt_trace.core.cells import make_cell
from bptt_trace.core.model import declared
from bptt_trace.rendering.cells import cells_view
from bptt_trace.rendering.flow import blame_view, gates_view
from bptt_trace.rendering.header import one_hot_table
from bptt_trace.rendering.output import output_view
from bptt_trace.rendering.renderer import TraceRenderer, make_console
from bptt_trace.rendering.vanishing import jacobians_view
from bptt_trace.trace.events import Event

LONG = Path(__file__).parents[2].joinpath("sentences", "long.txt").read_text().splitlines()[-1]
WIDTHS = (60, 80, 120)
CELLS = ("rnn", "lstm", "gru")
GAP = "⋯"
SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def sub(n: int) -> str:
    return str(n).translate(SUB)


@cache
def events(cell: str, loss: str = "last", sentence: str = LONG) -> tuple[Event, ...]:
    return tuple(
        e.compacted("auto") for e in trace_sentence(sentence, Config(cell=cell, loss=loss))
    )


def first(kind: str, evs: Sequence[Event]) -> Any:
    return next(e for e in evs if e.kind == kind)


def drawn(renderable: Any, width: int) -> list[str]:
    buffer = io.StringIO()
    make_console(file=buffer, width=width, no_color=True).print(renderable)
    return buffer.getvalue().splitlines()


def column_starts(header: str) -> list[int]:
    """Where each column's name starts: after two spaces (Rich pads a column on each side)."""
    return [
        i for i, ch in enumerate(header) if ch != " " and header[max(0, i - 2) : i].strip() == ""
    ]


class Drawn:
    """One table of a view as drawn (its ─ rule at line ``at``): its columns' names, each
    row's cells, and the text below it (the rest of the view)."""

    def __init__(self, lines: list[str], at: int) -> None:
        self.starts = column_starts(lines[at - 1])
        self.names = self.cells(lines[at - 1])
        end = next(
            i for i in range(at + 1, len(lines) + 1) if i == len(lines) or not lines[i].strip()
        )
        self.rows: list[list[str]] = []
        for line in lines[at + 1 : end]:
            cells = self.cells(line)
            filled = [i for i, c in enumerate(cells) if c]
            if self.rows and len(filled) == 1 and self.rows[-1][filled[0]].startswith(GAP):
                self.rows[-1][filled[0]] += " " + cells[filled[0]]  # "⋯ 20 more" wrapped
            else:
                self.rows.append(cells)
        self.below = " ".join(line.strip() for line in lines[end:])

    def cells(self, line: str) -> list[str]:
        return [
            line[a:b].strip() for a, b in zip(self.starts, [*self.starts[1:], None], strict=True)
        ]


def read(lines: list[str]) -> list[Drawn]:
    """Every table drawn in ``lines``, in order."""
    return [Drawn(lines, i) for i, line in enumerate(lines) if line.strip().startswith("───")]


def runs(shown: Sequence[int], held: Sequence[int]) -> list[list[int]]:
    """The runs of ``held`` (in order) that ``shown`` leaves out."""
    out: list[list[int]] = []
    run: list[int] = []
    for k in held:
        if k in shown:
            if run:
                out.append(run)
            run = []
        else:
            run.append(k)
    return [*out, run] if run else out


def assert_folded(
    marks: list[str], held: list[str], below: str, named: Callable[[list[list[str]]], list[str]]
) -> list[str]:
    """The class: ``marks`` (a table's row labels or column names, in order) are some of
    ``held`` in order, with one ⋯ exactly where a run of them is left out; when some are, the
    text below names them (``named`` the phrases it must hold) and says the JSON trace has
    them all. The names shown."""
    shown = [m for m in marks if not m.startswith(GAP)]
    assert all(m in held for m in shown), (shown, held)
    indices = [held.index(m) for m in shown]
    assert indices == sorted(indices), shown
    left_out = runs(indices, range(len(held)))
    layout: list[str] = []
    for i, name in enumerate(held):
        if i in indices:
            layout.append(name)
        elif not layout or layout[-1] != GAP:
            layout.append(GAP)
    assert [GAP if m.startswith(GAP) else m for m in marks] == layout, (marks, layout)
    if left_out:
        phrases = named([[held[i] for i in run] for run in left_out])
        assert all(p in below for p in phrases), (phrases, below)
        assert "JSON trace" in below, below
    return shown


def spans(runs_: list[list[str]], dash: str = "–") -> str:
    return ", ".join(r[0] if len(r) == 1 else f"{r[0]}{dash}{r[-1]}" for r in runs_)


def count(runs_: list[list[str]]) -> int:
    return sum(len(r) for r in runs_)


def column_fold(total: int) -> Callable[[list[list[str]]], list[str]]:
    """What a folded table's note says of its columns: ⋯ a…b folded (n of N columns)."""
    return lambda r: [f"{GAP} {spans(r, '…')} folded ({count(r)} of {total} columns)", "--width"]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("cell", CELLS)
def test_the_vanishing_table_marks_and_names_every_k_it_leaves_out(cell: str, width: int) -> None:
    evs = events(cell)
    event = first("jacobians", evs)
    c = make_cell(first("run", evs).config)
    symbols = {spec.name: spec.symbol for spec in declared(c)}
    lines = drawn(jacobians_view(event, c, symbols[c.recurrent]), width)
    (table,) = read(lines)
    norms = np.asarray(event.to_json()["norms"], dtype=float)  # the JSON trace has every k
    held = [str(k) for k in range(event.first, event.first + norms.size)]
    assert len(held) == 36
    ks = assert_folded(
        [r[0] for r in table.rows],
        held,
        table.below,
        lambda r: [
            f"k = {spans(r)}, not shown ({count(r)} of 36)",
            f"Shown: {36 - count(r)} of the k",
        ],
    )
    assert len(ks) == 12 and ks[0] == "1" and ks[-1] == "36"  # both ends, 12 rows
    for row in table.rows:
        if row[0] != GAP:
            assert row[1].split()[0] == f"{norms[int(row[0]) - event.first]:.1e}", row


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_the_gated_path_marks_and_names_every_k_it_leaves_out(cell: str, width: int) -> None:
    event = first("gates", events(cell))
    (table, _) = read(drawn(gates_view(event), width))
    products = np.asarray(event.to_json()["products"], dtype=float)
    held = [str(k) for k in range(1, products.size + 1)]
    ks = assert_folded(
        [r[0] for r in table.rows],
        held,
        table.below,
        lambda r: [f"k = {spans(r)}, not shown ({count(r)} of 36)"],
    )
    assert ks[:3] == ["1", "2", "3"] and ks[-1] == "36" and len(ks) < 36
    for row in table.rows:
        if row[0] != GAP:
            assert row[1].split()[0] == f"{products[int(row[0]) - 1]:.1e}", row


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("loss", ["last", "every"])
@pytest.mark.parametrize("cell", CELLS)
def test_the_blame_and_shares_mark_and_name_what_they_fold(
    cell: str, loss: str, width: int
) -> None:
    evs = events(cell, loss)
    event = first("blame", evs)
    c = make_cell(first("run", evs).config)
    symbols = {spec.name: spec.symbol for spec in declared(c)}
    found = read(drawn(blame_view(event, symbols), width))
    heatmaps, shares = found[:-1], found[-1]
    assert len(heatmaps) == (2 if cell == "lstm" else 1)
    losses = [f"L{sub(s)}" for s in event.to_json()["losses"]]
    assert len(losses) == (36 if loss == "every" else 1)
    for heatmap, state in zip(heatmaps, "hc"[: len(heatmaps)], strict=True):
        held = [f"{state}{sub(k)}" for k in range(1, 37)]
        shown = assert_folded(heatmap.names[1:], held, heatmap.below, column_fold(36))
        assert len(shown) < 36 and shown[-1] == held[-1]  # 36 columns never fit in 120
        assert_folded(
            [r[0] for r in heatmap.rows],
            losses,
            heatmap.below,
            lambda r: [f"the losses {spans(r, '…')}, not drawn ({count(r)} of 36)"],
        )
    steps = [f"t={k}" for k in range(1, 37)]
    assert_folded(shares.names[1:], steps, shares.below, column_fold(36))
    assert [r[0] for r in shares.rows] == list(symbols.values())  # every parameter


def one_hot_rows(sentences: Sequence[Sequence[str]]) -> list[tuple[str, str]]:
    return [(str(t), token) for tokens in sentences for t, token in enumerate(tokens, start=1)]


CORPORA = {
    "long": [LONG],
    "small": Path(__file__)
    .parents[2]
    .joinpath("sentences", "small.txt")
    .read_text()
    .splitlines()[1:],
    "long, 8 words": [" ".join(("one two three four five six seven eight".split() * 5)[:36])],
}


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("corpus", list(CORPORA))
def test_the_vocabulary_marks_and_names_what_it_folds_and_every_row_keeps_its_one(
    corpus: str, width: int
) -> None:
    sentences = [s.split() for s in CORPORA[corpus]]
    vocab = [*dict.fromkeys(w for s in sentences for w in s), "<eos>"]  # as a run's
    lines = drawn(one_hot_table(vocab, sentences), width)
    (table,) = read(lines)
    held = [f"{i}" for i in range(len(one_hot_rows(sentences)))]
    labels = []
    tokens = one_hot_rows(sentences)
    listed = 0
    for row in table.rows:
        if row[2].startswith(GAP):
            labels.append(row[2])
            assert row[2] == f"{GAP} {len(tokens) - listed} more tokens"
        else:
            assert (row[1], row[2]) == tokens[listed], row
            labels.append(str(listed))
            listed += 1
    total = len(tokens)
    places = [(s + 1, t) for s, toks in enumerate(sentences) for t in range(1, len(toks) + 1)]

    def named(r: list[list[str]]) -> list[str]:
        (s0, t0), (s1, t1) = places[int(r[0][0])], places[int(r[0][-1])]
        assert s0 == s1 == 1
        return [
            f"the {count(r)} input tokens after the first {total - count(r)} "
            f"(sentence 1, t = {t0} … {t1})"
        ]

    assert_folded(labels, held, table.below, named)
    if len(sentences) == 1:
        run = first("run", events("rnn", "last", CORPORA[corpus][0]))
        assert run.vocab == vocab
        assert sum(len(s) for s in run.to_json()["sentences"]) == total  # the trace has them
    if len(vocab) > 12:
        assert table.names[3] == "index in the vocabulary"
        for row in table.rows:
            if not row[2].startswith(GAP):
                assert row[3] == str(vocab.index(row[2]) + 1)  # counted from 1
        return
    columns = table.names[3:]
    shown = assert_folded(columns, vocab, table.below, column_fold(len(vocab)))
    words = {token for _, token in tokens[:listed]}
    if any(w not in shown for w in words):  # a listed token folded: no other token shown
        assert all(w in words for w in shown), (shown, words)
    for row in table.rows:
        if row[2].startswith(GAP):
            continue
        cells = row[3:]
        assert cells.count("1") == 1, row  # its 1 is visible
        at = cells.index("1")
        if columns[at] != GAP:
            assert columns[at] == row[2]
        else:  # the ⋯ standing for the token's column
            before = next((vocab.index(c) for c in reversed(columns[:at]) if c != GAP), -1)
            after = next((vocab.index(c) for c in columns[at + 1 :] if c != GAP), len(vocab))
            assert before < vocab.index(row[2]) < after, row


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("cell", CELLS)
def test_the_output_marks_and_names_the_tokens_it_does_not_list(cell: str, width: int) -> None:
    evs = events(cell)
    run, output = first("run", evs), first("output", evs)
    vocab = list(run.vocab)
    (table,) = read(drawn(output_view([output], vocab, 4, 1, make_cell(run.config).logits), width))
    y_hat = np.asarray(output.to_json()["y_hat"], dtype=float)  # the trace has every token's
    assert y_hat.size == len(vocab) == 31
    labels = [r[0] for r in table.rows]
    listed = [w for w in labels if not w.startswith(GAP)]
    assert labels[-1] == f"{GAP} {31 - len(listed)} more tokens"
    others = [w for w in listed if w != output.target]
    assert output.target in listed
    low = min(y_hat[vocab.index(w)] for w in others)
    assert all(y_hat[i] <= low for i, w in enumerate(vocab) if w not in listed)  # the highest
    below = table.below
    assert (
        f"Listed: the target and the {len(others)} other tokens ŷ ranks highest, of the 31; "
        f"the {GAP} row stands for the other {31 - len(listed)}: the JSON trace" in below
    ), below


@pytest.mark.parametrize("width", WIDTHS)
def test_compare_cells_marks_and_names_the_steps_it_folds(width: int) -> None:
    runs_ = {cell: events(cell) for cell in CELLS}
    *_, heatmap = read(drawn(cells_view(runs_, 4), width))  # the summary may be in blocks
    assert [r[0] for r in heatmap.rows] == ["vanilla RNN", "LSTM", "GRU"]
    held = [f"h{sub(k)}" for k in range(1, 37)]
    shown = assert_folded(heatmap.names[1:], held, heatmap.below, column_fold(36))
    assert len(shown) < 36


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_a_short_sentences_tables_show_every_k_without_a_gap_or_a_note(cell: str) -> None:
    evs = events(cell, "last", "a b c d e")
    c = make_cell(first("run", evs).config)
    symbols = {spec.name: spec.symbol for spec in declared(c)}
    views = [jacobians_view(first("jacobians", evs), c, symbols[c.recurrent])]
    views.append(gates_view(first("gates", evs)))
    for view in views:
        lines = drawn(view, 80)
        table = read(lines)[0]
        assert [r[0] for r in table.rows] == ["1", "2", "3", "4", "5"]
        assert GAP not in "\n".join(lines) and "not shown" not in table.below


def test_a_chain_followed_back_from_a_later_first_k_names_the_k_it_leaves_out() -> None:
    """Past 256 steps the norms start at first = T − 255: the rows and the note count from
    there."""
    sentence = " ".join(f"w{i % 7}" for i in range(300))
    evs = events("rnn", "last", sentence)
    event = first("jacobians", evs)
    c = make_cell(first("run", evs).config)
    lines = drawn(jacobians_view(event, c, "Wʰ"), 80)
    (table,) = read(lines)
    assert event.first == 300 - 255
    held = [str(k) for k in range(event.first, 301)]
    ks = assert_folded(
        [r[0] for r in table.rows],
        held,
        table.below,
        lambda r: [f"k = {spans(r)}, not shown ({count(r)} of 256)"],
    )
    assert len(ks) == 12 and ks[0] == str(event.first) and ks[-1] == "300"


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_detail_full_shows_every_k_as_the_notes_say(cell: str) -> None:
    """The notes say --detail full shows every k: under it the renderer draws a row for each
    k = 1 … 36 of the gated path and of the vanishing/exploding table, no ⋯ and no note."""
    renderer = TraceRenderer(only=["blame", "jacobians"])
    shown: list[Any] = []
    for event in trace_sentence(LONG, Config(cell=cell, detail="full")):
        shown += renderer.feed(event)
    shown += renderer.close()
    lines = [line for item in shown for line in drawn(item, 80)]
    titles = ("The gated path", "Vanishing or exploding?")
    found = [
        table
        for table, at in zip(
            read(lines), [i for i, x in enumerate(lines) if "───" in x], strict=True
        )
        if any(title in line for line in lines[at - 4 : at] for title in titles)
    ]
    assert len(found) == 2
    for table in found:
        assert [r[0] for r in table.rows] == [str(k) for k in range(1, 37)]
