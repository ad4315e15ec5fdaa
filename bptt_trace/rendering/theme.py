"""One theme, styles by name, and the one number format every view uses.

Numbers (``fmt``): a sign and ``precision`` decimals, +0.1234 or -12.5000, except
- in scientific notation with ``precision`` decimals, -2.8463e+08 or +3.1000e-07, when the
  fixed form would need more than 5 digits before the point (|x| ≥ 1e5 once rounded), or
  would show a non-zero number as zero (0 < |x| < ½·10^-precision): a non-zero number never
  prints as zero;
- zero, and negative zero, print as +0.0000: never -0.0000, and only an exact zero does.
In a vector every entry is padded (on the left) to the width of the widest, so that columns
line up. Losses (``fmt_loss``) have no sign and at least 3 significant digits: 1.5078, 0.0123,
but 4.99e-05 and 1.23e+05.

Colour: green for positive, red for negative, dim for zero, bold (still green or red) for the
largest entries of a vector. A combination is one theme style of its own (``num.pos.big``):
Rich resolves a style name as a whole, and "num.pos num.big" resolves to no style at all.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from rich.text import Span, Text
from rich.theme import Theme

from ..trace.summary import is_summary
from .entries import assembled, biggest
from .entries import style_of as style_of  # re-exported: a number's style
from .heat import heat_colour as heat_colour  # re-exported: the heatmap's shades
from .heat import heat_style as heat_style
from .plain import plural as plural  # re-exported: the tables' count and noun
from .plain import visible as visible  # re-exported: the tables' escape
from .screen import VisibleConsole as VisibleConsole  # re-exported: the trace's console

FIXED_LIMIT = 1e5
"""From this magnitude on (after rounding) numbers are shown in scientific notation."""

LOSS_DIGITS = 3
"""A loss shows at least this many significant digits."""

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
        "curve.range": "cyan",
        "curve.mean": "bold cyan",
    }
)


def fmt(x: float, precision: int, scientific: bool = False) -> str:
    """A number with a sign: +0.1234, -0.0012, -2.8463e+08, +3.1000e-07 (see the module);
    in scientific notation whatever its size when ``scientific`` (a vector's entries share
    one notation: ``needs_scientific``).

    Always one sign character first (+ for zero), so that ``fmt(x, p)[1:]`` is |x|.
    """
    x = float(x)
    if scientific and math.isfinite(x):
        return f"{0.0 if x == 0 else x:+.{precision}e}"
    if x == 0:  # 0.0 and -0.0 alike
        return f"+{0:.{precision}f}"
    if math.isnan(x):
        return " nan"
    text = f"{x:+.{precision}f}"
    shown = float(text)
    if shown == 0 or abs(shown) >= FIXED_LIMIT:
        text = f"{x:+.{precision}e}"
    return text


def fmt_loss(x: float, precision: int = 4) -> str:
    """A loss (or any magnitude) without a sign: 1.5078, 0.0123, 4.99e-05, 1.23e+05.

    ``precision`` decimals when they keep at least 3 significant digits and |x| < 1e5;
    otherwise scientific notation with 3 significant digits. An exact zero is 0.0000.
    """
    x = float(x)
    if x == 0:
        return f"{0:.{precision}f}"
    if not math.isfinite(x):
        return str(x)
    text = f"{x:.{precision}f}"
    significant = len(text.lstrip("-").replace(".", "").lstrip("0"))
    if significant < LOSS_DIGITS or abs(float(text)) >= FIXED_LIMIT:
        text = f"{x:.{LOSS_DIGITS - 1}e}"
    return text


def number(
    x: float, precision: int, big: float = np.inf, width: int = 0, scientific: bool = False
) -> Text:
    """A number as Text: green if positive, red if negative, dim if zero.

    The sign is always printed, so that colour is never the only carrier of meaning;
    entries with |x| ≥ ``big`` are also bold. Padded on the left to ``width`` characters;
    in scientific notation when ``scientific`` (the notation of its vector).
    """
    text = fmt(x, precision, scientific)
    pad = " " * max(0, width - len(text))
    return Text.assemble(pad, (text, style_of(x, text, abs(x) >= big)))


def summary_text(summary: dict[str, Any], precision: int) -> Text:
    """A summarised array in one line: its shape, norm, range and largest entries."""
    shape = "×".join(str(n) for n in summary["shape"])
    if summary["min"] == 0 and summary["max"] == 0:  # no entry is largest: say so
        return Text(f"‖·‖ = 0 · {shape} · all zero", "note")
    head = (
        f"‖·‖ = {fmt_loss(summary['norm'], precision)} · {shape} · "
        f"range {fmt(summary['min'], precision)} … {fmt(summary['max'], precision)}"
        " · largest: "
    )
    # the Text that number(), Text.assemble and Text.join would make: a span a piece
    parts, spans, at = [], [], len(head)
    for entry in [e for e in summary["largest"] if e[-1] != 0][:3]:  # a 0 is not "largest"
        *index, value = entry
        label = "[" + ",".join(str(i + 1) for i in index) + "] "
        shown = fmt(value, precision)
        end = at + len(label)
        spans += [Span(at, end, "note"), Span(end, end + len(shown), style_of(value, shown))]
        parts.append(label + shown)
        at = end + len(shown) + 2
    text = Text(head + ", ".join(parts), "note")
    text.spans = spans
    return text


def needs_scientific(values: Any, precision: int) -> bool:
    """Whether an entry of the vector ``values`` shows in scientific notation on its own (a
    size that ``precision`` decimals round to 0, or of FIXED_LIMIT or more): then all of them
    do, so that a vector (a matrix's row) is in one notation: +1.0000e-04 -2.1774e-05, not
    +0.0001 -2.1774e-05."""
    flat = np.asarray(values, dtype=float).ravel()
    if flat.size <= SMALL:  # NumPy's calls cost more than the loop on a few entries
        sizes = [abs(v) for v in flat.tolist() if v != 0 and math.isfinite(v)]
        if not sizes:
            return False
        least, most = min(sizes), max(sizes)
    else:
        flat = np.abs(flat)
        flat = flat[np.isfinite(flat) & (flat > 0)]
        if flat.size == 0:
            return False
        least, most = flat.min(), flat.max()
    return "e" in fmt(least, precision) or "e" in fmt(most, precision)


def loses_digits(values: Any, precision: int) -> bool:
    """Whether a nonzero finite entry of ``values`` shows fewer than 3 significant digits with
    ``precision`` decimals (|x| < 10^(2 − precision): +0.0001 for 7.9e-05 at 4 decimals): the
    Δ row, which exists to show a small change, is then in scientific notation."""
    flat = np.abs(np.asarray(values, dtype=float).ravel())
    flat = flat[np.isfinite(flat) & (flat > 0)]
    return bool(flat.size) and float(flat.min()) < 10.0 ** (2 - precision)


SMALL = 64
"""Up to this many entries ``needs_scientific`` looks at them one by one."""


def cell_width(values: Any, precision: int) -> int:
    """The width of the widest entry of ``values`` (a vector, or a matrix's rows) as ``fmt``
    shows it in the notation of its row (``needs_scientific``); 0 if empty."""
    rows = np.asarray(values, dtype=float)
    rows = rows.reshape(-1, rows.shape[-1]) if rows.ndim > 1 else rows.reshape(1, -1)
    return max(
        (
            len(fmt(v, precision, scientific))
            for row in rows
            for scientific in (needs_scientific(row, precision),)
            for v in row.tolist()
        ),
        default=0,
    )


def vector(
    values: Any,
    precision: int,
    brackets: bool = True,
    width: int = 0,
    scientific: bool | None = None,
) -> Text:
    """A row vector as aligned, coloured numbers: [+0.1234 -0.5678]; a summary in one line.

    Every entry is padded to the widest one (or to ``width``, if wider), all in one notation:
    ``scientific``, or the one ``needs_scientific`` gives them.
    """
    if values is None:
        return Text("— too large to follow; the gradients have the totals", "note")
    if is_summary(values):
        return summary_text(values, precision)
    values = np.asarray(values, dtype=float).ravel()
    own = needs_scientific(values, precision)  # the notation cell_width measures in
    if scientific is None:
        scientific = own
    entries = values.tolist()
    texts = [fmt(v, precision, scientific) for v in entries]
    if scientific == own:
        width = max(width, *(len(t) for t in texts)) if texts else width
    else:
        width = max(width, cell_width(values, precision))
    return assembled(entries, texts, width, biggest(values), brackets)


def matrix(values: Any, precision: int) -> Text:
    """A matrix as one vector a line, its columns aligned; a summary in one line."""
    if values is None or is_summary(values):
        return vector(values, precision)
    rows = np.atleast_2d(np.asarray(values, dtype=float))
    width = cell_width(rows, precision)
    return Text("\n").join(vector(row, precision, width=width) for row in rows)


def subscript(n: int) -> str:
    """12 -> ₁₂, for time-step labels such as h₃."""
    return str(n).translate(SUBSCRIPTS)


SUBSCRIPTS = str.maketrans("0123456789-", "₀₁₂₃₄₅₆₇₈₉₋")
