"""What a table that shows some of its rows left out, in words: the gaps between the rows it
shows, and the note that names them and says where to see them all."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

GAP_ROW = "⋯"
"""The label of a row that stands for rows left out (as ``folding.GAP`` for columns)."""

WHERE_ALL = "--detail full shows them all, and the JSON trace (--output FILE) has them"
"""Where every row of a table left out is: --detail full draws every k, and the events hold
every k (their arrays whole)."""


def runs(shown: Sequence[int], first: int, last: int) -> list[tuple[int, int]]:
    """The runs (from, to) of the numbers first … last that ``shown`` (ascending) leaves out."""
    out: list[tuple[int, int]] = []
    before = first - 1
    for k in [*shown, last + 1]:
        if k > before + 1:
            out.append((before + 1, k - 1))
        before = max(before, k)
    return out


def spans(gaps: Sequence[tuple[int, int]], name: Callable[[int], str] = str) -> str:
    """Runs in words: "2–3, 5–6, 9" (``name`` names each end)."""
    return ", ".join(name(a) if a == b else f"{name(a)}–{name(b)}" for a, b in gaps)


def with_gaps(shown: Sequence[int], first: int, last: int) -> list[int | None]:
    """``shown`` with None where rows between them (or before, or after) are left out."""
    out: list[int | None] = []
    before = first - 1
    for k in shown:
        if k > before + 1:
            out.append(None)
        out.append(k)
        before = k
    if before < last:
        out.append(None)
    return out


def left_out_note(shown: Sequence[int], first: int, last: int, what: str = "k") -> str:
    """One sentence: which ``what`` the ⋯ rows stand for, how many, and where they all are;
    "" when every one is shown."""
    gaps = runs(shown, first, last)
    if not gaps:
        return ""
    count = sum(b - a + 1 for a, b in gaps)
    total = last - first + 1
    rows = "row stands" if len(gaps) == 1 else "rows stand"
    return (
        f"The {GAP_ROW} {rows} for {what} = {spans(gaps)}, not shown ({count} of {total}); "
        f"{WHERE_ALL}."
    )


def gap_before(table: Any, t: int, before: int | None) -> None:
    """Add a ⋯ row (its own section) to a table of time steps when t does not follow the
    step shown before it: the steps between are left out."""
    if before is not None and abs(t - before) > 1:
        table.add_row(GAP_ROW, *[""] * (len(table.columns) - 1))
        table.add_section()
