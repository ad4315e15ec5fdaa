"""Every label of every table of every cell is read as the formula it is and held against the
number printed beside it (issue 25): a label that names the wrong time index or the wrong gate
(the GRU's old (rₜ₋₁⊙hₜ₋₁)ᵀ·∂L/∂a_n, r₀ at t = 1) fails, whichever cell and table it is in.

The expected numbers come from ``named_quantities``: a naive forward pass of each cell from the
trace's parameters and tokens, and derivatives by central differences with respect to the very
intermediate a label names — never from the engine. Two ragged sentences, so that t = 1, t = T
and a sentence shorter than the batch's longest are all read, under --loss last and every.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from label_reading import LabelError, Reader, check_indices, index_of
from rich.text import Text
from shown_tables import CELLS, CORPUS, number, plain, rows, sentence_of, tables, traced

from bptt_trace.config import Config
from bptt_trace.rendering.renderer import TraceRenderer
from bptt_trace.rendering.tables import NotedTable
from bptt_trace.rendering.view_names import VIEWS
from bptt_trace.trace.loop import run


def read_forward(table: NotedTable, reader: Reader) -> int:
    headers = [plain(c.header) for c in table.columns]
    t, count = 0, 0
    for row in rows(table):
        t = int(plain(row[0])) if plain(row[0]) else t
        reader.check(plain(row[2]), number(row[3]), t, f"forward t = {t}")
        if plain(row[4]):
            reader.check(headers[4], number(row[4]), t, f"forward t = {t}, {headers[4]}")
        count += 1
    return count


def read_backward(table: NotedTable, reader: Reader) -> int:
    t, count = 0, 0
    for row in rows(table):
        t = int(plain(row[0])) if plain(row[0]) else t
        reader.check(plain(row[2]), number(row[3]), t, f"backward t = {t}")
        count += 1
    return count


def read_contributions(
    table: NotedTable, reader: Reader, vocab: list[str], sums: dict[str, np.ndarray]
) -> int:
    """Each step's contribution, and the running sum: the contributions of steps T … t added to
    ``sums``, what the sentences before this one contributed (the step's gradient is their sum).
    """
    t, count = 0, 0
    for row in rows(table):
        t = int(plain(row[0])) if plain(row[0]) else t
        symbol, formula = plain(row[1]).split("\n", 1)
        reader.check(formula, number(row[2]), t, f"contributions t = {t}, {symbol}")
        step = reader.evaluate(formula.split(":", 1)[-1], t)
        if formula.startswith("row "):  # the row of xₜ's token in ∂L/∂W
            step = np.outer(reader.s.values["x", t], step)
        sums[symbol] = sums.get(symbol, 0.0) + step
        summed = row[3]
        expected = sums[symbol]
        if summed.labels:  # the rows of ∂L/∂W that it shows, by token
            expected = expected[[vocab.index(token) for token in summed.labels]]
        assert np.allclose(summed.rows, expected.reshape(summed.rows.shape), atol=1e-7), (
            f"the running sum of {symbol} after step {t} is not Σ {formula} over T … {t}"
        )
        count += 1
    return count


def read_output(table: NotedTable, reader: Reader, vocab: list[str]) -> int:
    """Every column whose heading is a formula: per time step, or per token at the last (the
    numbers there are read from their text, to 4 decimals)."""
    headers = [plain(c.header) for c in table.columns]
    count = 0
    if headers[0] == "t":
        for row in rows(table):
            if not plain(row[0]):
                continue  # the Σ row
            t = int(plain(row[0]))
            for heading, cell in zip(headers[2:], row[2:], strict=True):
                reader.check(heading, number(cell), t, f"output t = {t}, {heading}", TEXT)
                count += 1
        return count
    t = int(re.search(r"t = (\d+)", table.heading.plain).group(1))
    tokens = [row for row in rows(table) if plain(row[0]) in vocab]
    shown = [vocab.index(plain(row[0])) for row in tokens]
    for k, heading in enumerate(headers[1:], start=1):
        printed = np.array([float(plain(row[k])) for row in tokens])
        for side in heading.split(" = "):
            full = reader.evaluate(side, t).ravel()
            assert np.allclose(printed, full[shown], rtol=TEXT, atol=TEXT), (heading, side)
        check_indices(heading, reader.s)
        count += 1
    return count


TEXT = 5.1e-5
"""How far a number printed with 4 decimals may be from the one it rounds."""


@pytest.mark.parametrize("loss", ["last", "every"])
@pytest.mark.parametrize("cell", list(CELLS))
@pytest.mark.parametrize("view", ["forward", "output", "backward", "contributions"])
def test_every_label_is_the_number_beside_it(cell: str, loss: str, view: str) -> None:
    read_view(cell, loss, view)


@pytest.mark.parametrize("cell", list(CELLS))
@pytest.mark.parametrize("view", ["forward", "backward", "contributions"])
def test_every_label_is_the_number_beside_it_a_time_step_a_page(cell: str, view: str) -> None:
    """As --pause shows them: a table for each time step, each read alone."""
    read_view(cell, "every", view, step_through=True)


def read_view(cell: str, loss: str, view: str, step_through: bool = False) -> None:
    shown, corpus, known = traced(cell, loss, view, step_through)
    steps = sum(s.T for s in corpus)
    assert len(shown) == (steps if step_through else len(CORPUS))  # a table each, each read
    read, sums = 0, {}
    for table in shown:
        s = sentence_of(table)
        reader = Reader(corpus[s], known["symbols"])
        if view == "forward":
            read += read_forward(table, reader)
        elif view == "backward":
            read += read_backward(table, reader)
        elif view == "contributions":
            read += read_contributions(table, reader, known["vocab"], sums)
        else:
            read += read_output(table, reader, known["vocab"])
    assert read >= 2 * len(CORPUS)


@pytest.mark.parametrize("loss", ["last", "every"])
@pytest.mark.parametrize("cell", list(CELLS))
def test_no_view_names_a_time_step_before_the_first(cell: str, loss: str) -> None:
    """Whatever the view (blame, Jacobians, update, formulas …), a symbol at t = 0 is h₀ or c₀:
    nothing else exists before the first token."""
    for view in VIEWS:
        shown, corpus, _ = traced(cell, loss, view)
        for table in shown:
            texts = [table.heading, table.note, *(c.header for c in table.columns)]
            texts += [cell for column in table.columns for cell in column._cells]
            for text in texts:
                if isinstance(text, (str, Text)):
                    check_indices(plain(text), corpus[0])


def test_a_label_that_names_the_previous_reset_gate_fails() -> None:
    """The reading itself: the GRU's old label (rₜ₋₁⊙hₜ₋₁) is refused at t = 1 (there is no r₀)
    and differs from the number at t = T; the right one, (rₜ⊙hₜ₋₁), is read as it."""
    _, corpus, known = traced("gru", "last", "contributions")
    reader = Reader(corpus[0], known["symbols"])
    T = corpus[0].T
    right = reader.evaluate("(r₅⊙h₄)ᵀ·∂L/∂a_n", T)
    reader.check("(r₅⊙h₄)ᵀ·∂L/∂a_n", right, T, "the right label")
    with pytest.raises(AssertionError, match="shows"):
        reader.check("(r₄⊙h₄)ᵀ·∂L/∂a_n", right, T, "the old label")
    with pytest.raises(LabelError, match="r₀"):
        reader.check("(r₀⊙h₀)ᵀ·∂L/∂a_n", right, 1, "the old label at t = 1")


@pytest.mark.parametrize("label", ["  a_z = x₁·W_z + h₋₁·Wʰ_z + b_z", "∂L/∂a₀", "z₀ = σ(a_z)"])
def test_a_label_before_the_first_step_fails(label: str) -> None:
    """h₋₁, a₀, z₀: nothing but h₀ and c₀ exists before the first token."""
    _, corpus, _ = traced("gru", "last", "forward")
    with pytest.raises(LabelError):
        check_indices(label, corpus[0])


@pytest.mark.parametrize("loss", ["last", "every"])
def test_the_truncation_notes_name_the_loss_they_leave_out_on_every_page(loss: str) -> None:
    """Under --truncate K the part of ∂L/∂hₜ from step t + 1 leaves out L_t+K, whose flow stops
    at hₜ₊₁: the row says so wherever there is such a loss (at every t + K ≤ T under every, at
    t + K = T under last), whether the table shows the sentence at once or a step a page."""
    K, corpus = 2, [["the", "cat", "sat", "on", "mats"], ["a", "cat", "sat"]]
    events = list(run(corpus, Config(hidden=2, loss=loss, truncate=K, detail="full")))
    for step_through in (False, True):
        renderer = TraceRenderer(4, step_through, only=["backward"])
        shown = list(tables([r for e in events for r in renderer.feed(e)] + renderer.close()))
        notes = set()
        for table in shown:
            s, t = sentence_of(table), 0
            for row in rows(table):
                t = int(plain(row[0])) if plain(row[0]) else t
                found = re.search(r"less L(\S+)'s part — cut by --truncate 2", plain(row[2]))
                if found:
                    notes.add((s, t, index_of(found.group(1), t)))
        T = [len(tokens) for tokens in corpus]
        losses = {(s, t): t + K for s in (0, 1) for t in range(1, T[s] + 1) if t + K <= T[s]}
        if loss == "last":
            losses = {key: at for key, at in losses.items() if at == T[key[0]]}
        assert notes == {(s, t, at) for (s, t), at in losses.items()}, step_through
