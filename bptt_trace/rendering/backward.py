"""The backward pass of one sentence: where ∂L/∂hₜ comes from, from t = T down to 1."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.table import Table
from rich.text import Text

from ..core.cells.declaration import Cell
from ..trace.events import BackwardEvent
from .tables import label, noted_table
from .theme import subscript, vector


def backward_table(
    events: Sequence[BackwardEvent],
    precision: int,
    cell: Cell,
    truncate: int | None,
) -> Table:
    """The flow of ∂L/∂hₜ from t = T down to 1: from the output, from step t+1, into the cell."""
    first = events[0]
    where = f"step {first.step} · sentence {first.sentence + 1}"
    chain = " → ".join(f"h{subscript(e.t)}" for e in events)
    flow = noted_table(
        f"Backward pass (BPTT) · {where} · ŷ → o → {chain}",
        "t",
        "xₜ",
        "∂L/∂hₜ comes from",
        "value",
        caption=cell.backward_note,
    )
    for e in events:
        t = subscript(e.t)
        rows: list[tuple[str, Any, str]] = [
            (f"  the output at t: (ŷ{t} − y{t})·Vᵀ", e.dh_from_output, "flow.output"),
            (label(cell.next_label, e.t), e.dh_from_next, "flow.next"),
            (f"= ∂L/∂h{t} (total)", e.dh, "bold"),
            *[
                (label(term.label, e.t), e.terms[term.key], "bold" if term.result else "label")
                for term in cell.backward_terms
            ],
        ]
        for k, (text, value, style) in enumerate(rows):
            shown = vector(value, precision) if value is not None else Text("— none", "note")
            flow.add_row(
                str(e.t) if k == 0 else "",
                Text(e.token, "token") if k == 0 else "",
                Text(text, style),
                shown,
            )
        if e.cut:
            flow.add_row(
                "",
                "",
                Text(f"✂ cut here by --truncate {truncate}", "cut"),
                Text(
                    f"L{subscript(e.t + (truncate or 1) - 1)}'s gradient stops at h{subscript(e.t)}"
                    f" and does not reach h{subscript(e.t - 1)}",
                    "cut",
                ),
            )
        flow.add_section()
    return flow
