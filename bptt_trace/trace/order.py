"""What one event of a trace says about another, checked as ``--replay`` reads the trace: the
predictions before and after training (the table that shows them pairs them sentence by
sentence)."""

from __future__ import annotations

from typing import Any


class TraceOrder:
    """What one event says about another: the predictions before training cover the first
    sentences once each, in order, and those after training the same ones, at one step."""

    def __init__(self) -> None:
        self.before: list[int] = []
        self.after: list[int] = []
        self.after_step: int | None = None
        self.window: tuple[int, int, str] | None = None  # (step, chunk, event) of the last

    def problem(self, data: dict[str, Any]) -> str | None:
        if data["event"] in ("gradients", "update") and data.get("chunk") is not None:
            return self.window_problem(data)
        if data["event"] != "predictions":
            return None
        sentence, step = data["sentence"], data["step"]
        if step == 0:
            if self.after or sentence != len(self.before):
                return (
                    "predictions event: those before training come first, one per sentence "
                    f"in order (expected sentence {len(self.before) + 1})"
                )
            self.before.append(sentence)
            return None
        if self.after_step not in (None, step) or sentence != len(self.after):
            return (
                "predictions event: those after training are at one step, one per sentence in order"
            )
        if sentence >= len(self.before):
            return "predictions event: after training, a sentence with none before training"
        self.after_step = step
        self.after.append(sentence)
        return None

    def window_problem(self, data: dict[str, Any]) -> str | None:
        """A step's windows in order: gradients (chunk i) then update (chunk i), i = 1, 2, …"""
        step, chunk, kind = data["step"], data["chunk"], data["event"]
        last = self.window
        if kind == "gradients":
            fresh = last is None or last[0] != step
            expected = 1 if fresh else last[1] + 1
            ok = chunk == expected and (fresh or last[2] == "update")
        else:
            ok = last is not None and last[:3] == (step, chunk, "gradients")
        self.window = (step, chunk, kind)
        if ok:
            return None
        return (
            f"{kind} event: chunk {chunk} of step {step} is out of order (each window's "
            "gradients, then its update, for windows 1, 2, … in turn)"
        )

    def end_problem(self) -> str | None:
        """What is wrong once the whole trace is read."""
        if self.after and len(self.after) != len(self.before):
            return (
                f"the predictions after training cover {len(self.after)} sentences and "
                f"those before {len(self.before)}; they should be the same"
            )
        return None
