"""Vanishing or exploding: the norm of the state's Jacobian ‖∂h_T/∂hₖ‖₂ back to each k
(‖∂(h_T, c_T)/∂(hₖ, cₖ)‖₂ for the LSTM, whose state is both), the recurrent matrix's spectrum,
and the verdict."""

from __future__ import annotations

import numpy as np
from rich.console import Group, RenderableType
from rich.text import Text

from ..core.cells.declaration import Cell
from ..trace.events import JacobiansEvent
from .flow import sci
from .gaps import GAP_ROW, left_out_note, with_gaps
from .tables import noted_table
from .theme import plural, subscript


def state_at(symbol: str, index: str) -> str:
    """The cell's state at one time step: hₖ, or (hₖ, cₖ) for a state of several parts
    (``Cell.state_symbol`` "h,c"), so that no letter stands for the state alone."""
    parts = [f"{part}{index}" for part in symbol.split(",")]
    return parts[0] if len(parts) == 1 else f"({', '.join(parts)})"


JACOBIAN_ROWS = 12
"""At most this many k in the vanishing/exploding table, spread evenly from the first to T."""


def jacobian_ks(first: int, T: int, every: bool = False) -> list[int]:
    """The k the vanishing/exploding table shows: every k of a short chain (or ``every``),
    else JACOBIAN_ROWS of them spread evenly from ``first`` to T (both ends included)."""
    n = T - first + 1
    if every:
        return list(range(first, T + 1))
    return sorted({*np.linspace(first, T, min(n, JACOBIAN_ROWS)).round().astype(int).tolist()})


def jacobians_view(
    event: JacobiansEvent, cell: Cell, recurrent: str, every: bool = False
) -> RenderableType:
    """‖∂h_T/∂hₖ‖₂ for the k shown (‖∂(h_T, c_T)/∂(hₖ, cₖ)‖₂ for the LSTM, whose state is
    both), a ⋯ row for the k between, the spectral facts of the cell's recurrent matrix (its
    symbol ``recurrent``), and the verdict; ``every`` (--detail full): a row for every k."""
    s = cell.state_symbol
    norms = np.asarray(event.norms, dtype=float)
    first = event.first
    T = first + norms.size - 1
    ks = jacobian_ks(first, T, every)
    chain = f"‖∂{state_at(s, '_T')}/∂{state_at(s, 'ₖ')}‖₂"
    left_out = left_out_note(ks, first, T)
    if left_out:
        left_out = f" Shown: {len(ks)} of the k, spread evenly from {first} to {T}. {left_out}"
    table = noted_table(
        f"Vanishing or exploding? {chain} · step {event.step} · sentence {event.sentence + 1}",
        "k",
        chain,
        "",
        caption=f"{cell.jacobian_note}; ‖·‖₂ is the spectral norm (largest singular value); "
        "the bars on a log scale, from the smallest norm shown to the largest."
        + (
            f" Followed back {plural(norms.size, 'time step')}, from {state_at(s, '_T')}."
            if first > 1
            else ""
        )
        + left_out,
    )
    positive = norms[norms > 0]
    logs = np.log10(np.where(norms > 0, norms, 1.0))
    low = float(np.log10(positive.min())) if positive.size else 0.0
    span = (float(np.log10(positive.max())) - low if positive.size else 0.0) or 1.0
    for k in with_gaps(ks, first, T):
        if k is None:
            table.add_row(Text(GAP_ROW, "note"), "", "")
            continue
        v = float(norms[k - first])
        if v > 0:  # log scale, 1 to 24 characters (whole at 60 columns); none for an exact 0
            bar = Text("█" * (1 + round(23 * (logs[k - first] - low) / span)), "label")
        else:
            bar = Text("0 exactly", "note")
        table.add_row(str(k), sci(v), bar)
    T_ = subscript(T)
    style = "status.ok" if event.verdict == "stable" else "status.bad"
    if event.rate > 0:
        per_step = f"about ×{event.rate:.3g} a time step"
    else:
        per_step = "×0 a time step"
    verdict = Text.assemble(
        (f"{event.verdict}: ", style),
        *([(f"{event.cause}. ", style)] if event.cause else []),
        f"‖∂{state_at(s, T_)}/∂{state_at(s, subscript(first))}‖₂ = {sci(event.end_to_end)} "
        f"(vanishing below 1e-02, exploding above 1e+02); {per_step}. "
        f"{recurrent}{cell.recurrent_note}: largest singular value {event.sigma_max:.4g}, "
        f"spectral radius {event.spectral_radius:.4g}.",
    )
    return Group(table, verdict, Text())  # a blank line ends the view
