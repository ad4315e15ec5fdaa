"""BPTT of the gated cells with switches, each of which makes one classic hand-written mistake.

A mistake inside the cell is the cell with its way back changed (``MistakenLSTM``,
``MistakenGRU``): the engine's own forward pass and BPTT run it. The mistakes outside the cell
(the output's gradient, truncation, accumulating, clipping, a bias left out) are switches of
``gated_backprop``, the same for every cell.

    LSTM  cell-path-missing          ∂L/∂cₜ₋₁ lacks fₜ ⊙ ∂L/∂cₜ
          tanh-c-derivative-missing  ∂L/∂cₜ from hₜ = ∂L/∂hₜ ⊙ oₜ, without 1 − tanh²(cₜ)
          gate-derivative-missing    σ′ taken as 1 in the gates i, f, o
          hidden-path-missing        nothing flows into hₜ₋₁ through the gates' Wʰ
          forget-gate-gradient-missing  ∂L/∂a_f = 0
    GRU   (either form: the reset gate before or after the product)
          reset-path-missing         ∂L/∂a_r = 0: no gradient through rₜ
          update-gate-derivative-missing  ∂L/∂a_z without zₜ(1 − zₜ)
          gate-derivative-missing    σ′ taken as 1 in the gates z and r
          hidden-path-missing        ∂L/∂hₜ₋₁ = ∂L/∂hₜ ⊙ zₜ only
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.batch import Batch
from ..core.bptt import Forward, cell_gradients, forward, full_bptt, outputs, truncated_bptt
from ..core.cells.declaration import Cell, Params
from ..core.cells.gru import GRU
from ..core.cells.gru_reset_after import ResetAfterGRU
from ..core.cells.lstm import LSTM, parts
from ..core.output import log_softmax, logits
from .mistakes import Result, norm_clipped


def sig_prime(gate: np.ndarray, missing: bool) -> np.ndarray | float:
    """σ′ written in the gate's value, σ(1 − σ); 1 when the mistake leaves it out."""
    return 1.0 if missing else gate * (1.0 - gate)


class MistakenLSTM(LSTM):
    """The LSTM of ``cells.lstm`` with one mistake in its way back."""

    def __init__(self, forget_bias: float, mistake: str) -> None:
        super().__init__(forget_bias)
        self.mistake = mistake

    def delta(self, p: Params, ds: np.ndarray, cache: np.ndarray, s: np.ndarray) -> np.ndarray:
        m = self.mistake
        dh, dc_next = parts(ds, 2)
        i, f, g, o, c_prev, tanh_c = parts(cache, 6)
        through_tanh = 1.0 if m == "tanh-c-derivative-missing" else 1.0 - tanh_c * tanh_c
        dc = dc_next + dh * o * through_tanh  # ∂L/∂cₜ
        gate_missing = m == "gate-derivative-missing"
        da_i = dc * g * sig_prime(i, gate_missing)
        da_f = dc * c_prev * sig_prime(f, gate_missing)
        if m == "forget-gate-gradient-missing":
            da_f = np.zeros_like(da_f)
        da_g = dc * i * (1.0 - g * g)
        da_o = dh * tanh_c * sig_prime(o, gate_missing)
        return np.concatenate(np.broadcast_arrays(da_i, da_f, da_g, da_o, dc), axis=-1)

    def to_previous(self, p: Params, delta: np.ndarray, cache: np.ndarray) -> np.ndarray:
        back = super().to_previous(p, delta, cache)
        H = cache.shape[-1] // 6
        if self.mistake == "hidden-path-missing":
            back[..., :H] = 0.0  # no Σ ∂L/∂a_gate·Wʰ_gateᵀ
        if self.mistake == "cell-path-missing":
            back[..., H:] = 0.0  # no ∂L/∂cₜ ⊙ fₜ
        return back


