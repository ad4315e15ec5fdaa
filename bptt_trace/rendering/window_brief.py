"""The windows of a step in brief (--chunks, --tbptt with an update after each window, under
--detail auto or summary): a row a window, so that 256 windows do not print 256 update tables.

The first window with a loss (it ran at the step's starting θ, and the step's tables show its
terms) keeps its update tables above; every other window is a row: its time steps, its own L,
‖∂L/∂θ‖ before any clipping, the size of its update ‖Δθ‖ = α·κ·‖∂L/∂θ‖, and how stale the
state carried into it was for the first sentence. Windows without a loss that changed nothing
share a row. --detail full shows every window's update tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..trace.events import GradientsEvent, UpdateEvent
from ..trace.summary import is_summary
from ..trace.window_checks import staleness
from .tables import NotedTable, noted_table
from .theme import fmt_loss
from .window_scope import WindowScope, runs_named, steps_named

EDGE = 8
"""More than 2·EDGE + 1 rows: the first and last EDGE show, a row says how many between."""

NONE = "—"


@dataclass(frozen=True)
class WindowRow:
    """One window (or several in a row without a loss: ``first`` … ``last``)."""

    first: int
    last: int
    start: int
    end: int
    losses: tuple[int, ...]
    """The time steps of the window's losses (its L is their sum)."""
    loss: float | None
    """The window's own L; None: no loss in the window."""
    grad_norm: float
    change: float
    """‖Δθ‖ = α·κ·‖∂L/∂θ‖ (0 when nothing changed)."""
    stale: float | None
    """‖h carried − h recomputed‖ at start − 1, first sentence; None: not shown."""


def in_brief(scope: WindowScope | None, detail: str) -> bool:
    """Whether a window's update is a row of the brief table rather than its tables."""
    return scope is not None and detail != "full" and not (scope.fresh and scope.losses)


def window_row(gradients: GradientsEvent, update: UpdateEvent, scope: WindowScope) -> WindowRow:
    """A window's row, from its gradients event and the update after it."""
    stale = None
    then, now = gradients.carried_state, gradients.carried_state_now
    if then is not None and now is not None and not (is_summary(then) or is_summary(now)):
        if scope.start > 1:  # h₀ = 0 is carried into the first window, never stale
            stale = staleness(then, now)
    return WindowRow(
        first=scope.chunk,
        last=scope.chunk,
        start=scope.start,
        end=scope.end,
        losses=scope.losses,
        loss=float(gradients.loss) if scope.losses else None,
        grad_norm=float(update.grad_norm),
        change=float(update.lr * update.scale * update.grad_norm),
        stale=stale,
    )


def merged(rows: Sequence[WindowRow]) -> list[WindowRow]:
    """Consecutive windows without a loss that changed nothing, as one row."""
    out: list[WindowRow] = []
    for row in rows:
        if out and idle(row) and idle(out[-1]):
            out[-1] = WindowRow(
                out[-1].first, row.last, out[-1].start, row.end, (), None, 0, 0, None
            )
        else:
            out.append(row)
    return out


def idle(row: WindowRow) -> bool:
    """No loss, no change, and a carried state that is not stale (or not shown)."""
    return row.loss is None and row.change == 0 and not row.stale


def brief_table(step: int, rows: Sequence[WindowRow], precision: int) -> NotedTable:
    """The rows as a table, the middle ones left out past 2·EDGE + 1 rows."""
    rows = merged(rows)
    shown: list[WindowRow | None] = list(rows)
    if len(rows) > 2 * EDGE + 1:
        shown = [*rows[:EDGE], None, *rows[-EDGE:]]
    caption = f"{_windows(rows[0].first, rows[-1].last)} in brief"
    if None in shown:
        left = rows[EDGE : len(rows) - EDGE]
        caption += f" ({_windows(left[0].first, left[-1].last).lower()} left out: ⋯)"
    caption += (
        ": ‖Δθ‖ = α·κ·‖∂L/∂θ‖ is the size of the update after the window (κ: the --clip "
        "scale, 1 unclipped); stale by: "
        "‖h carried in − h recomputed from h₀ with the window's θ‖ at its start, first sentence. "
        "--detail full shows each window's update tables; the JSON trace has them all."
    )
    table = noted_table(
        f"Windows · step {step} · each followed by its update",
        "window",
        "time steps",
        "its losses",
        "its L",
        "‖∂L/∂θ‖",
        "‖Δθ‖",
        "stale by",
        caption=caption,
    )
    p = precision
    for row in shown:
        if row is None:
            table.add_row(*["⋯"] * 7)
            continue
        unchanged = idle(row)
        table.add_row(
            steps_named(row.first, row.last).replace("t = ", ""),
            steps_named(row.start, row.end).replace("t = ", ""),
            runs_named(row.losses) or NONE,
            "no loss" if row.loss is None else fmt_loss(row.loss, p),
            NONE if unchanged else fmt_loss(row.grad_norm, p),
            "θ unchanged" if unchanged else fmt_loss(row.change, p),
            NONE if row.stale is None else fmt_loss(row.stale, p),
        )
    return table


def _windows(first: int, last: int) -> str:
    return f"Window {first}" if first == last else f"Windows {first} to {last}"


class BriefWindows:
    """The rows of a step's windows in brief, until something else comes."""

    def __init__(self) -> None:
        self.rows: list[WindowRow] = []
        self.step = 0

    def add(self, gradients: GradientsEvent, update: UpdateEvent, scope: WindowScope) -> None:
        self.step = update.step
        self.rows.append(window_row(gradients, update, scope))

    def flush(self, precision: int) -> list[NotedTable]:
        """The table of the rows so far (none if there are none), and a fresh start."""
        rows, self.rows = self.rows, []
        return [brief_table(self.step, rows, precision)] if rows else []
