"""Reading the user's input files: sentences from an argument, a corpus file or stdin.

Every check raises ``InputError`` with one line that names the problem and the fix. Input is
read a chunk at a time up to a byte cap, so that ``--file /dev/zero`` or an endless stdin is
refused after a few megabytes instead of filling the memory.
"""

from __future__ import annotations

import errno
import io
import os
import select
import stat
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from ..core import interrupt
from ..core.tokens import tokenize
from ..errors import InputError
from .stdio import stdin_closed
from .tokens import check_tokens

MAX_TOKENS = 50_000
"""Longest corpus accepted, in tokens: a traced step shows every one of them."""

MAX_CORPUS_BYTES = MAX_TOKENS * 160
"""Largest ``--file`` read (8 MB): 160 bytes a token leaves room for long words, spaces and
comment lines; past it the corpus cannot stay under ``MAX_TOKENS`` in any ordinary text."""

CHUNK = 1 << 20


def read_sentences(sentence: str | None, file: Path | None) -> list[list[str]]:
    """The corpus: the SENTENCE argument or the lines of ``--file`` (``-`` is stdin)."""
    if sentence is not None and file is not None:
        raise InputError("give either a SENTENCE or --file, not both")
    if file is None:
        if sentence is None:
            raise InputError('give a sentence to trace, as in: bptt-trace "I like NLP"')
        tokens = tokenize(sentence)
        if not tokens:
            raise InputError('the sentence is empty; give at least one word, as in "I like NLP"')
        check_tokens(tokens, "the sentence")
        check_total(len(tokens), "the input")
        return [tokens]
    return parse_lines(read_text(file), "--file -" if str(file) == "-" else f"--file {file}")


def check_total(total: int, source: str) -> None:
    if total > MAX_TOKENS:
        raise InputError(
            f"{source} has {total} tokens, more than the limit of {MAX_TOKENS}; "
            "trace a shorter text"
        )


def parse_lines(text: str, source: str) -> list[list[str]]:
    """One sentence a line, split on ``\\n`` only (``\\r\\n`` too): a form feed or a
    vertical tab inside a line is whitespace, not a line break. Blank lines and lines
    starting with ``#`` are skipped; reading stops at the token limit."""
    sentences: list[list[str]] = []
    total = 0
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        try:
            tokens = tokenize(stripped)
        except InputError as err:
            raise InputError(f"{source}, line {number}: {err}") from None
        check_tokens(tokens, f"{source}, line {number}")
        total += len(tokens)
        check_total(total, f"{source} (by line {number})")
        if tokens:
            sentences.append(tokens)
    if not sentences:
        raise InputError(
            f"{source} holds no sentence (only blank lines or # comments); "
            "write one sentence a line"
        )
    return sentences


def read_bytes(path: Path, option: str, wanted: str, limit: int = MAX_CORPUS_BYTES) -> bytes:
    """The bytes of ``path``, or of stdin for ``-``, at most ``limit`` of them;
    ``wanted`` says what belongs there."""
    where = f"{option} {path}"
    with open_input(path, option, wanted) as handle:
        try:
            return read_capped(handle, where, limit)
        except OSError as err:  # EISDIR on some systems, EIO on a bad disk
            raise InputError(f"{where}: cannot be read ({reason(err)}); {fix(err)}") from None


@contextmanager
def open_input(path: Path, option: str, wanted: str) -> Iterator[BinaryIO]:
    """``path`` open for reading, or stdin for ``-`` (left open); InputError, one line, for
    a missing file, a folder, a name too long, a folder that cannot be entered…"""
    where = f"{option} {path}"
    if str(path) == "-":
        if stdin_closed():
            raise InputError(f"{where}: stdin is closed; pipe {wanted} in, or give its path")
        yield sys.stdin.buffer
        return
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise InputError(f"{where}: no such file; give {wanted}") from None
    except IsADirectoryError:
        raise InputError(f"{where}: is a folder; give {wanted}") from None
    except OSError as err:
        raise InputError(f"{where}: cannot be read ({reason(err)}); {fix(err)}") from None
    with handle:
        yield handle


def read_capped(handle: BinaryIO, where: str, limit: int) -> bytes:
    """Read ``handle`` to its end, a chunk at a time, refusing it past ``limit`` bytes. A pipe,
    a FIFO or a terminal is waited on between short looks (``readable``), so that a stop
    requested while it sends nothing ends the wait, even if the signal's exception was lost."""
    chunks: list[bytes] = []
    size = 0
    fd = waited_fd(handle)
    while True:
        if fd is not None:
            readable(fd)
        want = min(CHUNK, limit + 1 - size)
        chunk = handle.read1(want) if fd is not None else handle.read(want)  # type: ignore[attr-defined]
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            raise InputError(
                f"{where}: is larger than {limit:,} bytes, the limit for this input; "
                "give a smaller file"
            )


WAIT = 0.25
"""Seconds of one look for input on a pipe (not a timeout: it waits as long as it takes)."""


def waited_fd(handle: BinaryIO) -> int | None:
    """The file descriptor of a handle that may block with nothing to read (a pipe, a FIFO, a
    terminal: not a regular file), when it can be waited on; else None."""
    try:
        fd = handle.fileno()
        mode = os.fstat(fd).st_mode
    except (OSError, ValueError, io.UnsupportedOperation):
        return None
    if stat.S_ISREG(mode) or not hasattr(handle, "read1"):
        return None
    return fd


def readable(fd: int) -> None:
    """Wait until ``fd`` has something to read (or its end); KeyboardInterrupt when a stop was
    requested meanwhile (``interrupt.request``, made by the run's signal handler)."""
    while not select.select([fd], [], [], WAIT)[0]:
        if interrupt.requested():
            raise KeyboardInterrupt


def reason(err: OSError) -> str:
    return err.strerror or type(err).__name__


def fix(err: OSError) -> str:
    if err.errno == errno.ENAMETOOLONG:
        return "a file name has at most 255 bytes; give a shorter name"
    if err.errno in (errno.EACCES, errno.EPERM):
        return "check the permissions of the file and of its folders"
    return "check the path"


def read_text(file: Path) -> str:
    """The UTF-8 text of ``file``, or of stdin for ``-``."""
    where = f"--file {file}"
    data = read_bytes(file, "--file", "a text file with one sentence a line")
    if b"\0" in data:
        raise InputError(f"{where}: is a binary file; give a text file with one sentence a line")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise InputError(
            f"{where}: is not UTF-8 text (byte {err.start}); save it as UTF-8"
        ) from None
