"""The exercise's rules of the gated cells' gates: each gate from its pre-activation, and the
LSTM's part of ∂L/∂hₜ from time step t+1, through the four gates (see ``exercise_rules``)."""

from __future__ import annotations

import numpy as np

from ..core.cells.declaration import Cell, Outer
from .exercise_rules import Get, Input, Mistake, Rule, Value, b, f, sigma

LSTM_GATES = ("i", "f", "g", "o")


def activated(key: str, act: str) -> Value:
    return lambda g, t: (sigma if act == "σ" else np.tanh)(f(key)(g, t))


GATES = {"lstm": (("i", "σ"), ("f", "σ"), ("g", "tanh"), ("o", "σ")),
         "gru": (("z", "σ"), ("r", "σ"), ("n", "tanh"))}  # fmt: skip


def gate_rules(cell: str) -> list[Rule]:
    """Each gate from its pre-activation: σ(a) or tanh(a)."""
    rules = []
    for gate, act in GATES.get(cell, ()):
        shown = "h̃" if gate == "n" else gate
        rules.append(
            Rule("forward", gate, "forward", f"{shown}{{t}}", f"{shown}{{t}} = {act}(a_{gate})",
                 (Input("forward", 0, f"a_{gate}", f"a_{gate}"),),
                 activated(f"a_{gate}", act),
                 (Mistake("no_activation", f"you left out {act}: {{label}} = {act}(a_{gate})",
                          f(f"a_{gate}")),))
        )  # fmt: skip
    return rules


def lstm_next_rules() -> list[Rule]:
    """∂L/∂hₜ's part from time step t+1: Σ over the gates of ∂L/∂a_gate,t+1·Wʰ_gateᵀ."""

    def through(g: Get, t: int, skip: str = "", transposed: bool = False) -> np.ndarray:
        total = np.zeros_like(b("da_i", 1)(g, t))
        for gate in LSTM_GATES:
            if gate != skip:
                w = g("param", 0, f"W_h_{gate}")
                total = total + b(f"da_{gate}", 1)(g, t) @ (w if transposed else w.T)
        return total

    left_out = tuple(
        Mistake(f"no_gate_{gate}", f"you left out gate {gate}'s part: the flow from time step "
                f"{{next}} is Σ ∂L/∂a_gate{{n}}·Wʰ_gateᵀ over all four gates, {gate} too",
                lambda g, t, k=gate: through(g, t, skip=k))
        for gate in LSTM_GATES
    )  # fmt: skip
    return [
        Rule("backward", "dh_from_next", "backward", "∂L/∂h{t} from time step {next}",
             "the part of ∂L/∂h{t} from time step {next} = Σ over the gates of "
             "∂L/∂a_gate{n}·Wʰ_gateᵀ",
             (*(Input("backward", 1, f"da_{gate}", f"∂L/∂a_{gate} at t = {{k}}")
                for gate in LSTM_GATES),
              *(Input("param", 0, f"W_h_{gate}", f"Wʰ_{gate}") for gate in LSTM_GATES)),
             through,
             (Mistake("transposed", "you multiplied by Wʰ_gate where Wʰ_gateᵀ goes",
                      lambda g, t: through(g, t, transposed=True)), *left_out))
    ]  # fmt: skip


def gru_next_rules(cell: Cell) -> list[Rule]:
    """The GRU's part of ∂L/∂hₜ from time step t+1: the direct path (``direct``, through zₜ₊₁ and
    the reset gate) plus each gate's ∂L/∂a·Wʰᵀ whose contribution is an outer product with
    hₜ (as the cell declares it: Wʰ_z, Wʰ_r, and Wʰ_n after the reset)."""
    pairs = [(s.name, s.symbol, s.grad.right) for s in cell.params
             if isinstance(s.grad, Outer) and s.grad.left == "h_prev"]  # fmt: skip

    def through(g: Get, t: int, direct: bool = True, transposed: bool = False) -> np.ndarray:
        total = b("direct", 1)(g, t) if direct else 0.0 * b("direct", 1)(g, t)
        for name, _, right in pairs:
            w = g("param", 0, name)
            total = total + b(right, 1)(g, t) @ (w if transposed else w.T)
        return total

    return [
        Rule("backward", "dh_from_next", "backward", "∂L/∂h{t} from time step {next}",
             "the part of ∂L/∂h{t} from time step {next} = (the direct path into h{t} at time step "
             "{next}) + Σ ∂L/∂a·Wʰᵀ over " + ", ".join(sym for _, sym, _ in pairs),
             (Input("backward", 1, "direct", "the direct path to h{p}"),
              *(Input("backward", 1, right, f"{cell.symbols.get(right, right)} at t = {{k}}")
                for _, _, right in pairs),
              *(Input("param", 0, name, sym) for name, sym, _ in pairs)),
             through,
             (Mistake("no_direct", "you left out the direct path: h{t} reaches h{n} also "
                      "through z{n} without a matrix (∂L/∂h{n} ⊙ z{n} + …)",
                      lambda g, t: through(g, t, direct=False)),
              Mistake("transposed", "you multiplied by Wʰ where Wʰᵀ goes",
                      lambda g, t: through(g, t, transposed=True))))
    ]  # fmt: skip


def gated_rules(cell: Cell) -> list[Rule]:
    nexts = {"lstm": lstm_next_rules, "gru": lambda: gru_next_rules(cell)}
    return [*gate_rules(cell.name), *nexts.get(cell.name, list)()]
