"""A user's own weights and gradients, in the layout of their code, as the tool's parameters.

A layout says which key of the user's arrays holds each parameter and whether it is stored
transposed. The vanilla RNN's layouts (``LAYOUTS["rnn"]``; a cell adds its own under its name):

    rows    W (|vocab|×H), W_h (H×H), b (H), V (H×|vocab|), b_output (|vocab|): the tables' layout
    torch   a state_dict: <rnn>weight_ih_l0 (H×|vocab|) = Wᵀ, <rnn>weight_hh_l0 = Wʰᵀ,
            <rnn>bias_ih_l0 + <rnn>bias_hh_l0 = b, <out>weight (|vocab|×H) = Vᵀ, <out>bias
    keras   <rnn>kernel = W, <rnn>recurrent_kernel = Wʰ, <rnn>bias = b (a SimpleRNN),
            <out>kernel = V, <out>bias = b_output (a Dense); or arr_0 … arr_4 in that order
            (``np.savez(f, *model.get_weights())``); a trailing ":0" of a key is ignored

Every array is checked before use: a float array of the expected shape, finite.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from ..core.cells.declaration import Param
from ..errors import InputError


@dataclass(frozen=True)
class Source:
    """Where the parameter ``name`` is: the sum of ``keys`` (a gradient: each of them alike),
    transposed or not."""

    name: str
    keys: tuple[str, ...]
    transpose: bool = False


Resolver = Callable[[list[str]], list[Source]]
"""From the keys of the user's file to the sources of every parameter (or a ValueError naming
the keys that are missing)."""

KEYS = {
    "rows": "W, W_h, b, V, b_output",
    "torch": "…weight_ih_l0, …weight_hh_l0, …bias_ih_l0, …bias_hh_l0 (nn.RNN); …weight, …bias "
    "(nn.Linear)",
    "keras": "…kernel, …recurrent_kernel, …bias (SimpleRNN); …kernel, …bias (Dense)",
}


def rows(keys: list[str]) -> list[Source]:
    return [Source(name, (name,)) for name in ("W", "W_h", "b", "V", "b_output")]


def one_ending(keys: list[str], ending: str, what: str, exclude: tuple[str, ...] = ()) -> str:
    """The prefix of the one key ending in ``ending`` (not in ``exclude``)."""
    found = [k for k in keys if k.endswith(ending) and k not in exclude]
    if len(found) != 1:
        many = f"{len(found)} ({', '.join(found)})" if found else "none"
        raise ValueError(f"expected one key ending in {ending!r} ({what}), found {many}")
    return found[0][: -len(ending)]


def torch(keys: list[str]) -> list[Source]:
    deeper = [k for k in keys if "_l1" in k or "_reverse" in k]
    if deeper:
        raise ValueError(f"{deeper[0]}: only a one-layer, one-direction nn.RNN is supported")
    rnn = one_ending(keys, "weight_ih_l0", "the nn.RNN")
    ours = tuple(rnn + s for s in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"))
    out = one_ending(keys, "weight", "the nn.Linear output layer", ours)
    return [
        Source("W", (ours[0],), True),
        Source("W_h", (ours[1],), True),
        Source("b", ours[2:]),
        Source("V", (out + "weight",), True),
        Source("b_output", (out + "bias",)),
    ]


def keras(keys: list[str]) -> list[Source]:
    if keys and all(k.startswith("arr_") for k in keys):
        return [Source(n, (f"arr_{i}",)) for i, n in enumerate(("W", "W_h", "b", "V", "b_output"))]
    rnn = one_ending(keys, "recurrent_kernel", "the SimpleRNN")
    dense = one_ending(
        keys, "kernel", "the Dense output layer", (rnn + "kernel", rnn + "recurrent_kernel")
    )
    return [
        Source("W", (rnn + "kernel",)),
        Source("W_h", (rnn + "recurrent_kernel",)),
        Source("b", (rnn + "bias",)),
        Source("V", (dense + "kernel",)),
        Source("b_output", (dense + "bias",)),
    ]


LAYOUTS: dict[str, dict[str, Resolver]] = {"rnn": {"rows": rows, "torch": torch, "keras": keras}}

EXTRA = {"weights": ("vocab", "format", "format_version", "config"), "gradients": ("dh", "loss")}
"""Keys that a weights or gradients file may hold besides the parameters (a model saved with
--save is a weights file)."""


def sources(arrays: Mapping[str, np.ndarray], layout: str, where: str, kind: str) -> list[Source]:
    """The sources of every parameter in ``arrays``; InputError for missing or unknown keys."""
    plain = {key.removesuffix(":0"): key for key in arrays if key not in EXTRA[kind]}
    try:
        found = LAYOUTS["rnn"][layout](list(plain))
    except ValueError as err:
        raise InputError(f"{where}: {err}; the {layout} layout reads {KEYS[layout]}") from None
    found = [Source(s.name, tuple(plain.get(k, k) for k in s.keys), s.transpose) for s in found]
    missing = [k for s in found for k in s.keys if k not in arrays]
    if missing:
        raise InputError(
            f"{where}: lacks {', '.join(missing)}; the {layout} layout reads {KEYS[layout]}"
        )
    unknown = sorted(set(plain.values()) - {k for s in found for k in s.keys})
    if unknown:
        raise InputError(
            f"{where}: holds keys the {layout} layout does not use: {', '.join(unknown)}; "
            f"leave them out (extra keys allowed: {', '.join(EXTRA[kind])})"
        )
    return found


def checked(
    array: np.ndarray,
    key: str,
    shape: tuple[int, ...],
    letters: str,
    where: str,
    either_way: bool = False,
) -> np.ndarray:
    """``array`` as float64, or InputError naming the key and the expected shape."""
    fits = array.shape == shape or (either_way and array.shape == shape[::-1])
    if array.dtype.kind != "f" or not fits:
        raise InputError(
            f"{where}: {key} has shape {array.shape} ({array.dtype}), expected {shape} floats "
            f"({letters}); save it in the layout that --layout names (or add a vocab array of "
            "the file's tokens)"
        )
    if not np.isfinite(array).all():
        raise InputError(f"{where}: {key} holds NaN or infinite values; save finite numbers")
    return np.asarray(array, dtype=np.float64)


def user_shape(spec: Param, source: Source, dims: Mapping[str, int]) -> tuple[tuple[int, ...], str]:
    letters = spec.shape[::-1] if source.transpose else spec.shape
    shape = tuple(dims[letter] for letter in letters)
    return shape, "×".join("|vocab|" if s == "V" else s for s in letters)


def hidden_size(arrays: Mapping[str, np.ndarray], found: list[Source], where: str) -> int:
    """H, from the recurrent matrix."""
    key = next(s.keys[0] for s in found if s.name == "W_h")
    shape = arrays[key].shape
    if len(shape) != 2 or shape[0] != shape[1] or shape[0] < 1:
        raise InputError(f"{where}: {key} has shape {shape}, expected a square H×H matrix")
    return shape[0]
