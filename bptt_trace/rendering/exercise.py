"""An exercise's tables: the view's rows, as the live tables label them, with the hidden cells
as labelled blanks ([?A], [?B], …), the numbers the blanks need that the view does not show,
and the list of blanks. No blank's value is ever laid out here."""

from __future__ import annotations

from typing import Any

import numpy as np
from rich.console import Group, RenderableType
from rich.text import Text

from ..core.cells.declaration import Outer, Row
from ..core.model import declared
from ..trace.diagnosis import title
from ..trace.exercise import Exercise, spell
from ..trace.exercise_rules import Input
from .backward import next_label
from .contributions import contributions_frame
from .forward import forward_frame
from .tables import ONE_HOT_MAX, Tokens, Values, label, noted_table
from .theme import plural, subscript
from .vectors import matrix_cell, vector_cell


def blank_text(ident: str) -> Text:
    return Text(f"[?{ident}]", "bold")


class Cells:
    """What goes in a cell of the view: a blank's box, or the value as the tables show it."""

    def __init__(self, exercise: Exercise, precision: int) -> None:
        self.precision = precision
        self.hidden = {place: b.id for b in exercise.blanks for place in b.hides}

    def hidden_at(self, t: int, name: str) -> bool:
        return ("backward", t, f"sum_{name}") in self.hidden

    def __call__(self, where: str, t: int, key: str, value: Any, matrix: bool = False) -> Any:
        ident = self.hidden.get((where, t, key))
        if ident is not None:
            return blank_text(ident)
        if value is None:
            return Text("— none", "note")
        return (matrix_cell if matrix else vector_cell)(value, self.precision)


def forward_view(ex: Exercise, cells: Cells) -> RenderableType:
    n, cell = ex.numbers, ex.numbers.cell
    table = forward_frame(n.step, 0, cell)
    last = len(cell.forward_terms) - 1
    for t in sorted(n.forward):
        e = n.forward[t]
        for k, term in enumerate(cell.forward_terms):
            table.add_row(
                str(t) if k == 0 else "",
                Text(e.token, "token") if k == 0 else "",
                Text(label(term.label, t), "label"),
                cells("forward", t, term.key, e.terms[term.key]),
                cells("forward", t, "h", e.h) if k == last else "",
            )
        table.add_section()
    return table


def backward_view(ex: Exercise, cells: Cells) -> RenderableType:
    n, cell = ex.numbers, ex.numbers.cell
    B = len(n.run.sentences) if n.run is not None else 1
    table = noted_table(
        f"Backward pass (BPTT) · step {n.step} · sentence 1",
        "t",
        Tokens("xₜ"),
        "∂L/∂hₜ comes from",
        Values("value"),
        caption=f"L is the mean over the B = {B} sentences: every ∂L/∂ here carries its 1/B."
        if B > 1
        else None,
    )
    mean = "(1/B)·" if B > 1 else ""
    for t in sorted(n.backward, reverse=True):
        e = n.backward[t]
        s = subscript(t)
        rows = [
            (f"  the output at t: {mean}(ŷ{s} − y{s})·Vᵀ", "dh_from_output", e.dh_from_output),
            (next_label(cell, t, n.T, n.config), "dh_from_next", e.dh_from_next),
            (f"= ∂L/∂h{s} (total)", "dh", e.dh),
            *[(label(term.label, t), term.key, e.terms[term.key]) for term in cell.backward_terms],
        ]
        for k, (text, key, value) in enumerate(rows):
            table.add_row(
                str(t) if k == 0 else "",
                Text(e.token, "token") if k == 0 else "",
                Text(text, "label"),
                cells("backward", t, key, value),
            )
        table.add_section()
    return table


def contributions_view(ex: Exercise, cells: Cells) -> RenderableType:
    n, cell = ex.numbers, ex.numbers.cell
    table = contributions_frame(f"step {n.step} · sentence 1", cell)
    symbols = {"h_prev": "h{p}", "h": "h{t}", **cell.symbols}
    for t in sorted(n.backward, reverse=True):
        e = n.backward[t]
        for k, spec in enumerate(cell.params):
            rule, running = spec.grad, e.terms[f"sum_{spec.name}"]
            if isinstance(rule, Outer):
                what = label(f"{symbols[rule.left]}ᵀ·{symbols[rule.right]}", t)
                shown = cells("backward", t, f"d{spec.name}", e.terms[f"d{spec.name}"], True)
            else:
                key = rule.key
                what = f"row {e.token}" if isinstance(rule, Row) else label(symbols[key], t)
                shown = cells("backward", t, key, e.terms[key])
            summed = cells("backward", t, f"sum_{spec.name}", running, matrix=_is_matrix(running))
            if isinstance(rule, Row) and _is_matrix(running) and cells.hidden_at(t, spec.name):
                pass  # a blank: its box stands for the whole sum
            elif isinstance(rule, Row) and _is_matrix(running):
                summed = token_rows(running, running, vocab(ex), cells.precision)
            name = Text.assemble((spec.symbol, "label"), ("\n" + what, "note"))
            table.add_row(str(t) if k == 0 else "", name, shown, summed)
        table.add_section()
    return table


