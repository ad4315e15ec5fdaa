"""Vectors and matrices that fit the width they are given.

On one line when it fits, a vector looks as it always has: [+0.0314 -0.0330 +0.1601]. When it
does not, it wraps onto as many lines as it needs, every line led by the index of its first
entry, the entries aligned in columns and never cut:

    [1] +0.0314 -0.0330 +0.1601 +0.0200
    [5] -0.1339 +0.0904 +0.3260 +0.2301

A matrix wraps each of its rows so, led by [row,column]. A vector reports, as its minimum
width, what at least ``MIN_ENTRIES`` entries a line need (or all of them, if fewer): a table
that cannot give its vectors that much lays itself out otherwise (see ``tables``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.segment import Segment
from rich.text import Text

from ..core import interrupt
from ..trace.summary import is_summary
from .entries import assembled, biggest
from .plain import unsafe
from .segments import text_segments
from .theme import fmt, loses_digits, needs_scientific, number, vector

MIN_ENTRIES = 4
"""A wrapped vector shows at least this many entries a line, where it has them."""


class Vector:
    """A row vector (or the rows of a matrix) as coloured, aligned numbers that wrap with
    their indices rather than being cut. ``labels`` (one per row) lead each row, as the
    tokens lead the rows of ∂L/∂W; rows so labelled are indexed by column only."""

    def __init__(
        self,
        rows: Any,
        precision: int,
        labels: Sequence[str] | None = None,
        matrix: bool = False,
        digits: Sequence[bool] | None = None,
    ) -> None:
        self.rows = np.atleast_2d(np.asarray(rows, dtype=float))
        self.precision = precision
        self.labels = list(labels) if labels is not None else None
        self.matrix = (matrix or self.rows.shape[0] > 1) and self.labels is None
        self.label_width = max((len(s) for s in self.labels or []), default=0)
        self._texts: list[list[str]] | None = None  # formatted when first needed
        self.scientific: list[bool] = []  # each row's notation, with the texts
        self.entries: list[list[float]] = []
        self._entry: int | None = None
        self.digits = list(digits or [])  # rows in scientific notation where fixed loses digits

    def _formatted(self) -> list[list[str]]:
        """Each entry as fmt shows it in its row's notation, once (as cell_width and vector
        would): a table measured and never shown (the update's side-by-side tables, at a
        width that does not fit them) formats nothing."""
        if self._texts is None:
            keep = self.digits + [False] * (len(self.rows) - len(self.digits))
            self.scientific = [
                needs_scientific(row, self.precision) or (k and loses_digits(row, self.precision))
                for row, k in zip(self.rows, keep, strict=True)
            ]
            self.entries = [row.tolist() for row in self.rows]
            texts = []  # (kept only whole: a stop may come at any row)
            for row, sci in zip(self.entries, self.scientific, strict=True):
                interrupt.poll(0)  # a look for a stop every row
                texts.append([fmt(v, self.precision, sci) for v in row])
            self._texts = texts
        return self._texts

    @property
    def entry(self) -> int:
        """The width every entry is padded to: the widest's, unless set (a column's)."""
        if self._entry is None:
            self._entry = max((len(t) for row in self._formatted() for t in row), default=0)
        return self._entry

    @entry.setter
    def entry(self, width: int) -> None:
        self._entry = width

    def _lead(self) -> int:
        """The width of a row's label, with its space (0 without labels)."""
        return self.label_width + 1 if self.labels else 0

    def one_line(self, i: int) -> Text:
        texts = self._formatted()[i]  # vector(row, width=entry, scientific=its own) of the texts
        width = max(self.entry, *(len(t) for t in texts)) if texts else self.entry
        lead = f"{self.labels[i]:<{self.label_width}} " if self.labels else ""
        return assembled(self.entries[i], texts, width, biggest(self.rows[i]), lead=lead)

    def _index_width(self) -> int:
        rows, columns = self.rows.shape
        index = f"[{rows},{columns}]" if self.matrix else f"[{columns}]"
        return len(index) + 1

    def _wrapped_width(self, per_line: int) -> int:
        return self._lead() + self._index_width() + per_line * (self.entry + 1) - 1

    def natural_width(self) -> tuple[int, int]:
        """The least and the widest width, whatever the console's (``grid`` reads it)."""
        widest = self._lead() + self.rows.shape[1] * (self.entry + 1) + 1
        fewest = min(MIN_ENTRIES, self.rows.shape[1])
        return min(self._wrapped_width(fewest), widest), widest

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(*self.natural_width()).with_maximum(options.max_width)

    def lines(self, width: int) -> list[Text]:
        """The lines at ``width`` columns: one a row when they fit, else wrapped."""
        rows, columns = self.rows.shape
        whole = []
        for i in range(rows):
            interrupt.poll(0)  # a look for a stop every row
            whole.append(self.one_line(i))
        if all(line.cell_len <= width for line in whole):
            return whole
        self._formatted()  # the rows' notations
        room = width - self._lead() - self._index_width() + 1
        per_line = max(1, room // (self.entry + 1))
        index_width = self._index_width() - 1
        out = []
        for i in range(rows):
            interrupt.poll(0)  # a row of a matrix: 500 entries at --hidden 500 --detail full
            big = 0.5 * float(np.max(np.abs(self.rows[i]))) if columns else np.inf
            big = big if big > 0 else np.inf  # as in theme.vector: the row's largest are bold
            for start in range(0, columns, per_line):
                where = f"{i + 1},{start + 1}" if self.matrix else f"{start + 1}"
                line = Text()
                if self.labels:
                    lead = self.labels[i] if start == 0 else ""
                    line.append(f"{lead:<{self.label_width}} ", "note")
                line.append(f"{'[' + where + ']':>{index_width}}", "note")
                for x in self.rows[i, start : start + per_line].tolist():
                    line.append(" ")
                    line.append_text(number(x, self.precision, big, self.entry, self.scientific[i]))
                out.append(line)
        return out

    def segment_lines(
        self, console: Console, options: ConsoleOptions
    ) -> list[list[Segment]] | None:
        """``console.render_lines(self, options, pad=False)`` when every line fits and has
        nothing to escape (each line's segments, as the joined text's split at its ends);
        None otherwise."""
        interrupt.poll()  # a vector of a table: a unit of its layout
        if options.justify not in (None, "default"):
            return None
        width = options.max_width
        lines = self.lines(width)
        if not lines:  # an empty vector too narrow for its brackets: Rich renders one blank
            return None
        for line in lines:
            plain = line.plain
            if "\n" in plain or unsafe(plain) or cell_len(plain) > width:
                return None
        return [text_segments(console, line) for line in lines]

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        interrupt.poll()  # a vector of a table: a unit of its layout
        lines = self.lines(options.max_width)
        text = Text("\n").join(lines)
        text.no_wrap, text.overflow = False, "fold"  # narrower than one entry: fold, never cut
        if options.justify in (None, "default") and all(
            line.cell_len <= options.max_width for line in lines
        ):
            yield from text_segments(console, text, end="\n")  # what Rich's wrapping would yield
        else:
            yield text


def vector_cell(values: Any, precision: int) -> Any:
    """A table cell for a vector: a Vector, or the one-line Text of a summary or of None."""
    if values is None or is_summary(values):
        return vector(values, precision)
    return Vector(np.asarray(values, dtype=float).ravel(), precision)


def matrix_cell(
    values: Any,
    precision: int,
    labels: Sequence[str] | None = None,
    digits: Sequence[bool] | None = None,
) -> Any:
    """A table cell for a matrix (rows aligned, wrapped with [row,column] indices); the rows
    ``digits`` marks show in scientific notation where fixed would keep fewer than 3 digits."""
    if values is None or is_summary(values):
        return vector(values, precision)
    return Vector(values, precision, labels=labels, matrix=True, digits=digits)
