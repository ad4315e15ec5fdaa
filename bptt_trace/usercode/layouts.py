"""Where each of the tool's parameters is in the arrays of a user's code: the layouts.

A layout maps the keys of the user's file to the tool's parameters (rows: ``aₜ = xₜ·W + …``,
one matrix per gate). A parameter is the sum of one or more *parts*; a part is a key's array,
its ``row`` picked (Keras' GRU bias is (2, 3H): input, recurrent), transposed when the layout
stores it so (torch stores ``weight_ih`` as nH×|vocab|), then the ``block``-th of ``blocks``
equal slices of the last axis (one gate of a stacked matrix):

    cell  layout  keys (gate order)
    rnn   rows    W, W_h, b, V, b_output
          torch   …weight_ih_l0 = Wᵀ, …weight_hh_l0 = Wʰᵀ, …bias_ih_l0 + …bias_hh_l0 = b;
                  …weight = Vᵀ, …bias = b_output (an nn.Linear)
          keras   …kernel, …recurrent_kernel, …bias (SimpleRNN); …kernel, …bias (Dense)
    lstm  rows    W_i, W_h_i, b_i, W_f, …, W_o, W_h_o, b_o, V, b_output
          torch   as rnn, 4H stacked in the order i, f, g, o
          keras   as rnn, 4H stacked in the order i, f, c (= g), o
    gru   rows    W_z, W_h_z, b_z, W_r, …, W_n, W_h_n, b_n (and b_h_n with --reset-after)
          torch   nn.GRU (reset after the product): 3H in the order r, z, n; bias_hh's n
                  part is b_h_n
          keras   GRU: 3H in the order z, r, h; reset_after=True: bias (2, 3H), row 1's h
                  part is b_h_n; reset_after=False: bias (3H)

Keras keys may also be ``arr_0 … arr_4`` (``np.savez(f, *model.get_weights())``); a trailing
``:0`` is ignored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

GATES = {"rnn": ("",), "lstm": ("i", "f", "g", "o"), "gru": ("z", "r", "n")}
"""The tool's gates of each cell, in its declaration order ("" for the vanilla RNN)."""
ORDER = {
    ("rnn", "torch"): ("",),
    ("rnn", "keras"): ("",),
    ("lstm", "torch"): ("i", "f", "g", "o"),
    ("lstm", "keras"): ("i", "f", "g", "o"),
    ("gru", "torch"): ("r", "z", "n"),
    ("gru", "keras"): ("z", "r", "n"),
}
"""The order in which a framework stacks the gates (the tool's names)."""

MODULE = {"rnn": ("nn.RNN", "SimpleRNN"), "lstm": ("nn.LSTM", "LSTM"), "gru": ("nn.GRU", "GRU")}
OUTPUT = ("V", "b_output")


@dataclass(frozen=True)
class Part:
    """One key's array, or a slice of it: row ``row`` (if any), transposed, block ``block``."""

    key: str
    transpose: bool = False
    block: int = 0
    blocks: int = 1
    row: int | None = None


@dataclass(frozen=True)
class Source:
    """The tool's parameter ``name`` is the sum of ``parts`` (of a gradient: each part alike)."""

    name: str
    parts: tuple[Part, ...]


Resolver = Callable[[list[str]], list[Source]]


def named(kind: str, gate: str) -> str:
    return f"{kind}_{gate}" if gate else kind


def rows(cell: str, reset_after: bool) -> Resolver:
    names = [named(k, g) for g in GATES[cell] for k in ("W", "W_h", "b")]
    names += ["b_h_n"] if reset_after else []

    def resolve(keys: list[str]) -> list[Source]:
        return [Source(name, (Part(name),)) for name in [*names, *OUTPUT]]

    return resolve


def one_ending(keys: list[str], ending: str, what: str, exclude: tuple[str, ...] = ()) -> str:
    """The prefix of the one key ending in ``ending`` (not in ``exclude``)."""
    found = [k for k in keys if k.endswith(ending) and k not in exclude]
    if len(found) != 1:
        many = f"{len(found)} ({', '.join(found)})" if found else "none"
        raise ValueError(f"expected one key ending in {ending!r} ({what}), found {many}")
    return found[0][: -len(ending)]


