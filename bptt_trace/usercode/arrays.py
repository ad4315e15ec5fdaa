"""A user's arrays (weights, gradients, ``dh``, ``dc``, ``loss``) as the tool's parameters and
quantities: every key found and checked (a float array of the shape its layout says, finite)
before use, then sliced, transposed and summed as the layout says.

The tolerance of the verdict follows the dtype of the user's gradients (``precision``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ..core.cells.declaration import Param, Params
from ..errors import InputError, shortened
from .layouts import LAYOUTS, Part, Source, described, expected_shape
from .precision import FLOAT64_TOLERANCE

EXTRA = {
    "weights": ("vocab", "format", "format_version", "config"),
    "gradients": ("dh", "dc", "loss"),
}
"""Keys that a weights or gradients file may hold besides the parameters (a model saved with
--save is a weights file)."""


class Shaped(Protocol):
    """What a key's shape and dtype are checked on: an array, or a file's header of one."""

    @property
    def shape(self) -> tuple[int, ...]: ...

    @property
    def dtype(self) -> np.dtype: ...


@dataclass(frozen=True)
class Reader:
    """Reads one file's arrays in a layout, for a cell."""

    cell: str
    layout: str
    reset_after: bool
    where: str
    kind: str
    tolerance: float = FLOAT64_TOLERANCE
    """Within this relative difference, the parts of one gradient (torch's two biases) agree."""

    def fail(self, text: str, keys: list[str] | None = None) -> InputError:
        what = described(self.cell, self.layout, self.reset_after)
        hint = layout_hint(keys or [], self.layout)
        return InputError(f"{self.where}: {text}; the {self.layout} layout reads {what}{hint}")

    def sources(self, arrays: Mapping[str, object]) -> list[Source]:
        """The sources of every parameter; InputError for missing or unknown keys."""
        plain = {key.removesuffix(":0"): key for key in arrays if key not in EXTRA[self.kind]}
        try:
            found = LAYOUTS[self.layout](self.cell, self.reset_after)(list(plain))
        except ValueError as err:  # it may quote keys: each shortened
            text = str(err)
            for key in sorted(plain.values(), key=len, reverse=True):
                text = text.replace(key, shortened(key)) if len(key) > 40 else text
            raise self.fail(text, list(plain)) from None
        found = [
            Source(s.name, tuple(_rekeyed(p, plain.get(p.key, p.key)) for p in s.parts))
            for s in found
        ]
        used = list(dict.fromkeys(p.key for s in found for p in s.parts))
        missing = [k for k in used if k not in arrays]
        if missing:
            raise self.fail(f"lacks {', '.join(map(shortened, missing))}", list(plain))
        unknown = sorted(set(plain.values()) - set(used))
        if unknown:
            raise InputError(
                f"{self.where}: holds keys the {self.layout} layout of the {self.cell} does not "
                f"use: {', '.join(map(shortened, unknown))}; leave them out (extra keys allowed: "
                f"{', '.join(EXTRA[self.kind])})"
            )
        return found

    def hidden(self, arrays: Mapping[str, Shaped], found: list[Source]) -> int:
        """H, from the first recurrent matrix (its shape also tells another cell's file)."""
        part = next(s.parts[0] for s in found if s.name.startswith("W_h"))
        shape = arrays[part.key].shape
        if len(shape) == 2 and min(shape) >= 1 and max(shape) == part.blocks * min(shape):
            return min(shape)
        hint = ""
        if len(shape) == 2 and min(shape) >= 1 and max(shape) % min(shape) == 0:
            other = {1: "rnn", 4: "lstm", 3: "gru --reset-after"}.get(max(shape) // min(shape))
            hint = f"; a file of another cell? try --cell {other}" if other else ""
        raise InputError(
            f"{self.where}: {shortened(part.key)} has shape {shape}, expected "
            f"{'×'.join(expected_shape(part, ('H', 'H')))} (the recurrent matrix of the "
            f"{self.cell}){hint}"
        )

    def read(
        self,
        arrays: Mapping[str, np.ndarray],
        specs: Mapping[str, Param],
        dims: Mapping[str, int],
        either_way: bool = False,
        transposed: bool = False,
    ) -> tuple[Params, tuple[str, ...]]:
        """Every parameter, checked, and the keys that were given transposed: by their shape
        (``either_way``), and with ``transposed`` every square one too (the shape cannot tell
        it). A gradient's parts must agree."""
        out: Params = {}
        flipped: list[str] = []
        for source in self.sources(arrays):
            values = []
            for part in source.parts:
                letters = expected_shape(part, specs[source.name].shape)
                value, turned = self.checked(arrays[part.key], part, letters, dims, either_way)
                square = value.ndim == 2 and value.shape[0] == value.shape[1]
                if turned or (transposed and square):  # the shape tells, or the user does
                    value = value.T
                    flipped.append(part.key)
                values.append(select(value, part))
            scale = max(float(np.abs(arrays[part.key]).max(initial=0.0)) for part in source.parts)
            out[source.name] = self.combined(source, values, scale)
        return {name: out[name] for name in specs if name in out}, tuple(dict.fromkeys(flipped))

    def combined(self, source: Source, values: list[np.ndarray], scale: float) -> np.ndarray:
        """A weight: the parts' sum. A gradient: their mean, once they agree within the
        tolerance relative to the largest entry of their keys (``scale``)."""
        if self.kind == "weights" or len(values) == 1:
            return np.sum(values, axis=0)
        first, *others = values
        for part, other in zip(source.parts[1:], others, strict=True):
            if float(np.abs(other - first).max(initial=0.0)) > self.tolerance * scale:
                raise InputError(
                    f"{self.where}: {part.key} differs from {source.parts[0].key} beyond "
                    f"{self.tolerance:g} relative; both hold ∂L/∂{source.name} (the biases add "
                    "up), so save the same gradient"
                )
        return np.mean(values, axis=0)  # their mean is ∂L/∂b

    def check_declared(
        self,
        arrays: Mapping[str, Shaped],
        specs: Mapping[str, Param],
        dims: Mapping[str, int],
        either_way: bool = False,
    ) -> None:
        """Every key's shape and dtype as ``read`` checks them, from those alone (a file's
        headers, before its data is read)."""
        for source in self.sources(arrays):
            for part in source.parts:
                letters = expected_shape(part, specs[source.name].shape)
                self.fitted(arrays[part.key], part, letters, dims, either_way)

    def fitted(
        self,
        array: Shaped,
        part: Part,
        letters: tuple[str, ...],
        dims: Mapping[str, int],
        either_way: bool,
    ) -> bool:
        """Whether the key's array was given transposed, or InputError naming the key and the
        shape expected, with the sizes it is made of."""
        shape = tuple(size(letter, dims) for letter in letters)
        turned = either_way and len(shape) == 2 and shape[0] != shape[1]
        turned = turned and array.shape == shape[::-1]
        if (
            array.dtype.kind != "f"
            or array.dtype.itemsize > 8
            or not (array.shape == shape or turned)
        ):
            names = "×".join("|vocab|" if s == "V" else s for s in letters)
            used = dict.fromkeys(letter[-1] for letter in letters if not letter.isdigit())
            sizes = "".join(f", {'|vocab|' if d == 'V' else d} = {dims[d]}" for d in used)
            if "T" in used:
                fix = "save one row a time step of the sentence (t = 1 … T)"
                axis = letters.index("T") if "T" in letters else -1
                if axis >= 0 and len(array.shape) == len(shape):
                    if array.shape[axis] == shape[axis] - 1 and array.dtype.kind == "f":
                        fix = (  # the symptom of a loop one time step short
                            "one row short: a loop over range(len(x) - 1) or one stopping at "
                            "t = 2 leaves a time step out; leave it out of the file, and the "
                            "gradients are checked (and such a loop named), or " + fix
                        )
            else:
                vocab = " (or add a vocab array of the file's tokens)" if "V" in used else ""
                fix = f"save it in the layout that --layout names{vocab}"
            raise InputError(
                f"{self.where}: {shortened(part.key)} has shape {array.shape} ({array.dtype}), "
                f"expected {shape} float16/32/64 ({names}{sizes}); {fix}"
            )
        return turned

    def checked(
        self,
        array: np.ndarray,
        part: Part,
        letters: tuple[str, ...],
        dims: Mapping[str, int],
        either_way: bool,
    ) -> tuple[np.ndarray, bool]:
        """The key's array as float64 (and whether it was given transposed), or InputError
        naming the key and the shape expected."""
        turned = self.fitted(array, part, letters, dims, either_way)
        if not np.isfinite(array).all():
            raise InputError(
                f"{self.where}: {shortened(part.key)} holds NaN or infinite values; save finite "
                "numbers"
            )
        return np.asarray(array, dtype=np.float64), turned


def layout_hint(keys: list[str], layout: str) -> str:
    """A hint when the keys look like another layout's."""
    if layout != "torch" and any(k.endswith("weight_ih_l0") for k in keys):
        return "; the keys look like a torch state_dict: try --layout torch"
    if layout != "keras" and any(k.endswith("recurrent_kernel") for k in keys):
        return "; the keys look like Keras weights: try --layout keras"
    if layout != "rows" and ("W_h" in keys or any(k.startswith("W_h_") for k in keys)):
        return "; the keys are the tables' own names: try --layout rows"
    return ""


def _rekeyed(part: Part, key: str) -> Part:
    return Part(key, part.transpose, part.block, part.blocks, part.row)


def size(letter: str, dims: Mapping[str, int]) -> int:
    """A dimension written as in the declarations: "V", "H", "4H", "2"."""
    if letter.isdigit():
        return int(letter)
    factor = int(letter[:-1]) if len(letter) > 1 else 1
    return factor * dims[letter[-1]]


def select(value: np.ndarray, part: Part) -> np.ndarray:
    """The part of a key's array that is one parameter: its row, transposed, its block."""
    if part.row is not None:
        value = value[part.row]
    if part.transpose:
        value = value.T
    if part.blocks == 1:
        return value
    width = value.shape[-1] // part.blocks
    return value[..., part.block * width : (part.block + 1) * width]
