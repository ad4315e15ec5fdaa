"""The run's header: the model, its equations, the vocabulary and the one-hot inputs xₜ."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.text import Text

from ..core.cells.declaration import Cell
from ..trace.events import RunEvent
from .folding import GAP, Steps
from .one_hot import OneHot, gap_ranges, one_hot_cells
from .plain import losses_flow
from .tables import ONE_HOT_MAX, ONE_HOT_ROWS, NotedTable, noted_table
from .theme import plural


def run_header(run: RunEvent, cell: Cell) -> RenderableType:
    """The model, its equations, the vocabulary and the one-hot inputs."""
    cfg = run.config
    n_sent = len(run.sentences)
    if cfg["loss"] == "every":
        v = f"{cell.logits}ₜ"
        out = (
            f"logits {v} = hₜ·V + b_output and ŷₜ = softmax({v}) at every t; "
            "L = Σₜ −log ŷₜ[yₜ], yₜ = xₜ₊₁"
        )
    else:
        v = cell.logits
        out = f"logits {v} = h_T·V + b_output, ŷ = softmax({v}) at t = T; L = −log ŷ[y]"
    facts = [cell.title, f"|vocab| = {len(run.vocab)}", f"H = {cfg['hidden']}", *cell.facts]
    loaded = cfg.get("loaded")
    drawn = [] if loaded is not None else [f"seed {cfg['seed']}"]  # a loaded model: no draw
    facts += [f"α = {cfg['lr']:g}", *drawn, plural(cfg["steps"], "step")]
    lines = [
        " · ".join(facts),
        *([loaded_line(loaded, cell, cfg)] if loaded is not None else []),
        *([scale_line(cfg)] if cfg.get("init_scale", 1.0) != 1.0 else []),
        *cell.equations,
        *([SIGMOID] if any("σ(" in line for line in cell.equations) else []),
        out,
        f"target after the last token: {cfg['target']}"
        + (f" · loss: mean over {n_sent} sentences" if n_sent > 1 else ""),
    ]
    if cfg.get("truncate") is not None:
        lines.append(
            f"truncated BPTT: each loss flows back through at most "
            f"{plural(int(cfg['truncate']), 'time step')}"
        )
    lines += scheme_lines(cfg)
    if cfg.get("clip") is not None:
        lines.append(f"gradient clipping: global norm at most {cfg['clip']:g}")
    header = Panel(
        Text("\n".join(lines)), title=Text("bptt-trace"), title_align="left", box=box.ROUNDED
    )  # a Text title: Rich would parse a str for markup and emoji codes (importing the codes)
    return Group(header, Text(), one_hot_table(run.vocab, run.sentences))  # a blank line between


SIGMOID = "σ is the logistic sigmoid, σ(a) = 1/(1 + e^(−a)), entry by entry"
"""Said once below a cell's equations that use σ (the gates')."""


def scheme_lines(cfg: Mapping[str, Any]) -> list[str]:
    """--chunks K or --tbptt K1:K2 (whole numbers, as the replay checks), and when it updates."""
    update = (
        "an update after each window"
        if cfg.get("update_every") == "chunk"
        else "one update a step, by the windows' summed gradient"
    )
    if cfg.get("chunks") is not None:
        K = cfg["chunks"]
        return [
            f"chunked BPTT (--chunks {K}): windows of {plural(int(K), 'time step')}, each from the "
            "state carried "
            f"in as a constant, its losses flowing back inside it; {update}"
        ]
    if cfg.get("tbptt") is not None:
        k1, k2 = cfg["tbptt"]
        return [
            f"TBPTT({k1}, {k2}): every {plural(int(k1), 'time step')} the last "
            f"{losses_flow(int(k1))} back through the last {plural(int(k2), 'time step')}, re-run "
            f"from the state carried in; {update}"
        ]
    return []


def loaded_line(loaded: Mapping[str, Any], cell: Cell, cfg: Mapping[str, Any]) -> str:
    """Where a loaded model came from and what it is (the path escaped: a file's name)."""
    updates = loaded.get("updates")
    had = f"trained for {plural(updates, 'update')}" if updates is not None else "training unknown"
    return f"loaded from {printable(loaded['path'])}: {cell.title}, H = {cfg['hidden']}, {had}"


def scale_line(cfg: Mapping[str, Any]) -> str:
    """--init-scale C: the weights' spread at the start (standard deviation C·0.5/√H; not σ,
    which a gated cell's equations use for the sigmoid)."""
    scale = cfg["init_scale"]
    sigma = scale * 0.5 / math.sqrt(cfg["hidden"])
    return (
        f"--init-scale {scale:g}: initial weights ×{scale:g}, standard deviation {sigma:.3g}, "
        "biases not scaled"
    )


ESCAPED = ("Cc", "Cf", "Cs", "Zl", "Zp")
"""Characters a name may hold that must not reach a terminal as they are: control and format
characters, lone surrogates (a byte that was not UTF-8), line and paragraph separators."""


def printable(text: str) -> str:
    """``text`` with every character of ``ESCAPED`` written as its Python escape (\\x1b,
    \\n, \\u202e, \\udcff), other characters as they are, so that a name of letters, digits
    and punctuation shows unchanged. What it returns is printable, so applying it again
    changes nothing (a trace's config holds the escaped name, and the header escapes it again:
    a hand-made trace cannot smuggle a control character either)."""
    out = []
    for ch in text:
        if unicodedata.category(ch) in ESCAPED:
            out.append(ch.encode("unicode_escape", "backslashreplace").decode("ascii"))
        else:
            out.append(ch)
    return "".join(out)


def one_hot_table(vocab: Sequence[str], sentences: Sequence[Sequence[str]]) -> RenderableType:
    """Each input token xₜ as its one-hot row vector over the vocabulary; with a column per
    token, the columns fold when the width is short (``one_hot.OneHot``), those of the tokens
    listed kept first. Past ONE_HOT_ROWS tokens a ⋯ row stands for the rest, named below."""
    index = {token: i for i, token in enumerate(vocab)}
    rows = _rows(sentences)
    rest = rest_note(sentences)
    if len(vocab) > ONE_HOT_MAX:
        caption = (
            f"|vocab| = {len(vocab)}: xₜ is 1 at the index shown (counted from 1, as the "
            "tables' [row, column] indices are), 0 elsewhere." + rest
        )
        index_column = "index in the vocabulary"
        table = noted_table(TITLE, "sentence", "t", "token", index_column, caption=caption)
        for first, t, token, more in rows:
            cell = Text(f"{GAP} {more} more tokens", "note") if more else Text(token, "token")
            table.add_row(first, t, cell, "" if more else str(index[token] + 1))
        return table

    def build(steps: Steps) -> NotedTable:
        names = [vocab[j] if j is not None else GAP for j in steps]
        table = noted_table(TITLE, "sentence", "t", "token", *names, caption=rest.strip() or None)
        folded = gap_ranges(steps, len(vocab))
        for first, t, token, more in rows:
            if more:
                table.add_row("", "", Text(f"{GAP} {more} more tokens", "note"), *[""] * len(steps))
                continue
            table.add_row(
                first, t, Text(token, "token"), *one_hot_cells(steps, folded, index[token])
            )
        return table

    listed = sorted({index[token] for _, _, token, more in rows if not more})
    return OneHot(build, len(vocab), lambda j: vocab[j], listed)


def rest_note(sentences: Sequence[Sequence[str]]) -> str:
    """Which input tokens the table does not list (past ONE_HOT_ROWS), and where they all are;
    "" when it lists every one."""
    total = sum(len(tokens) for tokens in sentences)
    if total <= ONE_HOT_ROWS:
        return ""
    places = [(s + 1, t) for s, tokens in enumerate(sentences) for t in range(1, len(tokens) + 1)]
    (s0, t0), (s1, t1) = places[ONE_HOT_ROWS], places[-1]
    span = (
        f"sentence {s0}, t = {t0} … {t1}"
        if s0 == s1
        else f"sentence {s0}, t = {t0}, to {s1}, t = {t1}"
    )
    return (
        f" The {GAP} row stands for the {total - ONE_HOT_ROWS} input tokens after the first "
        f"{ONE_HOT_ROWS} ({span}): the JSON trace (--output FILE) lists them all, in its run "
        "event's sentences."
    )


TITLE = "Vocabulary and one-hot inputs xₜ"


def _rows(sentences: Sequence[Sequence[str]]) -> list[tuple[str, str, str, int]]:
    """The table's rows: sentence (on its first token), t, token, and on a last row how many
    more tokens there are (0 on the others), at most ONE_HOT_ROWS tokens."""
    rows: list[tuple[str, str, str, int]] = []
    for s, tokens in enumerate(sentences):
        for t, token in enumerate(tokens, start=1):
            if len(rows) == ONE_HOT_ROWS:
                left = sum(len(x) for x in sentences) - len(rows)
                return [*rows, ("", "", "", left)]
            rows.append((str(s + 1) if t == 1 else "", str(t), token, 0))
    return rows
