"""The optional arrays of a user's gradients besides the parameters: ``dh`` (∂L/∂hₜ, T×H),
``dc`` (the LSTM's ∂L/∂cₜ, T×H) and ``loss`` (one number), checked from their shapes and dtypes
alone (``check_extras``: a file's headers) and then read (``extras``)."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from ..errors import InputError
from .arrays import Reader, Shaped
from .layouts import Part


def extras(
    arrays: Mapping[str, np.ndarray], T: int, H: int, sentences: int, cell: str, where: str
) -> dict[str, np.ndarray | float]:
    """The optional ``dh`` (T×H), ``dc`` (T×H, the LSTM's ∂L/∂cₜ) and ``loss`` (a number)."""
    check_extras(arrays, T, H, sentences, cell, where)
    reader = Reader(cell, "rows", False, where, "gradients")
    found: dict[str, np.ndarray | float] = {}
    for key in ("dh", "dc"):
        if key in arrays:
            found[key], _ = reader.checked(
                arrays[key], Part(key), ("T", "H"), {"T": T, "H": H}, False
            )
    if "loss" in arrays:
        loss = np.asarray(arrays["loss"])
        if not np.isfinite(loss).all():
            raise InputError(f"{where}: loss is not a finite number; save loss.item()")
        found["loss"] = float(loss.reshape(()))
    return found


def check_extras(
    arrays: Mapping[str, Shaped], T: int, H: int, sentences: int, cell: str, where: str
) -> None:
    """``dh``, ``dc`` and ``loss`` as ``extras`` checks them, from their shapes and dtypes
    alone (a file's headers, before its data is read)."""
    for key in ("dh", "dc"):
        if key not in arrays:
            continue
        if key == "dc" and cell != "lstm":
            raise InputError(f"{where}: dc is the LSTM's ∂L/∂cₜ; leave it out for the {cell}")
        if sentences != 1:
            raise InputError(f"{where}: {key} is for a one-sentence input; give one sentence")
        reader = Reader(cell, "rows", False, where, "gradients")
        reader.fitted(arrays[key], Part(key), ("T", "H"), {"T": T, "H": H}, False)
    if "loss" in arrays:
        loss = arrays["loss"]
        if math.prod(loss.shape) != 1 or loss.dtype.kind not in "fiu" or loss.dtype.itemsize > 8:
            raise InputError(
                f"{where}: loss should be one number (loss=loss.item()), not an array of shape "
                f"{loss.shape} ({loss.dtype})"
            )
