"""Ctrl-C, SIGTERM and SIGHUP (a terminal closing) as one request to stop.

From the first line of the program (``early_signals``) until the trace begins, and under
``--pause``, a signal stops at once (``KeyboardInterrupt``, or ``StartUpInterrupt`` before
the command line is parsed): nothing is half-done then. While training runs, the first signal
sets ``requested`` and the training loop stops after the current step, closing the trace with
``interrupted``; a second one abandons the step at once. Every signal is also passed on to
``core.interrupt`` (``request``), which the long loops poll: a step that takes longer than
``interrupt.GRACE`` after the first signal (a gradient check, the Jacobian norms, rendering a
large trace) is abandoned there, as by a second signal.

Once a signal has stopped the run at once, or the run has reached its end (the save, the
closing event, the export, the renames), signals are only noted (``shield``): the save, the
closing event and the renames are bounded and done whole, so that no temporary file is left
and the trace gets its closing event; the long loops of what is left (rendering the export)
still poll, and stop at once, leaving the export unwritten. ``held`` defers a signal over a
few lines that must not be cut (creating a temporary file and noting it for removal).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from ..core import interrupt

SIGNALS: tuple[signal.Signals, ...] = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class StartUpInterrupt(BaseException):
    """A signal before the command line was parsed (not a KeyboardInterrupt, which the
    parser would turn into its own 'Aborted!')."""


STOPPED_AT_START_UP = threading.Event()
"""Set by a signal at start-up, so that the stop holds even where its exception was swallowed
(a signal handler's exception raised inside a finaliser or a callback is only printed)."""


def _stop_at_once(signum: int, frame: FrameType | None) -> None:
    STOPPED_AT_START_UP.set()
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
    sys.unraisablehook = _quiet_start_up_stop
    for sig in SIGNALS:
        if signal.getsignal(sig) is not signal.SIG_IGN:
            signal.signal(sig, _stop_at_once)


def _quiet_start_up_stop(unraisable: sys.UnraisableHookArgs) -> None:
    """Python prints an exception it cannot raise (one raised inside a finaliser or an import
    lock's callback) as "Exception ignored in … Traceback": the start-up stop's is not printed,
    as ``STOPPED_AT_START_UP`` holds the stop; any other goes to Python's own hook."""
    if isinstance(unraisable.exc_value, StartUpInterrupt):
        return
    sys.__unraisablehook__(unraisable)


class Stop:
    """The run's stop request, set by a signal (or by the reader of stdout going away)."""

    def __init__(self) -> None:
        interrupt.reset()
        self.requested = threading.Event()
        self.at_once = True  # until the trace begins: nothing to finish yet
        self.shielded = False  # the end of the run is under way: signals are only noted
        self.holding = 0
        self.owed = False  # a stop at once that came while held

    def is_set(self) -> bool:
        return self.requested.is_set()

    def shield(self) -> None:
        """From now on a signal is only noted: the run is closing, whole (the long loops of
        the closing, the export's, stop only if another signal comes)."""
        self.shielded = True
        interrupt.served()

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        again = self.requested.is_set()
        self.requested.set()
        closing = self.shielded or interrupt.stopping()  # a long loop stopped the run
        interrupt.request()  # the long loops stop after the grace, or at once if again
        if closing or not (self.at_once or again):
            return
        if self.holding:
            self.owed = True
            return
        self.stop_at_once()

    def stop_at_once(self) -> None:
        """Once: what follows closes the run, and the long loops of the closing run whole
        unless another signal comes."""
        self.shielded = True
        interrupt.served()
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
                self.stop_at_once()

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
            if STOPPED_AT_START_UP.is_set():  # a start-up stop whose exception was lost
                raise StartUpInterrupt
            yield self
        finally:
            self.shielded = True  # from here on a signal is only noted
            for sig, handler in previous.items():
                if handler is not _stop_at_once:  # the program's own: the run is over
                    signal.signal(sig, handler)  # type: ignore[arg-type]
