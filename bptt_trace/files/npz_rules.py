"""The limits of a kind of .npz file (``Policy``) and of each array in it (``Member``), and a
member's dtype and shape checked against its rule, from its header alone (``bounded_npz``
reads the files)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..errors import InputError, quoted

FLOAT_SIZES = (2, 4, 8)
"""float16, float32, float64: the floats read (float128 would pass a finite check and then
overflow float64, or fail in LAPACK)."""


@dataclass(frozen=True)
class Member:
    """What an array may be: its dtype kinds (``f`` floats, ``iu`` integers, ``U`` text), its
    dimensions (None: any), its entries and the bytes of one entry, at most."""

    kinds: str
    ndim: int | None
    max_count: int
    max_itemsize: int


@dataclass(frozen=True)
class Policy:
    """The limits of one kind of file. ``rule`` gives a member's rule by name, or None for a
    name such a file never holds, refused with ``unknown(name)``."""

    rule: Callable[[str], Member | None]
    unknown: Callable[[str], str]
    fix: str
    max_members: int
    max_numbers: int
    numbers: str
    max_bytes: int


def check_member(
    rule: Member, name: str, shape: tuple[int, ...], dtype: np.dtype, where: str, policy: Policy
) -> None:
    fix_ = policy.fix
    if dtype.hasobject:
        raise InputError(f"{where}: holds a pickled object, which is never loaded; {fix_}")
    if dtype.kind == "U" and "U" in rule.kinds and dtype.itemsize > rule.max_itemsize:
        raise InputError(
            f"{where}: the array {quoted(name)} holds text of up to {dtype.itemsize // 4:,} "
            f"characters, more than the {rule.max_itemsize // 4:,} it may hold; {fix_}"
        )
    float_ok = dtype.kind != "f" or dtype.itemsize in FLOAT_SIZES
    if (
        dtype.kind not in rule.kinds
        or not float_ok
        or dtype.itemsize > rule.max_itemsize
        or dtype.fields
        or dtype.subdtype
    ):
        raise InputError(
            f"{where}: the array {quoted(name)} is of type {dtype}, which it may not be (numbers: "
            f"float16, float32 or float64); {fix_}"
        )
    if rule.ndim is not None and len(shape) != rule.ndim:
        raise InputError(
            f"{where}: the array {quoted(name)} has shape {shape}, not {rule.ndim}-D; {fix_}"
        )
    count = math.prod(shape)
    if count > rule.max_count:
        raise InputError(
            f"{where}: the array {quoted(name)} declares {count:,} entries, more than the limit "
            f"of {rule.max_count:,}; nothing of it was read"
        )
