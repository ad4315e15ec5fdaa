"""The stop flag every layer can see: a signal's request to stop, polled by the long loops.

The command line (``cli/stop.py``) calls ``request()`` when SIGINT, SIGTERM or SIGHUP comes.
Every long loop calls ``poll()`` once per unit of its work (an entry of the gradient check, a
time step of the Jacobian norms or of the blame, a row of a summary, a table rendered, an
event replayed; a variant of the ``--compare`` catalogue):

    from bptt_trace.core import interrupt

    for unit in work:
        interrupt.poll()  # raises interrupt.Interrupted once the stop is due
        ...

``poll()`` raises ``Interrupted`` (a ``KeyboardInterrupt``, so that every handler of Ctrl-C
handles it) once ``GRACE`` seconds have passed since the first request, and at once after a
second one: a training step that finishes within the grace is finished, a longer one (a
gradient check of minutes) is abandoned within about a second. ``poll()`` raises once per
request: after it did, or after the command line stopped at once itself (``served``), what
is left (closing the trace, the save, the export) polls without raising until another signal
comes, which ends it at once.

Outside the command line nothing requests a stop, and ``poll()`` costs one flag test.

For tests, ``phase(name)`` marks a long loop: under ``BPTT_TRACE_TEST_PHASES=1`` its first
start is written to stderr (``bptt-trace-test: phase NAME``) and a stop in it says how many
units of work it had done (``bptt-trace-test: NAME stopped after N units``), so that a test
can send a signal inside the phase and count the work done before the stop, with no clock.
"""

from __future__ import annotations

import functools
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext

TYPE_CHECKING = False  # typing is not imported: the program's signal handlers come first
if TYPE_CHECKING:
    from typing import Any, TypeVar

    F = TypeVar("F", bound=Callable[..., Any])

GRACE = 0.5
"""Seconds a first signal leaves the current step to finish before the long loops stop it."""

HOOK = "BPTT_TRACE_TEST_PHASES"
"""The environment variable that turns the tests' phase markers on."""


class Interrupted(KeyboardInterrupt):
    """A long loop stopped by a signal (``poll``): handled wherever Ctrl-C is."""


_requested = threading.Event()
_state = {"deadline": float("inf"), "raised": False}
_phases: list[list[object]] = []  # [name, units done], innermost last (tests only)
_announced: set[str] = set()


def request(at_once: bool = False) -> None:
    """A signal came: the long loops stop after ``GRACE`` seconds, or at once when this is
    not the first request (or ``at_once``)."""
    now = time.monotonic()
    again = _requested.is_set() or at_once
    _state["deadline"] = now if again else min(_state["deadline"], now + GRACE)
    _state["raised"] = False  # a new request: the loops of whatever runs now stop
    _requested.set()


def requested() -> bool:
    """Whether a stop was requested."""
    return _requested.is_set()


def stopping() -> bool:
    """Whether a stop was acted on and the run is closing (until another request)."""
    return bool(_state["raised"])


def served() -> None:
    """The stop was acted on (the run is closing): polls pass until the next request."""
    _state["raised"] = True


def reset() -> None:
    """No stop requested (a new run in the same process)."""
    _requested.clear()
    _state["deadline"], _state["raised"] = float("inf"), False


def poll(work: int = 1) -> None:
    """``work`` units of a long loop's work (0: a look within a unit): raise ``Interrupted``
    if a stop is due."""
    if _phases:
        _phases[-1][1] += work  # type: ignore[operator]
    if not _requested.is_set() or _state["raised"]:
        return
    if time.monotonic() >= _state["deadline"]:
        _state["raised"] = True
        raise Interrupted


def phased(name: str) -> Callable[[F], F]:
    """A function that is the long loop ``name``: it runs inside ``phase(name)``."""

    def decorate(function: F) -> F:
        @functools.wraps(function)
        def within(*args: Any, **kwargs: Any) -> Any:
            with phase(name):
                return function(*args, **kwargs)

        return within  # type: ignore[return-value]

    return decorate


def phase(name: str) -> AbstractContextManager[None]:
    """A long loop, by name: marked on stderr for the tests (``HOOK``), else nothing."""
    if os.environ.get(HOOK) != "1":
        return nullcontext()
    return _marked(name)


@contextmanager
def _marked(name: str) -> Iterator[None]:
    _phases.append([name, 0])
    try:
        if name not in _announced:  # once: a loop run for every event marks its first start
            _announced.add(name)
            _say(f"phase {name}")
        yield
    except KeyboardInterrupt:  # a poll, or a signal that stops at once (a replay)
        _say(f"{name} stopped after {_phases[-1][1]} units")
        raise
    finally:
        _phases.pop()


def _say(line: str) -> None:
    try:
        os.write(2, f"bptt-trace-test: {line}\n".encode())
    except OSError:  # stderr is closed
        pass
