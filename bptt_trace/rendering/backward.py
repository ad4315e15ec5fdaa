"""The backward pass as tables: where ∂L/∂hₜ comes from, and each step's contributions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from rich.console import Group
from rich.text import Text

from ..trace.events import BackwardEvent
from ..trace.summary import is_summary
from .forward import ACT_DERIVATIVE, ONE_HOT_MAX, noted_table
from .theme import matrix, subscript, vector


def backward_views(
    events: Sequence[BackwardEvent],
    vocab: Sequence[str],
    precision: int,
    activation: str,
    truncate: int | None,
) -> Group:
    """The flow of ∂L/∂hₜ from t = T down to 1, then each step's contributions and sums."""
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
    return Group(flow, sums)


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
