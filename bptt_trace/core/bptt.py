"""The forward pass over time, and Backpropagation Through Time, full and truncated.

For a batch of B sentences padded to T tokens, with any cell (``cells``) and the output layer:

    hₜ = cell(xₜ, hₜ₋₁)                      h₀ = 0, for t = 1 … T
    Lₜ = −log softmax(hₜ·V + b_output)[yₜ]   at the time steps with an output
    L  = (1/B) Σ_sentences Σₜ Lₜ             the mean over sentences

Arrays indexed by time have T+1 rows so that index t is time step t (row 0 of ``h`` is h₀;
row 0 of the others is unused).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import interrupt
from .batch import Batch, output_chunks
from .cells.declaration import Cell, Contribution, Outer, Params, Row, Total
from .output import dims, log_softmax, logits, output_gradient


@dataclass(frozen=True)
class Forward:
    """state: (B, T+1, S) the cell's states, state[:, 0] = s₀ = 0, with hₜ in the first H
    columns; cache: (B, T+1, ·) what the cell keeps of each time step for the way back (aₜ for
    the vanilla RNN). For a corpus in buckets (``corpus``) each is read by sentence instead,
    ``state[s]`` being sentence s's (T+1, S), as it is of a padded batch."""

    state: np.ndarray
    cache: np.ndarray
    hidden: int

    @property
    def h(self) -> np.ndarray:
        """(B, T+1, H) the hidden states hₜ (a view of the states)."""
        return self.state[..., : self.hidden]


def forward(cell: Cell, p: Params, batch: Batch) -> Forward:
    """Run the recurrence sₜ = cell(xₜ, sₜ₋₁) for t = 1 … T."""
    B, H = batch.x.shape[0], dims(p)["H"]
    q = cell.prepare(p)
    state = np.zeros((B, batch.T + 1, cell.state_width(H)))
    kept = np.zeros((B, batch.T + 1, cell.cache_width(H)))
    for t in range(1, batch.T + 1):
        state[:, t], kept[:, t] = cell.step(q, batch.x[:, t], state[:, t - 1])
    return Forward(state=state, cache=kept, hidden=H)


@dataclass(frozen=True)
class Backward:
    """The loss, its gradients and the per-time-step quantities of BPTT.

    loss:           L, the mean over sentences of each sentence's summed losses
    sentence_loss:  (B,) each sentence's own Σₜ Lₜ
    grads:          ∂L/∂θ for every parameter, in declaration order
    dh_from_output: (B, T+1, H) the part of ∂L/∂hₜ that comes from the output at t
    from_next:      (B, T+1, S) the part of ∂L/∂sₜ that comes from time step t+1 through the
                    cell, its first H columns ∂L/∂hₜ's (with truncation: of the losses whose
                    flow still reaches sₜ)
    delta:          (B, T+1, ·) the cell's delta (∂L/∂aₜ for the vanilla RNN; with truncation:
                    of the losses whose flow reaches aₜ)
    cut:            (B, T+1) True where a truncated flow stops: a loss's flow reaches hₜ and not
                    hₜ₋₁ (whatever its value, zero included)
    do_norm:        (B, T+1) ‖∂L/∂oₜ‖ (0 where t has no output), with the 1/B of the mean

    For a corpus in buckets (``corpus``) the per-time-step arrays are read by sentence.
    """

    loss: float
    sentence_loss: np.ndarray
    grads: dict[str, np.ndarray]
    dh_from_output: np.ndarray
    from_next: np.ndarray
    delta: np.ndarray
    cut: np.ndarray
    do_norm: np.ndarray


