"""The files a run writes (--output, --save, --export), checked before anything is computed:
each can be written where it is named, none is named twice or as an input, and the options
the mode ignores are refused."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ..errors import InputError
from .modes import ignored_options
from .request import Request


def check_writable(path: Path, option: str) -> None:
    """Fail before computing when ``path`` cannot be written: it must be a regular file
    (through symbolic links) or nothing yet, in a folder that exists and takes new files."""
    from ..files.paths import existing_target, real_target, unusable

    where = f"{option} {path}"
    old = existing_target(path, where)  # refuses devices, FIFOs, sockets, folders, hard links
    folder = real_target(path).parent
    try:
        if not folder.is_dir():
            raise InputError(f"{where}: the folder {folder} does not exist; create it first")
    except OSError as err:
        raise unusable(where, err) from None
    if old is not None and not os.access(path, os.W_OK):
        raise InputError(f"{where}: cannot be written; choose another place")
    try:  # a real try, so that read-only file systems are found too (even for root)
        fd, probe = tempfile.mkstemp(prefix=".bptt-trace-probe.", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as err:
        raise InputError(
            f"{where}: cannot be written there ({err.strerror}); choose another place"
        ) from None


def check_outputs(req: Request) -> None:
    """Refuse, before computing, options the mode ignores and files that cannot be written."""
    from ..rendering.display import EXPORTS

    refusal = ignored_options(req)
    if refusal is not None:
        raise InputError(refusal)
    from ..files.paths import check_distinct  # one file named twice: refused, nothing written

    inputs = {"--file": req.file, "--load": req.load, "--replay": req.replay, "--init": req.init}
    check_distinct(inputs, {"--output": req.output, "--save": req.save, "--export": req.export})
    for path, option in ((req.output, "--output"), (req.save, "--save"), (req.export, "--export")):
        if path is not None:
            check_writable(path, option)
    if req.export is not None and req.export.suffix.lower() not in EXPORTS:
        raise InputError(f"--export {req.export}: the name must end in .html, .svg or .txt")
