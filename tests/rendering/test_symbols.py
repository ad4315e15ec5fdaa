"""One symbol, one meaning, in every cell's output (issue 22): each symbol the header's
equations and the tables define is given the meaning its own number shows — the quantity of
an independent forward pass (``named_quantities``) that the printed number is, or that the
header's right-hand side evaluates to — and a symbol whose definitions name two different
quantities fails (the LSTM's oₜ, its output gate in the forward table, was also the logits in
the output table and the header).

And one role a letter on one screen (every view of a run, and --compare-cells): no letter is
both an index (a subscript: s in Lₛ, j in ∏ⱼ) and a quantity (sₜ, s_T), nor both a function
(f′(aⱼ)) and a quantity (fₜ): the LSTM's state was s beside the losses' index s, and
--compare-cells wrote its forget gate fₜ beside the RNN's activation f′.
"""

from __future__ import annotations

import io
import re
from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from label_reading import LOGITS, SYMBOL, LabelError, Missing, Reader
from named_quantities import Sentence
from rich.console import Group
from rich.panel import Panel
from rich.text import Text
from shown_tables import CELLS, number, plain, rows, sentence_of, traced

from bptt_trace import trace_sentence
from bptt_trace.config import Config
from bptt_trace.rendering.cells import cells_view
from bptt_trace.rendering.renderer import make_console, render
from bptt_trace.rendering.theme import subscript

DEFINED = {"rnn": "a", "lstm": "ifgoc", "gru": ("z", "r", "h̃"), "gru-reset-after": ("z", "r", "h̃")}
"""The symbols of each cell's own quantities, which its header's equations define."""

Meanings = dict[str, list[tuple[str, set[str]]]]
"""For each symbol (its letters, without the time index): where it is defined, and which
quantities its number there can be."""


def key(symbol: str) -> str:
    m = SYMBOL.fullmatch(symbol)
    assert m is not None, symbol
    return m.group(1) + (m.group(2) or "") + (m.group(3) or "")


def identify(value: Any, sentence: Sentence, entries: list[int] | None = None) -> set[str]:
    """The quantities (by name) that ``value`` is at some time step of the sentence."""
    value = np.ravel(np.asarray(value, dtype=float))
    found = {"L" for loss in sentence.losses.values() if value.size == 1 and close(value, loss)}
    found |= {name for name, p in sentence.p.items() if p.size == value.size and close(p, value)}
    for (name, _), array in sentence.values.items():
        candidate = array if entries is None or array.size <= max(entries) else array[entries]
        if value.size in (1, candidate.size) and close(candidate, value):  # h₀ = 0: each entry
            found.add(name)
    return found


def close(a: Any, b: Any) -> bool:
    """Equal to the 4 decimals that a table prints."""
    return bool(np.allclose(a, b, atol=5.1e-5, rtol=0))


def definitions(label: str) -> list[str]:
    """The symbols a label defines: each side of its equation that is a symbol alone (a₂ in
    "= a₂", z₂ in "z₂ = σ(a_z)", v₅ heading a column)."""
    text = re.sub(r"^[+=⊙−]\s+", "", label.strip())
    sides = [side.strip() for side in text.split(" = ")]
    return [side for side in sides if SYMBOL.fullmatch(side)]


def table_meanings(cell: str, loss: str, meanings: Meanings) -> None:
    """The forward, output, backward and contributions tables: each row's or column's symbol
    means what its number is."""
    for view in ("forward", "output", "backward", "contributions"):
        shown, corpus, known = traced(cell, loss, view)
        vocab = known["vocab"]
        for table in shown:
            s = corpus[sentence_of(table)]
            headers = [plain(c.header) for c in table.columns]
            where = f"{view} table of sentence {sentence_of(table) + 1}"
            if view == "output" and headers[0] != "t":  # one row a token, one column a quantity
                tokens = [row for row in rows(table) if plain(row[0]) in vocab]
                entries = [vocab.index(plain(row[0])) for row in tokens]
                for k, heading in enumerate(headers[1:], start=1):
                    value = [float(plain(row[k])) for row in tokens]
                    for symbol in definitions(heading):
                        found = identify(value, s, entries)
                        meanings.setdefault(key(symbol), []).append((where, found))
                continue
            for row in rows(table):
                for heading, cell_ in zip(headers, row, strict=True):
                    value = number(cell_)
                    if value is None or isinstance(value, str):
                        continue
                    label_cell = row[2] if view in ("forward", "backward") else row[1]
                    label = plain(label_cell).split("\n")[-1]
                    for text in (heading, label if heading in ("value",) else ""):
                        for symbol in definitions(text):
                            found = identify(value, s)
                            meanings.setdefault(key(symbol), []).append((where, found))


