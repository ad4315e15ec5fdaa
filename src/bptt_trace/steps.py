"""The events of one traced step, and the predictions before and after training.

Everything here is for display: it re-reads the arrays that the engine computed (and, for
the blame matrix and the Jacobians, follows each loss back on its own), only for the steps
that are traced.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from .engine import CHUNK_ENTRIES, Backward, Batch, Forward, forward, log_softmax, logits
from .events import (
    BackwardEvent,
    BlameEvent,
    Event,
    ForwardEvent,
    GradientsEvent,
    JacobiansEvent,
    LossGradientsEvent,
    OutputEvent,
    PredictionsEvent,
)
from .flow import HORIZON, diagnose, loss_flow
from .model import Activation, Params
from .summary import too_large, top_indices

TOP_K = 3

TRACE_SENTENCES = 8
"""At --detail auto or summary a traced step follows the first 8 sentences in full."""

DIAGNOSED_SENTENCES = 3
"""The Jacobian norms (a product of T matrices each) are shown for the first 3 sentences."""

PER_LOSS_MAX = 20_000
"""Per-loss gradients are traced while (number of losses) × (parameters) stays below this."""


def step_events(
    step: int,
    p: Params,
    batch: Batch,
    fw: Forward,
    bw: Backward,
    vocab: list[str],
    truncate: int | None = None,
    detail: str = "auto",
) -> Iterator[Event]:
    """The full trace of one step: per sentence forward, output and backward events.

    Arrays too large for ``detail`` are summarised here, as each event is made, so that no
    event of a large model holds (or copies) a |vocab|-sized array for long.
    """
    for event in _step_events(step, p, batch, fw, bw, vocab, truncate, detail):
        yield event if detail == "full" else event.compacted(detail)


def _step_events(
    step: int,
    p: Params,
    batch: Batch,
    fw: Forward,
    bw: Backward,
    vocab: list[str],
    truncate: int | None,
    detail: str,
) -> Iterator[Event]:
    sums = {"W": np.zeros_like(p.W), "W_h": np.zeros_like(p.W_h), "b": np.zeros_like(p.b)}
    for s, length in enumerate(batch.lengths.tolist()[: traced_sentences(batch, detail)]):
        x = batch.x[s]
        for t in range(1, length + 1):
            i = int(x[t - 1])
            h_prev_W_h = fw.h[s, t - 1] @ p.W_h
            yield ForwardEvent(
                step, s, t, vocab[i], i, p.W[i], h_prev_W_h, p.b, fw.a[s, t], fw.h[s, t]
            )
        for t in range(1, length + 1):
            if batch.out[s, t - 1]:
                o = logits(p, fw.h[s, t])
                log_y_hat = log_softmax(o)
                y_hat = np.exp(log_y_hat)
                target = int(batch.y[s, t - 1])
                dL_do = y_hat.copy()
                dL_do[target] -= 1.0
                loss_t = float(-log_y_hat[target])
                yield OutputEvent(step, s, t, o, y_hat, vocab[target], target, loss_t, dL_do)
        for t in range(length, 0, -1):
            i = int(x[t - 1])
            da = bw.da[s, t]
            dW_h = np.outer(fw.h[s, t - 1], da)  # h_{t-1}ᵀ·∂L/∂a_t
            sums["W"][i] += da
            sums["W_h"] += dW_h
            sums["b"] += da
            from_output = bw.dh_from_output[s, t] if batch.out[s, t - 1] else None
            from_next = bw.dh_from_next[s, t] if t < length else None
            yield BackwardEvent(
                step,
                s,
                t,
                vocab[i],
                i,
                from_output,
                from_next,
                bw.dh_from_output[s, t] + bw.dh_from_next[s, t],
                bw.f_prime[s, t],
                da,
                fw.h[s, t - 1],
                dW_h,
                snapshot(sums["W"], detail),
                snapshot(sums["W_h"], detail),
                snapshot(sums["b"], detail),
                bool(bw.cut[s, t]),
            )
        yield from flow_events(step, s, p, batch, fw, bw, truncate)
    yield GradientsEvent(step, bw.loss, **bw.grads)


def snapshot(running: np.ndarray, detail: str) -> Any:
    """A running sum as it is now; None when too large for ``detail``.

    Summarising a |vocab|×H sum at every time step would cost O(|vocab|·H) a step; the
    ``gradients`` event carries the finished sums instead.
    """
    return None if too_large(running, detail) else running.copy()


def flow_events(
    step: int, s: int, p: Params, batch: Batch, fw: Forward, bw: Backward, truncate: int | None
) -> Iterator[Event]:
    """The blame matrix, each step's share, per-loss gradients and the Jacobian norms."""
    T = int(batch.mask[s].sum())
    n_losses = int(batch.out[s].sum())
    per_loss = n_losses > 1 and n_losses * sum(a.size for a in p.as_dict().values()) <= PER_LOSS_MAX
    flow = loss_flow(p, batch, fw, bw.f_prime, s, truncate, with_grads=per_loss)
    da = bw.da[s, 1 : T + 1]
    h = fw.h[s]
    da_norm = np.linalg.norm(da, axis=1)
    do_norm = bw.do_norm[s, 1 : T + 1]
    shares = {
        "W": da_norm,  # step t adds ∂L/∂aₜ to one row of ∂L/∂W
        "W_h": np.linalg.norm(h[:T], axis=1) * da_norm,  # ‖hₜ₋₁ᵀ·∂L/∂aₜ‖ = ‖hₜ₋₁‖·‖∂L/∂aₜ‖
        "b": da_norm,
        "V": np.linalg.norm(h[1 : T + 1], axis=1) * do_norm,  # ‖hₜᵀ·∂L/∂oₜ‖
        "b_output": do_norm,
    }
    yield BlameEvent(step, s, HORIZON, flow.losses.tolist(), flow.blame, shares)
    if per_loss:
        yield LossGradientsEvent(step, s, flow.losses.tolist(), **flow.grads)
    if s >= DIAGNOSED_SENTENCES:
        return
    d = diagnose(p, bw.f_prime[s], T)
    yield JacobiansEvent(
        step,
        s,
        d.first,
        d.jacobian_norms,
        d.sigma_max,
        d.spectral_radius,
        d.verdict,
        d.end_to_end,
        d.rate,
    )


def traced_sentences(batch: Batch, detail: str) -> int:
    """How many sentences a traced step follows in full: all, or the first TRACE_SENTENCES."""
    B = batch.x.shape[0]
    return B if detail == "full" else min(B, TRACE_SENTENCES)


def predictions(
    step: int, p: Params, batch: Batch, vocab: list[str], act: Activation, detail: str = "auto"
) -> Iterator[PredictionsEvent]:
    """The top tokens of softmax(h_t·V + b_output) at every step of the traced sentences."""
    fw = forward(p, batch, act)
    chunk = max(1, CHUNK_ENTRIES // p.vocab_size)  # rows of logits held at once
    for s, length in enumerate(batch.lengths.tolist()[: traced_sentences(batch, detail)]):
        top = []
        for start in range(1, length + 1, chunk):
            h = fw.h[s, start : min(start + chunk, length + 1)]
            y_hat = np.exp(log_softmax(logits(p, h)))
            for row in y_hat:
                best = top_indices(row, TOP_K)  # most probable first
                top.append([[vocab[int(i)], float(row[i])] for i in best])
        tokens = [vocab[int(i)] for i in batch.x[s, :length]]
        targets = [vocab[int(batch.y[s, t])] if batch.out[s, t] else None for t in range(length)]
        yield PredictionsEvent(step, s, tokens, top, targets)
