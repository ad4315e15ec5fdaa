"""The labels of the gradient-flow views and of the update, read against their numbers (issue
25, every view): the blame matrices ‖∂Lₛ/∂hₖ‖ and ‖∂Lₛ/∂cₖ‖ (row Lₛ, column hₖ), each time
step's contribution ‖contribution of time step t‖, the per-loss terms ‖∂Lₛ/∂θ‖, the gated path
∏ⱼ fⱼ (or zⱼ) for j = k+1 … T, the Jacobian norms ‖∂h_T/∂hₖ‖₂ (of (h, c) for the LSTM), and
the update's old, ∂L/∂θ and new values.

Each number is computed again from the label's own symbols and indices: central differences of
the loss named (Lₛ, this sentence's own, or the step's L) with respect to the quantity named at
the step named, on a naive forward pass (``named_quantities``), never from the engine. The
blame and flow views print 2 significant digits (5 % apart at most).
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from label_reading import SYMBOL, index_of
from named_quantities import Sentence
from shown_tables import CELLS, number, plain, rows, sentence_of, traced

from bptt_trace.rendering.update import UpdateView

SHORT = 0.051
"""How far a number printed as 3.9e-02 may be from the one it rounds, relatively."""

STATE = {"rnn": ("h",), "lstm": ("h", "c"), "gru": ("h",), "gru-reset-after": ("h",)}
CARRY = {"lstm": "f", "gru": "z", "gru-reset-after": "z"}


def near(printed: str, exact: float) -> bool:
    value = float(printed)
    return abs(value - exact) <= SHORT * abs(exact) + (1e-9 if value == 0 else 0)


def named_index(symbol: str) -> tuple[str, int]:
    m = SYMBOL.fullmatch(symbol)
    assert m is not None and m.group(4), f"{symbol!r} names no time step"
    return m.group(1), index_of(m.group(4), 0)


def param_names(known: dict) -> dict[str, str]:
    return {symbol: name for name, symbol in known["symbols"].items()}


def read_blame(table, s: Sentence) -> int:
    """‖∂Lₛ/∂Xₖ‖: row Lₛ (this sentence's own loss at s), column Xₖ (h or c at k)."""
    heading = table.heading.plain
    assert re.search(r"‖∂Lₛ/∂([hc])ₖ‖", heading), heading
    headers = [plain(c.header) for c in table.columns]
    count = 0
    for row in rows(table):
        loss, at = named_index(plain(row[0]))
        assert loss == "L"
        for header, cell in zip(headers[1:], row[1:], strict=True):
            name, k = named_index(header)
            exact = float(np.linalg.norm(s.derivative(name, k, loss=at)))
            assert near(plain(cell), exact), (heading, plain(row[0]), header, plain(cell), exact)
            count += 1
    return count


def read_shares(table, s: Sentence, params: dict[str, str]) -> int:
    """‖contribution of time step t‖ to θ: ∂L/∂θ of the step's L through time step t's use of θ
    only."""
    headers = [plain(c.header) for c in table.columns]
    count = 0
    for row in rows(table):
        name = params[plain(row[0])]
        for header, cell in zip(headers[1:], row[1:], strict=True):
            t = int(header.removeprefix("t="))
            exact = float(np.linalg.norm(s.derivative(f"θ:{name}", t)))
            assert near(plain(cell), exact), (plain(row[0]), header, plain(cell), exact)
            count += 1
    return count


def read_per_loss(table, s: Sentence, params: dict[str, str]) -> int:
    """‖∂Lₛ/∂θ‖: the sentence's own loss at s, every step's θ."""
    headers = [plain(c.header) for c in table.columns]
    count = 0
    for row in rows(table):
        _, at = named_index(plain(row[0]))
        for header, cell in zip(headers[1:], row[1:], strict=True):
            m = re.fullmatch(r"‖∂L(\S)/∂(\S+)‖", header)
            assert m and m.group(1) == "ₛ", header
            exact = float(np.linalg.norm(s.derivative(f"θ:{params[m.group(2)]}", 0, loss=at)))
            assert near(plain(cell), exact), (plain(row[0]), header, plain(cell), exact)
            count += 1
    return count


def read_gated_path(table, s: Sentence, gate: str) -> int:
    """Mean over units of ∏ⱼ gateⱼ for j = k+1 … T (1 at k = T: no factor)."""
    assert f"∏ⱼ {gate}ⱼ for j = k+1 … T" in table.heading.plain, table.heading.plain
    count = 0
    for row in rows(table):
        k = int(plain(row[0]))
        product = np.prod([s.values[gate, j] for j in range(k + 1, s.T + 1)], axis=0)
        assert near(plain(row[1]), float(np.mean(product))), (k, plain(row[1]))
        count += 1
    return count


def read_jacobians(table, s: Sentence, states: tuple[str, ...]) -> int:
    """‖∂h_T/∂hₖ‖₂ (‖∂(h_T, c_T)/∂(hₖ, cₖ)‖₂ for the LSTM), the spectral norm of the last
    state's Jacobian with respect to state k."""
    at_T, at_k = (", ".join(f"{x}{i}" for x in states) for i in ("_T", "ₖ"))
    if len(states) > 1:
        at_T, at_k = f"({at_T})", f"({at_k})"
    assert f"‖∂{at_T}/∂{at_k}‖₂" in table.heading.plain, table.heading.plain
    count = 0
    for row in rows(table):
        k = int(plain(row[0]))
        exact = float(np.linalg.norm(s.jacobian(k, states), 2))
        assert near(plain(row[1]), exact), (k, plain(row[1]), exact)
        count += 1
    return count


@pytest.mark.parametrize("loss", ["last", "every"])
@pytest.mark.parametrize("cell", list(CELLS))
def test_the_flow_views_labels_are_their_numbers(cell: str, loss: str) -> None:
    read = {"blame": 0, "shares": 0, "per-loss": 0, "gated": 0, "jacobians": 0}
    for view in ("blame", "jacobians"):
        shown, corpus, known = traced(cell, loss, view)
        params = param_names(known)
        for table in shown:
            s = corpus[sentence_of(table)]
            heading = table.heading.plain
            if heading.startswith("Blame"):
                read["blame"] += read_blame(table, s)
            elif heading.startswith("Each time step's contribution to each gradient"):
                read["shares"] += read_shares(table, s, params)
            elif heading.startswith("The per-loss terms"):
                read["per-loss"] += read_per_loss(table, s, params)
            elif heading.startswith("The gated path"):
                read["gated"] += read_gated_path(table, s, CARRY[cell])
            elif heading.startswith("Vanishing or exploding"):
                read["jacobians"] += read_jacobians(table, s, STATE[cell])
            else:
                assert heading.startswith("Gate saturation"), heading
    expected = {"per-loss": loss == "every", "gated": cell != "rnn"}
    for what, count in read.items():
        assert (count > 0) == expected.get(what, True), (what, count)


@pytest.mark.parametrize("cell", list(CELLS))
def test_the_updates_labels_are_their_numbers(cell: str) -> None:
    """old is θ, ∂L/∂θ the gradient of the step's L (the mean over both sentences), new is
    θ − α·∂L/∂θ and Δ = new − old, row by row (a token's row of W, or row i of Wʰ); read from
    the tables the update view lays side by side on a wide terminal."""
    _, corpus, known = traced(cell, "every", "update")
    params, vocab = param_names(known), known["vocab"]
    views = [part for part in known["shown"] if isinstance(part, UpdateView)]
    read = 0
    for table in (table for view in views for table in view._tables(side_by_side=True)):
        symbol = table.heading.plain.split(" ← ")[0]
        name = params[symbol]
        old = corpus[0].p[name]
        grad = sum(s.derivative(f"θ:{name}", 0) for s in corpus)
        exact = {"old": old, f"∂L/∂{symbol}": grad, "new": old - 0.1 * grad}
        exact["Δ = new − old"] = exact["new"] - old
        headers = [plain(c.header) for c in table.columns]
        for row in rows(table):
            lead = plain(row[0])
            at = None if old.ndim == 1 else vocab.index(lead) if lead in vocab else int(lead) - 1
            for header, cell_ in zip(headers[1:], row[1:], strict=True):
                want = exact[header] if at is None else exact[header][at]
                assert np.allclose(number(cell_), want, rtol=1e-4, atol=1e-9), (symbol, header)
                read += 1
    assert read >= 4 * len(known["symbols"])
