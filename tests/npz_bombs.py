"""Compressed .npz bombs made in a moment: members of zeros declaring any shape, written as
deflate blocks repeated (``bombs.zeros_member``), beside honest members; a few hundred kB on
disk for hundreds of MB inflated."""

from __future__ import annotations

import io
import zlib
from pathlib import Path

import numpy as np
from bombs import npy_header, write_zip, zeros_member


def zeros_npz(
    path: Path,
    zeros: dict[str, tuple[int, ...]],
    honest: dict[str, np.ndarray],
    dtype: str = "<f8",
) -> str:
    """An .npz like ``np.savez_compressed``'s: each of ``zeros`` an array of that shape of
    zeros (float64, or ``dtype``: '<U1000' is text), its CRC left out (a reader that checks
    the headers first never gets there); and each of ``honest`` as NumPy saves it."""
    members = {}
    for name, shape in zeros.items():
        itemsize = np.dtype(dtype).itemsize
        data, size = zeros_member(npy_header(shape, dtype), itemsize * int(np.prod(shape)))
        members[f"{name}.npy"] = (data, size, 0)
    for name, array in honest.items():
        raw = io.BytesIO()
        np.save(raw, array)
        packed = zlib.compressobj(9, zlib.DEFLATED, -15)
        deflated = packed.compress(raw.getvalue()) + packed.flush()
        members[f"{name}.npy"] = (deflated, len(raw.getvalue()), zlib.crc32(raw.getvalue()))
    write_zip(path, members)
    return str(path)


def inflated(path: Path, name: str) -> int:
    """How many bytes the member ``name`` of the zip at ``path`` inflates to, counted by
    inflating it (a megabyte at a time, nothing kept)."""
    import zipfile

    total = 0
    with zipfile.ZipFile(path) as archive, archive.open(f"{name}.npy") as member:
        member._expected_crc = None  # type: ignore[attr-defined]  # ours is left out
        while chunk := member.read(1 << 20):
            total += len(chunk)
    return total