def stacked(
    cell: str,
    order: tuple[str, ...],
    keys: tuple[str, str, str, str | None],
    transpose: bool,
    bias_row: bool,
    reset_after: bool,
) -> list[Source]:
    """The cell's parameters from an input matrix, a recurrent matrix and one or two biases
    (``keys``: input, recurrent, bias, recurrent bias or None), gates stacked in ``order``."""
    kernel, recurrent, bias, bias_h = keys
    n = len(order)
    found = []
    for gate in GATES[cell]:
        k = order.index(gate)
        found.append(Source(named("W", gate), (Part(kernel, transpose, k, n),)))
        found.append(Source(named("W_h", gate), (Part(recurrent, transpose, k, n),)))
        first = Part(bias, False, k, n, 0 if bias_row else None)
        second = None if bias_h is None else Part(bias_h, False, k, n, None)
        if bias_row:
            second = Part(bias, False, k, n, 1)
        if reset_after and gate == "n":
            assert second is not None
            found += [Source("b_n", (first,)), Source("b_h_n", (second,))]
        else:
            found.append(Source(named("b", gate), (first,) if second is None else (first, second)))
    return found


def torch(cell: str, reset_after: bool) -> Resolver:
    def resolve(keys: list[str]) -> list[Source]:
        deeper = [k for k in keys if "_l1" in k or "_reverse" in k]
        if deeper:
            raise ValueError(
                f"{deeper[0]}: only a one-layer, one-direction {MODULE[cell][0]} is supported"
            )
        rnn = one_ending(keys, "weight_ih_l0", f"the {MODULE[cell][0]}")
        ours = tuple(rnn + s for s in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"))
        out = one_ending(keys, "weight", "the nn.Linear output layer", ours)
        order = ORDER[cell, "torch"]
        return [
            *stacked(cell, order, ours, True, False, reset_after),
            Source("V", (Part(out + "weight", True),)),
            Source("b_output", (Part(out + "bias"),)),
        ]

    return resolve


def keras(cell: str, reset_after: bool) -> Resolver:
    def resolve(keys: list[str]) -> list[Source]:
        if keys and all(k.startswith("arr_") for k in keys):
            mine = ("arr_0", "arr_1", "arr_2", None)
            dense = ("arr_3", "arr_4")
        else:
            rnn = one_ending(keys, "recurrent_kernel", f"the {MODULE[cell][1]}")
            mine = (rnn + "kernel", rnn + "recurrent_kernel", rnn + "bias", None)
            prefix = one_ending(keys, "kernel", "the Dense output layer", mine[:2])
            dense = (prefix + "kernel", prefix + "bias")
        order = ORDER[cell, "keras"]
        return [
            *stacked(cell, order, mine, False, reset_after, reset_after),
            Source("V", (Part(dense[0]),)),
            Source("b_output", (Part(dense[1]),)),
        ]

    return resolve


LAYOUTS: dict[str, Callable[[str, bool], Resolver]] = {"rows": rows, "torch": torch, "keras": keras}


def described(cell: str, layout: str, reset_after: bool) -> str:
    """What the layout reads, for messages."""
    if layout == "rows":
        return ", ".join(s.name for s in rows(cell, reset_after)([]))
    torch_module, keras_module = MODULE[cell]
    if layout == "torch":
        return (
            f"…weight_ih_l0, …weight_hh_l0, …bias_ih_l0, …bias_hh_l0 ({torch_module}); "
            "…weight, …bias (nn.Linear)"
        )
    return f"…kernel, …recurrent_kernel, …bias ({keras_module}); …kernel, …bias (Dense)"


def refusal(cell: str, layout: str, reset_after: bool) -> str | None:
    """Why this cell cannot be read in this layout, or None."""
    if cell == "gru" and layout == "torch" and not reset_after:
        return (
            "nn.GRU applies the reset gate after the product (with a second bias b_h_n): "
            "add --reset-after"
        )
    return None


def expected_shape(part: Part, shape: tuple[str, ...]) -> tuple[str, ...]:
    """The shape of ``part``'s whole key, in letters, from its parameter's shape."""
    letters = list(shape)
    if part.blocks > 1:
        letters[-1] = f"{part.blocks}{letters[-1]}"
    whole = tuple(letters[::-1]) if part.transpose else tuple(letters)
    return (("2", *whole)) if part.row is not None else whole
