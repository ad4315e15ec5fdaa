"""The events of one traced step.

Everything here is for display: it re-reads the arrays that the engine computed (and, for
the blame matrix and the Jacobians, follows each loss back on its own), only for the steps
that are traced.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from ..core.batch import Batch
from ..core.bptt import Backward, Forward
from ..core.flow import HORIZON, diagnose, loss_flow, spectrum
from ..core.output import log_softmax, logits
from ..core.params import Params
from .events import (
    BackwardEvent,
    BlameEvent,
    Event,
    ForwardEvent,
    GradientsEvent,
    JacobiansEvent,
    LossGradientsEvent,
    OutputEvent,
)
from .summary import (
    summarize_outers,
    summarize_rows,
    time_blocks,
    too_large,
    traced_sentences,
)

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

    Arrays too large for ``detail`` are summarised as the events are made, a block of time
    steps at a time, so that no event of a large model holds (or copies) a |vocab|-sized
    array for long and a long sentence never has all its summaries in memory at once.
    """
    (b,) = shown(detail, p.b[None])[0]  # the same b at every t: summarised once
    W_h_spectrum = spectrum(p.W_h)  # the same Wʰ for every sentence
    sums = {"W": np.zeros_like(p.W), "W_h": np.zeros_like(p.W_h), "b": np.zeros_like(p.b)}
    sums = {name: total for name, total in sums.items() if not too_large(total, detail)}
    lengths = batch.lengths.tolist()[: traced_sentences(batch, detail)]
    diagnosed = diagnosed_sentences(lengths)
    for s, length in enumerate(lengths):
        x = batch.x[s, :length]
        yield from forward_events(step, s, p, x, fw, b, vocab, detail)
        yield from output_events(step, s, p, batch, fw, vocab, detail)
        yield from backward_events(step, s, batch, fw, bw, vocab, detail, sums)
        spectrum_if_diagnosed = W_h_spectrum if s in diagnosed else None
        yield from flow_events(step, s, p, batch, fw, bw, truncate, spectrum_if_diagnosed)
    gradients = GradientsEvent(step, bw.loss, **bw.grads)
    yield gradients if detail == "full" else gradients.compacted(detail)


def forward_events(
    step: int,
    s: int,
    p: Params,
    x: np.ndarray,
    fw: Forward,
    b: Any,
    vocab: list[str],
    detail: str,
) -> Iterator[ForwardEvent]:
    """aₜ = xₜ·W + hₜ₋₁·Wʰ + b and hₜ = f(aₜ) for t = 1 … T of sentence ``s``."""
    for block in time_blocks(x.size, p.hidden):
        ts = range(block.start + 1, block.stop + 1)
        now = slice(block.start + 1, block.stop + 1)  # rows t of fw; ``block`` is rows t − 1
        x_W, h_prev_W_h, a, h = shown(
            detail,
            p.W[x[block]],  # xₜ·W is the row of W at xₜ's token
            fw.h[s, block] @ p.W_h,  # hₜ₋₁·Wʰ
            fw.a[s, now],
            fw.h[s, now],
        )
        for j, t in enumerate(ts):
            i = int(x[t - 1])
            yield ForwardEvent(step, s, t, vocab[i], i, x_W[j], h_prev_W_h[j], b, a[j], h[j])


def output_events(
    step: int, s: int, p: Params, batch: Batch, fw: Forward, vocab: list[str], detail: str
) -> Iterator[OutputEvent]:
    """oₜ, ŷₜ, Lₜ = −log ŷₜ[yₜ] and ∂Lₜ/∂oₜ = ŷₜ − yₜ at each output step of sentence ``s``."""
    steps = np.flatnonzero(batch.out[s]) + 1
    for block in time_blocks(steps.size, p.vocab_size):
        t = steps[block]
        n = np.arange(t.size)
        target = batch.y[s, t - 1]
        o = logits(p, fw.h[s, t])  # oₜ = hₜ·V + b_output
        log_y_hat = log_softmax(o)
        y_hat = np.exp(log_y_hat)
        dL_do = y_hat.copy()
        dL_do[n, target] -= 1.0  # ∂Lₜ/∂oₜ = ŷₜ − yₜ
        loss = (-log_y_hat[n, target]).tolist()  # Lₜ = −log ŷₜ[yₜ]
        o_, y_hat_, dL_do_ = shown(detail, o, y_hat, dL_do)
        for j, (tj, yj) in enumerate(zip(t.tolist(), target.tolist(), strict=True)):
            yield OutputEvent(step, s, tj, o_[j], y_hat_[j], vocab[yj], yj, loss[j], dL_do_[j])