def header_meanings(cell: str, loss: str, meanings: Meanings) -> list[str]:
    """The header's equations: the quantity each right-hand side evaluates to, where it can be
    evaluated (at t = T of the first sentence); the lines read, for the test to see."""
    _, corpus, known = traced(cell, loss, None)
    groups = [group for group in known["shown"] if isinstance(group, Group)]
    panel = next(part for g in groups for part in g.renderables if isinstance(part, Panel))
    lines = panel.renderable.plain.splitlines() if isinstance(panel.renderable, Text) else []
    s = corpus[0]
    reader = Reader(s, known["symbols"])
    T = subscript(s.T)
    for line in lines:
        line = line.replace("_T", T).replace("ₜ₋₁", subscript(s.T - 1))
        line = line.replace("ₜ₊₁", subscript(s.T + 1)).replace("ₜ", T)
        for clause in re.split(r",\s+|;\s+| and | at every t| at t = T\b", line):
            sides = clause.split(" = ")
            if len(sides) < 2:
                continue
            symbol = sides[0].split()[-1] if sides[0].split() else ""
            if not SYMBOL.fullmatch(symbol):
                continue
            try:
                value = reader.evaluate(sides[1], s.T)
            except (LabelError, Missing, KeyError):
                continue  # prose, or a formula over every gate at once
            meanings.setdefault(key(symbol), []).append(("the header", identify(value, s)))
    return lines


def clashes(meanings: Meanings) -> list[str]:
    """The symbols whose definitions cannot all be one quantity."""
    out = []
    for symbol, uses in meanings.items():
        common = set.intersection(*(found for _, found in uses))
        if not common:
            out.append(f"{symbol}: " + "; ".join(f"{w} → {sorted(f)}" for w, f in uses))
    return out


@pytest.mark.parametrize("loss", ["last", "every"])
@pytest.mark.parametrize("cell", list(CELLS))
def test_every_symbol_means_one_quantity_in_a_cells_output(cell: str, loss: str) -> None:
    meanings: Meanings = {}
    lines = header_meanings(cell, loss, meanings)
    assert any("softmax" in line for line in lines)
    v = LOGITS[cell]
    assert set(meanings) >= {*DEFINED[cell], "h", v, "ŷ"}  # the header defines each
    table_meanings(cell, loss, meanings)
    assert not clashes(meanings), "\n".join(clashes(meanings))
    # the logits and the states are among what was read, in the header and the tables
    assert "the header" in [where for where, _ in meanings[v]]
    assert {"logits"} == set.intersection(*(found for _, found in meanings[v]))
    assert len(meanings["h"]) > 1 and len(meanings) >= {"rnn": 4}.get(cell, 6)


def test_a_symbol_with_two_meanings_fails() -> None:
    """The reading itself: oₜ as the LSTM's output gate (the forward table) and as the logits
    (the old output table) is a clash; one meaning used twice is not."""
    _, corpus, _ = traced("lstm", "last", "forward")
    s = corpus[0]
    gate, logits = s.values["o", 2], s.values["logits", s.T]
    assert clashes({"o": [("forward", identify(gate, s)), ("output", identify(logits, s))]})
    assert not clashes({"o": [("forward", identify(gate, s)), ("header", identify(gate, s))]})


SUBSCRIPT_LETTERS = {"ₛ": "s", "ⱼ": "j", "ₖ": "k", "ₜ": "t", "ᵢ": "i", "ₙ": "n", "ₘ": "m"}
"""The letters that a screen writes as subscripts: indices (Lₛ, ∏ⱼ, hₖ, xₜ)."""

QUANTITY = re.compile(r"(?<![A-Za-z])([A-Za-z])(?:[ₛⱼₖₜᵢₙₘ₀-₉]|_T\b)")
"""A letter standing for a quantity at a time step: sₜ, fⱼ, h₃₆, s_T."""

