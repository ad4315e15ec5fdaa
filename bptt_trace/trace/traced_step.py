"""The events of one traced step: per sentence the forward, output and backward events, then
the gradient flow (``flow_events``), then the gradients.

Everything here is for display: it re-reads the arrays that the engine computed, only for the
steps that are traced. Arrays too large for the detail are summarised as the events are made,
a block of time steps at a time, so that no event of a large model holds (or copies) a
|vocab|-sized array for long and a long sentence never has all its summaries in memory at once.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from ..config import Config
from ..core import interrupt
from ..core.batch import Batch
from ..core.bptt import Backward, Forward
from ..core.cells.declaration import Cell, Outer, Params, Row, Total
from ..core.corpus import Corpus
from ..core.jacobians import spectrum
from ..core.output import dims, log_softmax, logits
from ..core.truncation import loss_starts, scheme_of
from .events import BackwardEvent, Event, ForwardEvent, GradientsEvent, OutputEvent
from .flow_events import diagnosed_sentences, flow_events
from .outer_summary import summarize_outers
from .summary import summarize_rows, time_blocks, too_large, traced_sentences
from .truncation_event import truncation_events


def step_events(
    step: int,
    cell: Cell,
    p: Params,
    batch: Corpus,
    fw: Forward,
    bw: Backward,
    vocab: list[str],
    config: Config,
) -> Iterator[Event]:
    """The full trace of one step, sentence by sentence, then its gradients. Every function
    here reads one sentence s at a time (``batch.x[s]``, ``fw.h[s, t]``), of a padded
    ``Batch`` or of a ``Corpus`` in buckets alike."""
    detail = config.detail
    recurrent = spectrum(p[cell.recurrent])  # the same for every sentence
    sums = {spec.name: np.zeros_like(p[spec.name]) for spec in cell.params}
    sums = {name: total for name, total in sums.items() if not too_large(total, detail)}
    lengths = batch.lengths.tolist()[: traced_sentences(batch.size, detail)]
    diagnosed = diagnosed_sentences(lengths)
    starts = window_starts(config, batch)
    for s, length in enumerate(lengths):
        yield from forward_events(step, s, cell, p, batch, fw, length, vocab, detail)
        yield from output_events(step, s, p, batch, fw, vocab, detail)
        yield from backward_events(step, s, cell, p, batch, fw, bw, vocab, detail, sums)
        spectrum_if_diagnosed = recurrent if s in diagnosed else None
        yield from flow_events(
            step, s, cell, p, batch, fw, bw, config.truncate, spectrum_if_diagnosed, starts
        )
    yield from truncation_events(step, cell, p, batch, fw, bw, config)
    gradients = GradientsEvent(step=step, loss=bw.loss, grads=bw.grads)
    yield gradients if detail == "full" else gradients.compacted(detail)


def window_starts(config: Config, batch: Corpus) -> np.ndarray | None:
    """Under --chunks or --tbptt, where each loss's flow starts (its window's first step),
    so that the blame and the per-loss gradients are the scheme's; None otherwise."""
    scheme = scheme_of(config)
    if scheme is None or scheme.kind == "truncate":
        return None
    return loss_starts(scheme, int(batch.lengths.max()))


def forward_events(
    step: int,
    s: int,
    cell: Cell,
    p: Params,
    batch: Batch | Corpus,
    fw: Forward,
    length: int,
    vocab: list[str],
    detail: str,
) -> Iterator[ForwardEvent]:
    """The cell's forward terms and hₜ for t = 1 … T of sentence ``s``."""
    q, x = cell.prepare(p), batch.x[s]  # the sentence's row, looked up once
    for block in time_blocks(length, dims(p)["H"]):
        interrupt.poll()  # a block of time steps summarised: a unit of work
        now = slice(block.start + 1, block.stop + 1)  # time steps t; ``block`` is t − 1
        terms = cell.shown_forward(q, x[now], fw.state[s, block], fw.cache[s, now])
        varying = [key for key, value in terms.items() if value.ndim == 2]
        rows = dict(
            zip(
                [*varying, "h"],
                shown(detail, *[terms[k] for k in varying], fw.h[s, now]),
                strict=True,
            )
        )
        for key, value in terms.items():  # a term equal at every t is summarised once
            if key not in rows:
                rows[key] = shown(detail, value[None])[0][0]
        for j, t in enumerate(range(now.start, now.stop)):
            i = int(x[t])
            yield ForwardEvent(
                step=step,
                sentence=s,
                t=t,
                token=vocab[i],
                token_index=i,
                terms={key: rows[key][j] if key in varying else rows[key] for key in terms},
                h=rows["h"][j],
            )