def update_view(ex: Exercise, cells: Cells) -> RenderableType:
    u = ex.numbers.update
    assert u is not None
    clipped = f", the gradient scaled by s = {u.scale:.{cells.precision}g}" if u.scale != 1 else ""
    table = noted_table(
        f"Update · step {u.step} · θ ← θ − α·∂L/∂θ with α = {u.lr:g}{clipped}",
        "θ",
        Values("old"),
        Values("∂L/∂θ applied"),
        Values("new"),
    )
    words = vocab(ex)
    by_token = {spec.name for spec in ex.numbers.cell.params if spec.shape[0] == "V"}
    symbols = {spec.name: spec.symbol for spec in declared(ex.numbers.cell)}
    for name in u.old:
        old, applied, new = u.old[name], u.applied[name], u.new[name]
        if name in by_token and _is_matrix(old):  # a row a token (past 12: the sentence's)
            shown = [token_rows(v, applied, words, cells.precision) for v in (old, applied, new)]
            hidden = cells.hidden.get(("new", 0, name))
            table.add_row(
                Text(symbols.get(name, name), "label"),
                *shown[:2],
                blank_text(hidden) if hidden else shown[2],
            )
        else:
            table.add_row(
                Text(symbols.get(name, name), "label"),
                cells("old", 0, name, old, _is_matrix(old)),
                cells("applied", 0, name, applied, _is_matrix(applied)),
                cells("new", 0, name, new, _is_matrix(old)),
            )
        table.add_section()
    return table


def vocab(ex: Exercise) -> list[str]:
    run = ex.numbers.run
    return list(run.vocab) if run is not None else []


def token_rows(values: Any, by: Any, words: list[str], precision: int) -> Any:
    """A |vocab|-row matrix as its rows where ``by`` is not zero (those of the sentence's
    tokens), each led by its token; all of them for a small vocabulary."""
    if isinstance(values, dict) or isinstance(by, dict):
        return matrix_cell(values, precision)
    array, mask = np.asarray(values, dtype=float), np.asarray(by, dtype=float)
    rows = list(range(len(array)))
    if len(rows) > ONE_HOT_MAX:
        rows = np.flatnonzero(np.any(mask != 0, axis=1)).tolist() or rows[:1]
    return matrix_cell(array[rows], precision, labels=[words[i] for i in rows])


def _is_matrix(value: Any) -> bool:
    return not isinstance(value, dict) and np.ndim(value) == 2


VIEWS = {
    "forward": forward_view,
    "backward": backward_view,
    "contributions": contributions_view,
    "update": update_view,
}


def given_label(inp: Input, t: int) -> str:
    return spell(inp.label, t) + (f" (t = {t})" if inp.where in ("forward", "backward") else "")


def exercise_view(exercise: Exercise, precision: int) -> RenderableType:
    """The view with its blanks, the numbers given beside it, and the blanks to fill in."""
    cells = Cells(exercise, precision)
    parts: list[RenderableType] = [VIEWS[exercise.view](exercise, cells)]
    given = exercise.given()
    if given:
        table = noted_table(
            "Given (from the other tables of this step)", "quantity", Values("value")
        )
        for inp, t, value in given:
            table.add_row(Text(given_label(inp, t), "label"), matrix_cell(value, precision)
                          if value.ndim == 2 else vector_cell(value, precision))  # fmt: skip
        parts.append(table)
    blanks = noted_table(
        f"Exercise · {plural(len(exercise.blanks), 'blank')} to fill in",
        "blank",
        "what",
        "numbers",
        caption=fewer_note(exercise),
    )
    for blank in exercise.blanks:
        shape = " × ".join(str(d) for d in blank.value.shape)
        blanks.add_row(blank_text(blank.id), Text(title(blank), "label"), Text(shape))
    parts.append(blanks)
    return Group(*parts)


def fewer_note(exercise: Exercise) -> str | None:
    """Why the exercise has fewer blanks than --blanks asked for, if it has."""
    n = len(exercise.blanks)
    if exercise.asked <= n:
        return None
    more = "; a longer sentence has more" if exercise.view != "update" else ""
    return (
        f"{exercise.asked} blanks asked (--blanks, 3 unless given): this view has only {n} "
        "numbers that can be hidden at once, "
        f"each computed from numbers shown and none from another blank{more}"
    )
