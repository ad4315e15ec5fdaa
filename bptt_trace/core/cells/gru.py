"""The GRU in the form of Cho et al. (2014) and of Dive into Deep Learning, row vectors: the
reset gate applies before the product, and z weighs the old state:

    zₜ = σ(xₜ·W_z + hₜ₋₁·Wʰ_z + b_z)        rₜ = σ(xₜ·W_r + hₜ₋₁·Wʰ_r + b_r)
    h̃ₜ = tanh(xₜ·W_n + (rₜ ⊙ hₜ₋₁)·Wʰ_n + b_n)
    hₜ = zₜ ⊙ hₜ₋₁ + (1 − zₜ) ⊙ h̃ₜ                                         h₀ = 0

and back, from ∂L/∂hₜ:

    ∂L/∂a_n = ∂L/∂hₜ ⊙ (1 − zₜ) ⊙ (1 − h̃ₜ²)      ∂L/∂a_z = ∂L/∂hₜ ⊙ (hₜ₋₁ − h̃ₜ) ⊙ zₜ(1 − zₜ)
    ∂L/∂(rₜ⊙hₜ₋₁) = ∂L/∂a_n·Wʰ_nᵀ               ∂L/∂a_r = ∂L/∂(rₜ⊙hₜ₋₁) ⊙ hₜ₋₁ ⊙ rₜ(1 − rₜ)
    ∂L/∂hₜ₋₁ = ∂L/∂hₜ ⊙ zₜ + ∂L/∂(rₜ⊙hₜ₋₁) ⊙ rₜ + ∂L/∂a_z·Wʰ_zᵀ + ∂L/∂a_r·Wʰ_rᵀ

PyTorch's ``nn.GRU`` differs: its reset gate applies after the product, to hₜ₋₁·Wʰ_n + b_hn
(``gru_reset_after.ResetAfterGRU``, the configuration's ``"reset_after": true``), and it has
two biases per gate. colah's blog writes z the other way round (hₜ = (1 − zₜ) ⊙ hₜ₋₁
+ zₜ ⊙ h̃ₜ). The numbers here are those of the equations above.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from .declaration import Cell, Params, Term
from .gates import gate_params, sigmoid, stacked
from .gru_reset_after import ResetAfterGRU
from .lstm import parts

if TYPE_CHECKING:  # NumPy is imported where the math runs, not with the declaration
    import numpy as np

GATES = ("z", "r", "n")


class GRU(Cell):
    name: ClassVar[str] = "gru"
    title: ClassVar[str] = "GRU"
    params = (
        *gate_params("z", "z", "da_z"),
        *gate_params("r", "r", "da_r"),
        *gate_params("n", "n", "da_n", recurrent_left="rh_prev"),
    )
    forward_terms = (
        Term("a_z", "  a_z = x{t}·W_z + h{p}·Wʰ_z + b_z"),
        Term("z", "  z{t} = σ(a_z)"),
        Term("a_r", "  a_r = x{t}·W_r + h{p}·Wʰ_r + b_r"),
        Term("r", "  r{t} = σ(a_r)"),
        Term("a_n", "  a_n = x{t}·W_n + (r{t} ⊙ h{p})·Wʰ_n + b_n"),
        Term("n", "  h̃{t} = tanh(a_n)"),
    )
    backward_terms = (
        Term("da_n", "∂L/∂a_n = ∂L/∂h{t} ⊙ (1 − z{t}) ⊙ (1 − h̃{t}²)", result=True),
        Term("da_z", "∂L/∂a_z = ∂L/∂h{t} ⊙ (h{p} − h̃{t}) ⊙ z{t}(1 − z{t})", result=True),
        Term("drh", "∂L/∂(r{t}⊙h{p}) = ∂L/∂a_n·Wʰ_nᵀ"),
        Term("da_r", "∂L/∂a_r = ∂L/∂(r{t}⊙h{p}) ⊙ h{p} ⊙ r{t}(1 − r{t})", result=True),
        Term("direct", "to h{p} directly: ∂L/∂h{t} ⊙ z{t} + ∂L/∂(r{t}⊙h{p}) ⊙ r{t}"),
    )
    symbols: ClassVar[dict[str, str]] = {
        "da_z": "∂L/∂a_z",
        "da_r": "∂L/∂a_r",
        "da_n": "∂L/∂a_n",
        "h_prev": "h{p}",
        "rh_prev": "(r{t}⊙h{p})",
    }
    next_label: ClassVar[str] = "+ from t = {next} via the gates and z{n}"
    backward_note: ClassVar[str] = (
        "∂L/∂hₜ₋₁ has a path with no matrix at all, ∂L/∂hₜ ⊙ zₜ: where zₜ is near 1 the gradient "
        "passes back unchanged. The reset gate's gradient goes through the candidate h̃ₜ."
    )
    contributions_note: ClassVar[str] = (
        "Time step t adds ∂L/∂a_gate to b_gate and to the row of xₜ's token in W_gate; "
        "hₜ₋₁ᵀ·∂L/∂a_z and hₜ₋₁ᵀ·∂L/∂a_r to Wʰ_z and Wʰ_r, and (rₜ ⊙ hₜ₋₁)ᵀ·∂L/∂a_n to Wʰ_n."
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

    @classmethod
    def configured(cls, config: Mapping[str, Any]) -> Cell:
        """This GRU, or with ``"reset_after": true`` the framework form (torch's, Keras')."""
        reset_after = config.get("reset_after", False)
        if not isinstance(reset_after, bool):
            raise ValueError("the configuration's reset_after is not true or false")
        return ResetAfterGRU() if reset_after else cls()

    @property
    def equations(self) -> tuple[str, ...]:
        return (
            "zₜ = σ(xₜ·W_z + hₜ₋₁·Wʰ_z + b_z),  rₜ = σ(xₜ·W_r + hₜ₋₁·Wʰ_r + b_r)",
            "h̃ₜ = tanh(xₜ·W_n + (rₜ ⊙ hₜ₋₁)·Wʰ_n + b_n),  hₜ = zₜ ⊙ hₜ₋₁ + (1 − zₜ) ⊙ h̃ₜ,  h₀ = 0",
        )

    @property
    def state_label(self) -> str:
        return "hₜ = zₜ ⊙ hₜ₋₁ + (1 − zₜ) ⊙ h̃ₜ"

    def cache_width(self, hidden: int) -> int:
        return 4 * hidden  # zₜ, rₜ, h̃ₜ, hₜ₋₁

    def delta_width(self, hidden: int) -> int:
        return 4 * hidden  # ∂L/∂a_z, ∂L/∂a_r, ∂L/∂a_n, and the direct path to hₜ₋₁

    def prepare(self, p: Params) -> Params:
        q = {**p, **stacked(p, GATES)}
        H = p["W_h_n"].shape[0]
        q["W_h_zr"] = q["W_h_all"][:, : 2 * H]  # z and r: one product with hₜ₋₁
        return q

    def step(self, p: Params, x_t: np.ndarray, s_prev: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        import numpy as np

        H = s_prev.shape[-1]
        x_part = p["W_all"][x_t] + p["b_all"]  # xₜ·W + b of the three gates at once
        zr = sigmoid(x_part[:, : 2 * H] + s_prev @ p["W_h_zr"])
        z, r = zr[:, :H], zr[:, H:]
        n = np.tanh(x_part[:, 2 * H :] + (r * s_prev) @ p["W_h_n"])  # h̃ₜ
        h = z * s_prev + (1.0 - z) * n  # hₜ = zₜ ⊙ hₜ₋₁ + (1 − zₜ) ⊙ h̃ₜ
        return h, np.concatenate([z, r, n, s_prev], axis=-1)

    def delta(self, p: Params, ds: np.ndarray, cache: np.ndarray, s: np.ndarray) -> np.ndarray:
        import numpy as np

        z, r, n, h_prev = parts(cache, 4)
        da_n = ds * (1.0 - z) * (1.0 - n * n)
        da_z = ds * (h_prev - n) * z * (1.0 - z)
        drh = da_n @ p["W_h_n"].T  # ∂L/∂(rₜ ⊙ hₜ₋₁)
        da_r = drh * h_prev * r * (1.0 - r)
        direct = ds * z + drh * r
        return np.concatenate(np.broadcast_arrays(da_z, da_r, da_n, direct), axis=-1)

    def to_previous(self, p: Params, delta: np.ndarray, cache: np.ndarray) -> np.ndarray:
        H = cache.shape[-1] // 4
        return delta[..., : 2 * H] @ p["W_h_zr"].T + delta[..., 3 * H :]

    def step_values(
        self, p: Params, cache: np.ndarray, h_prev: np.ndarray, delta: np.ndarray
    ) -> dict[str, np.ndarray]:
        da_z, da_r, da_n, _ = parts(delta, 4)
        r = parts(cache, 4)[1]
        return {"da_z": da_z, "da_r": da_r, "da_n": da_n, "h_prev": h_prev, "rh_prev": r * h_prev}

    def shown_forward(
        self, p: Params, x: np.ndarray, s_prev: np.ndarray, cache: np.ndarray
    ) -> dict[str, np.ndarray]:
        z, r, n, _h_prev = parts(cache, 4)
        H = s_prev.shape[-1]
        x_part = p["W_all"][x] + p["b_all"]
        a_zr = x_part[:, : 2 * H] + s_prev @ p["W_h_zr"]
        a_n = x_part[:, 2 * H :] + (r * s_prev) @ p["W_h_n"]
        return {"a_z": a_zr[:, :H], "z": z, "a_r": a_zr[:, H:], "r": r, "a_n": a_n, "n": n}

    def shown_backward(
        self, p: Params, cache: np.ndarray, s: np.ndarray, ds: np.ndarray, delta: np.ndarray
    ) -> dict[str, np.ndarray]:
        da_z, da_r, da_n, direct = parts(delta, 4)
        return {
            "da_n": da_n,
            "da_z": da_z,
            "drh": da_n @ p["W_h_n"].T,
            "da_r": da_r,
            "direct": direct,
        }

    def gates(self, cache: np.ndarray) -> dict[str, np.ndarray]:
        z, r, _, _ = parts(cache, 4)
        return {"z": z, "r": r}
