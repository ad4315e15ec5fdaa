"""--compare-cells: the same input, seed and options run with each cell, compared side by side.

Under --json the three traces are written one after another on stdout, each whole (its own
run event first, its closing event last): split them at each "run" line to replay one.
"""

from __future__ import annotations

import sys
from dataclasses import replace

from ..config import CELL_NAMES
from ..core.cells.declaration import Params
from ..core.interrupt import Interrupted
from ..errors import InputError
from ..files.jsonl import JsonlWriter
from ..rendering.cells import cells_view
from ..rendering.display import Display
from ..trace.events import CLOSING, Event, InterruptedEvent, ParamsEvent
from .checks import prepare
from .messages import status
from .request import Request
from .stop import Stop

REFUSED = ("--cell", "--load", "--init", "--output", "--save", "--replay", "--pause", "--check")
"""Options that name one cell's run, a model or a single trace: refused with --compare-cells."""


def compare_cells(req: Request, stop: Stop) -> int:
    """Run every cell on the request's input; show (or write) the comparison; the exit code.
    A signal stops the cell being run as it stops a run (its trace ends ``interrupted``,
    after the parameters of its last whole step); the cells after it are not run, and the
    export is not written."""
    given = [name for name in req.given if name in REFUSED]
    if given:
        raise InputError(
            f"--compare-cells runs every cell on the same input; leave out {', '.join(given)}"
        )
    corpus, config, _, _ = prepare(req)
    from ..trace.loop import run

    writer = JsonlWriter(sys.stdout, detail=config.detail) if req.json_out else None
    runs: dict[str, list[Event]] = {}
    latest: list[tuple[int, Params]] = []  # the step and θ of the last update

    def updated(step: int, params: Params) -> None:
        latest[:] = [(step, params)]

    stop.at_once = False  # from here a stop closes the trace being written
    for name in CELL_NAMES:
        if stop.is_set():
            break
        runs[name] = events = []
        latest.clear()
        # --reset-after is the GRU's: the other cells run as they always do
        cell_config = replace(config, cell=name, reset_after=config.reset_after and name == "gru")
        try:
            for event in run(
                corpus,
                cell_config,
                should_stop=stop.is_set,
                on_step=updated,
            ):
                deliver(writer, events, event)
        except KeyboardInterrupt:  # a second signal, or a long step past the grace
            stop.shield()
            close_trace(writer, events, latest[-1] if latest else None)
    stop.shield()  # from here a signal cuts the comparison's tables (polls), nothing else
    display = Display(req.precision, not req.json_out, req.export, False, req.color, req.width)
    if stopped_in(runs) is not None or len(runs) < len(CELL_NAMES):
        display.recorded = None  # a stopped comparison writes no export: the old file stays
    try:
        display.show(cells_view(runs, req.precision))
    except Interrupted:  # a stop while the comparison is laid out: the traces are whole
        display.abandon()
    exported = display.save_export()
    cut = display.abandoned or len(runs) < len(CELL_NAMES)  # stopped between two cells
    stopped = stopped_in(runs) or ("" if cut else None)
    if stopped is not None:
        if not req.quiet:
            status(stopped_line(runs, stopped, req, exported, display.abandoned))
        return 130
    diverged = [name for name, events in runs.items() if events[-1].kind == "diverged"]
    if not req.quiet:
        ended = f"{', '.join(diverged)} diverged" if diverged else "each finished"
        steps = "1 step" if config.steps == 1 else f"{config.steps} steps"
        status(f"compared {', '.join(runs)} on the same input over {steps}: {ended}")
        if exported is not None:
            status(f"wrote {req.export} ({exported})")
    return 1 if diverged else 0


KEPT = frozenset(
    ("run", "blame", "jacobians", "gates", "train_step", "end", "diverged", "interrupted")
)
"""The events the comparison reads (a ``params`` event is kept for its
step alone). The others are written under --json and dropped: a traced step's forward,
backward, gradients and update arrays at --hidden 3000 are a gigabyte a cell, and three
cells' of them ended the comparison in a MemoryError where each cell alone fits."""


def deliver(writer: JsonlWriter | None, events: list[Event], event: Event) -> None:
    """An event of the cell being run: on stdout under --json, and kept for the comparison
    if it reads it."""
    if writer is not None:
        writer.write(event)
    if event.kind in KEPT:
        events.append(event)
    elif isinstance(event, ParamsEvent):  # its step: where a stopped run's trace closes
        events.append(ParamsEvent(step=event.step, params={}))


def close_trace(
    writer: JsonlWriter | None, events: list[Event], latest: tuple[int, Params] | None
) -> None:
    """A cell's run abandoned mid-step: its trace ends after its last whole step (its
    parameters, unless the trace holds them already), with ``interrupted``."""
    if not events or events[-1].kind in CLOSING:
        return
    done = sum(1 for e in events if e.kind == "train_step")
    seen = max((int(getattr(e, "step", -1)) for e in events if e.kind == "params"), default=-1)
    if latest is not None and latest[0] == done > seen:
        deliver(writer, events, ParamsEvent(step=done, params=latest[1]))
    deliver(writer, events, InterruptedEvent(step=done))


def stopped_in(runs: dict[str, list[Event]]) -> str | None:
    """The cell whose run a signal stopped, if any."""
    for name, events in runs.items():
        if not events or events[-1].kind == "interrupted":
            return name
    return None


def stopped_line(
    runs: dict[str, list[Event]], name: str, req: Request, exported: str | None, cut: bool
) -> str:
    """What an interrupted --compare-cells did and wrote, in one line (``name``: the cell
    whose run was stopped, or "" when the runs were whole and the comparison was cut)."""
    events = runs.get(name, [])
    if not name:
        line = f"interrupted after the {list(runs)[-1]} run" if runs else "interrupted"
        line += "; the runs that ran were whole" + (", the comparison cut" if cut else "")
    else:
        where = f"after step {events[-1].step}" if events else "before it began"  # type: ignore[attr-defined]
        line = f"interrupted in the {name} run {where}"
    whole = [cell for cell in runs if cell != name]
    left = [cell for cell in CELL_NAMES if cell not in runs]
    if req.json_out:
        wrote = [f"{cell}'s trace, whole" for cell in whole]
        if events:
            wrote.append(f"{name}'s, ending with its interrupted event")
        line += f"; stdout holds {', '.join(wrote) if wrote else 'nothing'}"
    if left:
        line += f"; not run: {', '.join(left)}"
    if req.export is not None:
        line += f"; wrote {req.export}" if exported else f"; {req.export} was not written"
    return line
