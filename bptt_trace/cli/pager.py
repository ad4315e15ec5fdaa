"""The tables through the user's pager, when they are longer than the terminal.

On a terminal (stdout one), the tables of a run, a replay, ``--compare-cells`` or ``--diff``
are gathered while the run goes on (the progress bar shows meanwhile, on stderr); when the run
has ended, a text that fits the screen is written as it is, and a longer one goes to
``$PAGER``, or ``less`` when it is unset, with ``LESS=FRX`` unless ``LESS`` says otherwise
(as git and gh do): the first screen shows, the rest is a keystroke away, and what was read
stays on the terminal. The pager starts only once the run is over, so that quitting it never
cuts a run short (its ``--save``, its trace), and the exit code is the run's.

Never through a pager: a pipe or a file (stdout not a terminal), ``--json``, ``--pause``
(it is interactive itself), ``--no-pager``, ``PAGER`` empty or ``cat``. A pager that cannot
be started (no such program) leaves the text written as it is. A run stopped by a signal
(exit 130) writes what it had without a pager: the user asked for the prompt back. While the
pager runs it owns the terminal: a Ctrl-C there is the pager's (less stops a search), and it
makes the exit code 130 once the pager has ended, as in git.
"""

from __future__ import annotations

import contextlib
import io
import os
import shlex
import signal
import subprocess
import sys
from collections.abc import Iterator
from types import FrameType
from typing import Any

from .request import Request

DEFAULT_PAGER = "less"
DEFAULT_LESS = "FRX"
"""less's options unless LESS is set: quit if one screen, colours, no clearing (git's)."""

GATHERED_MAX = 16 << 20
"""At most this many characters of tables are held before the pager starts (16 Mi)."""


SHELL_SYNTAX = set("|&;<>()$`")
"""A PAGER with any of these is a shell command line, run by sh (as git runs it)."""


def pager_command(environ: dict[str, str] | Any = os.environ) -> list[str] | None:
    """The pager's command line: ``$PAGER`` (split as a shell would, or run by sh if it uses
    the shell's syntax), else ``less``; None for no pager (``PAGER`` empty or ``cat``, or not
    a command line)."""
    value = environ.get("PAGER", DEFAULT_PAGER)
    try:
        words = shlex.split(value)
    except ValueError:  # an unbalanced quote
        return None
    if not words or words == ["cat"]:
        return None
    if SHELL_SYNTAX & set(value):
        return ["/bin/sh", "-c", value]
    return words


def wanted(req: Request) -> bool:
    """Whether a long text goes through the pager: stdout a terminal, tables on it."""
    return not (req.no_pager or req.json_out or req.pause) and pager_ready()


def pager_ready() -> bool:
    """Whether stdout is a terminal and a pager is set (PAGER neither empty nor ``cat``)."""
    try:
        return sys.stdout.isatty() and pager_command() is not None
    except (OSError, ValueError):
        return False


class Gathered(io.TextIOBase):
    """``sys.stdout`` while a run writes its tables: the text is kept, to be written or paged
    at the end. It reads as the terminal it stands for (``isatty``), so that the tables are
    laid out and coloured for it, but has no file descriptor, so that the progress bar draws
    on stderr rather than into the tables.

    It holds at most ``most`` characters (``GATHERED_MAX``), so that a run's memory stays
    what its estimate says: past that the pager starts at once and the rest streams to it (a
    pager that quits meanwhile drops the rest, the run goes on to its end), or, if it cannot
    start, to the terminal."""

    def __init__(self, real: Any, most: int = 0) -> None:
        self.real = real
        self.most = most or GATHERED_MAX
        self.parts: list[str] = []
        self.size = 0
        self.pager: subprocess.Popen[bytes] | None = None
        self.streaming = False  # past ``most``: written as it comes (to the pager, or plainly)

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.real, "encoding", None) or "utf-8"

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return True

    def fileno(self) -> int:
        raise io.UnsupportedOperation("the tables are gathered for the pager")

    def write(self, text: str) -> int:
        if self.streaming:
            self._stream(text)
            return len(text)
        self.parts.append(text)
        self.size += len(text)
        if self.size > self.most:
            self.streaming = True
            command = pager_command()
            self.pager = start(command) if command is not None else None
            self._stream(self.text())
            self.parts, self.size = [], 0
        return len(text)

    def _stream(self, text: str) -> None:
        if self.pager is None:
            write_plainly(self.real, text)
        elif self.pager.stdin is not None and not self.pager.stdin.closed:
            try:
                self.pager.stdin.write(text.encode(self.encoding, "replace"))
            except OSError:  # the pager quit: the rest is dropped, the run goes on
                with contextlib.suppress(OSError):
                    self.pager.stdin.close()

    def flush(self) -> None:
        pass

    def text(self) -> str:
        return "".join(self.parts)