def backward(
    cell: Cell,
    p: Params,
    batch: Batch,
    fw: Forward,
    truncate: int | None = None,
    record: bool = True,
    sentences: int | None = None,
) -> Backward:
    """The outputs and their losses, then BPTT from t = T down to 1, then the gradients.

    With ``truncate=K`` the gradient of each loss Lₛ flows back through at most K time steps
    (to hₛ … hₛ₋ₖ₊₁); ``None`` is full BPTT. ``record=False`` skips ``do_norm``, which only a
    traced step shows. ``sentences`` is the B of the mean when the batch is one bucket of a
    larger corpus (``corpus``); by default the batch's own.
    """
    B = sentences or batch.x.shape[0]
    sentence_loss, dh_from_output, output_grads, do_norm = outputs(p, batch, fw, record, B)
    q = cell.prepare(p)
    if truncate is None:
        from_next, delta, cut = full_bptt(cell, q, fw, dh_from_output)
    else:
        from_next, delta, cut = truncated_bptt(cell, q, fw, dh_from_output, truncate, batch.out)
    return Backward(
        loss=float(sentence_loss.sum() * (1.0 / B)),
        sentence_loss=sentence_loss,
        grads={**cell_gradients(cell, q, batch, fw, delta, dims(p)["V"]), **output_grads},
        dh_from_output=dh_from_output,
        from_next=from_next,
        delta=delta,
        cut=cut,
        do_norm=do_norm,
    )


def outputs(
    p: Params, batch: Batch, fw: Forward, record: bool, sentences: int
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray], np.ndarray]:
    """Each sentence's loss, ∂L/∂hₜ from the output at t, ∂L/∂V and ∂L/∂b_output, ‖∂L/∂oₜ‖.

    The outputs do not depend on the recurrence backwards: all of them first, in chunks of
    (sentence, time step) rows, so that the products are large and the logits bounded.
    """
    B, H = batch.x.shape[0], fw.h.shape[2]
    scale = 1.0 / sentences  # L is the mean over sentences
    sentence_loss = np.zeros(B)
    dh_from_output = np.zeros((B, batch.T + 1, H))
    do_norm = np.zeros((B, batch.T + 1))
    dV, db_output = np.zeros_like(p["V"]), np.zeros_like(p["b_output"])
    for s, t in output_chunks(batch, dims(p)["V"]):  # sentences s, time steps t
        loss, do = output_gradient(p, fw.h[s, t], batch.y[s, t], scale)
        sentence_loss += np.bincount(s, weights=loss, minlength=B)
        if record:
            do_norm[s, t] = np.sqrt(np.einsum("ij,ij->i", do, do))
        dV += fw.h[s, t].T @ do  # ∂L/∂V = Σₜ hₜᵀ·(ŷₜ − yₜ)
        db_output += do.sum(axis=0)  # ∂L/∂b_output = Σₜ (ŷₜ − yₜ)
        dh_from_output[s, t] = do @ p["V"].T  # ∂Lₜ/∂hₜ = (ŷₜ − yₜ)·Vᵀ
    return sentence_loss, dh_from_output, {"V": dV, "b_output": db_output}, do_norm


