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

from ..core.params import NAMES, SYMBOLS
from ..trace.events import BackwardEvent, LossGradientsEvent, UpdateEvent
from ..trace.summary import is_summary
from .theme import fmt, subscript

TERMS_MAX = 6


def _entry_label(name: str, idx: tuple[int, ...], vocab: Sequence[str]) -> str:
    if name == "W":
        return f"W[{vocab[idx[0]]}, {idx[1] + 1}]"
    if name == "V":
        return f"V[{idx[0] + 1}, {vocab[idx[1]]}]"
    if name == "b_output":
        return f"b_output[{vocab[idx[0]]}]"
    return f"{SYMBOLS[name]}[{', '.join(str(i + 1) for i in idx)}]"


def _step_terms(
    name: str, idx: tuple[int, ...], backward: Sequence[BackwardEvent], several: bool
) -> list[tuple[str, float]]:
    """Each time step's contribution to entry ``idx`` of ∂L/∂θ (W, Wʰ and b)."""
    terms = []
    for e in sorted(backward, key=lambda e: (e.sentence, e.t)):
        da = np.asarray(e.da, dtype=float)
        if name == "W":
            value = float(da[idx[1]]) if e.token_index == idx[0] else 0.0
        elif name == "W_h":
            value = float(np.asarray(e.dW_h, dtype=float)[idx])
        else:
            value = float(da[idx[0]])
        where = f"s{e.sentence + 1},t={e.t}" if several else f"t={e.t}"
        terms.append((where, value))
    return terms


def _loss_terms(
    name: str, idx: tuple[int, ...], per_loss: Sequence[LossGradientsEvent]
) -> list[tuple[str, float]]:
    """∂Lₛ/∂θ at entry ``idx`` for each loss s (the seed's ∂L₁/∂W + ∂L₂/∂W + …)."""
    terms = []
    for e in per_loss:
        values = np.asarray(getattr(e, name), dtype=float)
        for row, s in enumerate(e.losses):
            terms.append((f"∂L{subscript(s)}/∂{SYMBOLS[name]}", float(values[row][idx])))
    return terms


def _sum(terms: list[tuple[str, float]], precision: int) -> str:
    shown = [f"({fmt(v, precision)})" for _, v in terms[:TERMS_MAX]]
    more = len(terms) - TERMS_MAX
    return " + ".join(shown) + (f" + … ({more} more)" if more > 0 else "")


def formula_panel(
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
    summarised = [n for n in NAMES if any(is_summary(d[n]) for d in (update.old, update.new))]
    if any(is_summary(e.da) or is_summary(e.dW_h) for e in backward):
        summarised = list(NAMES)
    for name in NAMES:
        if name in summarised:
            continue
        grad = np.asarray(update.applied[name], dtype=float)
        old = np.asarray(update.old[name], dtype=float)
        new = np.asarray(update.new[name], dtype=float)
        idx = tuple(int(i) for i in np.unravel_index(np.argmax(np.abs(grad)), grad.shape))
        sym, label = SYMBOLS[name], _entry_label(name, idx, vocab)
        lines.append(f"{sym} ← {sym} − α·∂L/∂{sym}", "title")
        lines.append(f"   the entry {label}, whose gradient is largest\n", "note")
        if name in ("W", "W_h", "b") and backward:
            terms = _step_terms(name, idx, backward, several)
            labels = " + ".join(t for t, _ in terms[:TERMS_MAX])
            lines.append(f"  ∂L/∂{label} = Σ contributions of steps {labels}\n", "label")
            rest = f" + ({unseen} steps not shown)" if unseen else ""
            lines.append(f"        = {_sum(terms, precision)}{rest}\n")
        loss_terms = _loss_terms(name, idx, per_loss) if per_loss else []
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
            f"{', '.join(SYMBOLS[n] for n in summarised)}: summarised at this size; "
            "--detail full shows every entry.",
            "note",
        )
    return Panel(
        lines, title="The seed's update formulas, with this step's numbers", title_align="left"
    )
