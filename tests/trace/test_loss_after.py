"""The loss after the last update: the end event's ``loss_after`` is L of the final parameters,
checked against the independent forward pass of ``oracles`` on the parameters the JSON trace
itself carries (its last ``params`` event); traces written before the field replay as before."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose
from oracles import cell_corpus_loss

from bptt_trace.config import Config
from bptt_trace.files.jsonl import dumps
from bptt_trace.files.trace_reader import read_trace
from bptt_trace.rendering.renderer import make_console, render
from bptt_trace.trace.json_schema import trace_line_schema
from bptt_trace.trace.loop import run
from bptt_trace.trace.schema import validate

DATA = Path(__file__).parents[1] / "files" / "data"
CORPUS = [["I", "like", "NLP"], ["we", "like", "BPTT", "too", "."]]


def json_lines(events) -> list[dict]:
    return [json.loads(dumps(e)) for e in events]


def oracle_after(lines: list[dict], cell: str, mode: str) -> float:
    """L of the last params event's parameters, by the oracles' own forward pass."""
    run_event = lines[0]
    final = [e for e in lines if e["event"] == "params"][-1]
    p = {k: np.asarray(v, dtype=float) for k, v in final.items() if k not in ("event", "step")}
    index = {token: i for i, token in enumerate(run_event["vocab"])}
    ids = [[index[t] for t in s] for s in run_event["sentences"]]
    return cell_corpus_loss(cell, p, ids, index[run_event["config"]["target"]], mode)


@pytest.mark.parametrize(
    ("cell", "mode", "steps"),
    [("rnn", "last", 1), ("rnn", "every", 3), ("lstm", "last", 2), ("gru", "every", 1)],
)
def test_the_loss_after_is_the_loss_of_the_final_parameters(cell, mode, steps) -> None:
    config = Config(cell=cell, loss=mode, steps=steps, lr=0.3, hidden=3)
    lines = json_lines(run(CORPUS, config))
    end = lines[-1]
    assert end["event"] == "end" and list(end)[-1] == "loss_after"
    assert_allclose(end["loss_after"], oracle_after(lines, cell, mode), rtol=1e-12)
    last = [e["loss"] for e in lines if e["event"] == "train_step"][-1]
    assert end["loss"] == last and end["loss_after"] != last  # after, not before, the update


def test_a_change_below_the_decimals_gets_more_of_them() -> None:
    from bptt_trace.rendering.update import loss_change

    line = loss_change(1.50781, 1.50779, None, 1, 4)
    assert line == "loss 1.5078 → 1.5078 (the loss of the last step, before its update)"
    assert loss_change(1.50781, 1.50779, 1.507791, 1, 4) == "loss 1.50781 → 1.50779 after 1 update"
    assert loss_change(2.0, 2.0, 2.0, 3, 4) == "loss 2.0000 → 2.0000 after 3 updates"


@pytest.mark.parametrize("name", ["trace-0.1.0.jsonl", "corpus-truncated-clipped-0.1.0.jsonl"])
def test_a_trace_without_it_replays_with_the_old_closing_line(name) -> None:
    path = DATA / name
    raw = [json.loads(line) for line in path.read_text().splitlines()]
    assert raw[-1]["event"] == "end" and "loss_after" not in raw[-1]
    events = read_trace(path)
    assert events[-1].loss_after is None
    out = io.StringIO()
    render(events, make_console(file=out, width=100))
    first = next(e["loss"] for e in raw if e["event"] == "train_step")
    steps = raw[-1]["step"]
    closing = out.getvalue().rstrip().splitlines()[-1]
    assert closing == (
        f"✓ finished after {steps} step{'s' if steps > 1 else ''}: loss {first:.4f} → "
        f"{raw[-1]['loss']:.4f} (the loss of the last step, before its update)"
    )


def test_the_schemas_take_a_number_or_null_and_nothing_else() -> None:
    lines = json_lines(run([CORPUS[0]], Config()))
    run_event, end = lines[0], lines[-1]
    for good in (1.25, None):
        assert validate({**end, "loss_after": good}, run_event) is None
    for bad in ("1.2", True, [1.0]):
        assert "loss_after" in (validate({**end, "loss_after": bad}, run_event) or ""), bad
    rule = trace_line_schema()["$defs"]["event-end"]
    assert rule["properties"]["loss_after"] == {"anyOf": [{"type": "null"}, {"type": "number"}]}
    assert "loss_after" in rule["required"]


def test_a_loss_after_beyond_the_floats_ends_the_run_as_diverged() -> None:
    from bptt_trace.trace.events import EndEvent
    from bptt_trace.trace.finite import nonfinite

    problem = nonfinite(EndEvent(step=1, loss=1.0, warning=None, loss_after=float("inf")))
    assert problem == "the loss L after the last update became infinite"