def backward_events(
    step: int,
    s: int,
    batch: Batch,
    fw: Forward,
    bw: Backward,
    vocab: list[str],
    detail: str,
    sums: dict[str, np.ndarray],
) -> Iterator[BackwardEvent]:
    """BPTT from t = T down to 1: where ∂L/∂hₜ comes from, ∂L/∂aₜ, each step's contribution
    and the running sums in ``sums`` (only those small enough to show; the rest are None)."""
    length = int(batch.mask[s].sum())
    H = fw.h.shape[2]
    outer_too_large = too_large(np.empty((H, H)), detail)
    for block in reversed(time_blocks(length, H)):
        now = slice(block.start + 1, block.stop + 1)
        from_output, from_next = bw.dh_from_output[s, now], bw.dh_from_next[s, now]
        dh = from_output + from_next  # ∂L/∂hₜ (total): from the output and from step t+1
        da, h_prev = bw.da[s, now], fw.h[s, block]
        if outer_too_large:  # hₜ₋₁ᵀ·∂L/∂aₜ, summarised without forming it
            dW_h = summarize_outers(h_prev, da)
        else:
            dW_h = [np.outer(u, v) for u, v in zip(h_prev, da, strict=True)]
        from_output_, from_next_, dh_, f_prime_, da_, h_prev_ = shown(
            detail, from_output, from_next, dh, bw.f_prime[s, now], da, h_prev
        )
        for j in reversed(range(block.stop - block.start)):
            t = block.start + 1 + j
            i = int(batch.x[s, t - 1])
            if "W" in sums:
                sums["W"][i] += da[j]
            if "W_h" in sums:
                sums["W_h"] += dW_h[j]
            if "b" in sums:
                sums["b"] += da[j]
            yield BackwardEvent(
                step,
                s,
                t,
                vocab[i],
                i,
                from_output_[j] if batch.out[s, t - 1] else None,
                from_next_[j] if t < length else None,
                dh_[j],
                f_prime_[j],
                da_[j],
                h_prev_[j],
                dW_h[j],
                *(sums[name].copy() if name in sums else None for name in ("W", "W_h", "b")),
                bool(bw.cut[s, t]),
            )


def shown(detail: str, *blocks: np.ndarray) -> list[Sequence[Any]]:
    """The rows of each block as events carry them: arrays, or summaries past the display size.

    The blocks have the same shape; their summaries are made in one pass over all of them.
    """
    n = len(blocks[0])
    if n == 0 or not too_large(blocks[0][0], detail):
        return list(blocks)
    rows = summarize_rows(np.concatenate(blocks))
    return [rows[i * n : (i + 1) * n] for i in range(len(blocks))]


def flow_events(
    step: int,
    s: int,
    p: Params,
    batch: Batch,
    fw: Forward,
    bw: Backward,
    truncate: int | None,
    W_h_spectrum: tuple[float, float] | None,
) -> Iterator[Event]:
    """The blame matrix, each step's share, per-loss gradients; and the Jacobian norms when
    the sentence is diagnosed: ``W_h_spectrum`` is then ``spectrum(p.W_h)``, else None."""
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
    if W_h_spectrum is None:
        return
    d = diagnose(p, bw.f_prime[s], T, W_h_spectrum)
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


def diagnosed_sentences(lengths: list[int]) -> set[int]:
    """The sentences whose Jacobian norms a traced step shows: the first, and the longest (the
    first of the longest), where a gradient has the farthest to go, when that is another.

    Each costs a product of T matrices of H×H and T eigenvalue problems: O(T·H³), the most
    of any part of a trace, so it is not done for every sentence.
    """
    return {0, lengths.index(max(lengths))} if lengths else set()
