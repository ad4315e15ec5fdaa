"""--compare-cells: the same input, seed and options run with each cell, compared side by side.

Under --json the three traces are written one after another on stdout, each whole (its own
run event first, its closing event last): split them at each "run" line to replay one.
"""

from __future__ import annotations

import sys
from dataclasses import replace

from ..config import CELL_NAMES
from ..errors import InputError
from ..files.jsonl import JsonlWriter
from ..rendering.cells import cells_view
from ..rendering.display import Display
from ..trace.events import Event
from .checks import prepare
from .messages import status
from .request import Request

REFUSED = ("--cell", "--load", "--init", "--output", "--save", "--replay", "--pause", "--check")
"""Options that name one cell's run, a model or a single trace: refused with --compare-cells."""


def compare_cells(req: Request) -> int:
    """Run every cell on the request's input; show (or write) the comparison; the exit code."""
    given = [name for name in req.given if name in REFUSED]
    if given:
        raise InputError(
            f"--compare-cells runs every cell on the same input; leave out {', '.join(given)}"
        )
    corpus, config, _, _ = prepare(req)
    from ..trace.loop import run

    writer = JsonlWriter(sys.stdout, detail=config.detail) if req.json_out else None
    runs: dict[str, list[Event]] = {}
    for name in CELL_NAMES:
        events = []
        # --reset-after is the GRU's: the other cells run as they always do
        cell_config = replace(config, cell=name, reset_after=config.reset_after and name == "gru")
        for event in run(corpus, cell_config):
            if writer is not None:
                writer.write(event)
            events.append(event)
        runs[name] = events
    display = Display(req.precision, not req.json_out, req.export, False, req.color)
    display.show(cells_view(runs, req.precision))
    exported = display.save_export()
    code = 1 if any(events[-1].kind == "diverged" for events in runs.values()) else 0
    if exported is not None and not req.quiet:
        status(f"wrote {req.export} ({exported})")
    return code
