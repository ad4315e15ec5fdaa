"""Each time step's contribution to the gradients, and the running sums after it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from rich.table import Table
from rich.text import Text

from ..core.cells.declaration import Cell, Outer, Row
from ..trace.events import BackwardEvent
from ..trace.summary import is_summary
from .gaps import gap_before
from .tables import ONE_HOT_MAX, NotedTable, Values, gates_at, label, noted_table
from .theme import vector
from .vectors import matrix_cell, vector_cell


def contributions_frame(where: str, cell: Cell) -> NotedTable:
    """The contributions table's title and columns (its rows: ``contributions_table``, or an
    exercise's)."""
    return noted_table(
        f"Contributions of each time step, running sums · {where}",
        "t",
        "θ",
        Values("contribution of time step t"),
        Values("running sum after time step t"),
        caption=cell.contributions_note,
    )


NOT_KEPT = {
    "summary": "— not kept under --detail summary (it summarises every matrix); the gradients "
    "have the totals",
}
"""Why a running sum is not in the trace, by the run's --detail; else it was too large."""
TOO_LARGE = "— too large to follow; the gradients have the totals"


def contributions_table(
    events: Sequence[BackwardEvent],
    vocab: Sequence[str],
    precision: int,
    cell: Cell,
    detail: str = "auto",
) -> Table:
    """For t = T down to 1: what time step t adds to each of the cell's gradients (for the vanilla
    RNN ∂L/∂W, ∂L/∂Wʰ and ∂L/∂b), and the running sums so far; a running sum the trace does
    not hold (None) says why, by the run's ``detail``."""
    first = events[0]
    where = f"step {first.step} · sentence {first.sentence + 1}"
    sums = contributions_frame(where, cell)
    symbols = {"h_prev": "h{p}", "h": "h{t}", **cell.symbols}
    for i, e in enumerate(events):
        gap_before(sums, e.t, events[i - 1].t if i else None)
        for k, spec in enumerate(cell.params):
            running = e.terms[f"sum_{spec.name}"]
            rule = spec.grad
            if isinstance(rule, Row):
                whole = running is not None and not is_summary(running)
                total = np.asarray(running) if whole else running
                rows = _touched_rows(total, e.token_index) if whole else []
                what = Text.assemble(
                    (f"\nrow {e.token}", "token"),
                    (": " + gates_at(label(symbols[rule.key], e.t), e.t), "note"),
                )
                shown = vector_cell(e.terms[rule.key], precision)
                summed = _labelled_matrix(total, rows, vocab, precision)
            elif isinstance(rule, Outer):
                outer = f"{symbols[rule.left]}ᵀ·{symbols[rule.right]}"
                what = Text("\n" + gates_at(label(outer, e.t), e.t), "note")
                shown = matrix_cell(e.terms[f"d{spec.name}"], precision)
                summed = matrix_cell(running, precision)
            else:
                what = Text("\n" + gates_at(label(symbols[rule.key], e.t), e.t), "note")
                shown = vector_cell(e.terms[rule.key], precision)
                summed = vector_cell(running, precision)
            if running is None:
                summed = Text(NOT_KEPT.get(detail, TOO_LARGE), "note")
            name = Text.assemble((spec.symbol, "label"), what)
            sums.add_row(str(e.t) if k == 0 else "", name, shown, summed)
        sums.add_section()
    return sums


def _touched_rows(sum_W: np.ndarray, token_index: int) -> list[int]:
    if sum_W.ndim < 2 or sum_W.shape[0] <= ONE_HOT_MAX:
        return list(range(sum_W.shape[0]))
    return sorted({token_index, *np.flatnonzero(np.any(sum_W != 0, axis=1)).tolist()})


def _labelled_matrix(values: Any, rows: list[int], vocab: Sequence[str], precision: int) -> Any:
    """The rows of ∂L/∂W that ``rows`` names, each led by its token."""
    if values is None or is_summary(values):
        return vector(values, precision)
    return matrix_cell(values[rows], precision, labels=[vocab[i] for i in rows])
