"""The update of every parameter: θ ← θ − α·∂L/∂θ, old value, gradient, new value and the
change Δ = new − old; when the gradient is clipped, θ ← θ − α·κ·∂L/∂θ, with both the gradient
and the step κ·∂L/∂θ (κ, the clip scale: s is the LSTM's state). And the closing line's
losses: before the first update, after the last."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from rich.console import Console, ConsoleOptions
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from ..core.cells.declaration import Param
from ..trace.events import GradientsEvent, UpdateEvent
from ..trace.summary import is_summary
from .precision_advice import advice
from .tables import ONE_HOT_MAX, Tokens, Values, noted_table
from .theme import fmt_loss, plural, vector
from .vectors import Vector, matrix_cell
from .window_scope import WindowScope

UNBOUNDED = 1_000_000
"""A width no table reaches: what side by side would need is measured at it."""

DELTA = "Δ = new − old"
"""The label of the change an update made, computed from the old and new values shown."""


class UpdateView:
    """θ ← θ − α·∂L/∂θ for every parameter: old value, gradient applied, new value, and
    Δ = new − old (at a small α old and new may look alike at the precision shown; Δ does not).

    Old, gradient, new and Δ stand side by side when the console is wide enough, else one
    under another. When the gradient was clipped (scale κ < 1) ∂L/∂θ (from ``gradients``, the
    step's gradients event) and the applied κ·∂L/∂θ each have their column.
    """

    def __init__(
        self,
        event: UpdateEvent,
        vocab: Sequence[str],
        precision: int,
        specs: Sequence[Param],
        gradients: GradientsEvent | None = None,
        scope: WindowScope | None = None,
    ) -> None:
        self.event = event
        self.specs = specs
        self.vocab = vocab
        self.precision = precision
        self.gradients = gradients if event.scale != 1.0 else None
        chunk = getattr(gradients, "chunk", None) if gradients is not None else None
        self.window = gradients if chunk is not None else None  # --chunks, --tbptt
        self.scope = scope

    def _columns(self, spec: Param) -> tuple[list[str], list[Any]]:
        """The labels and values of the columns: old, the gradient(s), new (Δ is added where
        old and new are arrays, not summaries: ``_tables``)."""
        e, sym = self.event, spec.symbol
        if e.scale == 1.0:
            values = [e.old[spec.name], e.applied[spec.name], e.new[spec.name]]
            return ["old", f"∂L/∂{sym}", "new"], values
        labels, values = ["old"], [e.old[spec.name]]
        if self.gradients is not None:
            labels.append(f"∂L/∂{sym}")
            values.append(self.gradients.grads[spec.name])
        labels += [f"κ·∂L/∂{sym}", "new"]
        values += [e.applied[spec.name], e.new[spec.name]]
        return labels, values

    def _tables(self, side_by_side: bool) -> list[Table]:
        e, p = self.event, self.precision
        clipped = e.scale != 1.0
        scale = (
            f" · clipped: ‖∂L/∂θ‖ = {e.grad_norm:.{p}g} scaled by κ = {e.scale:.{p}g}"
            if clipped
            else ""
        )
        tables = []
        for spec in self.specs:
            sym = spec.symbol
            step = "α·κ·" if clipped else "α·"
            title = f"{sym} ← {sym} − {step}∂L/∂{sym}   (α = {e.lr:g}{scale})"
            columns, values = self._columns(spec)
            if any(is_summary(v) for v in values):
                table = noted_table(title, "", Values("summary"))
                for what, value in zip(columns, values, strict=True):
                    table.add_row(Text(what, "label"), vector(value, p))
                table.add_row(
                    Text(DELTA, "label"),
                    Text("not computed from summaries; --detail full shows every entry", "note"),
                )
                tables.append(table)
                continue
            arrays = [np.atleast_2d(np.asarray(v, dtype=float)) for v in values]
            old, applied = arrays[0], arrays[-2]
            arrays.append(change(arrays[-1], old))
            columns = [*columns, DELTA]
            labels = self._row_labels(spec, old.shape[0])
            rows = list(range(old.shape[0]))
            if spec.shape[0] == "V" and len(rows) > ONE_HOT_MAX:  # only the input tokens' rows
                rows = np.flatnonzero(np.any(applied != 0, axis=1)).tolist()
            note = None
            if len(rows) < old.shape[0]:
                others = old.shape[0] - len(rows)
                have = "has" if others == 1 else "have"
                note = f"The other {plural(others, 'row')} {have} a zero gradient: unchanged."
            if side_by_side:
                table = noted_table(title, Tokens(""), *map(Values, columns), caption=note)
                grid = [
                    [Vector(a[i], p, digits=[a is arrays[-1]]) for a in arrays] for i in rows
                ]  # Δ (the last column) keeps 3 significant digits
                entries = [max(row[c].entry for row in grid) for c in range(len(arrays))]
                for i, cells in zip(rows, grid, strict=True):
                    for cell, entry in zip(cells, entries, strict=True):
                        cell.entry = entry  # a column's entries align
                    table.add_row(Text(labels[i], "note"), *cells)
            else:
                table = noted_table(title, Tokens(""), Values("value"), caption=note)
                last = [False] * (len(arrays) - 1) + [True]  # Δ: 3 significant digits
                cells = [matrix_cell([a[i] for a in arrays], p, columns, last) for i in rows]
                entry = max((cell.entry for cell in cells), default=0)
                for i, cell in zip(rows, cells, strict=True):
                    cell.entry = entry  # every row of the table aligned alike
                    table.add_row(Text(labels[i], "note"), cell)
            tables.append(table)
        return tables

    def _row_labels(self, spec: Param, rows: int) -> list[str]:
        if len(spec.shape) == 1:
            return [""]
        if spec.shape[0] == "V":
            return list(self.vocab)  # row i of W belongs to token i
        return [f"{i + 1}" for i in range(rows)]

    def note(self) -> Text | None:
        """Says so when α·∂L/∂θ is too small to show at this precision."""
        e = self.event
        with np.errstate(over="ignore", invalid="ignore"):  # absurd runs: no warning on stderr
            change = self._largest_change()
        if change >= 0.5 * 10.0 ** (-self.precision):
            return None
        return Text(
            f"At α = {e.lr:g} the largest change is {change:.1e}, below the "
            f"{self.precision} decimals shown: old and new look alike and {DELTA} shows the "
            f"change. {advice(change)}",
            "note",
        )

    def _largest_change(self) -> float:
        e = self.event
        return max(
            (
                float(np.max(np.abs(change(e.new[n], e.old[n]))))
                for n in (spec.name for spec in self.specs)
                if not (is_summary(e.new[n]) or is_summary(e.old[n]))
            ),
            default=float("inf"),
        )

    def _measured(self, console: Console, options: ConsoleOptions) -> tuple[int, list[Table]]:
        """The side-by-side tables and the width they need (built once, shown if they fit)."""
        tables = self._tables(side_by_side=True)
        unbounded = options.update_width(UNBOUNDED)  # Rich clamps a measure to the width
        width = max((Measurement.get(console, unbounded, t).maximum for t in tables), default=0)
        return width, tables

    def _least_side_by_side(self) -> int:
        """A floor under ``natural_width``, from the shapes alone: a row of n entries
        in each of old | gradient(s) | new | Δ needs n·(entry + 1) + 1 columns, an entry at
        least ``fmt``'s +0.1234 (p + 3 characters) or, where a value is not finite, " nan"."""
        least = 0
        for spec in self.specs:
            _, values = self._columns(spec)
            if any(is_summary(v) for v in values):
                continue  # a summary's table has one column
            arrays = [np.asarray(v, dtype=float) for v in values]
            n = arrays[0].shape[-1] if arrays[0].ndim else 1
            finite = all(np.isfinite(a).all() for a in arrays)
            entry = self.precision + 3 if finite else min(self.precision + 3, 4)
            least = max(least, (len(arrays) + 1) * (n * (entry + 1) + 1))
        return least

    def natural_width(self, console: Console) -> int:
        """The columns it needs to show old, gradient, new and Δ on one line each, with the
        row labels: the widest of the side-by-side tables, as Rich measures them."""
        return self._measured(console, console.options)[0]

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Any:
        if self.window is not None:
            from .window_update import window_lines  # only under --chunks or --tbptt

            yield from window_lines(self.window, self.precision, self.scope)
            yield Text()  # a blank line between the window's lines and the tables
            if self.scope is not None and not self.scope.losses:
                return  # its gradient is zero and θ stays as it was: no tables of zeros
        if self._least_side_by_side() > options.max_width:  # too wide without measuring
            yield from self._tables(side_by_side=False)
        else:
            width, tables = self._measured(console, options)
            yield from tables if width <= options.max_width else self._tables(False)
        note = self.note()
        if note is not None:
            yield note


def change(new: Any, old: Any) -> np.ndarray:
    """Δ = new − old, entry by entry, from the numbers the update event holds (an overflow in
    an absurd run is shown as ±inf, without a warning on stderr)."""
    with np.errstate(over="ignore", invalid="ignore"):
        return np.asarray(new, dtype=float) - np.asarray(old, dtype=float)


def loss_change(
    first: float, last: float, after: float | None, updates: int, precision: int
) -> str:
    """The closing line's losses: ``loss 1.5078 → 1.5070 after 1 update``, from the first
    step's loss (before any update) to ``after``, L of the final parameters. A trace written
    before ``after`` was recorded (None) gets the line it always had: the first step's loss
    and the last step's, before its update. When the two would look alike at ``precision``
    decimals, more are shown (up to 12) so that a change that happened shows."""
    if after is None:
        return (
            f"loss {fmt_loss(first, precision)} → {fmt_loss(last, precision)} "
            "(the loss of the last step, before its update)"
        )
    digits = precision
    while fmt_loss(first, digits) == fmt_loss(after, digits) and first != after and digits < 12:
        digits += 1
    return (
        f"loss {fmt_loss(first, digits)} → {fmt_loss(after, digits)} "
        f"after {plural(updates, 'update')}"
    )
