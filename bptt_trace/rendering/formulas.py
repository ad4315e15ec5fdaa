"""The seed's update formulas with this run's numbers put in, one entry of each parameter.

    V  ← V − α·∂L/∂V
    W  ← W − α·(∂L₁/∂W + ∂L₂/∂W + ∂L₃/∂W)
    Wʰ ← Wʰ − α·(∂L₁/∂Wʰ + ∂L₂/∂Wʰ + ∂L₃/∂Wʰ)

For each parameter the entry with the largest gradient is followed from its terms to the
new value, so that a reader can find every number again in the tables above.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rich.console import RenderableType
from rich.panel import Panel
from rich.text import Text

from ..core.cells.declaration import Cell, Outer, Param, Row
from ..core.model import declared
from ..trace.events import BackwardEvent, LossGradientsEvent, UpdateEvent
from ..trace.summary import is_summary
from .theme import fmt, subscript

TERMS_MAX = 6


def _entry_label(spec: Param, idx: tuple[int, ...], vocab: Sequence[str]) -> str:
    """W[NLP, 2]: an axis of the vocabulary's size is labelled by its token, others from 1."""
    parts = [
        vocab[i] if letter == "V" else str(i + 1) for letter, i in zip(spec.shape, idx, strict=True)
    ]
    return f"{spec.symbol}[{', '.join(parts)}]"


def _used(spec: Param) -> str:
    """The backward event's field that holds time step t's contribution to ``spec``."""
    rule = spec.grad
    return f"d{spec.name}" if isinstance(rule, Outer) else rule.key


def _step_terms(
    spec: Param, idx: tuple[int, ...], backward: Sequence[BackwardEvent], several: bool
) -> list[tuple[str, float]]:
    """Each time step's contribution to entry ``idx`` of ∂L/∂θ (θ a parameter of the cell)."""
    terms = []
    for e in sorted(backward, key=lambda e: (e.sentence, e.t)):
        value = np.asarray(e.terms[_used(spec)], dtype=float)
        if isinstance(spec.grad, Row):  # only the row of xₜ's token
            term = float(value[idx[1]]) if e.token_index == idx[0] else 0.0
        else:
            term = float(value[idx])
        where = f"s{e.sentence + 1},t={e.t}" if several else f"t={e.t}"
        terms.append((where, term))
    return terms


def _loss_terms(
    spec: Param, idx: tuple[int, ...], per_loss: Sequence[LossGradientsEvent]
) -> list[tuple[str, float]]:
    """∂Lₛ/∂θ at entry ``idx`` for each loss s (∂L₁/∂W + ∂L₂/∂W + …)."""
    terms = []
    for e in per_loss:
        values = np.asarray(e.grads[spec.name], dtype=float)
        for row, s in enumerate(e.losses):
            terms.append((f"∂L{subscript(s)}/∂{spec.symbol}", float(values[row][idx])))
    return terms


def _sum(terms: list[tuple[str, float]], precision: int) -> str:
    shown = [f"({fmt(v, precision)})" for _, v in terms[:TERMS_MAX]]
    more = len(terms) - TERMS_MAX
    return " + ".join(shown) + (f" + … ({more} more)" if more > 0 else "")


def formula_panel(
    cell: Cell,
    update: UpdateEvent,
    backward: Sequence[BackwardEvent],
    per_loss: Sequence[LossGradientsEvent],
    vocab: Sequence[str],
    several: bool,
    precision: int,
    unseen: int = 0,
) -> RenderableType:
    """One entry of each parameter, from the seed's formula to the new value.

    ``unseen`` counts the time steps whose backward events were not kept for display (long
    sentences); their contributions are in the gradient but not among the terms shown.
    """
    lines = Text()
    clipped = "" if update.scale == 1.0 else "  (the clipped gradient)"
    specs = declared(cell)
    summarised = [s for s in specs if any(is_summary(d[s.name]) for d in (update.old, update.new))]
    if any(is_summary(e.terms[_used(s)]) for e in backward for s in cell.params):
        summarised = list(specs)
    for spec in specs:
        if spec in summarised:
            continue
        name = spec.name
        grad = np.asarray(update.applied[name], dtype=float)
        old = np.asarray(update.old[name], dtype=float)
        new = np.asarray(update.new[name], dtype=float)
        idx = tuple(int(i) for i in np.unravel_index(np.argmax(np.abs(grad)), grad.shape))
        sym, label = spec.symbol, _entry_label(spec, idx, vocab)
        lines.append(f"{sym} ← {sym} − α·∂L/∂{sym}", "title")
        lines.append(f"   the entry {label}, whose gradient is largest\n", "note")
        if spec in cell.params and backward:
            terms = _step_terms(spec, idx, backward, several)
            labels = " + ".join(t for t, _ in terms[:TERMS_MAX])
            lines.append(f"  ∂L/∂{label} = Σ contributions of steps {labels}\n", "label")
            rest = f" + ({unseen} steps not shown)" if unseen else ""
            lines.append(f"        = {_sum(terms, precision)}{rest}\n")
        loss_terms = _loss_terms(spec, idx, per_loss) if per_loss else []
        if loss_terms:
            names = " + ".join(t for t, _ in loss_terms[:TERMS_MAX])
            lines.append(f"  ∂L/∂{label} = {names}  (the seed's per-loss terms)\n", "label")
            lines.append(f"        = {_sum(loss_terms, precision)}\n")
        lines.append(
            f"  {label} ← {fmt(old[idx], precision)} − {update.lr:g} × "
            f"({fmt(grad[idx], precision)}) = {fmt(new[idx], precision)}{clipped}\n"
        )
    if summarised:
        lines.append(
            f"{', '.join(s.symbol for s in summarised)}: summarised at this size; "
            "--detail full shows every entry.",
            "note",
        )
    return Panel(
        lines, title="The seed's update formulas, with this step's numbers", title_align="left"
    )
