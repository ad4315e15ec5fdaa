"""The run's header: the model, its equations, the vocabulary and the one-hot inputs xₜ."""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.text import Text

from ..core.cells.declaration import Cell
from ..trace.events import RunEvent
from .tables import ONE_HOT_MAX, ONE_HOT_ROWS, noted_table
from .theme import plural


def run_header(run: RunEvent, cell: Cell) -> RenderableType:
    """The model, its equations, the vocabulary and the one-hot inputs."""
    cfg = run.config
    n_sent = len(run.sentences)
    if cfg["loss"] == "every":
        out = "oₜ = hₜ·V + b_output and ŷₜ = softmax(oₜ) at every t; L = Σₜ −log ŷₜ[yₜ], yₜ = xₜ₊₁"
    else:
        out = "o = h_T·V + b_output, ŷ = softmax(o) at the last step; L = −log ŷ[y]"
    facts = [cell.title, f"|vocab| = {len(run.vocab)}", f"H = {cfg['hidden']}", *cell.facts]
    facts += [f"α = {cfg['lr']:g}", f"seed {cfg['seed']}", plural(cfg["steps"], "step")]
    lines = [
        " · ".join(facts),
        *cell.equations,
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
