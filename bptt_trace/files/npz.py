"""Reading a model file (.npz) without trusting it: every member's .npy header (shape and
dtype) is read and checked before any of its data is decompressed, so that a small file that
declares a huge array (a zip bomb) is refused from its headers. Nothing is ever unpickled.

What the arrays mean is for ``model_file.parse_model`` to check; its vocabulary's tokens should
go through ``tokens.check_tokens``, the rule every other source of tokens follows.
"""

from __future__ import annotations

import math
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO

import numpy as np
from numpy.lib import format as npy

from ..core.cells import every_form
from ..core.model import declared
from ..errors import InputError
from .inputs import MAX_TOKENS
from .paths import kind_of
from .tokens import MAX_TOKEN_CHARS

MAX_PARAMETERS = 50_000_000
"""Largest model accepted, in parameters (the same limit as ``cli.checks.MAX_PARAMETERS``)."""

MAX_VOCAB = MAX_TOKENS + 2
"""A vocabulary comes from a corpus of at most MAX_TOKENS tokens, plus <eos> and a target."""

MAX_TEXT_CHARS = 1 << 16
"""Longest text scalar (the format name, the configuration as JSON)."""


@dataclass(frozen=True)
class Member:
    """What an array of a model file may be: its dtype kinds, dimensions and size limit."""

    kinds: str
    ndim: int
    max_count: int
    max_itemsize: int


def parameters() -> dict[str, int]:
    """Every parameter that a known cell (or the output layer) declares, with its dimensions."""
    return {spec.name: len(spec.shape) for cell in every_form() for spec in declared(cell)}


def members() -> dict[str, Member]:
    """What each array of a model file may be: the known cells' parameters and the metadata."""
    return {
        **{name: Member("f", ndim, MAX_PARAMETERS, 8) for name, ndim in parameters().items()},
        **METADATA,
    }


METADATA = {
    "vocab": Member("U", 1, MAX_VOCAB, 4 * MAX_TOKEN_CHARS),
    "format": Member("U", 0, 1, 4 * 64),
    "format_version": Member("iu", 0, 1, 8),
    "config": Member("U", 0, 1, 4 * MAX_TEXT_CHARS),
}

MAX_MODEL_BYTES = 8 * MAX_PARAMETERS + 4 * MAX_TOKEN_CHARS * MAX_VOCAB + (16 << 20)
"""Largest model file read at all: the largest parameters, vocabulary and a margin."""

FIX = "give a model saved with --save"


def read_model_arrays(path: Path, where: str) -> dict[str, np.ndarray]:
    """Every array of the model file at ``path``, each checked before it is read."""
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise InputError(
            f"{where}: no such file; give the path of a model saved with --save"
        ) from None
    except IsADirectoryError:
        raise InputError(
            f"{where}: is a folder; give the path of a model saved with --save"
        ) from None
    except OSError as err:
        raise InputError(f"{where}: cannot be read ({err.strerror}); check the path") from None
    with handle:
        status = os.fstat(handle.fileno())
        kind = kind_of(status.st_mode)
        if kind is not None:
            raise InputError(f"{where}: is {kind}, not a model file; {FIX}")
        if status.st_size > MAX_MODEL_BYTES:
            raise InputError(
                f"{where}: is {status.st_size:,} bytes, more than any model within the limit "
                f"of {MAX_PARAMETERS:,} parameters; {FIX}"
            )
        head = handle.read(512)
        if not head.startswith(b"PK"):
            raise InputError(f"{where}: {what_it_is(head)}; {FIX}")
        check_directory(handle, status.st_size, where)
        handle.seek(0)
        try:
            with zipfile.ZipFile(handle) as archive:
                return read_members(archive, where)
        except InputError:
            raise
        except Exception as err:  # a damaged zip fails in many ways: all of them mean the same
            raise InputError(
                f"{where}: not a readable model file, perhaps truncated ({type(err).__name__}); "
                "save it again with --save"
            ) from None


def max_members() -> int:
    """The most arrays a model file holds: the largest known cell's parameters and the
    metadata (9 for the vanilla RNN, 18 for the LSTM). The zip directory is read whole by
    ``zipfile``, so its size is checked first (millions of entries would fill the memory)."""
    return max(len(declared(cell)) for cell in every_form()) + len(METADATA)


def check_directory(handle: BinaryIO, size: int, where: str) -> None:
    """Refuse a zip whose end record lists more members than a model has."""
    tail_size = min(size, 22 + 65535)
    handle.seek(size - tail_size)
    tail = handle.read(tail_size)
    end = tail.rfind(b"PK\x05\x06")
    if end < 0 or len(tail) < end + 22:
        return  # no end record: zipfile says the file is damaged
    entries = int.from_bytes(tail[end + 10 : end + 12], "little")
    directory = int.from_bytes(tail[end + 12 : end + 16], "little")
    most = max_members()
    if entries > most or directory > most * 1024:
        raise InputError(
            f"{where}: its zip directory lists {entries:,} members ({directory:,} bytes), "
            f"not the arrays of a model; {FIX}"
        )