class MistakenGRU(GRU):
    """The GRU of ``cells.gru`` (reset before the product) with one mistake in its way back."""

    def __init__(self, mistake: str) -> None:
        self.mistake = mistake

    def delta(self, p: Params, ds: np.ndarray, cache: np.ndarray, s: np.ndarray) -> np.ndarray:
        m = self.mistake
        z, r, n, h_prev = parts(cache, 4)
        gate_missing = m == "gate-derivative-missing"
        z_missing = gate_missing or m == "update-gate-derivative-missing"
        da_n = ds * (1.0 - z) * (1.0 - n * n)
        da_z = ds * (h_prev - n) * sig_prime(z, z_missing)
        drh = da_n @ p["W_h_n"].T  # ∂L/∂(rₜ ⊙ hₜ₋₁)
        da_r = drh * h_prev * sig_prime(r, gate_missing)
        if m == "reset-path-missing":
            da_r = np.zeros_like(da_r)
        direct = ds * z if m == "hidden-path-missing" else ds * z + drh * r
        return np.concatenate(np.broadcast_arrays(da_z, da_r, da_n, direct), axis=-1)

    def to_previous(self, p: Params, delta: np.ndarray, cache: np.ndarray) -> np.ndarray:
        if self.mistake == "hidden-path-missing":
            return delta[..., 3 * (cache.shape[-1] // 4) :].copy()  # ∂L/∂hₜ ⊙ zₜ only
        return super().to_previous(p, delta, cache)


class MistakenResetAfterGRU(ResetAfterGRU):
    """The GRU of ``cells.gru_reset_after`` (torch's) with one mistake in its way back."""

    def __init__(self, mistake: str) -> None:
        self.mistake = mistake

    def delta(self, p: Params, ds: np.ndarray, cache: np.ndarray, s: np.ndarray) -> np.ndarray:
        m = self.mistake
        z, r, n, h_prev, u = parts(cache, 5)
        gate_missing = m == "gate-derivative-missing"
        z_missing = gate_missing or m == "update-gate-derivative-missing"
        da_n = ds * (1.0 - z) * (1.0 - n * n)
        da_z = ds * (h_prev - n) * sig_prime(z, z_missing)
        da_hn = da_n * r  # ∂L/∂uₜ
        da_r = da_n * u * sig_prime(r, gate_missing)
        if m == "reset-path-missing":
            da_r = np.zeros_like(da_r)
        direct = ds * z
        return np.concatenate(np.broadcast_arrays(da_z, da_r, da_hn, da_n, direct), axis=-1)

    def to_previous(self, p: Params, delta: np.ndarray, cache: np.ndarray) -> np.ndarray:
        if self.mistake == "hidden-path-missing":
            return delta[..., 4 * (cache.shape[-1] // 5) :].copy()  # ∂L/∂hₜ ⊙ zₜ only
        return super().to_previous(p, delta, cache)


@dataclass(frozen=True)
class GatedKnobs:
    """How the pass is computed; the defaults are the correct BPTT."""

    cell_mistake: str | None = None
    minus_one: bool = True  # ∂L/∂oₜ = ŷₜ − yₜ (False: ŷₜ)
    output_sign: float = 1.0  # the sign of ∂L/∂hₜ's part from the output
    truncate: int | None = None
    kept_step: str | None = None  # "first" or "last": '=' for '+=', one step's contributions
    runs: int = 1
    clip: float | None = None
    clip_norm: float | None = None  # every gradient × min(1, C/‖g‖), the global norm
    zero_grads: tuple[str, ...] = ()
    skipped_step: str | None = None  # "first" or "last": the loop never visits that step
    unvisited: bool = False  # nor is its ∂L/∂hₜ (∂L/∂cₜ) computed, nor does its output enter
    skipped_output: bool = False  # nor does it reach ∂L/∂V, ∂L/∂b_output


@dataclass(frozen=True)
class GatedContext:
    """What every pass starts from: the cell, the parameters, the batch, and the forward pass
    (the same for every mistake: they are all on the way back)."""

    cell: Cell
    mistaken: dict[str, Cell]
    p: Params
    batch: Batch
    fw: Forward

    @classmethod
    def of(cls, cell: Cell, mistaken: dict[str, Cell], p: Params, batch: Batch) -> GatedContext:
        return cls(cell, mistaken, p, batch, forward(cell, p, batch))


def gated_backprop(ctx: GatedContext, k: GatedKnobs) -> Result:
    """The engine's BPTT of the context's cell, computed as ``k`` says."""
    cell = ctx.cell if k.cell_mistake is None else ctx.mistaken[k.cell_mistake]
    p, batch, fw = ctx.p, ctx.batch, ctx.fw
    B, H = batch.x.shape[0], fw.hidden
    sentence_loss, dh_out, out_grads, _ = outputs(p, batch, fw, False, B)
    if not k.minus_one:  # ŷₜ where ŷₜ − yₜ belongs: add yₜ/B back
        s, t = np.nonzero(batch.out)
        y = batch.y[s, t]
        np.add.at(dh_out, (s, t), p["V"][:, y].T / B)
        onehot = np.zeros((s.size, p["V"].shape[1]))
        onehot[np.arange(s.size), y] = 1.0 / B
        out_grads = {
            "V": out_grads["V"] + fw.h[s, t].T @ onehot,
            "b_output": out_grads["b_output"] + onehot.sum(0),
        }
    q = cell.prepare(p)
    dh_out = k.output_sign * dh_out
    if k.skipped_step is not None:
        dh_out, out_grads = skipped(p, batch, fw, k, dh_out, out_grads)
    if k.truncate is None:
        from_next, delta, _ = full_bptt(cell, q, fw, dh_out)
    else:
        from_next, delta, _ = truncated_bptt(cell, q, fw, dh_out, k.truncate, batch.out)
    dh = dh_out + from_next[..., :H]
    dc = parts(delta, 5)[4] if ctx.cell.name == "lstm" else None
    if k.skipped_step is not None and k.unvisited:  # never computed at the step skipped
        dh, dc = unvisited(dh, batch, k.skipped_step), unvisited(dc, batch, k.skipped_step)
    if k.kept_step is not None:
        delta = kept(delta, batch, k.kept_step)
    if k.skipped_step is not None:
        delta = delta - kept(delta, batch, k.skipped_step)
    grads = {
        n: g * k.runs for n, g in cell_gradients(cell, q, batch, fw, delta, p["V"].shape[1]).items()
    }
    grads.update(out_grads)
    if k.clip is not None:
        grads = {n: np.clip(g, -k.clip, k.clip) for n, g in grads.items()}
    if k.clip_norm is not None:
        grads = norm_clipped(grads, k.clip_norm)
    for name in k.zero_grads:
        grads[name] = np.zeros_like(grads[name])
    return Result(grads=grads, dh=dh, loss=float(sentence_loss.sum() / B), dc=dc)


def skipped(
    p: Params, batch: Batch, fw: Forward, k: GatedKnobs, dh_out: np.ndarray, out_grads: Params
) -> tuple[np.ndarray, Params]:
    """∂L/∂hₜ from the output, ∂L/∂V and ∂L/∂b_output without the output at the step the loop
    skips, as ``k`` says (``unvisited``, ``skipped_output``)."""
    rows = np.arange(batch.x.shape[0])
    steps = np.ones(rows.size, dtype=np.intp) if k.skipped_step == "first" else batch.lengths
    has = batch.out[rows, steps]
    rows, steps = rows[has], steps[has]
    if k.unvisited:
        dh_out = dh_out.copy()
        dh_out[rows, steps] = 0.0
    if k.skipped_output and rows.size:
        h = fw.h[rows, steps]
        y_hat = np.exp(log_softmax(logits(p, h)))
        y_hat[np.arange(rows.size), batch.y[rows, steps]] -= 1.0
        do = y_hat / batch.x.shape[0]  # the outputs' ∂L/∂o there, taken back out
        out_grads = {"V": out_grads["V"] - h.T @ do, "b_output": out_grads["b_output"] - do.sum(0)}
    return dh_out, out_grads


def unvisited(flow: np.ndarray | None, batch: Batch, which: str) -> np.ndarray | None:
    """``flow`` with each sentence's first (or own last) step's row left at 0."""
    return None if flow is None else flow - kept(flow, batch, which)


def kept(delta: np.ndarray, batch: Batch, which: str) -> np.ndarray:
    """The deltas of one step of each sentence only (its first, or its own last)."""
    steps = np.ones(batch.x.shape[0], dtype=np.intp) if which == "first" else batch.lengths
    out = np.zeros_like(delta)
    rows = np.arange(batch.x.shape[0])
    out[rows, steps] = delta[rows, steps]
    return out


def with_mistake(cell: Cell, mistake: str) -> Cell:
    """``cell`` with one mistake in its way back."""
    if cell.name == "lstm":
        return MistakenLSTM(cell.forget_bias, mistake)  # type: ignore[attr-defined]
    if isinstance(cell, ResetAfterGRU):
        return MistakenResetAfterGRU(mistake)
    return MistakenGRU(mistake)
