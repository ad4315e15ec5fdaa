"""BPTT of the vanilla RNN with switches, each of which makes one classic hand-written mistake.

``backprop(ctx, Knobs())`` is the correct pass (the same numbers as ``bptt.backward``); each
field of ``Knobs`` changes one part of it, as a mistaken implementation would. The catalogue
(``catalogue``) names the mistakes and says which switches make each one.

The parts, over a padded batch of B sentences (row vectors, L the mean over sentences):

    ∂L/∂oₜ   = (ŷₜ − yₜ)/B                     at the time steps with an output
    ∂L/∂hₜ   = ∂L/∂oₜ·Vᵀ + ∂L/∂aₜ₊₁·Wʰᵀ         from the output at t, and from step t+1
    ∂L/∂aₜ   = ∂L/∂hₜ ⊙ f′(aₜ)
    ∂L/∂W   += xₜᵀ·∂L/∂aₜ,  ∂L/∂Wʰ += hₜ₋₁ᵀ·∂L/∂aₜ,  ∂L/∂b += ∂L/∂aₜ
    ∂L/∂V   += hₜᵀ·∂L/∂oₜ,  ∂L/∂b_output += ∂L/∂oₜ
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from ..core.activations import Activation
from ..core.batch import Batch, mask_chunks
from ..core.bptt import Forward, truncated_bptt
from ..core.cells.declaration import Params
from ..core.cells.rnn import VanillaRNN
from ..core.output import log_softmax, logits

Derivative = Literal["right", "missing", "pre-activation", "twice", "before", "after"]


@dataclass(frozen=True)
class Knobs:
    """How the pass is computed; the defaults are the correct BPTT."""

    minus_one: bool = True  # ∂L/∂oₜ = ŷₜ − yₜ (False: ŷₜ)
    output_sign: float = 1.0  # the sign of ∂L/∂hₜ's part from the output (∂L/∂V keeps its own)
    from_next: bool = True  # ∂L/∂hₜ takes the part from step t+1
    recurrence_transposed: bool = True  # ∂L/∂hₜ₋₁ = ∂L/∂aₜ·Wʰᵀ (False: ·Wʰ)
    derivative: Derivative = "right"
    h_in_dW_h: Literal["previous", "current", "wrap"] = "previous"
    truncate: int | None = None  # --truncate's definition
    kept_step: Literal["first", "last"] | None = None  # '=' for '+=': each sentence's first
    # (or its own last) step's contributions only; a padded step is never a sentence's last
    runs: int = 1  # the cell's accumulators summed over this many runs
    clip: float | None = None  # every entry of every gradient clipped to [−C, C]
    clip_norm: float | None = None  # every gradient × min(1, C/‖g‖), the global norm
    zero_grads: tuple[str, ...] = ()  # gradients left at zero
    padding_leak: bool = False  # shorter sentences run on through padding (xₜ = 0) to T
    skipped_step: Literal["first", "last"] | None = None  # the backward loop never visits each
    # sentence's first (or own last) step: its contributions to the cell's gradients missing
    unvisited: bool = False  # nor is its ∂L/∂hₜ computed (0), nor does the output there enter
    skipped_output: bool = False  # nor does it reach ∂L/∂V, ∂L/∂b_output


@dataclass(frozen=True)
class Result:
    """The gradients, ∂L/∂hₜ (B, T+1, H), row t for time step t, the loss, and for the LSTM
    ∂L/∂cₜ (B, T+1, H)."""

    grads: Params
    dh: np.ndarray
    loss: float
    dc: np.ndarray | None = None


@dataclass(frozen=True)
class Context:
    """What every pass starts from: the parameters, the batch and the activation."""

    p: Params
    batch: Batch
    act: Activation

    @classmethod
    def of(cls, p: Params, batch: Batch, activation: str) -> Context:
        return cls(
            p={k: np.asarray(v, dtype=float) for k, v in p.items()},
            batch=batch,
            act=VanillaRNN(activation).act,
        )


def layout_of(batch: Batch, leak: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x's rows present, running steps, outputs, targets): with ``leak`` every sentence runs
    to T, on zero inputs past its end, with its outputs past its end too (the last one at T)."""
    present, out, y = batch.mask, batch.out, batch.y
    if not leak:
        return present, present, out, y
    runs = np.ones_like(present)
    runs[:, 0] = False
    last = batch.lengths
    rows = np.arange(batch.x.shape[0])
    out, y = out.copy(), y.copy()
    padded = ~present & runs
    if out.sum() == out.shape[0]:  # one output a sentence: it moves to T
        target = y[rows, last]
        out[rows, last] = False
        out[:, -1], y[:, -1] = True, target
    else:  # an output at every step: the padded ones count too, with the sentence's target
        out |= padded
        y = np.where(padded, y[rows, last][:, None], y)
    return present, runs, out, y


