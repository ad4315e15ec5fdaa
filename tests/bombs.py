"""Hostile model files for the tests: a zip bomb built without ever holding its data.

A deflate stream of zeros repeats itself after a full flush, so a 3 GB member is a few
kilobytes of deflate blocks written over and over: the file takes a second to make.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
from numpy.lib import format as npy

CHUNK = 1 << 24  # 16 MiB of zeros a block


def npy_header(shape: tuple[int, ...], dtype: str = "<f8") -> bytes:
    """The .npy header (magic, version 1.0, dict) of an array of ``shape``."""
    header = {"descr": dtype, "fortran_order": False, "shape": shape}
    text = repr(header).encode("latin1")
    pad = 64 - (len(npy.MAGIC_PREFIX) + 4 + len(text) + 1) % 64
    text += b" " * pad + b"\n"
    return npy.MAGIC_PREFIX + bytes([1, 0]) + struct.pack("<H", len(text)) + text


def zeros_member(header: bytes, size: int) -> tuple[bytes, int]:
    """Raw deflate data of ``header`` followed by ``size`` zero bytes, and the length it
    inflates to. ``size`` is rounded up to whole CHUNKs."""
    start = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = start.compress(header) + start.flush(zlib.Z_FULL_FLUSH)
    block = zlib.compressobj(9, zlib.DEFLATED, -15)
    zeros = block.compress(bytes(CHUNK)) + block.flush(zlib.Z_FULL_FLUSH)
    count = -(-size // CHUNK)
    end = zlib.compressobj(9, zlib.DEFLATED, -15).flush(zlib.Z_FINISH)
    return head + zeros * count + end, len(header) + count * CHUNK


def write_zip(path: Path, members: dict[str, tuple[bytes, int, int]]) -> None:
    """A zip of raw deflate members: name -> (data, inflated size, CRC-32)."""
    local, central = b"", b""
    for name, (data, size, crc) in members.items():
        encoded = name.encode()
        fields = struct.pack("<HHHHHIII", 20, 0, 8, 0, 0, crc, len(data), size)
        central += (
            b"PK\x01\x02"
            + struct.pack("<H", 20)
            + fields
            + struct.pack("<HHHHHII", len(encoded), 0, 0, 0, 0, 0, len(local))
            + encoded
        )
        local += b"PK\x03\x04" + fields + struct.pack("<HH", len(encoded), 0) + encoded + data
    count = len(members)
    end = b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, count, count, len(central), len(local), 0)
    path.write_bytes(local + central + end)


def zip_bomb(path: Path, shape: tuple[int, ...] = (20_000, 20_000)) -> None:
    """A model-looking .npz whose W declares ``shape`` float64 (3.2 GB by default) of zeros,
    really compressed, next to small honest members. The CRC of W is not computed (it would
    take reading 3 GB): a reader that checks headers first never gets there."""
    data, size = zeros_member(npy_header(shape), 8 * int(np.prod(shape)))
    members = {"W.npy": (data, size, 0)}
    for name, array in (("format", np.array("bptt-trace-model")), ("b", np.zeros(4))):
        raw = npy_header(array.shape, array.dtype.str) + array.tobytes()
        packed = zlib.compressobj(9, zlib.DEFLATED, -15)
        deflated = packed.compress(raw) + packed.flush()
        members[f"{name}.npy"] = (deflated, len(raw), zlib.crc32(raw))
    write_zip(path, members)


def lying_header(claimed: int, version: tuple[int, int] = (2, 0)) -> bytes:
    """The start of a .npy whose header-length field claims ``claimed`` bytes (3 GiB: NumPy
    reads that many before it checks anything), followed by a small real header."""
    width = 2 if version == (1, 0) else 4
    text = b"{'descr': '<f8', 'fortran_order': False, 'shape': (4,), }\n"
    return npy.MAGIC_PREFIX + bytes(version) + claimed.to_bytes(width, "little") + text


def header_only_npz(path: Path, members: dict[str, bytes], compression: int = 8) -> None:
    """An .npz of members that are only what is given (a header, perhaps a little data):
    what each declares is never there, so a reader that checks headers first refuses it
    having decompressed a few kilobytes."""
    import zipfile

    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def hostile_trace_line(unit: bytes, size: int) -> bytes:
    """One JSON line of ``size`` bytes or a little less: ``unit`` repeated in a list."""
    count = max(1, (size - 3) // (len(unit) + 1))
    # Repeated as bytes, not joined from a list: a list of 83 million references to b"[]"
    # (250 MB of them) took 19 s of CPU to make and join; this takes under a second.
    return b"[" + (unit + b",") * (count - 1) + unit + b"]\n"
