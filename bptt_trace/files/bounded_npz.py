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
Only then is each array's data read, exactly the bytes its header declares, and only when
its reader asks for it (``open_npz``): a reader checks the names, shapes and dtypes of the
headers (``Npz.declared``) against what it needs, and the memory of the run, first.

The rules are ``npz_rules``'s, a member's header and data are read by ``npy_member``.
"""

from __future__ import annotations

import math
import os
import zipfile
from collections.abc import Callable, Container, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TypeVar

import numpy as np

from ..errors import InputError, quoted
from .inputs import fix, reason
from .npy_member import read_data, read_header
from .npz_rules import Policy, check_member
from .paths import kind_of

Header = tuple[zipfile.ZipInfo, tuple[int, ...], bool, np.dtype]
Result = TypeVar("Result")

SMALL_BYTES = 1 << 20
"""A member read before the others' shapes are checked (a vocabulary, a configuration) is
read first only up to this size: a larger one is read once the checks from the headers passed,
so that no member inflates much before a file is refused for its shapes."""


@dataclass(frozen=True)
class Declared:
    """What a member's header declares, before any of its data is read."""

    shape: tuple[int, ...]
    dtype: np.dtype

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    @property
    def small(self) -> bool:
        """Small enough to be read before the other members are checked (``SMALL_BYTES``)."""
        return self.size * self.dtype.itemsize <= SMALL_BYTES


@dataclass(frozen=True)
class Npz:
    """An open .npz whose every member's header is read and checked (``declared``); its data is
    read a member at a time, when asked (``read``)."""

    archive: zipfile.ZipFile
    where: str
    policy: Policy
    headers: dict[str, Header]

    @property
    def declared(self) -> dict[str, Declared]:
        return {name: Declared(h[1], h[3]) for name, h in self.headers.items()}

    def read(self, name: str) -> np.ndarray:
        """The member's data: its header read again (it must say what was checked), then
        exactly the bytes it declares."""
        info, shape, fortran, dtype = self.headers[name]

        def data() -> np.ndarray:
            with self.archive.open(info) as member:
                again = read_header(member, name, self.where, self.policy)
                if again != (shape, fortran, dtype):
                    raise InputError(
                        f"{self.where}: the array {quoted(name)} changed while it was read; "
                        "give a file nothing else is writing"
                    )
                return read_data(member, shape, fortran, dtype, self.where, name)

        return guarded(self.where, self.policy, data)

    def read_all(self, skip: Container[str] = ()) -> dict[str, np.ndarray]:
        """Every member's data but those in ``skip`` (read already)."""
        return {name: self.read(name) for name in self.headers if name not in skip}


def guarded(where: str, policy: Policy, work: Callable[[], Result]) -> Result:
    """``work``, whose failures are one line: a damaged zip fails in many ways, all of them
    meaning the same; a MemoryError means memory."""
    try:
        return work()
    except InputError:
        raise
    except MemoryError:
        raise InputError(
            f"{where}: its arrays do not fit in the memory left to this program (MemoryError); "
            "free some memory, or give a smaller file"
        ) from None
    except Exception as err:
        raise InputError(
            f"{where}: not a readable .npz file, perhaps truncated ({type(err).__name__}); "
            f"{policy.fix}"
        ) from None


def read_arrays(path: Path, where: str, policy: Policy, what: Callable[[bytes], str]) -> dict:
    """Every array of the .npz at ``path``, each checked before it is read; ``what`` names
    what a file that is not a zip archive holds, from its first bytes."""
    with open_npz(path, where, policy, what) as npz:
        return npz.read_all()


@contextmanager
def open_npz(path: Path, where: str, policy: Policy, what: Callable[[bytes], str]) -> Iterator[Npz]:
    """The .npz at ``path`` with every member's header read and checked, the totals bounded
    from them; no array's data read yet."""
    try:  # without blocking: a FIFO would wait for a writer before it could be refused
        handle = os.fdopen(os.open(path, os.O_RDONLY | os.O_NONBLOCK), "rb")
    except FileNotFoundError:
        raise InputError(f"{where}: no such file; {policy.fix}") from None
    except IsADirectoryError:
        raise InputError(f"{where}: is a folder; {policy.fix}") from None
    except OSError as err:
        raise InputError(f"{where}: cannot be read ({reason(err)}); {fix(err)}") from None
    with handle:

        def opened() -> zipfile.ZipFile:
            status = os.fstat(handle.fileno())
            kind = kind_of(status.st_mode)
            if kind is not None:
                raise InputError(f"{where}: is {kind}, not an .npz file; {policy.fix}")
            head = handle.read(512)
            if not head.startswith(b"PK"):
                raise InputError(f"{where}: {what(head)}; {policy.fix}")
            check_directory(handle, status.st_size, where, policy)
            handle.seek(0)
            return zipfile.ZipFile(handle)

        with guarded(where, policy, opened) as archive:
            headers = guarded(where, policy, lambda: read_headers(archive, where, policy))
            yield Npz(archive, where, policy, headers)


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


def read_headers(archive: zipfile.ZipFile, where: str, policy: Policy) -> dict[str, Header]:
    """Every member's header, each checked against its rule, and the totals."""
    headers: dict[str, Header] = {}
    numbers = size = 0
    for info in archive.infolist():
        name = info.filename.removesuffix(".npy")
        rule = policy.rule(name) if info.filename.endswith(".npy") else None
        if rule is None:
            raise InputError(f"{where}: {policy.unknown(info.filename)}; {policy.fix}")
        if name in headers:
            raise InputError(f"{where}: holds {quoted(name)} twice; {policy.fix}")
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
    return headers


def check_info(info: zipfile.ZipInfo, name: str, where: str, policy: Policy) -> None:
    """Only what ``np.savez`` and ``np.savez_compressed`` write: stored or deflated members
    (bzip2 and LZMA return all a block inflates to, gigabytes from a few kB), not encrypted."""
    if info.flag_bits & 0x1:
        raise InputError(f"{where}: the array {quoted(name)} is encrypted; {policy.fix}")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise InputError(
            f"{where}: the array {quoted(name)} is compressed with method {info.compress_type} "
            f"(np.savez stores, np.savez_compressed deflates); {policy.fix}"
        )
