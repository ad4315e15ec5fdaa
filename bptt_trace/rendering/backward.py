"""The backward pass of one sentence: where ∂L/∂hₜ comes from, from t = T down to 1."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.table import Table
from rich.text import Text

from ..trace.events import BackwardEvent
from .tables import ACT_DERIVATIVE, noted_table
from .theme import subscript, vector


def backward_table(
    events: Sequence[BackwardEvent],
    precision: int,
    activation: str,
    truncate: int | None,
) -> Table:
    """The flow of ∂L/∂hₜ from t = T down to 1: from the output, from step t+1, through f."""
    first = events[0]
    where = f"step {first.step} · sentence {first.sentence + 1}"
    chain = " → ".join(f"h{subscript(e.t)}" for e in events)
    flow = noted_table(
        f"Backward pass (BPTT) · {where} · ŷ → o → {chain}",
        "t",
        "xₜ",
        "∂L/∂hₜ comes from",
        "value",
        caption="∂L/∂hₜ is the total derivative: everything downstream of hₜ, through all "
        "later steps. hₜ₋₁ᵀ in the contribution to Wʰ is the immediate one (hₜ₋₁ held "
        "fixed); summing the immediate terms over t gives the total gradient ∂L/∂Wʰ.",
    )
    for e in events:
        t, nxt = subscript(e.t), subscript(e.t + 1)
        rows: list[tuple[str, Any, str]] = [
            (f"  the output at t: (ŷ{t} − y{t})·Vᵀ", e.dh_from_output, "flow.output"),
            (f"+ step {e.t + 1} through Wʰ: ∂L/∂a{nxt}·Wʰᵀ", e.dh_from_next, "flow.next"),
            (f"= ∂L/∂h{t} (total)", e.dh, "bold"),
            (f"⊙ f′(a{t}) = {ACT_DERIVATIVE[activation]}", e.f_prime, "label"),
            (f"= ∂L/∂a{t}", e.da, "bold"),
        ]
        for k, (label, value, style) in enumerate(rows):
            shown = vector(value, precision) if value is not None else Text("— none", "note")
            flow.add_row(
                str(e.t) if k == 0 else "",
                Text(e.token, "token") if k == 0 else "",
                Text(label, style),
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
