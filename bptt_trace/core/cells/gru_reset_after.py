"""The GRU as PyTorch's ``nn.GRU``, Keras' ``GRU(reset_after=True)`` and cuDNN run it, row
vectors: the reset gate applies after the recurrent product, to hₜ₋₁·Wʰ_n + bʰ_n, which has a
bias of its own (``--cell gru --reset-after``):

    zₜ = σ(xₜ·W_z + hₜ₋₁·Wʰ_z + b_z)        rₜ = σ(xₜ·W_r + hₜ₋₁·Wʰ_r + b_r)
    h̃ₜ = tanh(xₜ·W_n + b_n + rₜ ⊙ (hₜ₋₁·Wʰ_n + bʰ_n))      (torch calls h̃ₜ nₜ)
    hₜ = (1 − zₜ) ⊙ h̃ₜ + zₜ ⊙ hₜ₋₁                                        h₀ = 0

and back, from ∂L/∂hₜ, with uₜ = hₜ₋₁·Wʰ_n + bʰ_n (the tables write it out):

    ∂L/∂a_n = ∂L/∂hₜ ⊙ (1 − zₜ) ⊙ (1 − h̃ₜ²)      ∂L/∂a_z = ∂L/∂hₜ ⊙ (hₜ₋₁ − h̃ₜ) ⊙ zₜ(1 − zₜ)
    ∂L/∂uₜ  = ∂L/∂a_n ⊙ rₜ                       ∂L/∂rₜ  = ∂L/∂a_n ⊙ uₜ
    ∂L/∂a_r = ∂L/∂rₜ ⊙ rₜ(1 − rₜ)
    ∂L/∂hₜ₋₁ = ∂L/∂hₜ ⊙ zₜ + ∂L/∂a_z·Wʰ_zᵀ + ∂L/∂a_r·Wʰ_rᵀ + ∂L/∂uₜ·Wʰ_nᵀ

Time step t adds ∂L/∂a_gate to b_gate and to the row of xₜ's token in W_gate (gate z, r, n),
hₜ₋₁ᵀ·∂L/∂a_z and hₜ₋₁ᵀ·∂L/∂a_r to Wʰ_z and Wʰ_r, hₜ₋₁ᵀ·∂L/∂uₜ to Wʰ_n and ∂L/∂uₜ to bʰ_n.

Arrays, in blocks of H along the last axis (leading axes broadcast):

    state  sₜ  = hₜ                                         (…, H)
    cache      = [zₜ | rₜ | h̃ₜ | hₜ₋₁ | uₜ]                 (…, 5H)
    delta      = [∂L/∂a_z | ∂L/∂a_r | ∂L/∂uₜ | ∂L/∂a_n | ∂L/∂hₜ ⊙ zₜ]   (…, 5H)

so that ``to_previous`` is one product of the first three blocks with the stacked
[Wʰ_z Wʰ_r Wʰ_n]ᵀ plus the last block. ``step_values`` names the blocks for the contributions:
``da_z``, ``da_r``, ``da_n``, ``da_hn`` (= ∂L/∂uₜ) and ``h_prev``.

The update is the project's for both GRU forms: zₜ weighs the old state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from .declaration import Cell, Outer, Param, Params, Row, Term, Total
from .gates import gate_params, sigmoid, stacked
from .lstm import parts

if TYPE_CHECKING:  # NumPy is imported where the math runs, not with the declaration
    import numpy as np

GATES = ("z", "r", "n")


class ResetAfterGRU(Cell):
    name: ClassVar[str] = "gru"
    title: ClassVar[str] = "GRU"
    params = (
        *gate_params("z", "z", "da_z"),
        *gate_params("r", "r", "da_r"),
        Param("W_n", "W_n", ("V", "H"), "normal", Row("da_n")),
        Param("W_h_n", "Wʰ_n", ("H", "H"), "normal", Outer("h_prev", "da_hn")),
        Param("b_n", "b_n", ("H",), "zeros", Total("da_n")),
        Param("b_h_n", "bʰ_n", ("H",), "zeros", Total("da_hn")),
    )
    forward_terms = (
        Term("a_z", "  a_z = x{t}·W_z + h{p}·Wʰ_z + b_z"),
        Term("z", "  z{t} = σ(a_z)"),
        Term("a_r", "  a_r = x{t}·W_r + h{p}·Wʰ_r + b_r"),
        Term("r", "  r{t} = σ(a_r)"),
        Term("hn", "  h{p}·Wʰ_n + bʰ_n"),
        Term("a_n", "  a_n = x{t}·W_n + b_n + r{t} ⊙ (h{p}·Wʰ_n + bʰ_n)"),
        Term("n", "  h̃{t} = tanh(a_n)"),
    )
    backward_terms = (
        Term("da_n", "∂L/∂a_n = ∂L/∂h{t} ⊙ (1 − z{t}) ⊙ (1 − h̃{t}²)", result=True),
        Term("da_z", "∂L/∂a_z = ∂L/∂h{t} ⊙ (h{p} − h̃{t}) ⊙ z{t}(1 − z{t})", result=True),
        Term("da_hn", "∂L/∂a_n ⊙ r{t}  (to Wʰ_n and bʰ_n)", result=True),
        Term("dr", "∂L/∂r{t} = ∂L/∂a_n ⊙ (h{p}·Wʰ_n + bʰ_n)"),
        Term("da_r", "∂L/∂a_r = ∂L/∂r{t} ⊙ r{t}(1 − r{t})", result=True),
        Term("direct", "to h{p} directly: ∂L/∂h{t} ⊙ z{t}"),
    )
    symbols: ClassVar[dict[str, str]] = {
        "da_z": "∂L/∂a_z",
        "da_r": "∂L/∂a_r",
        "da_n": "∂L/∂a_n",
        "da_hn": "(∂L/∂a_n ⊙ r{t})",
        "h_prev": "h{p}",
    }
    next_label: ClassVar[str] = "+ from t = {next} via the gates and z{n}"
    backward_note: ClassVar[str] = (
        "The reset gate rₜ scales the recurrent product hₜ₋₁·Wʰ_n + bʰ_n after it is formed "
        "(as torch's nn.GRU does). ∂L/∂hₜ₋₁ has a path with no matrix at all, "
        "∂L/∂hₜ ⊙ zₜ: where zₜ is near 1 the gradient passes back unchanged."
    )
    contributions_note: ClassVar[str] = (
        "Time step t adds ∂L/∂a_gate to b_gate and to the row of xₜ's token in W_gate; "
        "hₜ₋₁ᵀ·∂L/∂a_z and hₜ₋₁ᵀ·∂L/∂a_r to Wʰ_z and Wʰ_r; ∂L/∂a_n ⊙ rₜ to bʰ_n and "
        "hₜ₋₁ᵀ·(∂L/∂a_n ⊙ rₜ) to Wʰ_n."
    )
    recurrent: ClassVar[str] = "W_h_z"
    recurrent_note: ClassVar[str] = (
        ", the update gate's recurrent matrix (shown as that of the gate that decides what "
        "hₜ₋₁ passes on unchanged; the norms above are the whole state's, through every gate)"
    )
    jacobian_note: ClassVar[str] = (
        "∂h_T/∂hₖ = ∏ⱼ ∂hⱼ/∂hⱼ₋₁ for j = T … k+1, each diag(zⱼ) plus the gates' matrices"
    )
    carry: ClassVar[str | None] = "z"

    @property
    def equations(self) -> tuple[str, ...]:
        return (
            "zₜ = σ(xₜ·W_z + hₜ₋₁·Wʰ_z + b_z),  rₜ = σ(xₜ·W_r + hₜ₋₁·Wʰ_r + b_r)",
            "h̃ₜ = tanh(xₜ·W_n + b_n + rₜ ⊙ (hₜ₋₁·Wʰ_n + bʰ_n)),  "
            "hₜ = (1 − zₜ) ⊙ h̃ₜ + zₜ ⊙ hₜ₋₁,  h₀ = 0",
        )

    @property
    def facts(self) -> tuple[str, ...]:
        return ("reset after the product (torch's nn.GRU)",)

    @property
    def state_label(self) -> str:
        return "hₜ = (1 − zₜ) ⊙ h̃ₜ + zₜ ⊙ hₜ₋₁"

    def cache_width(self, hidden: int) -> int:
        return 5 * hidden  # zₜ, rₜ, h̃ₜ, hₜ₋₁, uₜ

    def delta_width(self, hidden: int) -> int:
        return 5 * hidden  # ∂L/∂a_z, ∂L/∂a_r, ∂L/∂uₜ, ∂L/∂a_n, the direct path to hₜ₋₁

    def prepare(self, p: Params) -> Params:
        import numpy as np

        q = {**p, **stacked(p, GATES)}
        H = p["b_h_n"].shape[0]
        q["b_h_all"] = np.concatenate([np.zeros(2 * H), p["b_h_n"]])  # bʰ_n in the n block
        return q

    def step(self, p: Params, x_t: np.ndarray, s_prev: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        import numpy as np

        H = s_prev.shape[-1]
        x_part = p["W_all"][x_t] + p["b_all"]  # xₜ·W + b of the three gates at once
        h_part = s_prev @ p["W_h_all"] + p["b_h_all"]  # hₜ₋₁·Wʰ of the three, + bʰ_n
        zr = sigmoid(x_part[:, : 2 * H] + h_part[:, : 2 * H])
        z, r = zr[:, :H], zr[:, H:]
        u = h_part[:, 2 * H :]  # uₜ = hₜ₋₁·Wʰ_n + bʰ_n
        n = np.tanh(x_part[:, 2 * H :] + r * u)  # h̃ₜ
        h = (1.0 - z) * n + z * s_prev  # hₜ = (1 − zₜ) ⊙ h̃ₜ + zₜ ⊙ hₜ₋₁
        return h, np.concatenate([z, r, n, s_prev, u], axis=-1)

    def delta(self, p: Params, ds: np.ndarray, cache: np.ndarray, s: np.ndarray) -> np.ndarray:
        import numpy as np

        z, r, n, h_prev, u = parts(cache, 5)
        da_n = ds * (1.0 - z) * (1.0 - n * n)
        da_z = ds * (h_prev - n) * z * (1.0 - z)
        da_hn = da_n * r  # ∂L/∂uₜ
        da_r = da_n * u * r * (1.0 - r)  # ∂L/∂rₜ = ∂L/∂a_n ⊙ uₜ, through σ′
        direct = ds * z
        return np.concatenate(np.broadcast_arrays(da_z, da_r, da_hn, da_n, direct), axis=-1)

    def to_previous(self, p: Params, delta: np.ndarray, cache: np.ndarray) -> np.ndarray:
        H = cache.shape[-1] // 5
        return delta[..., : 3 * H] @ p["W_h_all"].T + delta[..., 4 * H :]

    def step_values(
        self, p: Params, cache: np.ndarray, h_prev: np.ndarray, delta: np.ndarray
    ) -> dict[str, np.ndarray]:
        da_z, da_r, da_hn, da_n, _ = parts(delta, 5)
        return {"da_z": da_z, "da_r": da_r, "da_n": da_n, "da_hn": da_hn, "h_prev": h_prev}

    def shown_forward(
        self, p: Params, x: np.ndarray, s_prev: np.ndarray, cache: np.ndarray
    ) -> dict[str, np.ndarray]:
        z, r, n, _h_prev, u = parts(cache, 5)
        H = s_prev.shape[-1]
        x_part = p["W_all"][x] + p["b_all"]
        a_zr = x_part[:, : 2 * H] + s_prev @ p["W_h_all"][:, : 2 * H]
        a_n = x_part[:, 2 * H :] + r * u
        return {"a_z": a_zr[:, :H], "z": z, "a_r": a_zr[:, H:], "r": r, "hn": u, "a_n": a_n, "n": n}

    def shown_backward(
        self, p: Params, cache: np.ndarray, s: np.ndarray, ds: np.ndarray, delta: np.ndarray
    ) -> dict[str, np.ndarray]:
        da_z, da_r, da_hn, da_n, direct = parts(delta, 5)
        u = parts(cache, 5)[4]
        return {
            "da_n": da_n,
            "da_z": da_z,
            "da_hn": da_hn,
            "dr": da_n * u,
            "da_r": da_r,
            "direct": direct,
        }

    def gates(self, cache: np.ndarray) -> dict[str, np.ndarray]:
        z, r = parts(cache, 5)[:2]
        return {"z": z, "r": r}
