"""One Rich renderable per view of the trace, built from events alone (never the engine)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from rich import box
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..trace.events import ForwardEvent, OutputEvent, RunEvent
from ..trace.summary import is_summary, top_indices
from .theme import fmt, subscript, vector

ONE_HOT_MAX = 12
"""Up to this vocabulary size the one-hot vectors are drawn in full."""

ONE_HOT_ROWS = 24
"""At most this many input tokens are listed with their one-hot vectors."""

VECTOR_MAX = 6
"""Up to this vocabulary size a |vocab|-long vector is printed in a table row."""

ACT_DERIVATIVE = {"tanh": "1 − hₜ²", "sigmoid": "hₜ·(1 − hₜ)", "relu": "1 if aₜ > 0 else 0"}
ACT_FORMULA = {"tanh": "tanh", "sigmoid": "sigmoid", "relu": "relu"}


class NotedTable(Table):
    """A table with a heading above and a note below, both at the console's full width."""

    heading: Text | None = None
    note: Text | None = None

    def __rich_console__(self, console: Any, options: Any) -> Any:
        if self.heading is not None:
            yield self.heading
        yield from super().__rich_console__(console, options)
        if self.note is not None:
            yield self.note


def noted_table(title: str, *columns: str, caption: str | None = None) -> Table:
    table = NotedTable(box=box.SIMPLE_HEAD, pad_edge=False)
    table.heading = Text(title, "title")
    table.note = Text(caption, "note") if caption else None
    for column in columns:
        table.add_column(Text(column, "bold"), no_wrap=True)  # Text: ŷ[y] is not markup
    return table


def run_header(run: RunEvent) -> RenderableType:
    """The model, its equations, the vocabulary and the one-hot inputs."""
    cfg = run.config
    f = cfg["activation"]
    n_sent = len(run.sentences)
    if cfg["loss"] == "every":
        out = "oₜ = hₜ·V + b_output and ŷₜ = softmax(oₜ) at every t; L = Σₜ −log ŷₜ[yₜ], yₜ = xₜ₊₁"
    else:
        out = "o = h_T·V + b_output, ŷ = softmax(o) at the last step; L = −log ŷ[y]"
    lines = [
        f"Vanilla RNN · |vocab| = {len(run.vocab)} · H = {cfg['hidden']} · f = {f} · "
        f"α = {cfg['lr']:g} · seed {cfg['seed']} · {cfg['steps']} step(s)",
        f"aₜ = xₜ·W + hₜ₋₁·Wʰ + b,  hₜ = {ACT_FORMULA[f]}(aₜ),  h₀ = 0",
        out,
        f"target after the last token: {cfg['target']}"
        + (f" · loss: mean over {n_sent} sentences" if n_sent > 1 else ""),
    ]
    if cfg.get("truncate") is not None:
        lines.append(
            f"truncated BPTT: each loss flows back through at most {cfg['truncate']} steps"
        )
    if cfg.get("clip") is not None:
        lines.append(f"gradient clipping: global norm at most {cfg['clip']:g}")
    header = Panel(Text("\n".join(lines)), title="bptt-trace", title_align="left", box=box.ROUNDED)
    return Group(header, one_hot_table(run.vocab, run.sentences))


def one_hot_table(vocab: Sequence[str], sentences: Sequence[Sequence[str]]) -> RenderableType:
    """Each input token xₜ as its one-hot row vector over the vocabulary."""
    index = {token: i for i, token in enumerate(vocab)}
    full = len(vocab) <= ONE_HOT_MAX
    columns = [*vocab] if full else ["index in the vocabulary"]
    table = noted_table(
        "Vocabulary and one-hot inputs xₜ",
        "sentence",
        "t",
        "token",
        *columns,
        caption=None
        if full
        else f"|vocab| = {len(vocab)}: xₜ is 1 at the index shown, 0 elsewhere",
    )
    rows = 0
    for s, tokens in enumerate(sentences):
        for t, token in enumerate(tokens, start=1):
            if rows == ONE_HOT_ROWS:
                left = sum(len(x) for x in sentences) - rows
                table.add_row("", "", Text(f"… {left} more tokens", "note"), *[""] * len(columns))
                return table
            rows += 1
            i = index[token]
            cells = (
                [Text("1", "bold") if j == i else Text("0", "dim") for j in range(len(vocab))]
                if full
                else [str(i)]
            )
            table.add_row(str(s + 1) if t == 1 else "", str(t), Text(token, "token"), *cells)
    return table


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


