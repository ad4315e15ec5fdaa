"""Every quantity a table label can name, computed again from the trace's parameters and tokens
alone: a naive forward pass of each cell, one sentence and one time step at a time, that records
each intermediate by its name and time step, and derivatives of the loss with respect to any of
them by central differences (a perturbation added to that one intermediate at that one step).

It shares no code with bptt_trace. Names: ``x`` (one-hot), ``h``, ``c``, the gates and their
pre-activations (``a`` for the vanilla RNN; ``a_i`` … ``o`` for the LSTM; ``a_z``, ``z``,
``a_r``, ``r``, ``rh`` = rₜ ⊙ hₜ₋₁, ``u`` = hₜ₋₁·Wʰ_n + bʰ_n, ``a_n``, ``n`` = h̃ₜ for the GRUs),
``logits`` (hₜ·V + b_output), ``y_hat``, ``y`` (one-hot target, at an output step only), and
``h_into`` (hₜ₋₁ as step t reads it, not as the output at t − 1 does).
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

    def __post_init__(self) -> None:
        self.values, self.losses = self.forward({})

    @property
    def T(self) -> int:
        return len(self.ids)

    def forward(
        self, inject: Mapping[tuple[str, int], Array]
    ) -> tuple[dict[tuple[str, int], Array], dict[int, float]]:
        """Every named intermediate at every t, and the loss Lₜ at each output step, with
        ``inject`` added to the intermediates it names."""
        p, H, vocab = self.p, self.p["V"].shape[0], self.p["V"].shape[1]
        values: dict[tuple[str, int], Array] = {("h", 0): np.zeros(H)}
        if self.cell == "lstm":
            values["c", 0] = np.zeros(H)

        def put(name: str, t: int, value: Array) -> Array:
            value = value + inject.get((name, t), 0.0)
            values[name, t] = value
            return value

        losses = {}
        for t, token in enumerate(self.ids, start=1):
            x = put("x", t, np.eye(vocab)[token])
            h_prev = values["h", t - 1] + inject.get(("h_into", t), 0.0)
            if self.cell == "rnn":
                a = put("a", t, x @ p["W"] + h_prev @ p["W_h"] + p["b"])
                h = np.tanh(a)
            elif self.cell == "lstm":
                gate = {}
                for g, f in (("i", sigmoid), ("f", sigmoid), ("g", np.tanh), ("o", sigmoid)):
                    a = put(f"a_{g}", t, x @ p[f"W_{g}"] + h_prev @ p[f"W_h_{g}"] + p[f"b_{g}"])
                    gate[g] = put(g, t, f(a))
                c = put("c", t, gate["f"] * values["c", t - 1] + gate["i"] * gate["g"])
                h = gate["o"] * np.tanh(c)
            else:
                gate = {}
                for g in ("z", "r"):
                    a = put(f"a_{g}", t, x @ p[f"W_{g}"] + h_prev @ p[f"W_h_{g}"] + p[f"b_{g}"])
                    gate[g] = put(g, t, sigmoid(a))
                if self.cell == "gru":
                    rh = put("rh", t, gate["r"] * h_prev)
                    a_n = put("a_n", t, x @ p["W_n"] + rh @ p["W_h_n"] + p["b_n"])
                else:
                    u = put("u", t, h_prev @ p["W_h_n"] + p["b_h_n"])
                    a_n = put("a_n", t, x @ p["W_n"] + p["b_n"] + gate["r"] * u)
                n = put("n", t, np.tanh(a_n))
                h = gate["z"] * h_prev + (1.0 - gate["z"]) * n
            h = put("h", t, h)
            logits = put("logits", t, h @ p["V"] + p["b_output"])
            e = np.exp(logits - logits.max())
            values["y_hat", t] = e / e.sum()
            if t in self.targets:
                values["y", t] = np.eye(vocab)[self.targets[t]]
                losses[t] = float(-np.log(values["y_hat", t][self.targets[t]]))
        return values, losses

    def derivative(self, name: str, t: int, loss: int | None = None, eps: float = 1e-6) -> Array:
        """∂L/∂(name at t) of the step's L (the mean over the B sentences), or with ``loss``
        = s of this sentence's own Lₛ: central differences, one entry at a time."""
        size = self.values[("h", t - 1) if name == "h_into" else (name, t)].size
        out = np.zeros(size)
        for j in range(size):
            bump = np.zeros(size)
            bump[j] = eps
            sides = []
            for sign in (1.0, -1.0):
                _, losses = self.forward({(name, t): sign * bump})
                sides.append(losses.get(loss, 0.0) if loss else sum(losses.values()) / self.B)
            out[j] = (sides[0] - sides[1]) / (2 * eps)
        return out


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
