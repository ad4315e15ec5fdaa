"""One bounded reader for every .npz the tool is given (``--load``, ``--init``, ``--compare``),
never trusting the file: nothing is unpickled, and nothing is read or decompressed past what
the limits allow.

In order, before any array's data is decompressed:
- the zip's end record: at most ``Policy.max_members`` members (``zipfile`` reads the
  directory whole);
- each member: stored or deflated (bzip2 and LZMA inflate without a bound on what one read
  returns), not encrypted, named ``*.npy``, named once;
- each member's .npy header, read within ``MAX_HEADER_BYTES`` whatever its length field claims
  (NumPy reads the length it is told, up to 4 GiB, before it checks anything), parsed by
  NumPy from those bytes alone;
- its dtype and shape against the member's rule (``Member``): numbers are float16, float32 or
  float64 (or integers, where a rule allows them), never float128, complex, object or
  structured; text is unicode of a bounded width;
- the total: numbers in all and decompressed bytes in all, from the headers.
Only then is each array's data read, exactly the bytes its header declares.
"""

from __future__ import annotations

import io
import math
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO

import numpy as np
from numpy.lib import format as npy

from ..errors import InputError
from .inputs import fix, reason
from .paths import kind_of

MAX_HEADER_BYTES = 10_000
"""Longest .npy header read (NumPy's own limit of a safe header); a real one is about 128."""

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


Header = tuple[zipfile.ZipInfo, tuple[int, ...], bool, np.dtype]


def read_arrays(path: Path, where: str, policy: Policy, what: Callable[[bytes], str]) -> dict:
    """Every array of the .npz at ``path``, each checked before it is read; ``what`` names
    what a file that is not a zip archive holds, from its first bytes."""
    try:  # without blocking: a FIFO would wait for a writer before it could be refused
        handle = os.fdopen(os.open(path, os.O_RDONLY | os.O_NONBLOCK), "rb")
    except FileNotFoundError:
        raise InputError(f"{where}: no such file; {policy.fix}") from None
    except IsADirectoryError:
        raise InputError(f"{where}: is a folder; {policy.fix}") from None
    except OSError as err:
        raise InputError(f"{where}: cannot be read ({reason(err)}); {fix(err)}") from None
    with handle:
        try:
            status = os.fstat(handle.fileno())
            kind = kind_of(status.st_mode)
            if kind is not None:
                raise InputError(f"{where}: is {kind}, not an .npz file; {policy.fix}")
            head = handle.read(512)
            if not head.startswith(b"PK"):
                raise InputError(f"{where}: {what(head)}; {policy.fix}")
            check_directory(handle, status.st_size, where, policy)
            handle.seek(0)
            with zipfile.ZipFile(handle) as archive:
                return read_members(archive, where, policy)
        except InputError:
            raise
        except Exception as err:  # a damaged zip fails in many ways: all of them mean the same
            raise InputError(
                f"{where}: not a readable .npz file, perhaps truncated ({type(err).__name__}); "
                f"{policy.fix}"
            ) from None


def check_directory(handle: BinaryIO, size: int, where: str, policy: Policy) -> None:
    """Refuse a zip whose end record lists more members than such a file holds."""
    tail_size = min(size, 22 + 65535)
    handle.seek(size - tail_size)
    tail = handle.read(tail_size)
    end = tail.rfind(b"PK\x05\x06")
    if end < 0 or len(tail) < end + 22:
        return  # no end record: zipfile says the file is damaged
    entries = int.from_bytes(tail[end + 10 : end + 12], "little")
    directory = int.from_bytes(tail[end + 12 : end + 16], "little")
    most = policy.max_members
    if entries > most or directory > most * 1024:
        raise InputError(
            f"{where}: its zip directory lists {entries:,} members ({directory:,} bytes), "
            f"more than the {most} arrays such a file holds; {policy.fix}"
        )


def read_members(archive: zipfile.ZipFile, where: str, policy: Policy) -> dict[str, np.ndarray]:
    """Check every member's header and the totals first, then read the arrays."""
    headers: dict[str, Header] = {}
    numbers = size = 0
    for info in archive.infolist():
        name = info.filename.removesuffix(".npy")
        rule = policy.rule(name) if info.filename.endswith(".npy") else None
        if rule is None:
            raise InputError(f"{where}: {policy.unknown(info.filename)}; {policy.fix}")
        if name in headers:
            raise InputError(f"{where}: holds {name!r} twice; {policy.fix}")
        check_info(info, name, where, policy)
        with archive.open(info) as member:
            shape, fortran, dtype = read_header(member, name, where, policy)
        check_member(rule, name, shape, dtype, where, policy)
        count = math.prod(shape)
        numbers += count if dtype.kind == "f" else 0
        size += count * dtype.itemsize
        if numbers > policy.max_numbers:
            raise InputError(
                f"{where}: declares more than {policy.max_numbers:,} {policy.numbers}, the "
                "limit; nothing of it was read"
            )
        if size > policy.max_bytes:
            raise InputError(
                f"{where}: declares more than {policy.max_bytes:,} bytes of arrays in all, the "
                f"limit; nothing of it was read"
            )
        headers[name] = (info, shape, fortran, dtype)
    arrays = {}
    for name, (info, shape, fortran, dtype) in headers.items():
        with archive.open(info) as member:
            read_header(member, name, where, policy)
            arrays[name] = read_data(member, shape, fortran, dtype, where, name)
    return arrays


def check_info(info: zipfile.ZipInfo, name: str, where: str, policy: Policy) -> None:
    """Only what ``np.savez`` and ``np.savez_compressed`` write: stored or deflated members
    (bzip2 and LZMA return all a block inflates to, gigabytes from a few kB), not encrypted."""
    if info.flag_bits & 0x1:
        raise InputError(f"{where}: the array {name!r} is encrypted; {policy.fix}")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise InputError(
            f"{where}: the array {name!r} is compressed with method {info.compress_type} "
            f"(np.savez stores, np.savez_compressed deflates); {policy.fix}"
        )


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
            f"{where}: the array {name!r} has no readable header ({why}); {policy.fix}"
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


def check_member(
    rule: Member, name: str, shape: tuple[int, ...], dtype: np.dtype, where: str, policy: Policy
) -> None:
    fix_ = policy.fix
    if dtype.hasobject:
        raise InputError(f"{where}: holds a pickled object, which is never loaded; {fix_}")
    if dtype.kind == "U" and "U" in rule.kinds and dtype.itemsize > rule.max_itemsize:
        raise InputError(
            f"{where}: the array {name!r} holds text of up to {dtype.itemsize // 4:,} "
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
            f"{where}: the array {name!r} is of type {dtype}, which it may not be (numbers: "
            f"float16, float32 or float64); {fix_}"
        )
    if rule.ndim is not None and len(shape) != rule.ndim:
        raise InputError(
            f"{where}: the array {name!r} has shape {shape}, not {rule.ndim}-D; {fix_}"
        )
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
