"""A stop reaches into the layout of one table: at --detail full a matrix of --hidden 500 is a
quarter of a million entries in one table, seconds to lay out, and Ctrl-C took 7 to 40 s of
CPU to end such a run. Each row of a vector or matrix looks for a stop (``interrupt.poll``),
so that a stop requested in the middle of a table ends it within a row's entries; and a stop
shows none of the tables still held for their group (a sentence's backward pass, held until
it is whole, was 1.6 MB of tables printed after the signal)."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from bptt_trace.config import Config
from bptt_trace.core import interrupt
from bptt_trace.rendering import vectors
from bptt_trace.rendering.renderer import TraceRenderer, make_console
from bptt_trace.trace.events import InterruptedEvent
from bptt_trace.trace.loop import run

H = 48


def events(cell: str) -> list:
    config = Config(hidden=H, detail="full", steps=1, cell=cell, loss="every")
    return list(run([["I", "like", "NLP"]], config))


@pytest.fixture(autouse=True)
def no_stop_left() -> Iterator[None]:
    """A stop left requested would end the test session (Interrupted is a KeyboardInterrupt)."""
    interrupt.reset()
    try:
        yield
    finally:
        interrupt.reset()


def tables_of(stream: list) -> list:
    """Fresh renderables of a stream (a vector formats its entries once, when first laid out)."""
    renderer = TraceRenderer(4)
    return [r for e in stream for r in renderer.feed(e)]


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_a_stop_in_the_middle_of_a_table_ends_it_within_a_row(
    cell: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every large table of a traced step at --detail full, laid out with a stop requested
    at its middle entry: the layout raises within
    one row's entries of the request (4·H: the LSTM's widest rows)."""
    stream = events(cell)
    console = make_console(file=io.StringIO(), width=80)
    counted: dict[str, int | None] = {"n": 0, "at": None}

    def counting(real: Callable[..., Any]) -> Callable[..., Any]:
        def entry(*args: Any, **kwargs: Any) -> Any:
            counted["n"] = (counted["n"] or 0) + 1
            if counted["n"] == counted["at"]:
                interrupt.request(at_once=True)
            return real(*args, **kwargs)

        return entry

    monkeypatch.setattr(vectors, "fmt", counting(vectors.fmt))
    monkeypatch.setattr(vectors, "number", counting(vectors.number))
    large = 0
    for i, table in enumerate(tables_of(stream)):
        counted["n"], counted["at"] = 0, None
        console.print(table)
        whole = counted["n"] or 0
        if whole < 20 * H:  # (a small table: nothing to cut)
            continue
        large += 1
        for at in (whole // 2,):
            fresh = tables_of(stream)[i]
            counted["n"], counted["at"] = 0, at
            with pytest.raises(interrupt.Interrupted):
                console.print(fresh)
            interrupt.reset()
            assert (counted["n"] or 0) - at <= 4 * H, (type(fresh).__name__, at, whole)
    assert large >= 3  # (the update's matrices, the contributions, …)


def test_a_stop_shows_no_held_table() -> None:
    """The backward events of a sentence are held until the group is whole; when the run is
    stopped (``drop_held``, as ``Display.drop_pages`` does) they are not laid out, and the
    closing line still is."""
    stream = events("rnn")
    cut = max(i for i, e in enumerate(stream) if e.kind == "backward")  # its last: held
    renderer = TraceRenderer(4)
    for event in stream[:cut]:
        renderer.feed(event)
    assert renderer.pending, "the backward events are held"
    renderer.drop_held()
    shown = renderer.feed(InterruptedEvent(step=0)) + renderer.close()
    console = make_console(file=io.StringIO(), width=80)
    for item in shown:
        console.print(item)
    text = console.file.getvalue()
    assert "Backward pass" not in text and "Contributions" not in text
    assert "interrupted" in text.lower()
