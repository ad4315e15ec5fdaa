"""The forward pass of one sentence: aₜ built from its terms, and hₜ = f(aₜ)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from rich.text import Text

from ..trace.events import ForwardEvent
from .tables import ACT_FORMULA, noted_table
from .theme import subscript, vector


def forward_table(events: Sequence[ForwardEvent], precision: int, activation: str) -> Table:
    """aₜ built from its three terms, and hₜ = f(aₜ), for every t of one sentence."""
    first = events[0]
    table = noted_table(
        f"Forward pass · step {first.step} · sentence {first.sentence + 1}",
        "t",
        "xₜ",
        "term",
        "value",
        f"hₜ = {ACT_FORMULA[activation]}(aₜ)",
    )
    for e in events:
        t = subscript(e.t)
        prev = subscript(e.t - 1)
        rows = [
            (f"  x{t}·W", e.x_W, None),
            (f"+ h{prev}·Wʰ", e.h_prev_W_h, None),
            ("+ b", e.b, None),
            (f"= a{t}", e.a, e.h),
        ]
        for k, (label, value, h) in enumerate(rows):
            table.add_row(
                str(e.t) if k == 0 else "",
                Text(e.token, "token") if k == 0 else "",
                Text(label, "label"),
                vector(value, precision),
                vector(h, precision) if h is not None else "",
            )
        table.add_section()
    return table
