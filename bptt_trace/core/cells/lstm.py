"""The LSTM, row vectors, gates in the order i, f, g, o (as PyTorch stacks them):

    iₜ = σ(xₜ·W_i + hₜ₋₁·Wʰ_i + b_i)      fₜ = σ(xₜ·W_f + hₜ₋₁·Wʰ_f + b_f)
    gₜ = tanh(xₜ·W_g + hₜ₋₁·Wʰ_g + b_g)   oₜ = σ(xₜ·W_o + hₜ₋₁·Wʰ_o + b_o)
    cₜ = fₜ ⊙ cₜ₋₁ + iₜ ⊙ gₜ             hₜ = oₜ ⊙ tanh(cₜ)          h₀ = c₀ = 0

and back, from ∂L/∂hₜ and the cell path ∂L/∂cₜ₊₁ ⊙ fₜ₊₁:

    ∂L/∂cₜ   = ∂L/∂cₜ₊₁ ⊙ fₜ₊₁ + ∂L/∂hₜ ⊙ oₜ ⊙ (1 − tanh²(cₜ))     the two paths, added
    ∂L/∂a_i = ∂L/∂cₜ ⊙ gₜ ⊙ iₜ(1 − iₜ)     ∂L/∂a_f = ∂L/∂cₜ ⊙ cₜ₋₁ ⊙ fₜ(1 − fₜ)
    ∂L/∂a_g = ∂L/∂cₜ ⊙ iₜ ⊙ (1 − gₜ²)      ∂L/∂a_o = ∂L/∂hₜ ⊙ tanh(cₜ) ⊙ oₜ(1 − oₜ)
    ∂L/∂hₜ₋₁ = Σ_gates ∂L/∂a_gate·Wʰ_gateᵀ   (one product with the stacked Wʰ)

The state is (hₜ, cₜ); b_f starts at the forget bias (1 by default, as Keras's
``unit_forget_bias``), so that fₜ ≈ 0.73 at first and the cell path carries gradients back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from .declaration import Cell, Params, Term
from .gates import gate_params, sigmoid, stacked

if TYPE_CHECKING:  # NumPy is imported where the math runs, not with the declaration
    import numpy as np

GATES = ("i", "f", "g", "o")


def parts(array: np.ndarray, n: int) -> list[np.ndarray]:
    """The n equal blocks of the last axis."""
    return [array[..., k * array.shape[-1] // n : (k + 1) * array.shape[-1] // n] for k in range(n)]


class LSTM(Cell):
    name: ClassVar[str] = "lstm"
    title: ClassVar[str] = "LSTM"
    logits: ClassVar[str] = "v"  # oₜ is the output gate
    forward_terms = (
        *(
            term
            for gate, f in (("i", "σ"), ("f", "σ"), ("g", "tanh"), ("o", "σ"))
            for term in (
                Term(f"a_{gate}", f"  a_{gate} = x{{t}}·W_{gate} + h{{p}}·Wʰ_{gate} + b_{gate}"),
                Term(gate, f"  {gate}{{t}} = {f}(a_{gate})"),
            )
        ),
        Term("c", "  c{t} = f{t} ⊙ c{p} + i{t} ⊙ g{t}"),
        Term("tanh_c", "  tanh(c{t})"),
    )
    backward_terms = (
        Term("dc_from_next", "  cell path: ∂L/∂c{n} ⊙ f{n}"),
        Term("dc_from_h", "+ from h{t}: ∂L/∂h{t} ⊙ o{t} ⊙ (1 − tanh²(c{t}))"),
        Term("dc", "= ∂L/∂c{t}", result=True),
        Term("da_i", "∂L/∂a_i = ∂L/∂c{t} ⊙ g{t} ⊙ i{t}(1 − i{t})", result=True),
        Term("da_f", "∂L/∂a_f = ∂L/∂c{t} ⊙ c{p} ⊙ f{t}(1 − f{t})", result=True),
        Term("da_g", "∂L/∂a_g = ∂L/∂c{t} ⊙ i{t} ⊙ (1 − g{t}²)", result=True),
        Term("da_o", "∂L/∂a_o = ∂L/∂h{t} ⊙ tanh(c{t}) ⊙ o{t}(1 − o{t})", result=True),
    )
    symbols: ClassVar[dict[str, str]] = {
        **{f"da_{g}": f"∂L/∂a_{g}" for g in GATES},
        "h_prev": "h{p}",
    }
    next_label: ClassVar[str] = "+ from t = {next} via the gates: Σ ∂L/∂a_gate·Wʰ_gateᵀ"
    backward_note: ClassVar[str] = (
        "∂L/∂cₜ adds two paths: the cell path from cₜ₊₁ (through fₜ₊₁ only, no matrix) and the "
        "path through hₜ = oₜ ⊙ tanh(cₜ). Dropping either, or writing = for +, is the classic "
        "hand-written LSTM bug."
    )
    contributions_note: ClassVar[str] = (
        "Time step t adds ∂L/∂a_gate to b_gate and to the row of xₜ's token in W_gate, and "
        "hₜ₋₁ᵀ·∂L/∂a_gate to Wʰ_gate, for each gate i, f, g, o."
    )
    recurrent: ClassVar[str] = "W_h_f"
    recurrent_note: ClassVar[str] = (
        ", the forget gate's recurrent matrix (shown as that of the gate that decides what the "
        "cell path keeps; the norms above are the whole state's, through all four gates)"
    )
    state_symbol: ClassVar[str] = "h,c"
    jacobian_note: ClassVar[str] = (
        "∂(h_T, c_T)/∂(hₖ, cₖ) = ∏ⱼ ∂(hⱼ, cⱼ)/∂(hⱼ₋₁, cⱼ₋₁) for j = T … k+1, over the whole "
        "state (hₜ, cₜ)"
    )
    carry: ClassVar[str | None] = "f"
    extra_blame: ClassVar[tuple[str, str] | None] = ("dc", "matrix_c")

    def __init__(self, forget_bias: float = 1.0) -> None:
        self.forget_bias = forget_bias
        self.params = tuple(
            spec
            for gate in GATES
            for spec in gate_params(
                gate, gate, f"da_{gate}", bias_init=forget_bias if gate == "f" else "zeros"
            )
        )

    @classmethod
    def configured(cls, config: Mapping[str, Any]) -> LSTM:
        return cls(float(config.get("forget_bias", 1.0)))

    @property
    def equations(self) -> tuple[str, ...]:
        return (
            "iₜ = σ(xₜ·W_i + hₜ₋₁·Wʰ_i + b_i),  fₜ = σ(xₜ·W_f + hₜ₋₁·Wʰ_f + b_f)",
            "gₜ = tanh(xₜ·W_g + hₜ₋₁·Wʰ_g + b_g),  oₜ = σ(xₜ·W_o + hₜ₋₁·Wʰ_o + b_o)",
            "cₜ = fₜ ⊙ cₜ₋₁ + iₜ ⊙ gₜ,  hₜ = oₜ ⊙ tanh(cₜ),  h₀ = c₀ = 0",
        )

    @property
    def facts(self) -> tuple[str, ...]:
        return (f"forget bias {self.forget_bias:g}",)

    @property
    def state_label(self) -> str:
        return "hₜ = oₜ ⊙ tanh(cₜ)"

    def state_width(self, hidden: int) -> int:
        return 2 * hidden  # (hₜ, cₜ)

    def cache_width(self, hidden: int) -> int:
        return 6 * hidden  # iₜ, fₜ, gₜ, oₜ, cₜ₋₁, tanh(cₜ)

    def delta_width(self, hidden: int) -> int:
        return 5 * hidden  # ∂L/∂a of each gate, ∂L/∂cₜ

    def prepare(self, p: Params) -> Params:
        return {**p, **stacked(p, GATES)}

    def step(self, p: Params, x_t: np.ndarray, s_prev: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        import numpy as np

        h_prev, c_prev = parts(s_prev, 2)
        a = p["W_all"][x_t] + h_prev @ p["W_h_all"] + p["b_all"]  # one product for all gates
        i, f, _, o = parts(sigmoid(a), 4)  # one call for the σ gates (g's block unused)
        g = np.tanh(parts(a, 4)[2])
        c = f * c_prev + i * g  # cₜ = fₜ ⊙ cₜ₋₁ + iₜ ⊙ gₜ
        tanh_c = np.tanh(c)
        h = o * tanh_c  # hₜ = oₜ ⊙ tanh(cₜ)
        return np.concatenate([h, c], axis=-1), np.concatenate([i, f, g, o, c_prev, tanh_c], -1)

    def delta(self, p: Params, ds: np.ndarray, cache: np.ndarray, s: np.ndarray) -> np.ndarray:
        import numpy as np

        dh, dc_next = parts(ds, 2)  # dc_next: the cell path ∂L/∂cₜ₊₁ ⊙ fₜ₊₁
        i, f, g, o, c_prev, tanh_c = parts(cache, 6)
        dc = dc_next + dh * o * (1.0 - tanh_c * tanh_c)  # ∂L/∂cₜ: both paths, added
        da_i = dc * g * i * (1.0 - i)
        da_f = dc * c_prev * f * (1.0 - f)
        da_g = dc * i * (1.0 - g * g)
        da_o = dh * tanh_c * o * (1.0 - o)
        return np.concatenate(np.broadcast_arrays(da_i, da_f, da_g, da_o, dc), axis=-1)

    def to_previous(self, p: Params, delta: np.ndarray, cache: np.ndarray) -> np.ndarray:
        import numpy as np

        H = cache.shape[-1] // 6
        dh_prev = delta[..., : 4 * H] @ p["W_h_all"].T  # Σ_gates ∂L/∂a_gate·Wʰ_gateᵀ
        dc_prev = delta[..., 4 * H :] * cache[..., H : 2 * H]  # the cell path: ∂L/∂cₜ ⊙ fₜ
        return np.concatenate(np.broadcast_arrays(dh_prev, dc_prev), axis=-1)

    def step_values(
        self, p: Params, cache: np.ndarray, h_prev: np.ndarray, delta: np.ndarray
    ) -> dict[str, np.ndarray]:
        da_i, da_f, da_g, da_o, dc = parts(delta, 5)
        return {"da_i": da_i, "da_f": da_f, "da_g": da_g, "da_o": da_o, "dc": dc, "h_prev": h_prev}

    def shown_forward(
        self, p: Params, x: np.ndarray, s_prev: np.ndarray, cache: np.ndarray
    ) -> dict[str, np.ndarray]:
        i, f, g, o, c_prev, tanh_c = parts(cache, 6)
        h_prev = parts(s_prev, 2)[0]
        a = parts(p["W_all"][x] + h_prev @ p["W_h_all"] + p["b_all"], 4)
        values = dict(zip(GATES, (i, f, g, o), strict=True))
        shown = {
            key: v
            for gate, pre in zip(GATES, a, strict=True)
            for key, v in ((f"a_{gate}", pre), (gate, values[gate]))
        }
        return {**shown, "c": f * c_prev + i * g, "tanh_c": tanh_c}

    def shown_backward(
        self, p: Params, cache: np.ndarray, s: np.ndarray, ds: np.ndarray, delta: np.ndarray
    ) -> dict[str, np.ndarray]:
        dh, dc_next = parts(ds, 2)
        da_i, da_f, da_g, da_o, dc = parts(delta, 5)
        _i, _f, _g, o, _c_prev, tanh_c = parts(cache, 6)
        return {
            "dc_from_next": dc_next,
            "dc_from_h": dh * o * (1.0 - tanh_c * tanh_c),
            "dc": dc,
            "da_i": da_i,
            "da_f": da_f,
            "da_g": da_g,
            "da_o": da_o,
        }

    def gates(self, cache: np.ndarray) -> dict[str, np.ndarray]:
        i, f, _g, o, _, _ = parts(cache, 6)
        return {"i": i, "f": f, "o": o}
