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

from .events import BackwardEvent, ForwardEvent, OutputEvent, RunEvent, UpdateEvent
from .model import NAMES, SYMBOLS
from .summary import is_summary
from .theme import fmt, matrix, subscript, vector

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


def _table(title: str, *columns: str, caption: str | None = None) -> Table:
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
    table = _table(
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
    table = _table(
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
        table = _table(f"Outputs and losses · {where}", *columns, *(["ŷₜ − yₜ = ∂Lₜ/∂oₜ"] * wide))
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
    table = _table(
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
    table = _table(f"Output and loss · {where} · t = {e.t}", "", "summary")
    for label, value in (("o", e.o), ("ŷ = softmax(o)", e.y_hat), ("ŷ − y = ∂L/∂o", e.dL_do)):
        table.add_row(Text(label, "label"), vector(value, precision))
    loss = Text(f"L = −log ŷ[{e.target}] = {fmt(e.loss, precision)[1:]}", "bold")
    return Group(table, loss, Text(note, "note"))


def _shown_rows(y_hat: np.ndarray, target: int, most: int = ONE_HOT_MAX) -> list[int]:
    """Every token for a small vocabulary; else the target and the most probable tokens."""
    if y_hat.size <= most:
        return list(range(y_hat.size))
    best = [int(i) for i in np.argsort(-y_hat, kind="stable")[: most - 1] if i != target]
    return sorted({target, *best[: most - 1]})


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
    flow = _table(
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
    sums = _table(
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


class UpdateView:
    """θ ← θ − α·∂L/∂θ for the five parameters: old value, gradient applied, new value.

    Old, gradient and new stand side by side when the console is wide enough, else one
    under another.
    """

    def __init__(self, event: UpdateEvent, vocab: Sequence[str], precision: int) -> None:
        self.event = event
        self.vocab = vocab
        self.precision = precision

    def _tables(self, side_by_side: bool) -> list[Table]:
        e, p = self.event, self.precision
        scale = (
            ""
            if e.scale == 1.0
            else f" · clipped: ‖∂L/∂θ‖ = {e.grad_norm:.{p}g} scaled by {e.scale:.{p}g}"
        )
        tables = []
        for name in NAMES:
            sym = SYMBOLS[name]
            title = f"{sym} ← {sym} − α·∂L/∂{sym}   (α = {e.lr:g}{scale})"
            values = [d[name] for d in (e.old, e.applied, e.new)]
            if any(is_summary(v) for v in values):
                table = _table(title, "", "summary")
                for what, value in zip(("old", f"∂L/∂{sym}", "new"), values, strict=True):
                    table.add_row(Text(what, "label"), vector(value, p))
                tables.append(table)
                continue
            old, grad, new = (np.atleast_2d(np.asarray(v, dtype=float)) for v in values)
            labels = self._row_labels(name, old.shape[0])
            rows = list(range(old.shape[0]))
            if name == "W" and len(rows) > ONE_HOT_MAX:  # only the rows of the input tokens
                rows = np.flatnonzero(np.any(grad != 0, axis=1)).tolist()
            note = None
            if len(rows) < old.shape[0]:
                note = f"The other {old.shape[0] - len(rows)} rows have a zero gradient: unchanged."
            if side_by_side:
                table = _table(title, "", "old", f"∂L/∂{sym}", "new", caption=note)
                for i in rows:
                    table.add_row(
                        Text(labels[i], "note"),
                        vector(old[i], p),
                        vector(grad[i], p),
                        vector(new[i], p),
                    )
            else:
                table = _table(title, "", "", "value", caption=note)
                for i in rows:
                    table.add_row(
                        Text(labels[i], "note"),
                        Text(f"old\n∂L/∂{sym}\nnew", "label"),
                        matrix([old[i], grad[i], new[i]], p),
                    )
            tables.append(table)
        return tables

    def _row_labels(self, name: str, rows: int) -> list[str]:
        if name == "W":
            return list(self.vocab)  # row i of W belongs to token i
        if name in ("b", "b_output"):
            return [""]
        return [f"{i + 1}" for i in range(rows)]

    def note(self) -> Text | None:
        """Says so when α·∂L/∂θ is too small to show at this precision."""
        e = self.event
        change = max(
            (
                float(np.max(np.abs(np.asarray(e.new[n]) - np.asarray(e.old[n]))))
                for n in NAMES
                if not (is_summary(e.new[n]) or is_summary(e.old[n]))
            ),
            default=float("inf"),
        )
        if change >= 0.5 * 10.0 ** (-self.precision):
            return None
        return Text(
            f"At α = {e.lr:g} the largest change is {change:.1e}, below the "
            f"{self.precision} decimals shown: old and new look alike. "
            f"--precision {max(self.precision + 1, int(-np.floor(np.log10(change or 1e-300))))}"
            " shows it.",
            "note",
        )

    def _side_by_side_width(self) -> int:
        """The width that old | gradient | new in one row needs, with the row labels."""
        e, p = self.event, self.precision
        widest = max(
            (
                vector(np.atleast_2d(np.asarray(d[name], dtype=float))[0], p).cell_len
                for d in (e.old, e.applied, e.new)
                for name in NAMES
                if not is_summary(d[name])
            ),
            default=0,
        )
        label = max(len(token) for token in self.vocab)
        return label + 3 * (widest + 1) + 2

    def __rich_console__(self, console: Any, options: Any) -> Any:
        fits = self._side_by_side_width() <= options.max_width
        yield from self._tables(side_by_side=fits)
        note = self.note()
        if note is not None:
            yield note


def predictions_table(before: Sequence[Any], after: Sequence[Any], precision: int) -> Table:
    """The top tokens of ŷₜ = softmax(hₜ·V + b_output) at every t, before and after training."""
    table = _table(
        f"Predictions · top {len(before[0].top[0])} of ŷₜ before (step {before[0].step}) "
        f"and after (step {after[0].step}) training",
        "sentence",
        "t",
        "xₜ",
        "target",
        "before",
        "after",
        caption="ŷₜ is read out at every t; only the steps with a target have a loss.",
    )
    for b, a in zip(before, after, strict=True):
        for t, token in enumerate(b.tokens):
            table.add_row(
                str(b.sentence + 1) if t == 0 else "",
                str(t + 1),
                Text(token, "token"),
                Text(b.targets[t] or "—", "token" if b.targets[t] else "note"),
                _top(b.top[t], b.targets[t], precision),
                _top(a.top[t], a.targets[t], precision),
            )
        table.add_section()
    return table


def _top(top: Sequence[Sequence[Any]], target: str | None, precision: int) -> Text:
    width = max(len(tok) for tok, _ in top)
    parts = [
        Text(f"{tok:<{width}} {fmt(prob, precision)[1:]}", "bold" if tok == target else "")
        for tok, prob in top
    ]
    return Text("\n").join(parts)
