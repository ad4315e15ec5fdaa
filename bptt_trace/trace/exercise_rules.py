"""What an exercise may hide, and the mistakes a learner makes computing it.

A rule names one field of a trace event (``field``, as the JSON trace spells it) at a time step
t, the numbers it is computed from (``inputs``: where the trace has them, relative to t), how
(``value``), and the catalogue of mistakes a hand computation makes on the way, each a wrong
value recomputed from the trace's numbers and its words. Everything here reads numbers through
a ``Get`` function (the exact ones, or those rounded as the tables show them), NumPy only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..core.activations import ACTIVATIONS

Get = Callable[[str, int, str], np.ndarray]
"""get(where, t, key): a number the trace holds; where is forward, backward, param, old,
applied or lr (the last four: the update's). Raises KeyError when the trace has none."""

Value = Callable[[Get, int], np.ndarray]


@dataclass(frozen=True)
class Mistake:
    key: str
    words: str
    """What went wrong, in words ({t}, {p}, {n}: subscripts of t, t − 1, t + 1; {next}: t + 1;
    {label}: the blank's quantity)."""
    value: Value


@dataclass(frozen=True)
class Input:
    where: str
    dt: int
    key: str
    label: str
    """Its label, {t} being the input's own time step."""


@dataclass(frozen=True)
class Rule:
    view: str
    field: str
    where: str
    label: str
    formula: str
    inputs: tuple[Input, ...]
    value: Value
    mistakes: tuple[Mistake, ...]
    param: str | None = None


def sigma(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


NEXT_FLOW = {
    "rnn": "∂L/∂a{n}·Wʰᵀ",
    "lstm": "Σ ∂L/∂a_gate{n}·Wʰ_gateᵀ, through time step {next}'s gates",
    "gru": "the part through time step {next}'s gates and z{n}",
}


def b(key: str, dt: int = 0) -> Value:
    return lambda g, t: g("backward", t + dt, key)


def f(key: str, dt: int = 0) -> Value:
    return lambda g, t: g("forward", t + dt, key)


def dh_rules(cell: str) -> list[Rule]:
    """∂L/∂hₜ from its two parts (any cell)."""
    flow = NEXT_FLOW.get(cell, NEXT_FLOW["gru"])
    return [
        Rule(
            "backward", "dh", "backward", "∂L/∂h{t}",
            "∂L/∂h{t} = (the part from the output at t) + (the part from time step {next})",
            (Input("backward", 0, "dh_from_output", "∂L/∂h{t} from the output"),
             Input("backward", 0, "dh_from_next", "∂L/∂h{t} from time step t+1")),
            lambda g, t: g("backward", t, "dh_from_output") + g("backward", t, "dh_from_next"),
            (Mistake("no_next", f"you left out the flow from time step {{next}}: {{label}} also "
                     f"gets {flow}", b("dh_from_output")),
             Mistake("no_output", "you left out the part from the output at t: {label} also "
                     "gets (ŷ{t} − y{t})·Vᵀ", b("dh_from_next"))),
        )
    ]  # fmt: skip


def rnn_rules(activation: str = "tanh") -> list[Rule]:
    act = ACTIVATIONS[activation].f
    return [
        Rule("forward", "a", "forward", "a{t}", "a{t} = x{t}·W + h{p}·Wʰ + b",
             (Input("forward", 0, "x_W", "x{t}·W"), Input("forward", 0, "h_prev_W_h", "h{p}·Wʰ"),
              Input("forward", 0, "b", "b")),
             lambda g, t: f("x_W")(g, t) + f("h_prev_W_h")(g, t) + f("b")(g, t),
             (Mistake("no_recurrent", "you left out the recurrent term h{p}·Wʰ",
                      lambda g, t: f("x_W")(g, t) + f("b")(g, t)),
              Mistake("no_bias", "you left out the bias b",
                      lambda g, t: f("x_W")(g, t) + f("h_prev_W_h")(g, t)))),
        Rule("forward", "h_prev_W_h", "forward", "h{p}·Wʰ", "h{p}·Wʰ: the row vector h{p} times Wʰ",
             (Input("forward", -1, "h", "h{t}"), Input("param", 0, "W_h", "Wʰ")),
             lambda g, t: f("h", -1)(g, t) @ g("param", 0, "W_h"),
             (Mistake("h_for_h_prev", "you used h{t} where h{p} goes: the recurrent term reads "
                      "the state of the time step before",
                      lambda g, t: f("h")(g, t) @ g("param", 0, "W_h")),
              Mistake("transposed", "you multiplied by Wʰᵀ where Wʰ goes (h{p}·Wʰ, a row vector "
                      "times the matrix)",
                      lambda g, t: f("h", -1)(g, t) @ g("param", 0, "W_h").T))),
        Rule("forward", "h", "forward", "h{t}", "h{t} = f(a{t})",
             (Input("forward", 0, "a", "a{t}"),), lambda g, t: act(f("a")(g, t)),
             (Mistake("no_activation", "you left out f: h{t} = f(a{t}), not a{t}", f("a")),)),
        *dh_rules("rnn"),
        Rule("backward", "dh_from_next", "backward", "∂L/∂h{t} from time step {next}",
             "the part of ∂L/∂h{t} from time step {next} = ∂L/∂a{n}·Wʰᵀ",
             (Input("backward", 1, "da", "∂L/∂a{t}"), Input("param", 0, "W_h", "Wʰ")),
             lambda g, t: b("da", 1)(g, t) @ g("param", 0, "W_h").T,
             (Mistake("no_f_prime", "you left out f′: the flow from time step {next} starts from "
                      "∂L/∂a{n} = ∂L/∂h{n} ⊙ f′(a{n}), not from ∂L/∂h{n}",
                      lambda g, t: b("dh", 1)(g, t) @ g("param", 0, "W_h").T),
              Mistake("transposed", "you multiplied by Wʰ where Wʰᵀ goes: the way back through "
                      "aₜ₊₁ = hₜ·Wʰ + … is ∂L/∂a{n}·Wʰᵀ",
                      lambda g, t: b("da", 1)(g, t) @ g("param", 0, "W_h")))),
        Rule("backward", "da", "backward", "∂L/∂a{t}", "∂L/∂a{t} = ∂L/∂h{t} ⊙ f′(a{t})",
             (Input("backward", 0, "dh", "∂L/∂h{t}"), Input("backward", 0, "f_prime", "f′(a{t})")),
             lambda g, t: b("dh")(g, t) * b("f_prime")(g, t),
             (Mistake("no_f_prime", "you left out f′: {label} = ∂L/∂h{t} ⊙ f′(a{t})", b("dh")),
              Mistake("no_next", f"you left out the flow from time step {{next}}: ∂L/∂h{{t}} also "
                      f"gets {NEXT_FLOW['rnn']}",
                      lambda g, t: b("dh_from_output")(g, t) * b("f_prime")(g, t)),
              Mistake("f_prime_next", "f′ of the wrong time step: {label} takes f′(a{t}), not "
                      "f′(a{n})",
                      lambda g, t: b("dh")(g, t) * b("f_prime", 1)(g, t)),
              Mistake("f_prime_prev", "f′ of the wrong time step: {label} takes f′(a{t}), not "
                      "f′(a{p}) (h{p} for h{t})",
                      lambda g, t: b("dh")(g, t) * b("f_prime", -1)(g, t)))),
    ]  # fmt: skip


def lstm_rules() -> list[Rule]:
    def c_prev(g: Get, t: int) -> np.ndarray:
        return f("c", -1)(g, t)

    return [
        Rule("forward", "c", "forward", "c{t}", "c{t} = f{t} ⊙ c{p} + i{t} ⊙ g{t}",
             (Input("forward", 0, "f", "f{t}"), Input("forward", -1, "c", "c{t}"),
              Input("forward", 0, "i", "i{t}"), Input("forward", 0, "g", "g{t}")),
             lambda g, t: f("f")(g, t) * c_prev(g, t) + f("i")(g, t) * f("g")(g, t),
             (Mistake("no_cell_path", "you left out the cell path: c{t} also gets f{t} ⊙ c{p}",
                      lambda g, t: f("i")(g, t) * f("g")(g, t)),
              Mistake("no_forget", "you left out the forget gate: the cell path is f{t} ⊙ c{p}",
                      lambda g, t: c_prev(g, t) + f("i")(g, t) * f("g")(g, t)))),
        Rule("forward", "h", "forward", "h{t}", "h{t} = o{t} ⊙ tanh(c{t})",
             (Input("forward", 0, "o", "o{t}"), Input("forward", 0, "tanh_c", "tanh(c{t})")),
             lambda g, t: f("o")(g, t) * f("tanh_c")(g, t),
             (Mistake("no_tanh", "you used c{t} where tanh(c{t}) goes",
                      lambda g, t: f("o")(g, t) * f("c")(g, t)),)),
        *dh_rules("lstm"),
        Rule("backward", "dc", "backward", "∂L/∂c{t}",
             "∂L/∂c{t} = (the cell path from c{n}) + (the part through h{t})",
             (Input("backward", 0, "dc_from_next", "cell path ∂L/∂c{n} ⊙ f{n}"),
              Input("backward", 0, "dc_from_h", "∂L/∂c{t} through h{t}")),
             lambda g, t: b("dc_from_next")(g, t) + b("dc_from_h")(g, t),
             (Mistake("no_cell_path", "you left out the cell path: {label} also gets "
                      "∂L/∂c{n} ⊙ f{n}", b("dc_from_h")),
              Mistake("no_from_h", "you left out the part through h{t}: {label} also gets "
                      "∂L/∂h{t} ⊙ o{t} ⊙ (1 − tanh²(c{t}))", b("dc_from_next")))),
        Rule("backward", "dc_from_next", "backward", "the cell path ∂L/∂c{n} ⊙ f{n}",
             "the cell path into c{t} = ∂L/∂c{n} ⊙ f{n}",
             (Input("backward", 1, "dc", "∂L/∂c{t}"), Input("forward", 1, "f", "f{t}")),
             lambda g, t: b("dc", 1)(g, t) * f("f", 1)(g, t),
             (Mistake("no_forget", "you left out f{n}: the cell path carries ∂L/∂c{n} ⊙ f{n}",
                      b("dc", 1)),
              Mistake("forget_wrong_step", "the forget gate of the wrong time step: c{t} reaches "
                      "c{n} through f{n}, not f{t}",
                      lambda g, t: b("dc", 1)(g, t) * f("f")(g, t)))),
        Rule("backward", "da_o", "backward", "∂L/∂a_o at t = {k}",
             "∂L/∂a_o = ∂L/∂h{t} ⊙ tanh(c{t}) ⊙ o{t}(1 − o{t})",
             (Input("backward", 0, "dh", "∂L/∂h{t}"), Input("forward", 0, "tanh_c", "tanh(c{t})"),
              Input("forward", 0, "o", "o{t}")),
             lambda g, t: b("dh")(g, t) * f("tanh_c")(g, t) * f("o")(g, t) * (1 - f("o")(g, t)),
             (Mistake("no_f_prime", "you left out σ′: {label} = ∂L/∂h{t} ⊙ tanh(c{t}) ⊙ "
                      "o{t}(1 − o{t})", lambda g, t: b("dh")(g, t) * f("tanh_c")(g, t)),)),
    ]  # fmt: skip


def gru_rules() -> list[Rule]:
    def z(g: Get, t: int) -> np.ndarray:
        return f("z")(g, t)

    return [
        Rule("forward", "h", "forward", "h{t}", "h{t} = z{t} ⊙ h{p} + (1 − z{t}) ⊙ h̃{t}",
             (Input("forward", 0, "z", "z{t}"), Input("forward", -1, "h", "h{t}"),
              Input("forward", 0, "n", "h̃{t}")),
             lambda g, t: z(g, t) * f("h", -1)(g, t) + (1 - z(g, t)) * f("n")(g, t),
             (Mistake("z_swapped", "z{t} and 1 − z{t} are swapped: z{t} keeps h{p}",
                      lambda g, t: (1 - z(g, t)) * f("h", -1)(g, t) + z(g, t) * f("n")(g, t)),
              Mistake("h_for_h_prev", "you used h{t} where h{p} goes",
                      lambda g, t: z(g, t) * f("h")(g, t) + (1 - z(g, t)) * f("n")(g, t)))),
        *dh_rules("gru"),
        Rule("backward", "da_n", "backward", "∂L/∂a_n at t = {k}",
             "∂L/∂a_n = ∂L/∂h{t} ⊙ (1 − z{t}) ⊙ (1 − h̃{t}²)",
             (Input("backward", 0, "dh", "∂L/∂h{t}"), Input("forward", 0, "z", "z{t}"),
              Input("forward", 0, "n", "h̃{t}")),
             lambda g, t: b("dh")(g, t) * (1 - z(g, t)) * (1 - f("n")(g, t) ** 2),
             (Mistake("no_f_prime", "you left out tanh′: {label} also takes (1 − h̃{t}²)",
                      lambda g, t: b("dh")(g, t) * (1 - z(g, t))),
              Mistake("z_swapped", "z{t} for 1 − z{t}: the candidate h̃{t} enters h{t} with "
                      "1 − z{t}", lambda g, t: b("dh")(g, t) * z(g, t) * (1 - f("n")(g, t) ** 2)))),
    ]  # fmt: skip


def cell_rules(cell: str, activation: str) -> list[Rule]:
    """The rules of the cell's own quantities (the gates' are in ``exercise_gated``, the
    parameters' in ``exercise_params``)."""
    own = {"rnn": lambda: rnn_rules(activation), "lstm": lstm_rules, "gru": gru_rules}
    return own.get(cell, lambda: dh_rules(cell))()
