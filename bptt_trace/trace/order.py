"""The order and numbering of a trace's events, checked as ``--replay`` reads the trace: each
event must be the next one of the stream ``event_grammar`` describes (the writer's order), or
one of the ways a stream may end early.

Besides the grammar's events, a genuine trace may:
- stop at any point after its run line with ``diverged``, whose step is the last
  ``train_step``'s or the one after it (the step being worked on), never past config.steps;
- stop at any point after the step-0 ``params`` with ``interrupted``, whose step is the last
  ``train_step``'s (0 before the first): a stop after step k writes, right after its
  ``train_step``, the ``params`` of step k and the predictions of the traced sentences
  (whole, or none when stopped at once) before ``interrupted``;
- be cut off between lines (no closing event), wherever.

Nothing follows a closing event (``end``, ``diverged``, ``interrupted``). The predictions after
training cover the same sentences as those before (the table pairs them): checked at the end.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .event_grammar import Shape, Slot, place_of, shape_of, slots
from .update_checks import REDO

SEE = "the order of docs/schema.md"


class TraceOrder:
    """The grammar's next event, matched against each event of the trace in turn."""

    def __init__(self) -> None:
        self.shape: Shape | None = None
        self.stream: Iterator[Slot] = iter(())
        self.next: Slot | None = None
        self.done = 0  # the last train_step's step
        self.began = False  # the step-0 params seen
        self.closed: str | None = None  # the closing event's type, once seen
        self.stop_at: int | None = None  # a stopped run's params of this step seen
        self.may_stop: int | None = None  # params of this step seen, which a stop writes too
        self.before = 0  # predictions before training, and after it
        self.after = 0

    def problem(self, data: dict[str, Any], run: dict[str, Any]) -> str | None:
        """What is wrong with the place of ``data``, the next event of the trace of ``run``."""
        kind = data["event"]
        if kind == "run":
            return None  # (the reader refuses a second run event)
        if self.shape is None:
            self.shape = shape_of(run)
            self.stream = slots(self.shape)
            self.next = next(self.stream, None)
        if self.closed is not None:
            return f"{kind} event after the {self.closed} event, which closes the trace"
        if kind in ("diverged", "interrupted"):
            self.closed = kind
            return self.closing_problem(kind, data["step"])
        found = place_of(data)
        problem = self.stopped_problem(found) if self.stop_at is not None else self.match(found)
        if problem is None and kind == "predictions":
            if found.step == 0:
                self.before += 1
            else:
                self.after += 1
        return problem

    def match(self, found: Slot) -> str | None:
        """``found`` is the grammar's next event (past optional ones it left out), or a
        stopped run's params."""
        if self.may_stop is not None and found == Slot("predictions", self.may_stop, 0):
            return self.stop(found)
        self.may_stop = None
        if self.stopping_here(found):
            if self.next is not None and found.place() == self.next.place():
                self.advance()  # the next traced step's params, or a stopped run's
                self.may_stop = found.step
                return None
            return self.stop(found)
        while self.next is not None and self.next.optional and found.place() != self.next.place():
            self.advance()
        if self.next is None or found.place() != self.next.place():
            return self.out_of_order(found)
        if found.kind == "train_step":
            self.done = found.step
        elif found.kind == "params" and found.step == 0:
            self.began = True
        if found.kind == "end":
            self.closed = "end"
        self.advance()
        return None

    def stopping_here(self, found: Slot) -> bool:
        """Whether ``found`` may be a stopped run's params: of the last step done (not the
        last step), right after its train_step."""
        assert self.shape is not None
        return (
            found.kind == "params"
            and found.step == self.done
            and 0 < self.done < self.shape.steps
            and self.next in (Slot("train_step", self.done + 1), Slot("params", self.done))
        )

    def stop(self, found: Slot) -> str | None:
        """A stopped run: its params seen; ``found`` is they, or its first predictions."""
        self.stop_at = found.step
        self.next = None
        self.stream = iter(())
        return None if found.kind == "params" else self.stopped_problem(found)

    def stopped_problem(self, found: Slot) -> str | None:
        """After a stopped run's params: the predictions of each traced sentence in order,
        then ``interrupted``."""
        assert self.shape is not None and self.stop_at is not None
        expected = Slot("predictions", self.stop_at, self.after)
        if self.after < len(self.shape.lengths) and found == expected:
            return None
        return (
            f"{found.named()} is out of order: after the params of a stopped run's last step "
            f"come the predictions of each traced sentence (the {expected.named()}), then the "
            f"interrupted event; {REDO}"
        )

    def out_of_order(self, found: Slot) -> str:
        assert self.shape is not None
        windowed = self.shape.windows is not None
        following = self.next
        expected = (
            "the end of the trace" if following is None else f"the {following.named(windowed)}"
        )
        return f"{found.named(windowed)} is out of order; expected {expected} ({SEE}); {REDO}"

    def advance(self) -> None:
        self.next = next(self.stream, None)

    def closing_problem(self, kind: str, step: int) -> str | None:
        assert self.shape is not None
        done = self.done
        if kind == "interrupted":
            if not self.began:
                return "interrupted event before the params event of step 0"
            if step != done:
                return (
                    f"interrupted event: 'step' should be {done}, the last train_step's step "
                    "(the steps done)"
                )
            return None
        if step not in (done, done + 1) or step > self.shape.steps:
            steps = f"{done} or {done + 1}" if done < self.shape.steps else f"{done}"
            return (
                f"diverged event: 'step' should be {steps}: the last train_step's step or the "
                "step after it, being worked on"
            )
        return None

    def end_problem(self) -> str | None:
        """What is wrong once the whole trace is read."""
        if self.after and self.after != self.before:
            return (
                f"the predictions after training cover {self.after} sentences and "
                f"those before {self.before}; they should be the same"
            )
        return None
