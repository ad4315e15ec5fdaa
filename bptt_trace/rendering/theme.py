"""One theme, styles by name, and the one number format every view uses."""

from __future__ import annotations

from typing import Any

import numpy as np
from rich.text import Text
from rich.theme import Theme

from ..trace.summary import is_summary

THEME = Theme(
    {
        "num.pos": "green",
        "num.neg": "red",
        "num.zero": "dim",
        "num.big": "bold",
        "num.pos.big": "bold green",
        "num.neg.big": "bold red",
        "title": "bold cyan",
        "token": "bold yellow",
        "label": "cyan",
        "note": "italic dim",
        "flow.output": "magenta",
        "flow.next": "blue",
        "cut": "bold red",
        "status.ok": "bold green",
        "status.bad": "bold red",
        "heat.0": "",
        "heat.1": "on grey23",
        "heat.2": "on grey37",
        "heat.3": "black on grey62",
        "heat.4": "black on grey85",
    }
)


def fmt(x: float, precision: int) -> str:
    """A number with a sign and ``precision`` decimals: +0.1234, -0.0012."""
    return f"{x:+.{precision}f}"


def number(x: float, precision: int, big: float = np.inf) -> Text:
    """A number as Text: green if positive, red if negative, dim if shown as zero.

    The sign is always printed, so that colour is never the only carrier of meaning;
    entries with |x| ≥ ``big`` are also bold.
    """
    text = fmt(x, precision)
    style = "num.zero" if float(text) == 0 else ("num.pos" if x > 0 else "num.neg")
    if abs(x) >= big and style != "num.zero":
        style += ".big"  # num.pos.big: Rich resolves a style name as a whole, never a list
    return Text(text, style=style)


def summary_text(summary: dict[str, Any], precision: int) -> Text:
    """A summarised array in one line: its shape, norm, range and largest entries."""
    shape = "×".join(str(n) for n in summary["shape"])
    text = Text(
        f"‖·‖ = {summary['norm']:.{precision}g} · {shape} · "
        f"range {fmt(summary['min'], precision)} … {fmt(summary['max'], precision)}"
        " · largest: ",
        "note",
    )
    parts = []
    for entry in summary["largest"][:3]:
        *index, value = entry
        label = "[" + ",".join(str(i + 1) for i in index) + "] "
        parts.append(Text.assemble((label, "note"), number(value, precision)))
    text.append(Text(", ").join(parts))
    return text


def vector(values: Any, precision: int, brackets: bool = True) -> Text:
    """A row vector as aligned, coloured numbers: [+0.1234 -0.5678]; a summary in one line."""
    if values is None:
        return Text("— too large to follow; the gradients have the totals", "note")
    if is_summary(values):
        return summary_text(values, precision)
    values = np.asarray(values, dtype=float).ravel()
    big = 0.5 * float(np.max(np.abs(values))) if values.size else np.inf
    parts = [number(v, precision, big if big > 0 else np.inf) for v in values.tolist()]
    text = Text("[" if brackets else "")
    text.append(Text(" ").join(parts))
    if brackets:
        text.append("]")
    return text


def matrix(values: Any, precision: int) -> Text:
    """A matrix as one vector a line; a summary in one line."""
    if values is None or is_summary(values):
        return vector(values, precision)
    rows = np.atleast_2d(np.asarray(values, dtype=float))
    return Text("\n").join(vector(row, precision) for row in rows)


def subscript(n: int) -> str:
    """12 -> ₁₂, for time-step labels such as h₃."""
    return str(n).translate(str.maketrans("0123456789-", "₀₁₂₃₄₅₆₇₈₉₋"))
