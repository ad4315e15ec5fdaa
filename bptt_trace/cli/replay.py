"""--replay: a saved trace shown with the live run's tables, recomputing nothing."""

from __future__ import annotations

import sys

from ..core import interrupt
from ..rendering.display import Display, Quit
from ..trace.events import CLOSING, Event
from .checks import pause_wanted
from .messages import plural, status
from .request import Request


def replay(req: Request) -> int:
    """Render a saved trace with the live run's tables; nothing is recomputed."""
    from ..files.trace_reader import read_trace

    assert req.replay is not None
    events = read_trace(req.replay)
    display = Display(
        req.precision, True, req.export, pause_wanted(req), req.color, req.width, req.only
    )
    code = 0
    try:
        with interrupt.phase("replay"):
            for event in events:
                interrupt.poll()  # an event replayed: a unit of work
                try:
                    display.feed(event)
                except BrokenPipeError:  # the reader went away: go on only for --export
                    code = 141
                    if display.recorder is None:
                        return code
    except (KeyboardInterrupt, Quit) as stop:
        display.end_prompt()
        if not req.quiet:
            status(
                f"{'stopped at q' if isinstance(stop, Quit) else 'interrupted'}: the rest "
                "of the trace is not shown"
            )
        return 130 if isinstance(stop, KeyboardInterrupt) else 0
    display.close()
    exported = display.save_export()
    if code or req.quiet:
        return code
    closing = events[-1] if events[-1].kind in CLOSING else None
    if not sys.stdout.isatty():
        status(f"replayed {req.replay}: {replay_ending(closing)}")
    if exported is not None:
        status(f"wrote {req.export} ({exported})")
    return code


def replay_ending(closing: Event | None) -> str:
    """How the replayed run ended, as its closing event says."""
    if closing is None:
        return "the trace was cut off"
    if closing.kind == "end":
        return f"the run finished after {plural(closing.step, 'step')}"  # type: ignore[attr-defined]
    if closing.kind == "interrupted":
        return f"the run was interrupted after step {closing.step}"  # type: ignore[attr-defined]
    return f"the run diverged: {closing.message}"  # type: ignore[attr-defined]
