"""What ``--replay`` checks of the parameters from event to event: an update's ``old`` is the
parameters the run had before that update, and a step's ``params`` event what its last update
made, wherever the trace holds them.

The parameters before an update are, in a trace:
- for a whole-step update of step k (and for the first window's, chunk 1, under ``--chunks``
  or ``--tbptt`` with ``--update-every chunk``): the ``params`` event of step k − 1, which the
  writer puts before every traced step (step 0's: the run's initial or loaded parameters), or
  the ``new`` of a whole-step update of step k − 1 where that is the last before it;
- for window j > 1 of step k: the ``new`` of window j − 1's update, just before it.

And the other way: a ``params`` event of step s that follows an update of step s (the step's
last: its params event comes after all its windows, also the one a stopped run writes) holds
that update's ``new``: an edit of an update's ``old`` and ``new`` must then carry on through
every params event and update back to step 0's to pass.

Where the last parameters before an update are none of these (an edited trace that left them
out), there is nothing to compare with, and nothing is refused here: the order of the events
(``order``) refuses such a trace first, at the event that should have followed them.

The writer hands the same array to the event before and to the update's ``old`` (``loop``:
``old=p`` beside ``ParamsEvent(params=p)``, and ``p = new`` after the update; ``windowed``: a
window's ``old`` is the ``p`` the window before made its ``new``), written at the same detail:
whole, both are the same floats in shortest round-trip form; summarised, the same summary. So
the tolerance is none: equality, entry by entry, and of everything two summaries show (their
shown entries, norms, minima and maxima), compared by ``update_checks.mismatch``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .summary import is_summary
from .update_checks import REDO, mismatch

NOT_PARAMETERS = frozenset(("event", "step"))
"""The fields of a ``params`` event that are not parameters."""


@dataclass(frozen=True)
class Known:
    """Parameters the trace holds: of which step and window they are the parameters after
    (chunk None: a whole step's, a ``params`` event's or a whole-step update's ``new``), what
    they are called in a message, their values, and whether they are an update's ``new``."""

    step: int
    chunk: int | None
    source: str
    values: dict[str, Any]
    update: bool = False


class ParameterChain:
    """The parameters last seen in the trace, to check the ``old`` of the update that follows
    them, and the ``params`` event after a step's last update."""

    def __init__(self) -> None:
        self.last: Known | None = None

    def problem(self, data: dict[str, Any]) -> str | None:
        kind = data["event"]
        if kind == "params":
            return self.params_problem(data)
        if kind != "update":
            return None
        step, chunk = data["step"], data.get("chunk")
        where = f"step {step}" + (f", chunk {chunk}" if chunk is not None else "")
        before = self.before(step, chunk)
        self.last = Known(step, chunk, f"the 'new' of the update of {where}", data["new"], True)
        if before is None:
            return None
        problem = difference(data["old"], before, "'old' ", "the parameters before it, {}")
        return None if problem is None else f"the update of {where}: {problem}; {REDO}"

    def params_problem(self, data: dict[str, Any]) -> str | None:
        """A params event of step s after an update of step s (its last: every window of a
        step runs before the step's params event) holds that update's new."""
        step, last = data["step"], self.last
        values = {k: v for k, v in data.items() if k not in NOT_PARAMETERS}
        self.last = Known(step, None, f"the params event of step {step}", values)
        if last is None or not last.update or last.step != step:
            return None
        problem = difference(values, last, "", "{} before it")
        return None if problem is None else f"the params event of step {step}: {problem}; {REDO}"

    def before(self, step: int, chunk: int | None) -> Known | None:
        """The parameters the trace holds from just before the update of ``step`` and
        ``chunk``, if it does."""
        last = self.last
        if last is None:
            return None
        if chunk is None or chunk == 1:  # the step's: a params event's, or a whole step's new
            return last if last.chunk is None and last.step == step - 1 else None
        return last if (last.step, last.chunk) == (step, chunk - 1) else None


def difference(values: dict[str, Any], known: Known, field: str, relation: str) -> str | None:
    """The first parameter of ``values`` (the event's ``field``) that is not as ``known``
    holds it, with where and by how much; ``relation`` says what ``known`` is to the event,
    with {} for its name."""
    for name, value in values.items():
        held = known.values.get(name)
        if held is None:  # (the schema holds both to the run's parameters)
            continue
        if is_summary(value) != is_summary(held):
            return (
                f"its {field}{name} is not written as in {known.source} (one whole, the other "
                "a summary)"
            )
        off = mismatch(name, value, held, 1.0, 0.0, 0.0)
        if off is not None:
            return f"its {field}{name} is not {relation.format(known.source)} ({off})"
    return None
