"""Forward pass, loss and Backpropagation Through Time, one equation a line.

Row vectors, as the seed writes them. For a batch of B sentences padded to T tokens:

    a_t = x_t·W + h_{t-1}·W_h + b          h_0 = 0
    h_t = f(a_t)
    o_t = h_t·V + b_output                  (at the output steps only)
    ŷ_t = softmax(o_t),  L_t = −log ŷ_t[y_t]
    L   = (1/B) Σ_sentences Σ_output-steps L_t

x_t is one-hot, so x_t·W is the row of W at x_t's token: inputs stay token indices and
no one-hot array is built. Arrays indexed by time have T+1 rows so that index t is the
seed's time step t (row 0 of ``h`` is h_0; row 0 of ``a``, ``dh``, ``da`` is unused).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .activations import Activation
from .batch import Batch, output_chunks
from .output import log_softmax, logits, output_gradient
from .params import Params


@dataclass(frozen=True)
class Forward:
    """a: (B, T+1, H) pre-activations; h: (B, T+1, H) hidden states, h[:, 0] = h_0 = 0."""

    a: np.ndarray
    h: np.ndarray


def forward(p: Params, batch: Batch, act: Activation) -> Forward:
    """Run the recurrence a_t = x_t·W + h_{t-1}·W_h + b, h_t = f(a_t) for t = 1 … T."""
    B, T = batch.x.shape
    a = np.zeros((B, T + 1, p.hidden))
    h = np.zeros((B, T + 1, p.hidden))
    for t in range(1, T + 1):
        x_t = batch.x[:, t - 1]
        a[:, t] = p.W[x_t] + h[:, t - 1] @ p.W_h + p.b  # x_t·W is a row lookup
        h[:, t] = act.f(a[:, t])
    return Forward(a=a, h=h)


@dataclass(frozen=True)
class Backward:
    """The loss, its gradients and the per-step quantities of BPTT.

    loss:           L, the mean over sentences of each sentence's summed losses
    sentence_loss:  (B,) each sentence's own Σ_t L_t
    grads:          ∂L/∂θ for the five parameters, shapes as the parameters
    dh_from_output: (B, T+1, H) the part of ∂L/∂h_t that comes from the output at t
    dh_from_next:   (B, T+1, H) the part that comes from step t+1 through W_h
    da:             (B, T+1, H) ∂L/∂a_t
    f_prime:        (B, T+1, H) f′(a_t)
    cut:            (B, T+1) True where a truncated flow was cut before reaching h_{t-1}
    do_norm:        (B, T+1) ‖∂L/∂o_t‖ (0 where t has no output), with the 1/B of the mean
    """

    loss: float
    sentence_loss: np.ndarray
    grads: dict[str, np.ndarray]
    dh_from_output: np.ndarray
    dh_from_next: np.ndarray
    da: np.ndarray
    f_prime: np.ndarray
    cut: np.ndarray
    do_norm: np.ndarray


def backward(
    p: Params,
    batch: Batch,
    fw: Forward,
    act: Activation,
    truncate: int | None = None,
    record: bool = True,
) -> Backward:
    """Backpropagation Through Time from t = T down to t = 1.

    The outputs are computed here, in chunks of at most CHUNK_ENTRIES logits, so that no
    (T, |vocab|) array of logits is ever held. With ``truncate=K`` the gradient of each loss
    L_s flows back through at most K steps (to h_s … h_{s-K+1}); ``None`` is full BPTT.
    ``record=False`` skips ``do_norm``, which only a traced step shows.
    """
    B, T = batch.x.shape
    H = p.hidden
    scale = 1.0 / B  # L is the mean over sentences
    h, a = fw.h, fw.a
    dV = np.zeros_like(p.V)
    db_output = np.zeros_like(p.b_output)
    dh_from_output = np.zeros((B, T + 1, H))
    dh_from_next = np.zeros((B, T + 1, H))
    da = np.zeros((B, T + 1, H))
    f_prime = np.zeros((B, T + 1, H))
    cut = np.zeros((B, T + 1), dtype=bool)
    do_norm = np.zeros((B, T + 1))
    sentence_loss = np.zeros(B)
    # The outputs do not depend on the recurrence backwards: all of them first, in chunks of
    # (sentence, step) rows, so that the products are large and the logits bounded.
    for b, t in output_chunks(batch, p.vocab_size):
        loss, do = output_gradient(p, h[b, t], batch.y[b, t - 1], scale)
        sentence_loss += np.bincount(b, weights=loss, minlength=B)
        if record:
            do_norm[b, t] = np.sqrt(np.einsum("ij,ij->i", do, do))
        dV += h[b, t].T @ do  # ∂L/∂V = Σ_t h_tᵀ(ŷ_t − y_t)
        db_output += do.sum(axis=0)  # ∂L/∂b_output = Σ_t (ŷ_t − y_t)
        dh_from_output[b, t] = do @ p.V.T  # ∂L_t/∂h_t = (ŷ_t − y_t)·Vᵀ
    dh_next = np.zeros((B, H))  # ∂L/∂h_t that comes from step t+1 (full BPTT)
    K = 0 if truncate is None else min(truncate, T)
    ages = np.zeros((B, K, H))  # truncated: ages[:, j] comes from the loss at step t + j
    for t in range(T, 0, -1):
        f_prime[:, t] = act.f_prime(a[:, t], h[:, t])  # f′(a_t)
        if truncate is None:
            dh_from_next[:, t] = dh_next
            dh_t = dh_from_output[:, t] + dh_next  # ∂L/∂h_t: from the output and from t+1
            da[:, t] = dh_t * f_prime[:, t]  # backprop through f: ∂L/∂a_t = ∂L/∂h_t ⊙ f′(a_t)
            dh_next = da[:, t] @ p.W_h.T  # backprop through W_h: ∂L/∂h_{t-1} = ∂L/∂a_t·W_hᵀ
            continue
        ages[:, 0] += dh_from_output[:, t]  # the loss at t enters with age 0
        dh_t = ages.sum(axis=1)  # ∂L/∂h_t, over the losses whose flow still reaches h_t
        dh_from_next[:, t] = dh_t - dh_from_output[:, t]
        da[:, t] = dh_t * f_prime[:, t]  # backprop through f
        ages_a = ages * f_prime[:, t, None, :]  # each loss's part of ∂L/∂a_t
        cut[:, t] = np.any(ages_a[:, K - 1] != 0.0, axis=1) & (t > 1)  # age K stops here
        ages[:, 1:] = ages_a[:, : K - 1] @ p.W_h.T  # the younger flows move back one step
        ages[:, 0] = 0.0
    mask = batch.mask
    da_real = da[:, 1:][mask]  # (n_tokens, H), only real tokens
    dW = scatter_rows(batch.x[mask], da_real, p.vocab_size)  # ∂L/∂W = Σ_t x_tᵀ·∂L/∂a_t
    dW_h = h[:, :-1][mask].T @ da_real  # ∂L/∂W_h = Σ_t h_{t-1}ᵀ·∂L/∂a_t
    db = da_real.sum(axis=0)  # ∂L/∂b = Σ_t ∂L/∂a_t
    grads = {"W": dW, "W_h": dW_h, "b": db, "V": dV, "b_output": db_output}
    return Backward(
        loss=float(sentence_loss.sum() * scale),
        sentence_loss=sentence_loss,
        grads=grads,
        dh_from_output=dh_from_output,
        dh_from_next=dh_from_next,
        da=da,
        f_prime=f_prime,
        cut=cut,
        do_norm=do_norm,
    )


def scatter_rows(rows: np.ndarray, values: np.ndarray, n_rows: int) -> np.ndarray:
    """Σ over i of values[i] added into row rows[i] of an (n_rows, H) zero matrix.

    This is x_tᵀ·∂L/∂a_t summed over t for one-hot x_t, done as an indexed add (a bincount
    over flat positions) instead of a product with a dense one-hot matrix.
    """
    H = values.shape[1]
    flat = (rows[:, None] * H + np.arange(H)).ravel()
    return np.bincount(flat, weights=values.ravel(), minlength=n_rows * H).reshape(n_rows, H)


def loss_only(p: Params, batch: Batch, act: Activation) -> float:
    """L for the given parameters, without gradients (for finite differences)."""
    fw = forward(p, batch, act)
    total = 0.0
    for b, t in output_chunks(batch, p.vocab_size):
        log_y_hat = log_softmax(logits(p, fw.h[b, t]))
        total -= log_y_hat[np.arange(b.size), batch.y[b, t - 1]].sum()
    return total / batch.x.shape[0]
