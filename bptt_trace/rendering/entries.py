"""A vector's entries assembled into one Text: each number padded to a width and styled by its
sign and size (``theme.vector`` and ``vectors.Vector`` make their lines of it)."""

from __future__ import annotations

from typing import Any

import numpy as np
from rich.text import Span, Text


def style_of(x: float, shown: str, big: bool = False) -> str:
    """The theme style of a number shown as ``shown``: num.pos, num.neg.big, num.zero …"""
    if float(x) == 0 or shown.strip() == "nan":
        return "num.zero"
    return ("num.pos" if x > 0 else "num.neg") + (".big" if big else "")


def biggest(values: Any) -> float:
    """From what size on an entry of ``values`` (a NumPy vector) is bold: half the largest."""
    big = 0.5 * float(np.max(np.abs(values))) if values.size else np.inf
    return big if big > 0 else np.inf


def assembled(
    entries: list[float],
    texts: list[str],
    width: int,
    big: float,
    brackets: bool = True,
    lead: str = "",
) -> Text:
    """The Text that number() and Text.join would assemble of the entries shown as ``texts``:
    each padded to ``width``, a span each; after ``lead`` in the note style, if any (as
    Text.assemble((lead, "note"), vector) would)."""
    pieces, spans, at = [], [], len(lead) + (1 if brackets else 0)
    if lead:
        spans.append(Span(0, len(lead), "note"))
    for v, shown in zip(entries, texts, strict=True):
        pad = max(0, width - len(shown))
        spans.append(Span(at + pad, at + pad + len(shown), style_of(v, shown, abs(v) >= big)))
        pieces.append(" " * pad + shown)
        at += pad + len(shown) + 1
    text = Text(lead + ("[" + " ".join(pieces) + "]" if brackets else " ".join(pieces)))
    text.spans = spans
    return text