def output_events(
    step: int,
    s: int,
    p: Params,
    batch: Batch | Corpus,
    fw: Forward,
    vocab: list[str],
    detail: str,
) -> Iterator[OutputEvent]:
    """oₜ, ŷₜ, Lₜ = −log ŷₜ[yₜ] and ∂Lₜ/∂oₜ = ŷₜ − yₜ at each output step of sentence ``s``."""
    steps = np.flatnonzero(batch.out[s])
    for block in time_blocks(steps.size, dims(p)["V"]):
        interrupt.poll()
        t = steps[block]
        n = np.arange(t.size)
        target = batch.y[s, t]
        o = logits(p, fw.h[s, t])  # oₜ = hₜ·V + b_output
        log_y_hat = log_softmax(o)
        y_hat = np.exp(log_y_hat)
        dL_do = y_hat.copy()
        dL_do[n, target] -= 1.0  # ∂Lₜ/∂oₜ = ŷₜ − yₜ
        loss = (-log_y_hat[n, target]).tolist()  # Lₜ = −log ŷₜ[yₜ]
        o_, y_hat_, dL_do_ = shown(detail, o, y_hat, dL_do)
        for j, (tj, yj) in enumerate(zip(t.tolist(), target.tolist(), strict=True)):
            yield OutputEvent(
                step=step,
                sentence=s,
                t=tj,
                o=o_[j],
                y_hat=y_hat_[j],
                target=vocab[yj],
                target_index=yj,
                loss=loss[j],
                dL_do=dL_do_[j],
            )


def backward_events(
    step: int,
    s: int,
    cell: Cell,
    p: Params,
    batch: Batch | Corpus,
    fw: Forward,
    bw: Backward,
    vocab: list[str],
    detail: str,
    sums: dict[str, np.ndarray],
) -> Iterator[BackwardEvent]:
    """BPTT from t = T down to 1: where ∂L/∂hₜ comes from, the cell's terms, each time step's
    contribution and the running sums in ``sums`` (those small enough to show; else None)."""
    length = int(batch.mask[s].sum())
    x, out, cut = batch.x[s], batch.out[s], bw.cut[s]  # the sentence's rows, looked up once
    q, H = cell.prepare(p), dims(p)["H"]
    outer_too_large = too_large(np.empty((H, H)), detail)
    outers = [spec for spec in cell.params if isinstance(spec.grad, Outer)]
    for block in reversed(time_blocks(length, H)):
        interrupt.poll()
        now = slice(block.start + 1, block.stop + 1)
        from_output, from_next = bw.dh_from_output[s, now], bw.from_next[s, now]
        dh = from_output + from_next[:, :H]  # ∂L/∂hₜ (total): from the output and from t+1
        kept, delta, h_prev = fw.cache[s, now], bw.delta[s, now], fw.h[s, block]
        ds = from_next.copy()  # ∂L/∂sₜ (total)
        ds[:, :H] += from_output
        terms = {**cell.shown_backward(q, kept, fw.state[s, now], ds, delta), "h_prev": h_prev}
        values = cell.step_values(q, kept, h_prev, delta)
        contributions = {  # lᵀ·r of each time step, or its summary
            f"d{spec.name}": summarize_outers(values[spec.grad.left], values[spec.grad.right])
            if outer_too_large
            else [
                np.outer(u, v)
                for u, v in zip(values[spec.grad.left], values[spec.grad.right], strict=True)
            ]
            for spec in outers
            if isinstance(spec.grad, Outer)
        }
        keys = list(terms)
        from_output_, from_next_, dh_, *terms_ = shown(
            detail, from_output, from_next[:, :H], dh, *terms.values()
        )
        for j in reversed(range(block.stop - block.start)):
            t = block.start + 1 + j
            i = int(x[t])
            for spec in cell.params:
                if spec.name in sums:
                    add(sums[spec.name], spec.grad, values, contributions, spec.name, i, j)
            yield BackwardEvent(
                step=step,
                sentence=s,
                t=t,
                token=vocab[i],
                token_index=i,
                dh_from_output=from_output_[j] if out[t] else None,
                dh_from_next=from_next_[j] if t < length else None,
                dh=dh_[j],
                terms={
                    **{key: shown_terms[j] for key, shown_terms in zip(keys, terms_, strict=True)},
                    **{key: rows[j] for key, rows in contributions.items()},
                    **{
                        f"sum_{spec.name}": sums[spec.name].copy() if spec.name in sums else None
                        for spec in cell.params
                    },
                },
                cut=bool(cut[t]),
            )


def add(
    total: np.ndarray,
    rule: Row | Outer | Total,
    values: dict[str, np.ndarray],
    contributions: dict[str, Any],
    name: str,
    token: int,
    j: int,
) -> None:
    """Add time step j's contribution by ``rule`` to the running sum ``total``."""
    if isinstance(rule, Row):
        total[token] += values[rule.key][j]  # xₜᵀ·value: the row of xₜ's token
    elif isinstance(rule, Outer):
        total += contributions[f"d{name}"][j]
    else:
        total += values[rule.key][j]


def shown(detail: str, *blocks: np.ndarray) -> list[Sequence[Any]]:
    """The rows of each block as events carry them: arrays, or summaries past the display size.

    The blocks have the same shape; their summaries are made in one pass over all of them.
    """
    n = len(blocks[0])
    if n == 0 or not too_large(blocks[0][0], detail):
        return list(blocks)
    rows = summarize_rows(np.concatenate(blocks))
    return [rows[i * n : (i + 1) * n] for i in range(len(blocks))]