def backprop(ctx: Context, k: Knobs) -> Result:
    """Forward, then BPTT from T down to 1, computed as ``k`` says."""
    p, batch, act = ctx.p, ctx.batch, ctx.act
    present, running, out, y = layout_of(batch, k.padding_leak)
    B, T1 = batch.x.shape
    H = p["W_h"].shape[0]
    h, a = np.zeros((B, T1, H)), np.zeros((B, T1, H))
    for t in range(1, T1):
        a[:, t] = p["W"][batch.x[:, t]] * present[:, t, None] + h[:, t - 1] @ p["W_h"] + p["b"]
        h[:, t] = act.f(a[:, t])
    skipped = skipped_steps(running, k.skipped_step)
    loss, dh_out, output = output_layer(p, h, out, y, k, skipped)
    if k.unvisited:
        dh_out[skipped] = 0.0
    f_prime = derivative(act, a, h, k.derivative, running)
    dh = np.zeros((B, T1, H))
    da = np.zeros((B, T1, H))
    if k.truncate is not None:
        cell = VanillaRNN(act.name)
        fw = Forward(state=h, cache=a, hidden=H)  # the vanilla RNN's state is hₜ
        dh_next, da, _ = truncated_bptt(cell, p, fw, dh_out, k.truncate, out)
        dh = dh_out + dh_next
    else:
        dh_next = np.zeros((B, H))
        recurrent = p["W_h"].T if k.recurrence_transposed else p["W_h"]
        for t in range(T1 - 1, 0, -1):
            dh[:, t] = dh_out[:, t] + (dh_next if k.from_next else 0.0)
            da[:, t] = dh[:, t] * f_prime[:, t] * running[:, t, None]
            dh_next = da[:, t] @ recurrent
    if k.unvisited:
        dh[skipped] = 0.0
    return Result(grads=gradients(ctx, k, h, da, output, running), dh=dh, loss=loss)


def output_layer(
    p: Params, h: np.ndarray, out: np.ndarray, y: np.ndarray, k: Knobs, skipped: np.ndarray
) -> tuple[float, np.ndarray, Params]:
    """L, ∂L/∂hₜ from the outputs and the output layer's gradients, from ∂L/∂oₜ = (ŷₜ − yₜ)/B
    as ``k`` makes it, a chunk of outputs at a time (``batch.mask_chunks``:
    every output's at once were outputs × |vocab| floats, gigabytes for a corpus over a large
    vocabulary)."""
    B, T1, H = h.shape
    size = p["V"].shape[1]
    loss, dh_out = 0.0, np.zeros((B, T1, H))
    grads = {"V": np.zeros_like(p["V"]), "b_output": np.zeros_like(p["b_output"])}
    for sc, tc in mask_chunks(out, size):
        log_y = log_softmax(logits(p, h[sc, tc]))
        rows = np.arange(sc.size)
        loss -= float(log_y[rows, y[sc, tc]].sum())
        do = np.exp(log_y) / B  # ∂L/∂oₜ of the chunk's outputs
        if k.minus_one:
            do[rows, y[sc, tc]] -= 1.0 / B
        if k.skipped_output:
            do[skipped[sc, tc]] = 0.0
        dh_out[sc, tc] = k.output_sign * (do @ p["V"].T)
        grads["V"] += h[sc, tc].T @ do
        grads["b_output"] += do.sum(axis=0)
    return loss / B, dh_out, grads


