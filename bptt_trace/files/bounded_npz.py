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

The rules are ``npz_rules``'s, a member's header and data are read by ``npy_member``.
"""

from __future__ import annotations

import math
import os
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import numpy as np

from ..errors import InputError
from .inputs import fix, reason
from .npy_member import read_data, read_header
from .npz_rules import Policy, check_member
from .paths import kind_of

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
