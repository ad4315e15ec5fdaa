"""The standard streams: closed ones (``<&-``, ``>&-``, ``2>&-``), and stdout written whole.

Python starts with ``sys.stdin``/``sys.stdout``/``sys.stderr`` set to None when the file
descriptor is closed, and the next file the program opens takes that number: a model file
would then receive what was meant for stdout. ``guard_standard_streams`` puts /dev/null
on every closed one of the three, so that no file of ours can take their place, and
remembers which were closed. It then makes ``sys.stdout`` a ``WholeLines`` writer: every mode
prints through it, a whole line at a time, and ``settle`` gives the exit code when stdout
failed (141 when its reader went away, 2 and one line when a full disk or device refused it).
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import stat
import sys

CLOSED: set[int] = set()
INSTALLED: list[WholeLines] = []
"""The stdout writer, once installed (Click may wrap ``sys.stdout`` after a closed pipe)."""
"""The standard file descriptors (0, 1, 2) that were closed when the program started."""


def guard_standard_streams() -> str | None:
    """Put /dev/null on closed fds 0, 1 and 2; a one-line problem when stdout was closed."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            CLOSED.add(fd)
    for fd in sorted(CLOSED):  # the lowest free number first, so each lands on its own
        null = os.open(os.devnull, os.O_RDWR)
        if null != fd:
            os.dup2(null, fd)
            os.close(null)
    if 0 in CLOSED:
        sys.stdin = open(0, encoding="utf-8", closefd=False)
    if 1 in CLOSED:
        sys.stdout = open(1, "w", encoding="utf-8", closefd=False)
    if 2 in CLOSED:
        sys.stderr = open(2, "w", encoding="utf-8", closefd=False)
    install_stdout()
    if 1 in CLOSED:
        return (
            "stdout is closed, and the tables (or --json) go there; send it to a file "
            "or to /dev/null (> /dev/null) instead of closing it"
        )
    return None


def stdin_closed() -> bool:
    """Whether stdin was closed when the program started (it now reads as empty)."""
    return 0 in CLOSED


UNWRITABLE_HINT = "free some space or write elsewhere"


class WholeLines(io.TextIOBase):
    """The program's ``sys.stdout``: text is gathered and written with ``os.write`` a whole
    line at a time (every line a ``write`` completes, and whatever ``flush`` is asked for),
    so that no mode (``--json``, the tables, ``--schema``, ``--diff``, ``--compare``,
    ``--help``, ``--version``) can leave half a line.

    A write that fails (a full disk or device: ENOSPC, EDQUOT, EFBIG, EIO; the reader gone:
    EPIPE) cuts a regular file back to its last whole line, is noted in ``failure`` and raised
    once (``BrokenPipeError`` for EPIPE); from then on stdout is lost and whatever is written
    to it is dropped, so that no later write, nor the interpreter's last flush, raises again.
    ``settle`` turns the failure into the exit code (141, or 2 with one line).
    """

    def __init__(self, fd: int = 1, encoding: str = "utf-8", errors: str = "strict") -> None:
        self.fd = fd
        self._encoding = encoding
        self._errors = errors
        self.pending: list[str] = []
        self.failure: OSError | None = None

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self._encoding

    @property
    def errors(self) -> str:  # type: ignore[override]
        return self._errors

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self.fd

    def isatty(self) -> bool:
        try:
            return os.isatty(self.fd)
        except OSError:
            return False

    def write(self, text: str) -> int:
        if not isinstance(text, str):  # Click probes for a binary stream with write(b"")
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        if self.failure is not None:
            return len(text)
        self.pending.append(text)
        if "\n" in text:
            data = "".join(self.pending)
            end = data.rindex("\n") + 1
            self.pending = [data[end:]] if end < len(data) else []
            self._emit(data[:end])
        return len(text)

    def flush(self) -> None:
        if self.pending and self.failure is None:
            data = "".join(self.pending)
            self.pending = []
            self._emit(data)

    def _emit(self, text: str) -> None:
        data = text.encode(self._encoding, self._errors)
        start = self._offset()
        done = 0
        try:
            while done < len(data):
                done += os.write(self.fd, data[done:])
        except BaseException as err:  # a full device, the reader gone, a second Ctrl-C
            if done and start is not None:
                self._cut(start, start + data.rfind(b"\n", 0, done) + 1, start + done)
            if not isinstance(err, OSError):
                raise
            self.failure = err
            self.pending = []
            raise

    def _offset(self) -> int | None:
        """Where a write begins in a regular file (None: a pipe, a terminal, a device)."""
        try:
            if not stat.S_ISREG(os.fstat(self.fd).st_mode):
                return None
            return os.lseek(self.fd, 0, os.SEEK_CUR)
        except OSError:
            return None

    def _cut(self, start: int, whole: int, end: int) -> None:
        """Cut the file back to ``whole`` (after the last whole line), unless someone else
        wrote to it meanwhile (its size is not where our write ended)."""
        try:
            if os.fstat(self.fd).st_size == end and whole >= start:
                os.ftruncate(self.fd, whole)
                os.lseek(self.fd, whole, os.SEEK_SET)
        except OSError:
            pass


def install_stdout() -> WholeLines:
    """Put a ``WholeLines`` writer on fd 1 as ``sys.stdout`` (once), keeping the encoding
    and the error handler Python chose for it."""
    if INSTALLED:
        return INSTALLED[0]
    old = sys.stdout
    encoding = getattr(old, "encoding", None) or "utf-8"
    errors = getattr(old, "errors", None) or "strict"
    with contextlib.suppress(OSError, ValueError, AttributeError):
        old.flush()
    INSTALLED.append(WholeLines(1, encoding, errors))
    sys.stdout = INSTALLED[0]
    return INSTALLED[0]


def stdout_failure() -> OSError | None:
    """How writing to stdout failed, if it did."""
    return INSTALLED[0].failure if INSTALLED else None


def settle(code: int) -> int:
    """The exit code once stdout's fate is known: 141 when its reader went away (quietly),
    2 with one line when it could not be written (a full disk or device), else ``code``.
    A code of 2 means the run said why already."""
    failure = stdout_failure()
    if failure is None:
        return code
    if isinstance(failure, BrokenPipeError) or failure.errno == errno.EPIPE:
        return 141
    if code != 2:
        say_unwritable(failure)
    return 2


def unwritable_message(failure: OSError) -> str:
    reason = failure.strerror or "it failed"
    return f"stdout cannot be written ({reason}); {UNWRITABLE_HINT}"


def say_unwritable(failure: OSError) -> None:
    """One line on stderr (no import that could fail; a closed stderr loses it)."""
    line = f"bptt-trace: error: {unwritable_message(failure)}\n".encode("utf-8", "replace")
    with contextlib.suppress(OSError):
        os.write(2, line)
