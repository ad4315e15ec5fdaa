"""The update rule with this run's numbers put in, one entry of each parameter.

    V  ← V − α·∂L/∂V
    W  ← W − α·(∂L₁/∂W + ∂L₂/∂W + ∂L₃/∂W)
    Wʰ ← Wʰ − α·(∂L₁/∂Wʰ + ∂L₂/∂Wʰ + ∂L₃/∂Wʰ)

For each parameter the entry with the largest gradient is followed from its terms to the
new value, so that a reader can find every number again in the tables above. The terms shown
always add up to the gradient the update uses: what the trace did not follow (time steps not
kept for display, sentences not traced, losses without their own terms) is one more term,
named, with its value. With B sentences L is their mean, so the per-loss terms (each
sentence's own) are summed and divided by B.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import numpy as np
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.text import Text

from ..core.cells.declaration import Cell, Outer, Param, Row
from ..core.model import declared
from ..trace.events import (
    BackwardEvent,
    GradientsEvent,
    LossGradientsEvent,
    OutputEvent,
    UpdateEvent,
)
from ..trace.summary import is_summary
from .formula_terms import TERMS_MAX as TERMS_MAX
from .formula_terms import Terms, _output_lines, _rest, _sum, _total, written_value
from .hanging import hanging
from .theme import fmt, plural, subscript
from .window_scope import WindowScope, own_gradient_line, steps_in


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
) -> Terms:
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
    spec: Param,
    idx: tuple[int, ...],
    per_loss: Sequence[LossGradientsEvent],
    several: bool,
    losses: Collection[int] | None = None,
) -> Terms:
    """∂Lₛ/∂θ at entry ``idx`` for each loss s (∂L₁/∂W + ∂L₂/∂W + …), each sentence's own;
    only those at the time steps ``losses`` when given (a window's)."""
    terms = []
    for e in per_loss:
        values = np.asarray(e.grads[spec.name], dtype=float)
        tag = f"s{e.sentence + 1}:" if several else ""
        for row, s in enumerate(e.losses):
            if losses is not None and s not in losses:
                continue
            terms.append((f"{tag}∂L{subscript(s)}/∂{spec.symbol}", float(values[row][idx])))
    return terms


def _clipped_gradient(update: UpdateEvent, gradients: GradientsEvent | None, name: str) -> Any:
    """∂L/∂θ before clipping: the gradients event's, or the applied one when not clipped."""
    if gradients is not None:
        return gradients.grads[name]
    return update.applied[name] if update.scale == 1.0 else None


def formula_panel(
    cell: Cell,
    update: UpdateEvent,
    backward: Sequence[BackwardEvent],
    per_loss: Sequence[LossGradientsEvent],
    vocab: Sequence[str],
    sentences: int,
    precision: int,
    unseen: int = 0,
    gradients: GradientsEvent | None = None,
    outputs: Sequence[tuple[OutputEvent, Any]] = (),
    one_loss: bool = False,
    scope: WindowScope | None = None,
) -> RenderableType:
    """One entry of each parameter, from the update rule to the new value.

    ``sentences`` is B; ``unseen`` counts the time steps whose backward events were not kept
    for display (long sentences); ``gradients`` is the step's ∂L/∂θ before clipping;
    ``outputs`` the step's output events, each with its hₜ (None where not kept), from which
    ∂L/∂V = Σₜ hₜᵀ·(ŷₜ − yₜ) is written out; ``one_loss``: --loss last, where the derivation's
    ∂Lₜ/∂W names step t's contribution; ``scope``: the window an update follows (--chunks,
    --tbptt with --update-every chunk), whose gradient is written out of its own steps' and
    losses' terms where the trace holds them (the first window's), else shown as it is.
    """
    lines = Text()
    entries = [lines]  # one a parameter (and one a note): --pause cuts the panel between them
    several = sentences > 1
    clipped = update.scale != 1.0
    specs = declared(cell)
    summarised = [
        s
        for s in specs
        if any(is_summary(d[s.name]) for d in (update.old, update.new, update.applied))
        or (gradients is not None and is_summary(gradients.grads[s.name]))
    ]
    if any(is_summary(e.terms[_used(s)]) for e in backward for s in cell.params):
        summarised = list(specs)
    traced = {e.sentence for e in backward}
    losses: Collection[int] | None = None
    if scope is not None:
        losses = scope.losses
        backward, unseen = steps_in(backward, scope) if scope.fresh else ([], 0)
        if scope.shared or not scope.fresh:
            backward = []
        outputs = [(e, h) for e, h in outputs if e.t in losses] if scope.fresh else []
        per_loss = per_loss if scope.fresh else []
    for spec in specs:
        if spec in summarised:
            continue
        name, sym = spec.name, spec.symbol
        raw = _clipped_gradient(update, gradients, name)
        grad = np.asarray(raw if raw is not None else update.applied[name], dtype=float)
        applied = np.asarray(update.applied[name], dtype=float)
        old = np.asarray(update.old[name], dtype=float)
        new = np.asarray(update.new[name], dtype=float)
        idx = tuple(int(i) for i in np.unravel_index(np.argmax(np.abs(grad)), grad.shape))
        label = _entry_label(spec, idx, vocab)
        s = "κ·" if clipped else ""
        if lines.plain:
            lines = Text()
            entries.append(lines)
        lines.append(f"{sym} ← {sym} − α·{s}∂L/∂{sym}", "title")
        if not np.any(grad):
            lines.append(f"   ∂L/∂{sym} is 0 in every entry: {sym} is unchanged\n", "note")
            continue
        lines.append(f"   the entry {label}, whose gradient is largest\n", "note")
        written = len(lines)
        if raw is not None and spec in cell.params and backward:
            terms = _step_terms(spec, idx, backward, several)
            labels = " + ".join(t for t, _ in terms[:TERMS_MAX])
            lines.append(f"  ∂L/∂{label} = Σ contributions of time steps {labels}\n", "label")
            left_out = []
            if unseen:
                left_out.append(f"{plural(unseen, 'time step')} not shown")
            if len(traced) < sentences:
                left_out.append(f"{plural(sentences - len(traced), 'sentence')} not traced")
            rest = ""
            if left_out:
                rest_value = float(grad[idx]) - sum(v for _, v in terms)
                rest = _rest(", ".join(left_out), rest_value, precision)
            body = _sum(terms, precision)
            many = bool(rest) or len(terms) > TERMS_MAX
            total = _total(written_value(body + rest), grad[idx], precision, many)
            lines.append(f"        = {body}{rest}{total}\n")
        if raw is not None and spec.name in ("V", "b_output") and outputs:
            lines.append(
                _output_lines(spec, idx, label, vocab, outputs, sentences, grad, precision)
            )
        loss_terms = _loss_terms(spec, idx, per_loss, several, losses) if per_loss else []
        if raw is not None and loss_terms:
            names = " + ".join(t for t, _ in loss_terms[:TERMS_MAX])
            mean = f"(1/{sentences})·(" if several else ""
            close = ")" if several else ""
            lines.append(
                f"  ∂L/∂{label} = {mean}{names}{' + …' if len(loss_terms) > TERMS_MAX else ''}"
                f"{close}  (the per-loss terms)\n",
                "label",
            )
            covered = {e.sentence for e in per_loss}
            rest = ""
            if len(covered) < sentences:
                rest_value = float(grad[idx]) - sum(v for _, v in loss_terms) / sentences
                others = sentences - len(covered)
                rest = _rest(
                    f"the {others} other sentences, their terms not traced", rest_value, precision
                )
            body = _sum(loss_terms, precision)
            added = written_value(body) / sentences + written_value(rest)
            many = bool(rest) or len(loss_terms) > TERMS_MAX
            total = _total(added, grad[idx], precision, many)
            lines.append(f"        = {mean}{body}{close}{rest}{total}\n")
        if scope is not None and raw is not None and len(lines) == written:
            lines.append(own_gradient_line(label, scope, fmt(grad[idx], precision)), "label")
        if clipped:
            s_ = f"{update.scale:.{precision}g}"
            lines.append(
                f"  {label} ← {fmt(old[idx], precision)} − {update.lr:g} × {s_}"
                f" × ({fmt(grad[idx], precision)}) = {fmt(new[idx], precision)}"
                f"  (κ = {s_} clips ‖∂L/∂θ‖; κ·∂L/∂{label} = {fmt(applied[idx], precision)})\n"
            )
        else:
            lines.append(
                f"  {label} ← {fmt(old[idx], precision)} − {update.lr:g} × "
                f"({fmt(grad[idx], precision)}) = {fmt(new[idx], precision)}\n"
            )
    if one_loss and backward and cell.name == "rnn" and (scope is None or scope.losses):
        lines = Text(style="note")  # prose: it wraps as a paragraph
        entries.append(lines)
        lines.append(
            "A derivation that writes W ← W − α·(∂L₁/∂W + ∂L₂/∂W + ∂L₃/∂W) means by ∂Lₜ/∂W "
            "these contributions of time step t (with one loss, at the last time step, there is no "
            "L₁ or L₂ of its own).\n",
            "note",
        )
    if summarised:
        lines = Text(style="note")
        entries.append(lines)
        lines.append(
            f"{', '.join(s.symbol for s in summarised)}: summarised at this size; "
            "--detail full shows every entry.",
            "note",
        )
    entries = [entry for entry in entries if entry.plain] or [Text()]
    for entry in entries[:-1]:
        if entry.plain.endswith("\n"):  # the group ends each entry's last line
            entry.right_crop(1)
    return Panel(
        Group(*map(hanging, entries)),  # each line wraps under its own start
        title=Text("The update rule, with this step's numbers"),
        title_align="left",
    )  # a Text title: Rich would parse a str for markup and emoji codes (importing the codes)