def what_it_is(head: bytes) -> str:
    """What a file that is not a zip archive holds, from its first bytes."""
    if not head:
        return "is empty, not a model file"
    if head.startswith(npy.MAGIC_PREFIX):
        return "is a single NumPy array (.npy), not a model (.npz)"
    if head[0] == 0x80 and len(head) > 1 and 2 <= head[1] <= 5:
        return "holds a pickled object, which is never loaded"
    if head.startswith(b'{"event":"run"'):
        return "is a JSON Lines trace, not a model file (a trace is replayed with --replay)"
    if b"\0" not in head:
        try:
            head.decode("utf-8")
            return "is a text file, not a model file"
        except UnicodeDecodeError as err:
            if err.start >= len(head) - 3:  # a character cut at the 512th byte
                return "is a text file, not a model file"
    return "is not a model file (not a zip archive)"


def read_members(archive: zipfile.ZipFile, where: str) -> dict[str, np.ndarray]:
    """Check every member's header first, then read the arrays."""
    headers: dict[str, tuple[zipfile.ZipInfo, tuple[int, ...], bool, np.dtype]] = {}
    total = 0
    rules = members()
    for info in archive.infolist():
        name = info.filename.removesuffix(".npy")
        if name not in rules:
            raise InputError(
                f"{where}: not a model saved by bptt-trace (it holds {info.filename!r}); {FIX}"
            )
        if name in headers:
            raise InputError(f"{where}: holds {name!r} twice; {FIX}")
        with archive.open(info) as member:
            shape, fortran, dtype = read_header(member, name, where)
        check_member(rules[name], name, shape, dtype, where)
        if name not in METADATA:
            total += math.prod(shape)
            if total > MAX_PARAMETERS:
                raise InputError(
                    f"{where}: declares more than {MAX_PARAMETERS:,} parameters, the limit; "
                    "nothing of it was read"
                )
        headers[name] = (info, shape, fortran, dtype)
    arrays = {}
    for name, (info, shape, fortran, dtype) in headers.items():
        with archive.open(info) as member:
            read_header(member, name, where)
            arrays[name] = read_data(member, shape, fortran, dtype, where, name)
    return arrays


def read_header(member: IO[bytes], name: str, where: str) -> tuple[tuple[int, ...], bool, np.dtype]:
    """Shape, Fortran order and dtype from the .npy header at the start of ``member``."""
    try:
        version = npy.read_magic(member)
        if version == (1, 0):
            shape, fortran, dtype = npy.read_array_header_1_0(member)
        elif version == (2, 0):
            shape, fortran, dtype = npy.read_array_header_2_0(member)
        else:
            raise ValueError(f"npy format {version}")
    except ValueError as err:
        raise InputError(
            f"{where}: the array {name!r} has no readable header ({err}); {FIX}"
        ) from None
    return shape, fortran, dtype


def check_member(
    rule: Member, name: str, shape: tuple[int, ...], dtype: np.dtype, where: str
) -> None:
    if dtype.hasobject:
        raise InputError(f"{where}: holds a pickled object, which is never loaded; {FIX}")
    if dtype.kind == "U" == rule.kinds and dtype.itemsize > rule.max_itemsize:
        raise InputError(
            f"{where}: the array {name!r} holds text of up to {dtype.itemsize // 4:,} "
            f"characters, more than the {rule.max_itemsize // 4:,} a model's holds; {FIX}"
        )
    if dtype.kind not in rule.kinds or dtype.itemsize > rule.max_itemsize or dtype.fields:
        raise InputError(
            f"{where}: the array {name!r} is of type {dtype}, which a model does not hold; {FIX}"
        )
    if len(shape) != rule.ndim:
        raise InputError(f"{where}: the array {name!r} has shape {shape}, not {rule.ndim}-D; {FIX}")
    count = math.prod(shape)
    if count > rule.max_count:
        raise InputError(
            f"{where}: the array {name!r} declares {count:,} entries, more than the limit "
            f"of {rule.max_count:,}; nothing of it was read"
        )


def read_data(
    member: BinaryIO, shape: tuple[int, ...], fortran: bool, dtype: np.dtype, where: str, name: str
) -> np.ndarray:
    """The array's data: exactly the declared number of bytes, no more is decompressed."""
    size = math.prod(shape) * dtype.itemsize
    buffer = bytearray(size)
    view = memoryview(buffer)
    done = 0
    while done < size:
        got = member.readinto(view[done:])
        if not got:
            raise InputError(f"{where}: the array {name!r} is cut short (truncated); save it again")
        done += got
    array = np.frombuffer(buffer, dtype=dtype)
    return array.reshape(shape, order="F" if fortran else "C")
