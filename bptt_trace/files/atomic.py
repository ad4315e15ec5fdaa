"""Atomic file writes: a temporary file in the same folder, then a rename.

The path is checked again just before writing (it may have changed since the command line
was checked): a symbolic link is followed and its target replaced, anything but a regular
file is refused (see ``paths``). An existing file keeps its permissions and, under root,
its owner. Any OSError (a full disk, a read-only file system) becomes one line of
``InputError``, and the old file is left as it was.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from ..errors import InputError
from .paths import existing_target, real_target


def new_file_mode() -> int:
    """The mode an ordinary new file gets: 0666 less the umask."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def adopt(fd: int, old: os.stat_result | None) -> None:
    """Give the file open at ``fd`` the mode (and, as root, the owner) of ``old``, or an
    ordinary new file's mode; not mkstemp's 0600."""
    if old is None:
        os.fchmod(fd, new_file_mode())
        return
    if os.geteuid() == 0 and (old.st_uid, old.st_gid) != (0, 0):
        os.fchown(fd, old.st_uid, old.st_gid)
    os.fchmod(fd, stat.S_IMODE(old.st_mode))


def temporary_beside(target: Path) -> tuple[int, str]:
    """A private (0600) temporary file in ``target``'s folder, so that a rename is atomic."""
    return tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)


def sync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable; not every system can, which is no error."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_atomically(path: Path, write: Callable[[BinaryIO], None]) -> None:
    """Call ``write`` on a temporary file beside ``path``, then rename it to ``path``.

    Readers see the old file or the new one, never half of one; on any failure (Ctrl-C
    included) the temporary file is removed and ``path`` is left as it was.
    """
    where = str(path)
    old = existing_target(path, where)
    target = real_target(path)
    try:
        fd, tmp = temporary_beside(target)
    except OSError as err:
        raise InputError(
            f"{where}: cannot be written ({err.strerror}); choose another place"
        ) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            adopt(handle.fileno(), old)
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except OSError as err:
        Path(tmp).unlink(missing_ok=True)
        kept = "it is left as it was" if old is not None else "nothing was written"
        raise InputError(
            f"{where}: cannot be written ({err.strerror}); {kept}: "
            "free some space or choose another place"
        ) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    sync_folder(target.parent)
