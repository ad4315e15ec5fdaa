"""The backward pass of one sentence: where ∂L/∂hₜ comes from, from t = T down to 1."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from rich.table import Table
from rich.text import Text

from ..core.cells.declaration import Cell, Term
from ..core.truncation import Scheme, loss_starts, scheme_of
from ..trace.events import BackwardEvent
from .gaps import gap_before
from .tables import Tokens, Values, gates_at, label, noted_table
from .theme import subscript
from .vectors import vector_cell


def backward_table(
    events: Sequence[BackwardEvent],
    precision: int,
    cell: Cell,
    config: Mapping[str, Any],
    sentences: int = 1,
    length: int | None = None,
    longest: int | None = None,
) -> Table:
    """The flow of ∂L/∂hₜ from t = T down to 1: from the output, from step t+1, into the cell.

    ``config`` is the run's (its truncation and loss mode say where flows stop); ``sentences``
    is B, the number of sentences whose mean L is: every number here carries its 1/B;
    ``length`` is the sentence's T (the events may be one time step of it, under --pause);
    ``longest`` the corpus's longest, over which --chunks and --tbptt lay their windows.
    """
    first = events[0]
    where = f"step {first.step} · sentence {first.sentence + 1}"
    chain = " → ".join(  # the time steps left out (a long sentence's middle) as …
        ("… → " if i and events[i - 1].t - e.t > 1 else "") + f"h{subscript(e.t)}"
        for i, e in enumerate(events)
    )
    truncate = config.get("truncate")
    notes = [cell.backward_note]
    if sentences > 1:
        notes.append(
            f"L is the mean over the B = {sentences} sentences, so every ∂L/∂ here carries its "
            f"factor 1/B = 1/{sentences}; the output table's ŷₜ − yₜ is the sentence's own."
        )
    if truncate is not None:
        notes.append(
            f"With --truncate {truncate} the loss at s flows back to hₛ₋{subscript(truncate - 1)} "
            "at most: ∂L/∂hₜ and ∂L/∂aₜ here are those of the losses whose flow reaches "
            "time step t."
        )
    scheme = scheme_of(config)  # the run's config, as a trace holds it
    if scheme is not None and scheme.kind != "truncate":
        notes.append(
            f"With {scheme.flag()} each loss flows back only inside its window (the state "
            "before it is carried in as a constant): ∂L/∂hₜ and ∂L/∂aₜ here are those of the "
            "losses whose window reaches time step t, at the step's starting parameters."
        )
    flow = noted_table(
        f"Backward pass (BPTT) · {where} · ŷ → {cell.logits} → {chain}",
        "t",
        Tokens("xₜ"),
        "∂L/∂hₜ comes from",
        Values("value"),
        caption=" ".join(notes),
    )
    mean = "(1/B)·" if sentences > 1 else ""
    T = length or first.t  # the events run from t = T down
    for i, e in enumerate(events):
        gap_before(flow, e.t, events[i - 1].t if i else None)
        t = subscript(e.t)
        rows: list[tuple[str, Any, str]] = [
            (f"  the output at t: {mean}(ŷ{t} − y{t})·Vᵀ", e.dh_from_output, "flow.output"),
            (next_label(cell, e.t, T, config, longest), e.dh_from_next, "flow.next"),
            (f"= ∂L/∂h{t} (total)", e.dh, "bold"),
            *[  # a term from step t + 1 (the LSTM's cell path) is cut where that flow is
                (
                    gates_at(label(term.label, e.t), e.t)
                    + (cut_note(e.t, T, config, longest) if "{n}" in term.label else ""),
                    after(term, e),
                    style_of(term),
                )
                for term in cell.backward_terms
            ],
        ]
        for k, (text, value, style) in enumerate(rows):
            shown = vector_cell(value, precision) if value is not None else Text("— none", "note")
            flow.add_row(
                str(e.t) if k == 0 else "",
                Text(e.token, "token") if k == 0 else "",
                Text(text, style),
                shown,
            )
        if e.cut:
            flow.add_row(
                "",
                "",
                Text(f"✂ cut here by --truncate {truncate}", "cut"),
                Text(
                    f"L{subscript(e.t + (truncate or 1) - 1)}'s gradient stops at h{subscript(e.t)}"
                    f" and does not reach h{subscript(e.t - 1)}",
                    "cut",
                ),
            )
        flow.add_section()
    return flow


def style_of(term: Term) -> str:
    return "bold" if term.result else "label"


def after(term: Term, e: BackwardEvent) -> Any:
    """A term's value, or None for a term that names step t + 1 (``{n}``, as the LSTM's cell
    path ∂L/∂cₜ₊₁ ⊙ fₜ₊₁) at the sentence's last step, where nothing comes from a step t + 1
    (the event's own dh_from_next is None; --pause shows one step a table): there is no cₜ₊₁
    to show zeros of."""
    return None if "{n}" in term.label and e.dh_from_next is None else e.terms[term.key]


def next_label(
    cell: Cell, t: int, T: int, config: Mapping[str, Any], longest: int | None = None
) -> str:
    """The label of the part of ∂L/∂hₜ from step t+1, with ``cut_note``."""
    text = gates_at(label(cell.next_label, t), t + 1)  # step t + 1's gates
    return text + cut_note(t, T, config, longest)


def cut_note(t: int, T: int, config: Mapping[str, Any], longest: int | None = None) -> str:
    """What a part of ∂L/∂sₜ from step t+1 leaves out, on a line of its own, when a loss's
    flow stops at sₜ₊₁ (``--truncate K`` and a loss at t + K; under --chunks and --tbptt, a
    loss whose window starts at t + 1); "" when nothing is cut there."""
    scheme = scheme_of(config)
    if scheme is not None and scheme.kind != "truncate":
        return _window_note(scheme, t, T, longest or T, config.get("loss") == "every")
    K = config.get("truncate")
    if K is None or t + K > T or (config.get("loss") != "every" and t + K != T):
        return ""
    return f"\n    less L{subscript(t + K)}'s part — cut by --truncate {K}"


@lru_cache(maxsize=8)
def _starts(scheme: Scheme, longest: int) -> tuple[int, ...]:
    return tuple(loss_starts(scheme, longest).tolist())


def _window_note(scheme: Scheme, t: int, T: int, longest: int, every: bool) -> str:
    """Which losses' flows a window cut at sₜ₊₁: all of those that reach it (their window
    starts at t + 1, as at a chunk's end: one wording wherever it is) or some (overlapping
    --tbptt windows). A loss cut at a later step does not reach sₜ₊₁ at all."""
    starts = _starts(scheme, longest)
    steps = range(t + 1, T + 1) if every else [T]
    later = [s for s in steps if s > t and starts[s] <= t + 1]
    cut = [s for s in later if starts[s] == t + 1]
    if not cut:
        return ""
    if len(cut) == len(later):
        return f"\n    cut by {scheme.flag()}: h{subscript(t)} ends a window"
    names = ", ".join(f"L{subscript(s)}" for s in cut[:3]) + (", …" if len(cut) > 3 else "")
    return f"\n    less {names}'s part — cut by {scheme.flag()}"
