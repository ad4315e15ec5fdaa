"""The JSON Lines contract: the four fixed events, their fields and shapes, exact floats."""

import json

import numpy as np
from numpy.testing import assert_allclose
from oracles import NAMES, corpus_loss, hidden_states

from bptt_trace.config import Config
from bptt_trace.files.jsonl import dumps
from bptt_trace.trace.events import from_json
from bptt_trace.trace.loop import run, trace_sentence

SEED = ["I", "like", "NLP"]


def events(sentence: str = "I like NLP", **config) -> list[dict]:
    return [json.loads(dumps(e)) for e in trace_sentence(sentence, Config(**config))]


def test_first_line_is_the_run_event() -> None:
    first = events(lr=0.001)[0]
    assert first["event"] == "run"
    assert first["schema"] == 1
    assert first["vocab"] == ["I", "like", "NLP", "<eos>"]
    assert first["sentences"] == [SEED]
    cfg = first["config"]
    assert {"hidden", "lr", "seed", "activation", "loss", "target"} <= set(cfg)
    assert (cfg["hidden"], cfg["lr"], cfg["activation"], cfg["loss"], cfg["target"]) == (
        4,
        0.001,
        "tanh",
        "last",
        "<eos>",
    )


def test_params_event_holds_the_initial_parameters_in_their_shapes() -> None:
    params = next(e for e in events(hidden=3) if e["event"] == "params")
    assert params["step"] == 0
    shapes = {"W": (4, 3), "W_h": (3, 3), "b": (3,), "V": (3, 4), "b_output": (4,)}
    for name, shape in shapes.items():
        assert np.asarray(params[name]).shape == shape
    assert params["b"] == [0.0, 0.0, 0.0] and params["b_output"] == [0.0] * 4


def test_forward_events_match_an_independent_forward_pass() -> None:
    stream = events(hidden=4)
    p = {n: np.asarray(stream[1][n]) for n in NAMES}
    h = hidden_states(p, [0, 1, 2], "tanh")
    forward = [e for e in stream if e["event"] == "forward"]
    assert [(e["step"], e["sentence"], e["t"], e["token"]) for e in forward] == [
        (1, 0, 1, "I"),
        (1, 0, 2, "like"),
        (1, 0, 3, "NLP"),
    ]
    for e in forward:
        assert_allclose(e["h"], h[e["t"]], rtol=1e-14, atol=1e-15)
        assert_allclose(np.tanh(e["a"]), e["h"], rtol=1e-14, atol=1e-15)
        assert_allclose(np.add(np.add(e["x_W"], e["h_prev_W_h"]), e["b"]), e["a"], atol=1e-15)


def test_gradients_event_holds_the_loss_and_all_five_gradients() -> None:
    stream = events(lr=0.001)
    grads = next(e for e in stream if e["event"] == "gradients")
    assert grads["step"] == 1
    p = {n: np.asarray(stream[1][n]) for n in NAMES}
    assert_allclose(grads["loss"], corpus_loss(p, [[0, 1, 2]], 3, "last", "tanh"), rtol=1e-14)
    for name in NAMES:
        assert np.asarray(grads[name]).shape == p[name].shape


def test_running_sums_after_t_1_are_the_gradients() -> None:
    stream = events("BPTT lets the loss blame earlier steps")
    grads = next(e for e in stream if e["event"] == "gradients")
    last = [e for e in stream if e["event"] == "backward"][-1]
    assert last["t"] == 1
    assert_allclose(last["sum_W"], grads["W"], atol=1e-15)
    assert_allclose(last["sum_W_h"], grads["W_h"], atol=1e-15)
    assert_allclose(last["sum_b"], grads["b"], atol=1e-15)


def test_update_is_gradient_descent() -> None:
    stream = events(lr=0.001)
    update = next(e for e in stream if e["event"] == "update")
    grads = next(e for e in stream if e["event"] == "gradients")
    for name in NAMES:
        expected = np.asarray(stream[1][name]) - 0.001 * np.asarray(grads[name])
        assert_allclose(update["new"][name], expected, rtol=0, atol=0)


def test_floats_round_trip_exactly_and_events_read_back() -> None:
    for event in trace_sentence("I like NLP", Config(steps=3)):
        line = dumps(event)
        again = from_json(json.loads(line))
        assert dumps(again) == line


def test_the_same_seed_gives_identical_output_and_another_seed_does_not() -> None:
    one = [dumps(e) for e in trace_sentence("I like NLP", Config(seed=7))]
    two = [dumps(e) for e in trace_sentence("I like NLP", Config(seed=7))]
    other = [dumps(e) for e in trace_sentence("I like NLP", Config(seed=8))]
    assert one == two
    assert one != other


def test_a_finished_run_ends_with_the_end_event() -> None:
    stream = [e.to_json() for e in run([SEED], Config(steps=5))]
    assert stream[-1]["event"] == "end"
    assert [e["step"] for e in stream if e["event"] == "train_step"] == [1, 2, 3, 4, 5]
    traced = sorted({e["step"] for e in stream if e["event"] == "gradients"})
    assert traced == [1, 5]


def test_every_event_and_field_is_in_the_schema_code_and_document() -> None:
    from dataclasses import fields
    from pathlib import Path

    from bptt_trace.trace.events import EVENT_TYPES
    from bptt_trace.trace.schema import OMITTED, cell_of, event_fields

    doc = (Path(__file__).parents[2] / "docs" / "schema.md").read_text()
    schema = event_fields(cell_of("rnn", "tanh"))
    assert set(EVENT_TYPES) == set(schema)
    written: dict[str, set[str]] = {}  # the fields each event type writes, in a real trace
    for event in run([["a", "b", "a"]], Config(loss="every", check=True, steps=2)):
        written.setdefault(event.kind, set()).update(event.to_json())
    for kind, cls in EVENT_TYPES.items():
        names = {field.name for field in fields(cls) if field.name != cls.spliced}
        assert names <= set(schema[kind]), kind
        if kind in written:
            omitted = set(OMITTED.get(kind, ()))  # written only under a windowed scheme
            assert written[kind] - {"event"} == set(schema[kind]) - omitted, kind
        assert f"`{kind}`" in doc, kind
        assert all(f"`{name}`" in doc for name in schema[kind]), kind
