"""Run bptt-trace on a real pseudo-terminal and read the screen back through a terminal
emulator (pyte), as a person at an 80-column terminal would see it, scrolled-off lines
included."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import sys
import termios
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyte

ROOT = Path(__file__).parents[1]
COLUMNS, ROWS = 80, 24
SAFETY_NET = 180.0
"""Seconds after which a hung run is killed so that the suite ends (never a pass condition)."""


def clean_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a run: no COLUMNS, LINES or colour overrides, unless ``extra``."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    for name in ("NO_COLOR", "FORCE_COLOR", "BPTT_TRACE_PROGRESS_DELAY"):
        env.pop(name, None)
    env.update({"PYTHONPATH": str(ROOT), "TERM": "xterm-256color"})
    env.update(extra or {})
    return env


@dataclass
class Session:
    """What a run on the pseudo-terminal wrote, and how it ended."""

    output: bytes = b""
    code: int | None = None
    sent: list[bytes] = field(default_factory=list)
    columns: int = COLUMNS

    def lines(self) -> list[str]:
        """The terminal's lines, from the first to the last non-blank one."""
        screen = pyte.HistoryScreen(self.columns, ROWS, history=1_000_000)
        pyte.ByteStream(screen).feed(self.output)
        rows = [
            "".join(line[x].data for x in range(self.columns)) for line in screen.history.top
        ] + list(screen.display)
        rows = [row.rstrip() for row in rows]
        while rows and not rows[-1]:
            rows.pop()
        return rows


Reply = Callable[[Session], bytes | None]
"""Looks at the output so far; returns the keys to type next, or None to wait."""


def run_on_pty(
    args: list[str],
    reply: Reply | None = None,
    env: dict[str, str] | None = None,
    columns: int = COLUMNS,
    program: list[str] | None = None,
) -> Session:
    """Run ``python -m bptt_trace *args`` (or ``program`` + ``args``) with a pseudo-terminal as
    stdin, stdout and stderr, ``columns`` wide (80 unless told) and 24 rows high, until it ends.

    Nothing here waits for a time: ``reply`` is asked after every chunk of output (and at
    least every 0.2 s) and answers what the screen shows. Only a run that has not ended after
    SAFETY_NET seconds is killed, and the test fails saying what the screen showed last."""
    command = program or [sys.executable, "-m", "bptt_trace"]
    pid, fd = pty.fork()
    if pid == 0:  # the child: a columns × 24 terminal, then bptt-trace
        try:
            fcntl.ioctl(1, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, columns, 0, 0))
            # as a shell at a terminal starts a program: no signal blocked, none ignored
            signal.pthread_sigmask(signal.SIG_SETMASK, set())
            for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
                signal.signal(sig, signal.SIG_DFL)
            os.execve(command[0], [*command, *args], env or clean_env())
        finally:
            os._exit(127)
    session = Session(columns=columns)
    deadline = time.monotonic() + SAFETY_NET
    hung = False
    try:
        while True:
            if time.monotonic() > deadline:  # a safety net, never a pass condition
                hung = True
                os.kill(pid, signal.SIGKILL)
                break
            if reply is not None:
                keys = reply(session)
                if keys:
                    session.sent.append(keys)
                    os.write(fd, keys)
            ready, _, _ = select.select([fd], [], [], 0.2)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # EIO: the child has gone and the terminal closed
                break
            if not chunk:
                break
            session.output += chunk
    finally:
        os.close(fd)
        _, status = os.waitpid(pid, 0)
        session.code = os.waitstatus_to_exitcode(status)
    if hung:
        raise AssertionError(
            f"no end after {SAFETY_NET:.0f} s (sent {session.sent!r}); the screen ended with:\n"
            + "\n".join(session.lines()[-8:])
        )
    return session
