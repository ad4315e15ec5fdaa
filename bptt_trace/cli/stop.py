"""Ctrl-C, SIGTERM and SIGHUP (a terminal closing) as one request to stop.

Before the trace begins and under ``--pause`` a signal stops at once (``KeyboardInterrupt``):
nothing is half-done then. While training runs, the first signal sets ``requested`` and the
training loop stops after the current step, closing the trace with ``interrupted``; a second
one abandons the step at once.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

SIGNALS: tuple[signal.Signals, ...] = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Stop:
    """The run's stop request, set by a signal (or by the reader of stdout going away)."""

    def __init__(self) -> None:
        self.requested = threading.Event()
        self.at_once = True  # until the trace begins: nothing to finish yet

    def is_set(self) -> bool:
        return self.requested.is_set()

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        again = self.requested.is_set()
        self.requested.set()
        if self.at_once or again:
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
            for sig, handler in previous.items():
                signal.signal(sig, handler)  # type: ignore[arg-type]