def full_bptt(
    cell: Cell, p: Params, fw: Forward, dh_from_output: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Full BPTT: ∂L/∂sₜ = (from the output at t, into hₜ) + (from time step t+1), t = T … 1."""
    B, T1, H = dh_from_output.shape
    S = fw.state.shape[2]
    from_next = np.zeros((B, T1, S))
    delta = np.zeros((B, T1, cell.delta_width(H)))
    ds_next = np.zeros((B, S))  # ∂L/∂sₜ that comes from time step t+1
    for t in range(T1 - 1, 0, -1):
        from_next[:, t] = ds_next
        ds_t = ds_next.copy()
        ds_t[:, :H] += dh_from_output[:, t]  # ∂L/∂hₜ: from the output and from t+1
        delta[:, t] = cell.delta(p, ds_t, fw.cache[:, t], fw.state[:, t])  # into the cell
        ds_next = cell.to_previous(p, delta[:, t], fw.cache[:, t])  # ... and on to sₜ₋₁
    return from_next, delta, np.zeros((B, T1), dtype=bool)


@interrupt.phased("truncated")
def truncated_bptt(
    cell: Cell, p: Params, fw: Forward, dh_from_output: np.ndarray, K: int, has_loss: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Truncated BPTT: the gradient of each loss flows back through at most K time steps.

    ``ages[:, j]`` is the part of ∂L/∂sₜ that comes from the loss at t + j; the oldest, of age
    K − 1, stops at sₜ. So ∂L/∂sₜ and the delta here are those of the losses at t … t + K − 1
    only, and the part from step t+1 those of t+1 … t + K − 1 (the loss at t + K stops at
    sₜ₊₁). ``cut`` marks each sₜ (t > 1) where a loss's flow stops: where ``has_loss`` (B, T+1)
    has a loss at t + K − 1, whatever the flow's value.
    """
    B, T1, H = dh_from_output.shape
    S = fw.state.shape[2]
    K = min(K, T1 - 1)
    from_next = np.zeros((B, T1, S))
    delta = np.zeros((B, T1, cell.delta_width(H)))
    cut = np.zeros((B, T1), dtype=bool)
    ages = np.zeros((B, K, S))
    cut[:, 2 : T1 - K + 1] = has_loss[:, K + 1 : T1]  # the loss at t + K − 1 stops at sₜ
    for t in range(T1 - 1, 0, -1):
        interrupt.poll()  # a time step: B·K flows back one step (--truncate 2000: 4 ms)
        ages[:, 0, :H] += dh_from_output[:, t]  # the loss at t enters with age 0
        ds_t = ages.sum(axis=1)  # ∂L/∂sₜ, over the losses whose flow still reaches sₜ
        from_next[:, t] = ds_t
        from_next[:, t, :H] -= dh_from_output[:, t]
        kept, state = fw.cache[:, t], fw.state[:, t]
        delta[:, t] = cell.delta(p, ds_t, kept, state)  # backprop into the cell
        each = cell.delta(p, ages, kept[:, None], state[:, None])  # per loss
        ages[:, 1:] = cell.to_previous(p, each[:, : K - 1], kept[:, None])  # one step older
        ages[:, 0] = 0.0
    return from_next, delta, cut


def cell_gradients(
    cell: Cell, p: Params, batch: Batch, fw: Forward, delta: np.ndarray, vocab_size: int
) -> dict[str, np.ndarray]:
    """∂L/∂θ for the cell's parameters: each one's contributions summed over the real tokens."""
    mask = batch.mask
    values = cell.step_values(p, fw.cache[mask], fw.h[:, :-1][mask[:, 1:]], delta[mask])
    x = batch.x[mask]
    return {spec.name: summed(spec.grad, values, x, vocab_size) for spec in cell.params}


def summed(
    rule: Contribution, values: dict[str, np.ndarray], x: np.ndarray, vocab_size: int
) -> np.ndarray:
    """The sum over the tokens of each time step's contribution (``Row``, ``Outer``, ``Total``)."""
    match rule:
        case Row(key):
            return scatter_rows(x, values[key], vocab_size)  # Σₜ xₜᵀ·key
        case Outer(left, right):
            return values[left].T @ values[right]  # Σₜ leftᵀ·right
        case Total(key):
            return values[key].sum(axis=0)
    raise TypeError(rule)


def scatter_rows(rows: np.ndarray, values: np.ndarray, n_rows: int) -> np.ndarray:
    """Σ over i of values[i] added into row rows[i] of an (n_rows, H) zero matrix.

    The one-line NumPy equivalent is ``np.add.at(out, rows, values)`` on ``out`` = zeros; this
    is a bincount over flat positions instead, which measured several times faster. It is
    xₜᵀ·∂L/∂aₜ summed over t for one-hot xₜ, without a dense one-hot matrix.
    """
    H = values.shape[1]
    flat = (rows[:, None] * H + np.arange(H)).ravel()
    return np.bincount(flat, weights=values.ravel(), minlength=n_rows * H).reshape(n_rows, H)


def loss_only(cell: Cell, p: Params, batch: Batch) -> float:
    """L for the given parameters, without gradients (for finite differences)."""
    return forward_loss(p, batch, forward(cell, p, batch))


def forward_loss(p: Params, batch: Batch, fw: Forward) -> float:
    """L of the forward pass ``fw`` at p (the batch's mean over its sentences)."""
    total = 0.0
    for s, t in output_chunks(batch, dims(p)["V"]):
        log_y_hat = log_softmax(logits(p, fw.h[s, t]))
        total -= log_y_hat[np.arange(s.size), batch.y[s, t]].sum()
    return total / batch.x.shape[0]
