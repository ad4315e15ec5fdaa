"""What a path names before anything is written to it: an output must be a regular file or
nothing yet, and no file may be named both as an input and as an output, or twice as an output.

Rules for ``--output``, ``--save`` and ``--export`` (README, "Traces as files"):
- a device, FIFO, socket or folder is refused: replacing ``/dev/null`` by a regular file
  would break it for the whole machine;
- a symbolic link to a regular file is followed: its target is replaced, the link stays;
  a link to nothing is refused;
- a file with more than one hard link is refused: replacing it by a new file would leave the
  other names on the old contents, and writing it in place could leave it half-written;
- an existing file keeps its permissions (and, when run as root, its owner).
"""

from __future__ import annotations

import errno
import os
import stat
import sys
from collections.abc import Mapping
from pathlib import Path

from ..errors import InputError

KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
)


def kind_of(mode: int) -> str | None:
    """None for a regular file, else what the file is, in words."""
    if stat.S_ISREG(mode):
        return None
    return next((name for test, name in KINDS if test(mode)), "not a regular file")


def unusable(where: str, err: OSError) -> InputError:
    """The one-line error for an OSError met on the way to ``where``."""
    if err.errno == errno.ENAMETOOLONG:
        return InputError(f"{where}: the name is too long (at most 255 bytes a name); shorten it")
    if err.errno in (errno.EACCES, errno.EPERM):
        return InputError(
            f"{where}: a folder on the way cannot be entered ({err.strerror}); choose another place"
        )
    return InputError(f"{where}: cannot be used ({err.strerror}); check the path")


def existing_target(path: Path, where: str) -> os.stat_result | None:
    """The status of the regular file an output path names (through symbolic links), None
    when there is none yet; InputError for anything else."""
    try:
        status = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            raise InputError(
                f"{where}: is a symbolic link to nothing ({os.readlink(path)}); "
                "remove it or name a file"
            ) from None
        return None
    except OSError as err:
        raise unusable(where, err) from None
    kind = kind_of(status.st_mode)
    if kind is not None:
        what = "give a file name" if kind == "a folder" else "give the name of a regular file"
        raise InputError(f"{where}: is {kind}, not a regular file; {what}")
    if status.st_nlink > 1:
        raise InputError(
            f"{where}: has {status.st_nlink} hard links, and writing it would split them; "
            "remove the other links or choose another name"
        )
    return status


def real_target(path: Path) -> Path:
    """The path an output is really written to: symbolic links followed."""
    return Path(os.path.realpath(path))


def file_id(path: Path | int) -> tuple[int, int] | None:
    """(device, inode) of a path or of an open file descriptor, None if it cannot be seen."""
    try:
        status = os.fstat(path) if isinstance(path, int) else os.stat(path)
    except (OSError, ValueError):
        return None
    if not stat.S_ISREG(status.st_mode):
        return None  # /dev/null may be both stdin and an output's link: not a conflict
    return status.st_dev, status.st_ino


def describe(option: str, path: Path | None) -> str:
    if option == "stdout":
        return "stdout"
    if str(path) == "-":
        return f"{option} - (stdin)"
    return f"{option} {path}"


def names_same_file(a: Path | None, b: Path | None) -> bool:
    """Whether two paths (None: the standard stream) name one file: the same resolved
    path, or the same device and inode when both exist."""
    if a is not None and b is not None:
        try:
            if os.path.realpath(a) == os.path.realpath(b):
                return True
        except (OSError, ValueError):
            pass
    id_a = file_id(a) if a is not None else None
    id_b = file_id(b) if b is not None else None
    return id_a is not None and id_a == id_b


ALLOWED = {("--load", "--save")}
"""Pairs that may name one file: a model is read whole before its new version is saved
(atomically), so ``--load m.npz --save m.npz`` trains a model further in place."""


def check_distinct(inputs: Mapping[str, Path | None], outputs: Mapping[str, Path | None]) -> None:
    """Refuse any output that names the same file as an input or as an earlier output,
    but for the pairs in ``ALLOWED``.

    ``-`` as an input is stdin, compared by its device and inode when it is a regular file
    (``--file - < corpus.txt --output corpus.txt``); stdout, when it is a regular file, is
    compared with the outputs too (``--json > t.jsonl --output t.jsonl``).
    """
    seen: list[tuple[str, Path | None, tuple[int, int] | None]] = []
    for option, path in inputs.items():
        if path is None:
            continue
        if str(path) != "-":
            seen.append((option, path, None))
        elif (stdin_id := stream_file_id(sys.stdin)) is not None:
            seen.append((option, path, stdin_id))
    stdout_id = stream_file_id(sys.stdout)
    if stdout_id is not None:
        seen.append(("stdout", None, stdout_id))
    for option, path in outputs.items():
        if path is None:
            continue
        for other, other_path, known_id in seen:
            if (other, option) in ALLOWED:
                continue
            if known_id is not None:
                same = file_id(path) == known_id
            else:
                same = names_same_file(other_path, path)
            if same:
                raise InputError(
                    f"{describe(other, other_path)} and {option} {path} name the same file, "
                    f"which writing {option} would destroy; give {option} another name"
                )
        seen.append((option, path, None))


def stream_file_id(stream: object) -> tuple[int, int] | None:
    """(device, inode) of a standard stream when it is a regular file."""
    try:
        return file_id(stream.fileno())  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError):  # a stream without a file (pytest, None)
        return None