def output_view(events: Sequence[OutputEvent], vocab: Sequence[str], precision: int) -> Group:
    """oₜ, ŷₜ, the target and the loss of one sentence, with the seed's "ŷ − y" named."""
    first = events[0]
    where = f"step {first.step} · sentence {first.sentence + 1}"
    note = (
        "The seed writes “L = ŷ − y”: ŷ − y is ∂L/∂o, the gradient of the loss with respect "
        "to the logits o, where the backward pass starts; the loss itself is −log ŷ[y]."
    )
    if len(events) > 1:
        wide = len(vocab) <= VECTOR_MAX
        columns = ["t", "target yₜ", "ŷₜ[yₜ]", "Lₜ = −log ŷₜ[yₜ]"]
        table = noted_table(
            f"Outputs and losses · {where}", *columns, *(["ŷₜ − yₜ = ∂Lₜ/∂oₜ"] * wide)
        )
        for e in events:
            p_target = np.exp(-e.loss) if is_summary(e.y_hat) else e.y_hat[e.target_index]
            cells = [
                str(e.t),
                Text(e.target, "token"),
                fmt(p_target, precision)[1:],
                fmt(e.loss, precision)[1:],
            ]
            table.add_row(*cells, *([vector(e.dL_do, precision)] * wide))
        total = sum(e.loss for e in events)
        table.add_section()
        table.add_row("", "", "", Text(f"Σ = {fmt(total, precision)[1:]}", "bold"), *[""] * wide)
        if not wide:
            note += f" The {len(vocab)} entries of each ŷₜ − yₜ are in the JSON trace."
        return Group(table, Text(note, "note"))
    e = first
    T = subscript(e.t)
    if is_summary(e.y_hat):
        return summarised_output(e, where, note, precision)
    y_hat = np.asarray(e.y_hat)
    table = noted_table(
        f"Output and loss · {where} · t = {e.t}",
        "token",
        f"o{T}",
        "ŷ = softmax(o)",
        "y",
        "ŷ − y = ∂L/∂o",
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
        table.add_row(Text(f"… {len(vocab) - len(rows)} more tokens", "note"), "", "", "", "")
    loss = Text(
        f"L = −log ŷ[{e.target}] = −log {fmt(y_hat[e.target_index], precision)[1:]} "
        f"= {fmt(e.loss, precision)[1:]}",
        "bold",
    )
    return Group(table, loss, Text(note, "note"))


def summarised_output(e: OutputEvent, where: str, note: str, precision: int) -> Group:
    """The output of a large vocabulary: summaries of oₜ, ŷₜ and ŷₜ − yₜ, and the loss."""
    table = noted_table(f"Output and loss · {where} · t = {e.t}", "", "summary")
    for label, value in (("o", e.o), ("ŷ = softmax(o)", e.y_hat), ("ŷ − y = ∂L/∂o", e.dL_do)):
        table.add_row(Text(label, "label"), vector(value, precision))
    loss = Text(f"L = −log ŷ[{e.target}] = {fmt(e.loss, precision)[1:]}", "bold")
    return Group(table, loss, Text(note, "note"))


def _shown_rows(y_hat: np.ndarray, target: int, most: int = ONE_HOT_MAX) -> list[int]:
    """Every token for a small vocabulary; else the target and the most probable tokens."""
    if y_hat.size <= most:
        return list(range(y_hat.size))
    best = [int(i) for i in top_indices(y_hat, most - 1) if i != target]
    return sorted({target, *best[: most - 1]})
