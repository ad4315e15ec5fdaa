"""One theme, styles by name, and the one number format every view uses."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rich.text import Text
from rich.theme import Theme

THEME = Theme(
    {
        "num.pos": "green",
        "num.neg": "red",
        "num.zero": "dim",
        "num.big": "bold",
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
        style += " num.big"
    return Text(text, style=style)


def vector(values: Sequence[float] | np.ndarray, precision: int, brackets: bool = True) -> Text:
    """A row vector as aligned, coloured numbers: [+0.1234 -0.5678]."""
    values = np.asarray(values, dtype=float).ravel()
    big = 0.5 * float(np.max(np.abs(values))) if values.size else np.inf
    parts = [number(v, precision, big if big > 0 else np.inf) for v in values.tolist()]
    text = Text("[" if brackets else "")
    text.append(Text(" ").join(parts))
    if brackets:
        text.append("]")
    return text


def matrix(values: Sequence[Sequence[float]] | np.ndarray, precision: int) -> Text:
    """A matrix as one vector a line."""
    rows = np.atleast_2d(np.asarray(values, dtype=float))
    return Text("\n").join(vector(row, precision) for row in rows)


def subscript(n: int) -> str:
    """12 -> ₁₂, for time-step labels such as h₃."""
    return str(n).translate(str.maketrans("0123456789-", "₀₁₂₃₄₅₆₇₈₉₋"))
