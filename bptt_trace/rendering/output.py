"""The output of one sentence: the logits oₜ, ŷₜ, the target, the loss and ∂L/∂oₜ.

The logits are written with the cell's ``logits`` symbol: oₜ as the derivation writes them,
vₜ for the LSTM, whose oₜ is its output gate (one symbol, one meaning)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rich.console import Group
from rich.text import Text

from ..trace.events import OutputEvent
from ..trace.summary import is_summary, top_indices
from .gaps import GAP_ROW, gap_before
from .tables import ONE_HOT_MAX, OUTPUT_COLUMNS_MAX, Tokens, Values, noted_table
from .theme import fmt, subscript, vector
from .vectors import vector_cell


def output_view(
    events: Sequence[OutputEvent],
    vocab: Sequence[str],
    precision: int,
    sentences: int = 1,
    v: str = "o",
) -> Group:
    """The logits ``v``ₜ, ŷₜ, the target and the loss of one sentence, with the shorthand
    "ŷ − y" named.

    With B = ``sentences`` > 1 the step's L is the mean of the sentences' losses: the table
    shows this sentence's own Lₜ and ∂Lₜ/∂vₜ = ŷₜ − yₜ (v the logits' symbol), and says where
    the 1/B enters.
    """
    first = events[0]
    where = f"step {first.step} · sentence {first.sentence + 1}"
    several = sentences > 1
    if several:
        T = subscript(first.t)
        own = f"∂Lₜ/∂{v}ₜ" if len(events) > 1 else f"∂L{T}/∂{v}{T}"
        note = (
            f"A common shorthand writes “L = ŷ − y”: ŷ − y is {own}, the gradient of this "
            f"sentence's loss with respect to the logits {v}; the loss itself is −log ŷ[y]. The "
            f"step's L is the mean over the B = {sentences} sentences, so the backward pass "
            f"starts from ∂L/∂{v} = (ŷ − y)/{sentences}."
        )
    else:
        note = (
            f"A common shorthand writes “L = ŷ − y”: ŷ − y is ∂L/∂{v}, the gradient of the loss "
            f"with respect to the logits {v}, where the backward pass starts; the loss itself is "
            "−log ŷ[y]."
        )
    if len(events) > 1:
        wide = len(vocab) <= OUTPUT_COLUMNS_MAX
        columns = ["t", Tokens("target yₜ"), "ŷₜ[yₜ]", "Lₜ = −log ŷₜ[yₜ]"]
        table = noted_table(
            f"Outputs and losses · {where}", *columns, *([Values(f"ŷₜ − yₜ = ∂Lₜ/∂{v}ₜ")] * wide)
        )
        before: int | None = None
        for e in events:
            gap_before(table, e.t, before)
            before = e.t
            p_target = np.exp(-e.loss) if is_summary(e.y_hat) else e.y_hat[e.target_index]
            cells = [
                str(e.t),
                Text(e.target, "token"),
                fmt(p_target, precision)[1:],
                fmt(e.loss, precision)[1:],
            ]
            table.add_row(*cells, *([vector_cell(e.dL_do, precision)] * wide))
        steps = [e.t for e in events]
        if steps == list(range(steps[0], steps[0] + len(steps))):  # no row left out
            total = sum(e.loss for e in events)
            table.add_section()
            sigma = Text(f"Σ = {fmt(total, precision)[1:]}", "bold")
            table.add_row("", "", "", sigma, *[""] * wide)
        if not wide:
            note += f" The {len(vocab)} entries of each ŷₜ − yₜ are in the JSON trace."
        return Group(table, Text(note, "note"), Text())
    e = first
    T = subscript(e.t)
    if is_summary(e.y_hat):
        return summarised_output(e, where, note, precision, several, v)
    y_hat = np.asarray(e.y_hat)
    loss_name = f"L{T}" if several else "L"
    table = noted_table(
        f"Output and loss · {where} · t = {e.t}",
        Tokens("token"),
        f"{v}{T}",
        f"ŷ = softmax({v})",
        "y",
        f"ŷ − y = ∂{loss_name}/∂{v}{T if several else ''}",
    )
    rows = _shown_rows(y_hat, e.target_index)
    for i in rows:
        style = "token" if i == e.target_index else ""
        table.add_row(
            Text(vocab[i], style),
            vector([e.o[i]], precision, False),
            vector([y_hat[i]], precision, False),
            "1" if i == e.target_index else "0",
            vector([e.dL_do[i]], precision, False),
        )
    if len(rows) < len(vocab):
        left = len(vocab) - len(rows)
        table.add_row(Text(f"{GAP_ROW} {left} more tokens", "note"), "", "", "", "")
        table.note = Text(
            f"Listed: the target and the {len(rows) - 1} other tokens ŷ ranks highest, of the "
            f"{len(vocab)}; the {GAP_ROW} row stands for the other {left}: the JSON trace "
            f"(--output FILE) has every token's {v}{T}, ŷ and ŷ − y.",
            "note",
        )
    loss = Text(
        f"{loss_name} = −log ŷ[{e.target}] = −log {fmt(y_hat[e.target_index], precision)[1:]} "
        f"= {fmt(e.loss, precision)[1:]}" + (" (this sentence's loss)" if several else ""),
        "bold",
    )
    return Group(table, loss, Text(note, "note"), Text())  # a blank line ends the view


def summarised_output(
    e: OutputEvent, where: str, note: str, precision: int, several: bool = False, v: str = "o"
) -> Group:
    """The output of a large vocabulary: summaries of the logits, ŷₜ and ŷₜ − yₜ, and the
    loss."""
    table = noted_table(f"Output and loss · {where} · t = {e.t}", "", Values("summary"))
    T = subscript(e.t)
    name = f"L{T}" if several else "L"
    own = f"ŷ − y = ∂{name}/∂{v}{T if several else ''}"
    for label, value in ((v, e.o), (f"ŷ = softmax({v})", e.y_hat), (own, e.dL_do)):
        table.add_row(Text(label, "label"), vector(value, precision))
    loss = Text(f"{name} = −log ŷ[{e.target}] = {fmt(e.loss, precision)[1:]}", "bold")
    return Group(table, loss, Text(note, "note"), Text())  # a blank line ends the view


def _shown_rows(y_hat: np.ndarray, target: int, most: int = ONE_HOT_MAX) -> list[int]:
    """Every token for a small vocabulary; else the target and the most probable tokens."""
    if y_hat.size <= most:
        return list(range(y_hat.size))
    best = [int(i) for i in top_indices(y_hat, most - 1) if i != target]
    return sorted({target, *best[: most - 1]})
