"""One .npy member of an .npz, read within bounds: its header within ``MAX_HEADER_BYTES``
whatever its length field claims, parsed by NumPy from those bytes alone, and its data exactly
the bytes the header declares (``bounded_npz`` checks the header before the data is read)."""

from __future__ import annotations

import io
import math
from typing import IO, BinaryIO

import numpy as np
from numpy.lib import format as npy

from ..errors import InputError, quoted
from .npz_rules import Policy

MAX_HEADER_BYTES = 10_000
"""Longest .npy header read (NumPy's own limit of a safe header); a real one is about 128."""

CHUNK = 1 << 20
"""Bytes of an array's data decompressed at a time."""


def read_exactly(member: IO[bytes], size: int) -> bytes:
    data = b""
    while len(data) < size:
        got = member.read(size - len(data))
        if not got:
            break
        data += got
    return data


def read_header(
    member: IO[bytes], name: str, where: str, policy: Policy
) -> tuple[tuple[int, ...], bool, np.dtype]:
    """Shape, Fortran order and dtype from the .npy header at the start of ``member``, read
    within MAX_HEADER_BYTES: the length field is checked before the header is read."""

    def unreadable(why: str) -> InputError:
        return InputError(
            f"{where}: the array {quoted(name)} has no readable header ({why}); {policy.fix}"
        )

    magic = read_exactly(member, len(npy.MAGIC_PREFIX) + 2)
    if len(magic) < len(npy.MAGIC_PREFIX) + 2 or not magic.startswith(npy.MAGIC_PREFIX):
        raise unreadable("it is not a .npy array")
    version = (magic[-2], magic[-1])
    if version not in ((1, 0), (2, 0)):
        raise unreadable(f"npy format {version[0]}.{version[1]}, not 1.0 or 2.0")
    field = read_exactly(member, 2 if version == (1, 0) else 4)
    if len(field) < (2 if version == (1, 0) else 4):
        raise unreadable("it is cut short")
    length = int.from_bytes(field, "little")
    if length > MAX_HEADER_BYTES:
        raise unreadable(
            f"its header claims {length:,} bytes, more than the {MAX_HEADER_BYTES:,} an "
            "array's header takes"
        )
    text = read_exactly(member, length)
    if len(text) < length:
        raise unreadable("it is cut short")
    read = npy.read_array_header_1_0 if version == (1, 0) else npy.read_array_header_2_0
    try:
        shape, fortran, dtype = read(io.BytesIO(field + text))
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError) as err:
        why = str(err).splitlines()[0][:200] if str(err) else type(err).__name__
        raise unreadable(why) from None
    if any(d < 0 for d in shape):
        raise unreadable(f"a negative dimension in {shape}")
    return shape, fortran, dtype


def read_data(
    member: BinaryIO, shape: tuple[int, ...], fortran: bool, dtype: np.dtype, where: str, name: str
) -> np.ndarray:
    """The array's data: exactly the declared number of bytes, no more is decompressed, a chunk
    at a time (``readinto`` of a zip member reads the whole into a second buffer first)."""
    size = math.prod(shape) * dtype.itemsize
    buffer = bytearray(size)
    done = 0
    while done < size:
        got = member.read(min(size - done, CHUNK))
        if not got:
            raise InputError(
                f"{where}: the array {quoted(name)} is cut short (truncated); save it again"
            )
        buffer[done : done + len(got)] = got
        done += len(got)
    array = np.frombuffer(buffer, dtype=dtype)
    return array.reshape(shape, order="F" if fortran else "C")
