"""Each time step's contribution to the gradients, and the running sums after it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from rich.table import Table
from rich.text import Text

from ..trace.events import BackwardEvent
from ..trace.summary import is_summary
from .tables import ONE_HOT_MAX, noted_table
from .theme import matrix, subscript, vector


def contributions_table(
    events: Sequence[BackwardEvent], vocab: Sequence[str], precision: int
) -> Table:
    """For t = T down to 1: what step t adds to ∂L/∂W, ∂L/∂Wʰ and ∂L/∂b, and the sums so far."""
    first = events[0]
    where = f"step {first.step} · sentence {first.sentence + 1}"
    sums = noted_table(
        f"Contributions of each step and running sums · {where}",
        "t",
        "θ",
        "contribution of step t",
        "running sum after step t",
        caption="Step t adds ∂L/∂aₜ to ∂L/∂b and to the row of xₜ's token in ∂L/∂W "
        "(xₜᵀ·∂L/∂aₜ is zero elsewhere), and hₜ₋₁ᵀ·∂L/∂aₜ to ∂L/∂Wʰ.",
    )
    for e in events:
        t, prev = subscript(e.t), subscript(e.t - 1)
        whole = e.sum_W is not None and not is_summary(e.sum_W)
        sum_W = np.asarray(e.sum_W) if whole else e.sum_W
        rows_W = _touched_rows(sum_W, e.token_index) if whole else []
        sums.add_row(
            str(e.t),
            Text.assemble(("W", "label"), (f"\nrow {e.token}", "token")),
            vector(e.da, precision),
            _labelled_matrix(sum_W, rows_W, vocab, precision),
        )
        sums.add_row(
            "",
            Text.assemble(("Wʰ", "label"), (f"\nh{prev}ᵀ·∂L/∂a{t}", "note")),
            matrix(e.dW_h, precision),
            matrix(e.sum_W_h, precision),
        )
        sums.add_row(
            "",
            Text.assemble(("b", "label"), (f"\n∂L/∂a{t}", "note")),
            vector(e.da, precision),
            vector(e.sum_b, precision),
        )
        sums.add_section()
    return sums


def _touched_rows(sum_W: np.ndarray, token_index: int) -> list[int]:
    if sum_W.ndim < 2 or sum_W.shape[0] <= ONE_HOT_MAX:
        return list(range(sum_W.shape[0]))
    return sorted({token_index, *np.flatnonzero(np.any(sum_W != 0, axis=1)).tolist()})


def _labelled_matrix(values: Any, rows: list[int], vocab: Sequence[str], precision: int) -> Text:
    if values is None or is_summary(values):
        return vector(values, precision)
    width = max(len(vocab[i]) for i in rows)
    lines = [
        Text.assemble((f"{vocab[i]:<{width}} ", "note"), vector(values[i], precision)) for i in rows
    ]
    return Text("\n").join(lines)
