"""``--output FILE``: the JSON Lines trace written to a file, safely (README, "Traces as files").

- FILE does not exist yet: it is created (already locked) and written in place, a whole line
  at a time, so that ``tail -f FILE`` follows the run.
- FILE exists: the trace goes to a private temporary file in the same folder, renamed over
  FILE when the run ends (finished, diverged, interrupted, or the reader of stdout went
  away). If the run fails with an error, FILE is left exactly as it was.
- Either way an exclusive ``flock`` on FILE is held while the run writes: a second run
  given the same FILE is refused at once instead of interleaving its lines.
- A failed write (a full disk) cuts the file back to its last whole line and stops the run
  with one line of ``InputError``; a trace file never ends in half a line.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import io
import os
from pathlib import Path
from types import TracebackType

from ..errors import InputError
from .atomic import adopt, sync_folder, temporary_beside
from .paths import existing_target, real_target

NO_HARD_LINKS = (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK)

COMMIT_ON = (KeyboardInterrupt, BrokenPipeError)
"""Ends of a run after which the trace so far is kept: a stop, not a failure."""


class TraceOutput(io.TextIOBase):
    """A text stream for JsonlWriter: ``write`` gathers a line, ``flush`` writes it whole."""

    def __init__(self, path: Path, option: str = "--output") -> None:
        self.path = path
        self.where = f"{option} {path}"
        self.target = real_target(path)
        self.pending: list[str] = []
        self.written = 0  # bytes of whole lines in the file
        self.lock_fd = -1
        self.fd = -1
        self.tmp: str | None = None
        self.open_target()

    # -- opening -------------------------------------------------------------------------

    def open_target(self) -> None:
        for _ in range(8):  # the file may come or go between two looks: look again
            old = existing_target(self.path, self.where)
            try:
                if old is None and self.create_locked():
                    return
                if old is not None and self.lock_existing(old):
                    return
            except OSError as err:
                self.release()
                raise InputError(
                    f"{self.where}: cannot be written ({err.strerror}); choose another place"
                ) from None
        raise InputError(f"{self.where}: keeps changing while being opened; try again")

    def create_locked(self) -> bool:
        """Create FILE, locked before anyone can see it; False if it appeared meanwhile."""
        fd, tmp = temporary_beside(self.target)
        try:
            adopt(fd, None)
            lock(fd, self.where)
            os.link(tmp, self.target)  # fails if FILE exists: no run can take it over
        except FileExistsError:
            os.close(fd)
            return False
        except OSError as err:
            os.close(fd)
            if err.errno not in NO_HARD_LINKS:
                raise
            return self.create_then_lock()
        except BaseException:
            os.close(fd)
            raise
        finally:
            os.unlink(tmp)
        self.fd = self.lock_fd = fd
        return True

    def create_then_lock(self) -> bool:
        """On a file system without hard links: create FILE, then lock it."""
        try:
            fd = os.open(self.target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
        except FileExistsError:
            return False
        self.fd = self.lock_fd = fd
        lock(fd, self.where)
        return True

    def lock_existing(self, old: os.stat_result) -> bool:
        """Lock FILE and open a temporary file to replace it; False if FILE changed."""
        fd = os.open(self.target, os.O_RDONLY | os.O_CLOEXEC)
        self.lock_fd = fd
        lock(fd, self.where)
        now = os.fstat(fd)
        if (now.st_dev, now.st_ino) != (old.st_dev, old.st_ino):
            self.release()
            return False
        self.fd, self.tmp = temporary_beside(self.target)
        adopt(self.fd, old)
        return True

    # -- the stream ----------------------------------------------------------------------

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.pending.append(text)
        return len(text)

    def flush(self) -> None:
        """Write the gathered lines whole, or cut the file back to its last whole line."""
        if not self.pending or self.fd < 0:
            return
        data = "".join(self.pending).encode("utf-8")
        self.pending.clear()
        view = memoryview(data)
        try:
            while view:
                view = view[os.write(self.fd, view) :]
        except BaseException as err:  # a full disk, or a second Ctrl-C mid-line
            with contextlib.suppress(OSError):
                os.ftruncate(self.fd, self.written)
                os.lseek(self.fd, self.written, os.SEEK_SET)
            if not isinstance(err, OSError):
                raise
            kept = (
                "the file is left as it was"
                if self.tmp is not None
                else f"the trace keeps its first {self.written:,} bytes of whole lines"
            )
            raise InputError(
                f"{self.where}: cannot be written ({err.strerror}); {kept}; "
                "free some space or choose another place"
            ) from None
        self.written += len(data)

    # -- the end -------------------------------------------------------------------------

    def __enter__(self) -> TraceOutput:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        keep = kind is None or issubclass(kind, COMMIT_ON)
        try:
            if keep:
                self.flush()
            self.finish(keep)
        finally:
            self.release()

    def finish(self, keep: bool) -> None:
        """Rename the temporary file over FILE (keep), or remove it; a fresh FILE that got
        no line at all is removed when the run failed."""
        if self.tmp is None:
            if not keep and self.written == 0:
                with contextlib.suppress(OSError):
                    os.unlink(self.target)
            return
        tmp, self.tmp = self.tmp, None
        if not keep:
            os.unlink(tmp)
            return
        try:
            os.fsync(self.fd)
            os.replace(tmp, self.target)
        except OSError as err:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise InputError(
                f"{self.where}: cannot be written ({err.strerror}); the file is left as it was"
            ) from None
        sync_folder(self.target.parent)

    def release(self) -> None:
        """Close the files and so let go of the lock."""
        for fd in {self.fd, self.lock_fd} - {-1}:
            with contextlib.suppress(OSError):
                os.close(fd)
        if self.tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(self.tmp)
            self.tmp = None
        self.fd = self.lock_fd = -1


def lock(fd: int, where: str) -> None:
    """An exclusive lock on ``fd``, or InputError when another run holds it."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as err:
        if err.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
            raise InputError(
                f"{where}: another bptt-trace run is writing it; "
                "wait for it to end or choose another name"
            ) from None
        raise
