"""Every quantity a table label can name, computed again from the trace's parameters and tokens
alone: a naive forward pass of each cell, one sentence and one time step at a time, that records
each intermediate by its name and time step, and derivatives of the loss with respect to any of
them by central differences (a perturbation added to that one intermediate at that one step).

It shares no code with bptt_trace. Names: ``x`` (one-hot), ``h``, ``c``, the gates and their
pre-activations (``a`` for the vanilla RNN; ``a_i`` … ``o`` for the LSTM; ``a_z``, ``z``,
``a_r``, ``r``, ``rh`` = rₜ ⊙ hₜ₋₁, ``u`` = hₜ₋₁·Wʰ_n + bʰ_n, ``a_n``, ``n`` = h̃ₜ for the GRUs),
``logits`` (hₜ·V + b_output), ``y_hat``, ``y`` (one-hot target, at an output step only), and
``h_into`` (hₜ₋₁ as step t reads it, not as the output at t − 1 does). A parameter is ``θ:NAME``:
at time step t, the copy of it that step t uses (its contribution), at 0 every step's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

Array = np.ndarray


def sigmoid(a: Array) -> Array:
    return 1.0 / (1.0 + np.exp(-a))


@dataclass
class Sentence:
    """One sentence of a corpus: token ids, targets, the steps with an output, B."""

    cell: str  # rnn, lstm, gru, gru-reset-after
    p: Mapping[str, Array]
    ids: list[int]
    targets: dict[int, int]  # output step t → target id
    B: int
    values: dict[tuple[str, int], Array] = field(default_factory=dict)
    losses: dict[int, float] = field(default_factory=dict)
    swept: dict[tuple[str, int], dict[int | None, Array]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        values, losses = self.forward({}, 1)
        self.values = {key: value[0] for key, value in values.items()}
        self.losses = {t: float(loss[0]) for t, loss in losses.items()}

    @property
    def T(self) -> int:
        return len(self.ids)

    def forward(
        self, inject: Mapping[tuple[str, int], Array], n: int
    ) -> tuple[dict[tuple[str, int], Array], dict[int, Array]]:
        """Every named intermediate at every t, and the loss Lₜ at each output step, for n
        perturbations at once: ``inject`` adds, to the intermediates it names, n values each
        (an intermediate is (n, size), a perturbed parameter (n, rows, columns))."""
        H, vocab = self.p["V"].shape[0], self.p["V"].shape[1]
        values: dict[tuple[str, int], Array] = {("h", 0): np.zeros((n, H))}
        if self.cell == "lstm":
            values["c", 0] = np.zeros((n, H))

        def mm(v: Array, m: Array) -> Array:
            """v·m for each of the n rows of v, m one matrix or one for each row."""
            return v @ m if m.ndim == 2 else np.einsum("ni,nij->nj", v, m)

        def put(name: str, t: int, value: Array) -> Array:
            value = value + inject.get((name, t), 0.0)
            values[name, t] = value
            return value

        losses = {}
        for t, token in enumerate(self.ids, start=1):
            p = {
                name: value + inject.get((f"θ:{name}", t), 0.0) + inject.get((f"θ:{name}", 0), 0.0)
                for name, value in self.p.items()
            }
            x = put("x", t, np.tile(np.eye(vocab)[token], (n, 1)))
            h_prev = values["h", t - 1] + inject.get(("h_into", t), 0.0)
            if self.cell == "rnn":
                a = put("a", t, mm(x, p["W"]) + mm(h_prev, p["W_h"]) + p["b"])
                h = np.tanh(a)
            elif self.cell == "lstm":
                gate = {}
                for g, f in (("i", sigmoid), ("f", sigmoid), ("g", np.tanh), ("o", sigmoid)):
                    a = mm(x, p[f"W_{g}"]) + mm(h_prev, p[f"W_h_{g}"]) + p[f"b_{g}"]
                    a = put(f"a_{g}", t, a)
                    gate[g] = put(g, t, f(a))
                c = put("c", t, gate["f"] * values["c", t - 1] + gate["i"] * gate["g"])
                h = gate["o"] * np.tanh(c)
            else:
                gate = {}
                for g in ("z", "r"):
                    a = mm(x, p[f"W_{g}"]) + mm(h_prev, p[f"W_h_{g}"]) + p[f"b_{g}"]
                    a = put(f"a_{g}", t, a)
                    gate[g] = put(g, t, sigmoid(a))
                if self.cell == "gru":
                    rh = put("rh", t, gate["r"] * h_prev)
                    a_n = put("a_n", t, mm(x, p["W_n"]) + mm(rh, p["W_h_n"]) + p["b_n"])
                else:
                    u = put("u", t, mm(h_prev, p["W_h_n"]) + p["b_h_n"])
                    a_n = put("a_n", t, mm(x, p["W_n"]) + p["b_n"] + gate["r"] * u)
                candidate = put("n", t, np.tanh(a_n))  # h̃ₜ
                h = gate["z"] * h_prev + (1.0 - gate["z"]) * candidate
            h = put("h", t, h)
            if self.cell == "lstm":  # cₜ as the next step reads it, hₜ held (the state's part)
                values["c", t] = values["c", t] + inject.get(("c_state", t), 0.0)
            logits = put("logits", t, mm(h, p["V"]) + p["b_output"])
            e = np.exp(logits - logits.max(axis=1, keepdims=True))
            values["y_hat", t] = e / e.sum(axis=1, keepdims=True)
            if t in self.targets:
                values["y", t] = np.tile(np.eye(vocab)[self.targets[t]], (n, 1))
                losses[t] = -np.log(values["y_hat", t][:, self.targets[t]])
        return values, losses

    def derivative(self, name: str, t: int, loss: int | None = None) -> Array:
        """∂L/∂(name at t) of the step's L (the mean over the B sentences), or with ``loss``
        = s of this sentence's own Lₛ."""
        return self.sweep(name, t)[loss]

    def sweep(self, name: str, t: int, eps: float = 1e-6) -> dict[int | None, Array]:
        """The derivatives of every loss of the sentence (by its step s, and None for the step's
        L) with respect to ``name`` at t: central differences, one entry at a time, once."""
        if (name, t) in self.swept:
            return self.swept[name, t]
        if name.startswith("θ:"):
            shape = self.p[name[2:]].shape
        else:
            shape = self.values[("h", t - 1) if name == "h_into" else (name, t)].shape
        size = int(np.prod(shape))
        steps = sorted(self.targets)
        bumps = eps * np.concatenate([np.eye(size), -np.eye(size)]).reshape(2 * size, *shape)
        losses = self.forward({(name, t): bumps}, 2 * size)[1]
        out = np.array([(losses[s][:size] - losses[s][size:]) / (2 * eps) for s in steps])
        result: dict[int | None, Array] = {s: out[i].reshape(shape) for i, s in enumerate(steps)}
        result[None] = out.sum(axis=0).reshape(shape) / self.B
        self.swept[name, t] = result
        return result

    def jacobian(self, k: int, states: tuple[str, ...]) -> Array:
        """∂s_T/∂sₖ, the state s being ``states`` side by side ((h,) or (h, c)): central
        differences of the last state with respect to a perturbation of the state at k, each
        part on its own (cₖ perturbed after hₖ is formed from it)."""
        H, eps = self.p["V"].shape[0], 1e-6
        bumps = eps * np.concatenate([np.eye(H), -np.eye(H)])
        columns = []
        for name in states:
            key = ("c_state" if name == "c" else name, k)
            values = self.forward({key: bumps}, 2 * H)[0]
            last = np.concatenate([values[part, self.T] for part in states], axis=1)
            columns.append((last[:H] - last[H:]) / (2 * eps))
        return np.concatenate(columns).T


def sentences(
    cell: str, params: Mapping[str, Sequence], vocab: list[str], corpus: list[list[str]], loss: str
) -> list[Sentence]:
    """The corpus's sentences as the trace's run and params events give them (target <eos>)."""
    p = {name: np.asarray(value, dtype=float) for name, value in params.items()}
    index = {token: i for i, token in enumerate(vocab)}
    out = []
    for tokens in corpus:
        ids = [index[token] for token in tokens]
        following = [*ids[1:], index["<eos>"]]
        steps = range(1, len(ids) + 1) if loss == "every" else [len(ids)]
        targets = {t: following[t - 1] for t in steps}
        out.append(Sentence(cell, p, ids, targets, len(corpus)))
    return out
