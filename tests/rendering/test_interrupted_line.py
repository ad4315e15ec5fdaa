"""The closing line of a stopped run says where it stopped: after the last step done, or
during the step whose tables were showing (as when --pause stops on one of them), whose
update the parameters never got. The JSON trace's closing event is the same either way."""

from __future__ import annotations

import pytest

from bptt_trace.config import Config
from bptt_trace.rendering.renderer import TraceRenderer
from bptt_trace.trace.events import Event, InterruptedEvent
from bptt_trace.trace.loop import run

SHOWN = "; shown is what it had"


def closing_line(events: list[Event], done: int) -> str:
    """The last line the tables show when the run stops after ``events``, ``done`` steps done."""
    renderer = TraceRenderer(4, step_through=True)
    for event in events:
        renderer.feed(event)
    shown = renderer.feed(InterruptedEvent(step=done))
    return shown[-1].plain


def trace(steps: int = 2, **options: object) -> list[Event]:
    return list(run([["I", "like", "NLP"]], Config(steps=steps, **options)))  # type: ignore[arg-type]


def until(events: list[Event], kind: str, step: int) -> list[Event]:
    """The events up to and with the first of ``kind`` in ``step``."""
    at = next(
        i for i, e in enumerate(events) if e.kind == kind and getattr(e, "step", None) == step
    )
    return events[: at + 1]


@pytest.mark.parametrize("kind", ["forward", "backward", "blame", "jacobians", "gradients"])
def test_a_stop_within_the_first_step_says_during_it_before_its_update(kind: str) -> None:
    events = until(trace(), kind, 1)
    assert closing_line(events, 0) == f"■ interrupted during step 1, before its update{SHOWN}"


def test_a_stop_once_the_update_showed_says_it_was_not_kept() -> None:
    events = until(trace(), "update", 1)
    line = closing_line(events, 0)
    assert line == f"■ interrupted during step 1, before its update was kept{SHOWN}"


def test_a_stop_between_steps_says_after_the_last_done() -> None:
    events = until(trace(), "train_step", 1)
    assert closing_line(events, 1) == f"■ interrupted after step 1{SHOWN}"


def test_a_stop_in_an_untraced_step_says_after_the_last_done() -> None:
    """Step 3 of 5 shows no table (the first and last are traced): nothing of it showed."""
    events = until(trace(5), "train_step", 2)
    assert closing_line(events, 2) == f"■ interrupted after step 2{SHOWN}"


def test_within_a_later_traced_step() -> None:
    events = until(trace(3), "backward", 3)
    assert closing_line(events, 2) == f"■ interrupted during step 3, before its update{SHOWN}"


def test_the_closing_event_is_the_same_in_json() -> None:
    assert InterruptedEvent(step=0).to_json() == {"event": "interrupted", "step": 0}
