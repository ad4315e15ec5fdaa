"""How a run ends: ``--save`` (the last parameters the trace holds) and the lines on stderr
that say how the run ended and which files it wrote."""

from __future__ import annotations

import sys
from typing import Any

from ..rendering.theme import fmt_loss
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
    save_model(req.save, params, run.vocab, run.config)
    return (
        f"the model after step {last.step}: |vocab| = {len(run.vocab)}, H = {run.config['hidden']}"
    )


def report(req: Request, readers: Readers, exported: str | None, saved: str | None) -> None:
    """How the run ended, when no table on a terminal said so; and each file written."""
    closing = readers.closing
    if not (sys.stdout.isatty() and not req.json_out) and closing is not None:
        losses = readers.losses
        if closing.kind == "end":
            warning = getattr(closing, "warning", None)
            status(
                f"finished after {plural(len(losses), 'step')}"
                + (f", but {warning}" if warning else "")
                + f"; loss {fmt_loss(losses[0])} → {fmt_loss(losses[-1])}"
            )
        elif closing.kind == "interrupted":
            steps = readers.run.config["steps"] if readers.run else "?"
            status(f"interrupted after step {closing.step} of {steps}")  # type: ignore[attr-defined]
    if req.output is not None:
        status(f"wrote {req.output} (JSON Lines trace, {plural(readers.lines, 'line')})")
    if exported is not None:
        status(f"wrote {req.export} ({exported})")
    if saved is not None:
        status(f"wrote {req.save} ({saved})")