def screen_rows() -> int:
    """The terminal's height (24 if it does not say)."""
    for fd in (1, 2, 0):
        try:
            return os.get_terminal_size(fd).lines or 24
        except OSError:
            continue
    return 24


@contextlib.contextmanager
def paged(req: Request) -> Iterator[list[int]]:
    """Gather stdout while inside, then write or page it; the code in the list it yields
    (the run's exit code, set inside) may become 130 if the pager is stopped by a signal."""
    with paging(wanted(req)) as code:
        yield code


@contextlib.contextmanager
def paging(on: bool) -> Iterator[list[int]]:
    """``paged`` for a mode that says itself whether it pages (``on``; ``--diff``). A
    Ctrl-C inside (raised on) writes what was gathered as it is, as a stopped run does."""
    code = [0]
    if not on:
        yield code
        return
    real = sys.stdout
    gathered = Gathered(real)
    sys.stdout = gathered
    try:
        yield code
    except KeyboardInterrupt:
        code[0] = 130
        raise
    finally:
        sys.stdout = real
        finish(gathered, code)


def finish(gathered: Gathered, code: list[int]) -> None:
    """What was gathered: on the terminal if it fits (or the run was stopped), else through
    the pager; then wait for the pager to end."""
    pager = gathered.pager
    if not gathered.streaming:
        text = gathered.text()
        if text.count("\n") < screen_rows() or code[0] == 130:
            write_plainly(gathered.real, text)
            return
        command = pager_command()
        pager = start(command) if command is not None else None
        if pager is None:
            write_plainly(gathered.real, text)
            return
        with handed_over(code):  # from its first line on, the pager owns the terminal
            gathered.pager, gathered.streaming = pager, True
            gathered.write(text)
            close_and_wait(pager)
    elif pager is not None:
        with handed_over(code):
            close_and_wait(pager)


def write_plainly(stdout: Any, text: str) -> None:
    """The text on the terminal as it is. A terminal gone meanwhile (the run then ended
    with 130) loses it quietly: the exit code stays the run's."""
    data = text.encode(getattr(stdout, "encoding", None) or "utf-8", "replace")
    with contextlib.suppress(OSError, ValueError):
        stdout.flush()
        done = 0
        while done < len(data):
            done += os.write(stdout.fileno(), data[done:])


def start(command: list[str]) -> subprocess.Popen[bytes] | None:
    """The pager, reading from a pipe (None: it cannot be started)."""
    env = dict(os.environ)
    env.setdefault("LESS", DEFAULT_LESS)
    env.setdefault("LV", "-c")  # lv, another pager git sets up: colours
    try:
        return subprocess.Popen(command, stdin=subprocess.PIPE, env=env)
    except OSError:  # no such program, not executable
        return None


@contextlib.contextmanager
def handed_over(code: list[int]) -> Iterator[None]:
    """While the pager owns the terminal a signal (Ctrl-C in the pager) is the pager's: it
    is noted, and makes the exit code 130 once the pager has ended, as in git."""
    signalled: list[int] = []

    def note(signum: int, frame: FrameType | None) -> None:
        signalled.append(signum)

    previous = {}
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        with contextlib.suppress(ValueError):  # not the main thread
            if signal.getsignal(sig) is not signal.SIG_IGN:
                previous[sig] = signal.signal(sig, note)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if signalled:
            code[0] = 130


def close_and_wait(pager: subprocess.Popen[bytes]) -> None:
    """Close the pager's input (a pager that quit early is fine) and wait for it to end."""
    with contextlib.suppress(OSError):
        if pager.stdin is not None:
            pager.stdin.close()
    pager.wait()