FUNCTION = re.compile(r"(?<![A-Za-z])([A-Za-z])(?:′|\()")
"""A letter standing for a function: f′(aⱼ), f(aₜ)."""


def letter_clashes(screen: str) -> list[str]:
    """The letters of one screen with two roles: an index (a subscript, as s in Lₛ) that is
    also a quantity (sₜ, s_T); or a function (f′, f(…)) that is also a quantity (fₜ, fⱼ)."""
    indices = {SUBSCRIPT_LETTERS[ch] for ch in screen if ch in SUBSCRIPT_LETTERS}
    quantities: dict[str, str] = {}
    for m in QUANTITY.finditer(screen):
        quantities.setdefault(m.group(1), m.group(0))
    functions: dict[str, str] = {}
    for m in FUNCTION.finditer(screen):
        functions.setdefault(m.group(1), m.group(0))
    out = [
        f"{x}: an index (…{'ₛⱼₖₜᵢₙₘ'['sjktinm'.index(x)]}) and a quantity ({quantities[x]})"
        for x in sorted(indices & set(quantities))
    ]
    out += [
        f"{x}: a function ({functions[x]}) and a quantity ({quantities[x]})"
        for x in sorted(set(functions) & set(quantities))
    ]
    return out


def screen_of(cell: str, loss: str) -> str:
    """Everything one run shows (every view), as plain text, for 36 tokens."""
    buffer = io.StringIO()
    events = trace_sentence(SENTENCE_36, replace(CELLS[cell], loss=loss))
    render(events, make_console(file=buffer, width=200, no_color=True))
    return buffer.getvalue()


SENTENCE_36 = " ".join(["the gradient must travel back through every step"] * 4 + ["of it"] * 2)
"""36 tokens: long enough for every view's folds and notes."""


@pytest.mark.parametrize("loss", ["last", "every"])
@pytest.mark.parametrize("cell", list(CELLS))
def test_no_letter_is_both_an_index_and_a_quantity_or_a_function_on_one_screen(
    cell: str, loss: str
) -> None:
    """The LSTM's screen wrote the loss's step s (‖∂Lₛ/∂hₖ‖, 0 where k > s) and its state s
    (‖∂s_T/∂sₖ‖₂, sₜ = (hₜ, cₜ)) with one letter; now its state is (hₜ, cₜ)."""
    screen = screen_of(cell, loss)
    assert "Lₛ" in screen and "Vanishing or exploding?" in screen  # the screen is whole
    assert not letter_clashes(screen), letter_clashes(screen)


@pytest.mark.parametrize("reset_after", [False, True])
def test_compare_cells_gives_each_letter_one_role(reset_after: bool) -> None:
    """--compare-cells wrote the LSTM's forget gate fₜ and the RNN's activation f′(aⱼ) in one
    paragraph, and ‖∂s_T/∂s₁‖₂ for three cells without saying what s is."""
    runs = {
        cell: list(
            trace_sentence(
                SENTENCE_36, Config(cell=cell, reset_after=reset_after and cell == "gru")
            )
        )
        for cell in ("rnn", "lstm", "gru")
    }
    buffer = io.StringIO()
    make_console(file=buffer, width=120, no_color=True).print(cells_view(runs, 4))
    screen = " ".join(buffer.getvalue().split())
    assert not letter_clashes(screen), letter_clashes(screen)
    assert "fₜ" in screen and "tanh′(aⱼ)" in screen  # the gate, and the activation by name
    assert "‖∂state_T/∂state₁‖₂" in screen and "(hₜ, cₜ) for the LSTM" in screen


def test_a_letter_with_two_roles_fails() -> None:
    """The reading itself, on the screens' old words: s as the loss's index and the LSTM's
    state; f as the forget gate and the activation; one role each is no clash."""
    assert letter_clashes("‖∂Lₛ/∂hₖ‖ … 0 where k > s … ‖∂s_T/∂sₖ‖₂ over sₜ = (hₜ, cₜ)")
    assert letter_clashes("scaled by fₜ alone … multiplied by diag(f′(aⱼ))·Wʰᵀ")
    assert not letter_clashes("‖∂Lₛ/∂hₖ‖ … ‖∂(h_T, c_T)/∂(hₖ, cₖ)‖₂ … scaled by fₜ alone")
    assert not letter_clashes("hₜ = f(aₜ), f = tanh … diag(f′(aⱼ))·Wʰᵀ")
