"""Ctrl-C, SIGTERM and SIGHUP (a terminal closing) as one request to stop.

From the first line of the program (``early_signals``) until the trace begins, and under
``--pause``, a signal stops at once (``KeyboardInterrupt``, or ``StartUpInterrupt`` before
the command line is parsed): nothing is half-done then. While training runs, the first signal
sets ``requested`` and the training loop stops after the current step, closing the trace with
``interrupted``; a second one abandons the step at once.

Once a signal has stopped the run at once, or the run has reached its end (the save, the
closing event, the export, the renames), signals are only noted (``shield``): what is left
to do is bounded, and is done whole, so that no temporary file is left and the trace gets its
closing event. ``held`` defers a signal over a few lines that must not be cut (creating a
temporary file and noting it for removal).
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

SIGNALS: tuple[signal.Signals, ...] = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class StartUpInterrupt(BaseException):
    """A signal before the command line was parsed (not a KeyboardInterrupt, which the
    parser would turn into its own 'Aborted!')."""


def _stop_at_once(signum: int, frame: FrameType | None) -> None:
    for sig in SIGNALS:  # once: the way out is not cut short by another signal
        if signal.getsignal(sig) is _stop_at_once:
            signal.signal(sig, _noted)
    raise StartUpInterrupt


def _noted(signum: int, frame: FrameType | None) -> None:
    """A signal while the program stops anyway."""


def interrupted_at_start_up(quiet: bool) -> int:
    """Say so (one write, no import that a signal could cut) and give the exit code."""
    if not quiet:
        try:
            os.write(2, b"bptt-trace: interrupted before the first step; nothing was written\n")
        except OSError:  # stderr is closed
            pass
    return 130


def early_signals() -> None:
    """The program's first act: a signal during the imports and the parsing of the command
    line stops it quietly (exit 130), not with a traceback (SIGINT) or a kill (SIGTERM).
    Signals the caller ignores (nohup, a background job) stay ignored."""
    for sig in SIGNALS:
        if signal.getsignal(sig) is not signal.SIG_IGN:
            signal.signal(sig, _stop_at_once)


class Stop:
    """The run's stop request, set by a signal (or by the reader of stdout going away)."""

    def __init__(self) -> None:
        self.requested = threading.Event()
        self.at_once = True  # until the trace begins: nothing to finish yet
        self.shielded = False  # the end of the run is under way: signals are only noted
        self.holding = 0
        self.owed = False  # a stop at once that came while held

    def is_set(self) -> bool:
        return self.requested.is_set()

    def shield(self) -> None:
        """From now on a signal is only noted: the run is closing, whole."""
        self.shielded = True

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        again = self.requested.is_set()
        self.requested.set()
        if self.shielded or not (self.at_once or again):
            return
        if self.holding:
            self.owed = True
            return
        self.shielded = True  # once: what follows closes the run, uninterrupted
        raise KeyboardInterrupt

    @contextmanager
    def held(self) -> Iterator[None]:
        """A stop at once that comes inside waits for its end."""
        self.holding += 1
        try:
            yield
        finally:
            self.holding -= 1
            if not self.holding and self.owed and not self.shielded:
                self.owed = False
                self.shielded = True
                raise KeyboardInterrupt

    @contextmanager
    def on_signals(self) -> Iterator[Stop]:
        """Handle the signals while inside; those the caller ignores (nohup, a background
        job) stay ignored, and a thread other than the main one changes nothing."""
        previous: dict[signal.Signals, object] = {}
        try:
            for sig in SIGNALS:
                if signal.getsignal(sig) is not signal.SIG_IGN:
                    previous[sig] = signal.signal(sig, self._handle)
        except ValueError:  # not the main thread: signals are not ours to handle
            pass
        try:
            yield self
        finally:
            self.shielded = True  # from here on a signal is only noted
            for sig, handler in previous.items():
                if handler is not _stop_at_once:  # the program's own: the run is over
                    signal.signal(sig, handler)  # type: ignore[arg-type]