def derivative(
    act: Activation, a: np.ndarray, h: np.ndarray, how: Derivative, running: np.ndarray
) -> np.ndarray:
    """f′ at every step as ``how`` says (a₀ = h₀ = 0 and a_{T+1} = h_{T+1} = 0 where needed,
    T each sentence's own length: past its ``running`` steps a sentence has no aₜ, hₜ)."""
    right = act.f_prime(a, h)
    if how == "right":
        return right
    if how == "missing":
        return np.ones_like(a)
    if how == "pre-activation":
        return act.f_prime(a, a)  # the formula in hₜ, evaluated at aₜ
    if how == "twice":
        return right * right
    shifted = np.zeros_like(a)
    shifted_h = np.zeros_like(h)
    if how == "before":
        shifted[:, 2:], shifted_h[:, 2:] = a[:, 1:-1], h[:, 1:-1]
    else:
        after = running[:, 2:, None]  # a step past a sentence's end is a_{T+1} = 0
        shifted[:, 1:-1], shifted_h[:, 1:-1] = a[:, 2:] * after, h[:, 2:] * after
    out = act.f_prime(shifted, shifted_h)
    out[:, 0] = right[:, 0]
    return out


def one_step(running: np.ndarray, which: str) -> np.ndarray:
    """(B, T) mask of one step of each sentence: its first, or its own last running one."""
    rows = np.arange(running.shape[0])
    cols = np.zeros(rows.size, dtype=np.intp) if which == "first" else running.sum(axis=1) - 1
    kept = np.zeros_like(running)
    kept[rows, cols] = running[rows, cols]
    return kept


def skipped_steps(running: np.ndarray, which: str | None) -> np.ndarray:
    """(B, T+1) mask of the step the loop skips in each sentence (none when ``which`` is None)."""
    found = np.zeros_like(running)
    if which is not None:
        found[:, 1:] = one_step(running[:, 1:], which)
    return found


def norm_clipped(grads: Params, C: float) -> Params:
    """Every gradient times min(1, C/‖g‖), ‖g‖ the norm of all of them together
    (``torch.nn.utils.clip_grad_norm_``)."""
    total = float(np.sqrt(sum(float(np.vdot(g, g)) for g in grads.values())))
    scale = min(1.0, C / total) if total > 0.0 else 1.0
    return {name: g * scale for name, g in grads.items()}


def gradients(
    ctx: Context, k: Knobs, h: np.ndarray, da: np.ndarray, output: Params, running: np.ndarray
) -> Params:
    """Each step's contributions summed (or, for the cell's accumulators, only each sentence's
    first or own last step's: ``kept_step``; the output layer's, ``output``, are right), then
    the after-effects."""
    p, batch = ctx.p, ctx.batch
    steps = running[:, 1:].copy()  # column t − 1 for time step t
    if k.kept_step is not None:
        steps = one_step(steps, k.kept_step)
    if k.skipped_step is not None:
        steps &= ~one_step(steps, k.skipped_step)
    h_left = h[:, :-1].copy()  # hₜ₋₁ in ∂L/∂Wʰ's contribution of step t
    if k.h_in_dW_h == "current":
        h_left = h[:, 1:]
    elif k.h_in_dW_h == "wrap":  # h[t − 1] at t = 1 read as h[−1]: the sentence's last state
        h_left[:, 0] = h[np.arange(h.shape[0]), batch.lengths]
    d = da[:, 1:][steps]
    dW = np.zeros_like(p["W"])
    rows = steps & batch.mask[:, 1:]  # padded steps have xₜ = 0: no row of W
    np.add.at(dW, batch.x[:, 1:][rows], da[:, 1:][rows])
    grads = {
        "W": dW * k.runs,
        "W_h": (h_left[steps].T @ d) * k.runs,
        "b": d.sum(axis=0) * k.runs,
        "V": output["V"],
        "b_output": output["b_output"],
    }
    if k.clip is not None:
        grads = {name: np.clip(g, -k.clip, k.clip) for name, g in grads.items()}
    if k.clip_norm is not None:
        grads = norm_clipped(grads, k.clip_norm)
    for name in k.zero_grads:
        grads[name] = np.zeros_like(grads[name])
    return grads
