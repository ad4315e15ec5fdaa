"""How a run ends: ``--save`` (the last parameters the trace holds), the tables' end and the
export, and the lines on stderr that say how the run ended and which files it wrote."""

from __future__ import annotations

import sys
from typing import Any

from ..core import interrupt
from ..core.truncation import updates_per_step
from ..rendering.display import Display
from ..rendering.update import loss_change
from .messages import plural, status
from .request import Request

Readers = Any
"""``run.Readers``, which imports this module: what the run told its readers."""


def save(req: Request, readers: Readers) -> str | None:
    """--save: the last parameters seen, unless training diverged; what was saved."""
    last, run = readers.params, readers.run
    if req.save is None or last is None or run is None:
        return None
    if readers.closing is not None and readers.closing.kind == "diverged":
        return None
    import numpy as np

    from ..files.model_file import save_model

    params = {name: np.asarray(value) for name, value in last.params.items()}
    config = {key: value for key, value in run.config.items() if key != "loaded"}
    before = run.config["loaded"]["updates"] if "loaded" in run.config else 0
    updates = last.step * updates_per_step(run.config, run.sentences)  # a window's, each
    config["updates"] = None if before is None else before + updates  # for --load's header
    save_model(req.save, params, run.vocab, config)
    return (
        f"the model after step {last.step}: |vocab| = {len(run.vocab)}, H = {run.config['hidden']}"
    )


def report(req: Request, readers: Readers, exported: str | None, saved: str | None) -> None:
    """How the run ended, when no table on a terminal said so; and each file written. An
    export a stop left unwritten is said on the line of the stop (on a terminal too)."""
    closing = readers.closing
    unwritten = None
    if req.export is not None and exported is None:  # a stop: the old file is as it was
        unwritten = f"{req.export} was not written"
    on_screen = sys.stdout.isatty() and not req.json_out  # the tables say how the run ended
    if closing is not None and closing.kind == "interrupted" and (unwritten or not on_screen):
        steps = readers.run.config["steps"] if readers.run else "?"
        line = f"interrupted after step {closing.step} of {steps}"  # type: ignore[attr-defined]
        status(line + (f"; {unwritten}" if unwritten else ""))
        unwritten = None
    elif closing is not None and closing.kind == "end" and not on_screen:
        losses = readers.losses
        warning = getattr(closing, "warning", None)
        after = getattr(closing, "loss_after", None)
        run = readers.run
        updates = len(losses) * (updates_per_step(run.config, run.sentences) if run else 1)
        status(
            f"finished after {plural(len(losses), 'step')}"
            + (f", but {warning}" if warning else "")
            + f"; {loss_change(losses[0], losses[-1], after, updates, req.precision)}"
        )
    if req.output is not None:
        status(f"wrote {req.output} (JSON Lines trace, {plural(readers.lines, 'line')})")
    if exported is not None:
        status(f"wrote {req.export} ({exported})")
    elif unwritten is not None:
        status(f"interrupted while laying out the tables: {unwritten}")
    if saved is not None:
        status(f"wrote {req.save} ({saved})")


def closed(display: Display, stopped: bool) -> str | None:
    """The tables' end and the export; what the export holds. A ``stopped`` run (a signal,
    the reader of stdout gone) lays out no export and leaves an existing file as it was; a
    stop while the tables are laid out cuts them, and the export too."""
    if stopped:
        display.recorded = None
    try:
        display.close()
    except interrupt.Interrupted:
        display.abandon()
    if display.recorded is None:
        return None
    with interrupt.phase("export"):  # (marked for the tests: the export is laid out)
        return display.save_export()
