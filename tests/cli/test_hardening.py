"""Hardening: properties over random inputs, bad input of every kind, a fuzzed reader."""

import io
import json
import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from oracles import NAMES, corpus_loss, max_relative_error, numeric_gradients, truncated_reference

from bptt_trace.cli.app import main
from bptt_trace.config import Config
from bptt_trace.core.batch import make_batch
from bptt_trace.core.bptt import backward, forward
from bptt_trace.core.cells import make_cell
from bptt_trace.core.model import init_params
from bptt_trace.core.tokens import build_vocab, tokenize
from bptt_trace.errors import InputError
from bptt_trace.files.jsonl import dumps
from bptt_trace.files.model_file import load_model
from bptt_trace.files.trace_reader import read_trace
from bptt_trace.rendering.renderer import make_console, render
from bptt_trace.trace.events import from_json
from bptt_trace.trace.loop import run

ROOT = Path(__file__).parents[2]
FAST = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

words = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")),
    min_size=1,
    max_size=12,
)
sentences = (
    st.lists(words, min_size=1, max_size=5)
    .map(" ".join)
    .filter(lambda s: 0 < len(tokenize(s)) <= 6)
)


@FAST
@given(
    sentence=sentences,
    hidden=st.integers(1, 4),
    mode=st.sampled_from(["last", "every"]),
    f=st.sampled_from(["tanh", "sigmoid", "relu"]),
    truncate=st.none() | st.integers(1, 4),
    seed=st.integers(0, 2**16),
)
def test_gradients_match_finite_differences_on_random_input(
    sentence, hidden, mode, f, truncate, seed
) -> None:
    tokens = tokenize(sentence)
    vocab = build_vocab([tokens])
    ids = [vocab.index(t) for t in tokens]
    eos = vocab.index("<eos>")
    cell = make_cell({"activation": f})
    p = init_params(cell, len(vocab), hidden, np.random.default_rng(seed))
    batch = make_batch([ids], eos, mode)
    fw = forward(cell, p, batch)
    if f == "relu":
        assume(np.min(np.abs(fw.cache[0, 1:])) > 0.02)  # aₜ away from relu's kink
    bw = backward(cell, p, batch, fw, truncate)
    if truncate is None:
        numeric = numeric_gradients(lambda q: corpus_loss(q, [ids], eos, mode, f), p)
    else:
        numeric = truncated_reference(p, ids, eos, mode, f, truncate)
    for name in NAMES:
        assert max_relative_error(bw.grads[name], numeric[name]) <= 1e-7, name


# 70 units cross every display size (a vector's 64 entries, a matrix's 1,024) under auto and
# summary. Under full, 70 units write the same kinds of arrays as 2 and 4 do, only 300 times
# the entries: 2.6 MB of tables to render twice, 8 s an example, for nothing the round trip
# could tell apart, so full goes with the small states.
SIZES = [(d, h) for d in ("auto", "full", "summary") for h in (2, 4, 70) if (d, h) != ("full", 70)]


@FAST
@given(
    sentence=sentences,
    steps=st.integers(1, 3),
    mode=st.sampled_from(["last", "every"]),
    truncate=st.none() | st.integers(1, 3),
    clip=st.none() | st.floats(0.01, 10),
    size=st.sampled_from(SIZES),
)
def test_events_survive_json_and_replay_renders_like_live(
    sentence, steps, mode, truncate, clip, size
) -> None:
    detail, hidden = size
    config = Config(
        hidden=hidden, steps=steps, loss=mode, truncate=truncate, clip=clip, detail=detail
    )
    events = list(run([tokenize(sentence)], config))
    lines = [dumps(e, detail) for e in events]
    back = [from_json(json.loads(line)) for line in lines]
    assert [dumps(e, detail) for e in back] == lines
    live, again = io.StringIO(), io.StringIO()
    render(events, make_console(file=live, width=100))
    render(back, make_console(file=again, width=100))
    assert again.getvalue() == live.getvalue()


_TRACES: dict[str, bytes] = {}


def good_trace(tmp_path: Path) -> bytes:
    """A valid trace with every kind of event, made once for all the fuzzing."""
    if "good" not in _TRACES:
        path = tmp_path / "good.jsonl"
        args = ["I like NLP", "--steps", "2", "--loss", "every", "--check", "--clip", "0.5"]
        assert main([*args, "--output", str(path)]) == 0
        _TRACES["good"] = path.read_bytes()
    return _TRACES["good"]


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_a_mutated_trace_replays_or_is_refused_cleanly(data, tmp_path_factory, capsys) -> None:
    tmp_path = tmp_path_factory.mktemp("fuzz")
    trace = bytearray(good_trace(tmp_path))
    for _ in range(data.draw(st.integers(1, 4))):
        where = data.draw(st.integers(0, len(trace) - 1))
        kind = data.draw(st.sampled_from(["delete", "insert", "replace", "cut", "number"]))
        if kind == "delete":
            del trace[where : where + data.draw(st.integers(1, 20))]
        elif kind == "insert":
            trace[where:where] = data.draw(st.binary(min_size=1, max_size=8))
        elif kind == "replace":
            trace[where] = data.draw(st.integers(0, 255))
        elif kind == "cut":
            del trace[where:]
        else:
            token = data.draw(
                st.sampled_from(
                    [b"-1", b"1e999", b"null", b'"x"', b"[]", b"{}", b"true", b"0.5", b"99999"]
                )
            )
            trace[where:where] = token
        if not trace:
            trace = bytearray(b"\n")
    path = tmp_path / "mutated.jsonl"
    path.write_bytes(bytes(trace))
    capsys.readouterr()
    code = main(["--replay", str(path)])
    err = capsys.readouterr().err
    assert code in (0, 2)
    if code == 2:
        assert err.startswith("bptt-trace: error: --replay") and err.count("\n") == 1


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_a_mutated_model_loads_or_is_refused_cleanly(data, tmp_path_factory, capsys) -> None:
    tmp_path = tmp_path_factory.mktemp("fuzzmodel")
    model = tmp_path / "m.npz"
    assert main(["I like NLP", "--json", "--save", str(model)]) == 0
    raw = bytearray(model.read_bytes())
    for _ in range(data.draw(st.integers(1, 6))):
        where = data.draw(st.integers(0, len(raw) - 1))
        if data.draw(st.booleans()):
            raw[where] = data.draw(st.integers(0, 255))
        else:
            del raw[where:]
            break
    model.write_bytes(bytes(raw))
    try:
        params, _, _ = load_model(model)
    except InputError as err:
        assert "\n" not in str(err)
        return
    for name in NAMES:
        assert np.isfinite(params[name]).all()


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["I like\x07 NLP"], "control character U+0007"),
        (["I like NLP", "--truncate", "0"], "--truncate must be at least 1"),
        (["I like NLP", "--clip", "0"], "--clip must be a finite number above 0"),
        (["I like NLP", "--clip", "-1"], "--clip"),
        (["I like NLP", "--clip", "nan"], "--clip"),
        (["I like NLP", "--precision", "-1"], "--precision"),
        (["I like NLP", "--steps", "-5"], "--steps"),
        (["I like NLP", "--loss", "sometimes"], "--loss"),
        (["I like NLP", "--target"], "--target"),
        (["I like NLP", "--target", ""], "--target must be one token"),
        (["I like NLP", "--target", "two words"], "--target must be one token"),
        (["--file", str(ROOT / "sentences")], "is a folder"),
        (["x " * 100_000], "limit of 50000"),
        (["I like NLP", "--replay", "t.jsonl"], "leave out a SENTENCE"),
        (["--file", "x.txt", "--replay", "t.jsonl"], "leave out --file"),
        (["I like NLP", "--export", "/no/such/dir/x.html"], "does not exist"),
        (["I like NLP", "--save", "/no/such/dir/m.npz"], "does not exist"),
        (["I like NLP", "--output", "/proc/x.jsonl"], "cannot be written"),
        (["--replay", "/no/such/trace.jsonl"], "no such file"),
        (["I like NLP", "--load", "/no/such/model.npz"], "no such file"),
    ],
)
def test_bad_input_gets_one_line_and_exit_2(args, says, refused) -> None:
    assert says in refused(args)


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"", "holds no sentence"),
        (b"# only\n# comments\n\n", "holds no sentence"),
        (b"I like \xff NLP\n", "is not UTF-8"),
        (b"\x00\x01\x02binary", "is a binary file"),
    ],
)
def test_bad_corpus_files(content: bytes, says: str, tmp_path: Path, refused) -> None:
    path = tmp_path / "corpus.txt"
    path.write_bytes(content)
    assert says in refused(["--file", str(path)])


def test_a_model_holding_nan_is_refused(tmp_path: Path, capsys) -> None:
    model = tmp_path / "m.npz"
    assert main(["I like NLP", "--json", "--save", str(model)]) == 0
    with np.load(model) as data:
        arrays = {k: data[k] for k in data.files}
    arrays["W_h"] = arrays["W_h"].copy()
    arrays["W_h"][0, 0] = np.nan
    np.savez(model, **arrays)
    capsys.readouterr()
    assert main(["I like NLP", "--load", str(model)]) == 2
    assert "NaN" in capsys.readouterr().err


def test_failing_runs_leave_existing_files_alone(tmp_path: Path, capsys) -> None:
    out, model, page = tmp_path / "t.jsonl", tmp_path / "m.npz", tmp_path / "p.html"
    for path in (out, model, page):
        path.write_text("precious")
    assert main(["", "--output", str(out), "--save", str(model), "--export", str(page)]) == 2
    assert main(["I like NLP", "--lr", "-1", "--output", str(out)]) == 2
    for path in (out, model, page):
        assert path.read_text() == "precious"
    assert sorted(os.listdir(tmp_path)) == ["m.npz", "p.html", "t.jsonl"]


def test_a_huge_finite_learning_rate_is_accepted(capsys) -> None:
    assert main(["I like NLP", "--lr", "1e308", "--steps", "3", "--json"]) in (0, 1)
    for line in capsys.readouterr().out.splitlines():
        json.loads(line, parse_constant=lambda c: pytest.fail(c))


def test_a_1000_character_token_works(capsys) -> None:
    assert main(["a" * 1000 + " b", "--json"]) == 0
    first = json.loads(capsys.readouterr().out.splitlines()[0])
    assert first["vocab"][0] == "a" * 1000


def test_json_and_output_give_the_same_bytes(tmp_path: Path, capsys) -> None:
    path = tmp_path / "t.jsonl"
    assert main(["I like NLP", "--steps", "3", "--json", "--output", str(path)]) == 0
    assert capsys.readouterr().out == path.read_text()


def test_read_trace_names_the_line_of_a_missing_field(tmp_path: Path) -> None:
    lines = good_trace(tmp_path).decode().splitlines()
    event = json.loads(lines[5])
    event.pop("step")
    lines[5] = json.dumps(event)
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match=r"line 6: .* lacks the field 'step'"):
        read_trace(bad)


def test_an_unreadable_corpus_file(tmp_path: Path, capsys, monkeypatch) -> None:
    path = tmp_path / "corpus.txt"
    path.write_text("I like NLP\n")

    def refuse(self: Path, *args: object, **kwargs: object) -> bytes:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", refuse)  # root reads any file; pretend not
    assert main(["--file", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot be read (Permission denied)" in err


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["I like NLP", "--seed", "-1"], "--seed must be a whole number 0 or more"),
        (["I like NLP", "--seed", "-99999999999"], "--seed must be a whole number 0 or more"),
        (["I like NLP", "--target", "\udcff"], "--target: the byte 0xFF is not UTF-8"),
        (["I like NLP", "--target", "\x1b[2J"], "--target"),
    ],
)
def test_numbers_and_tokens_refused_before_anything_runs(args, says, refused) -> None:
    assert says in refused(args)


@pytest.mark.parametrize(
    ("vocab", "says"),
    [
        (["I", "like", "NLP", "\x1b[2J"], "its vocabulary"),
        (["I", "like", "NLP", "\u202e"], "its vocabulary"),
        (["I", "like", "like", "<eos>"], "lists a token twice"),
    ],
)
def test_a_model_vocabulary_follows_the_token_rule(vocab, says, tmp_path: Path, refused) -> None:
    model = tmp_path / "m.npz"
    assert main(["I like NLP", "--save", str(model), "--json", "--quiet"]) == 0
    with np.load(model) as data:
        arrays = {k: data[k] for k in data.files}
    arrays["vocab"] = np.array(vocab)
    np.savez(model, **arrays)
    assert says in refused(["I like NLP", "--load", str(model)])


def test_a_full_disk_under_stdout_is_one_line_and_exit_2() -> None:
    import subprocess
    import sys

    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "bptt_trace", "I like NLP"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "stdout cannot be written" in done.stderr


# -- replay trusts nothing: the issue's examples, and one more of each class --------------

REPLAYED = {
    "rnn": ["I like NLP", "--steps", "2", "--loss", "every", "--check", "--clip", "0.5"],
    "lstm": ["I like NLP", "--cell", "lstm", "--hidden", "2", "--loss", "every"],
    "summary": ["I like NLP", "--hidden", "9", "--detail", "summary", "--steps", "2"],
}
_REPLAYED: dict[str, list[dict]] = {}


def replayed(kind: str, tmp_path: Path) -> list[dict]:
    """The events of a real trace (made once), as a fresh copy to mutate."""
    if kind not in _REPLAYED:
        path = tmp_path / f"{kind}.jsonl"
        assert main([*REPLAYED[kind], "--quiet", "--output", str(path), "--json"]) == 0
        _REPLAYED[kind] = [json.loads(line) for line in path.read_text().splitlines()]
    return json.loads(json.dumps(_REPLAYED[kind]))


def first(events: list[dict], kind: str, nth: int = 0) -> dict:
    return [e for e in events if e["event"] == kind][nth]


def set_in(kind: str, field: str, value: object, nth: int = 0):
    def mutate(events: list[dict]) -> None:
        event = first(events, kind, nth)
        *path, last = field.split(".")
        for key in path:
            event = event[int(key) if key.isdigit() else key]
        event[int(last) if last.isdigit() else last] = value

    return mutate


def shorten_loss_gradients(events: list[dict]) -> None:
    first(events, "loss_gradients")["W"].pop()


def predictions_twice_before(events: list[dict]) -> None:
    events.insert(2, json.loads(json.dumps(first(events, "predictions"))))


def empty_top_row(events: list[dict]) -> None:
    first(events, "predictions")["top"][1] = []


def losses_of(a: float, b: float):
    def mutate(events: list[dict]) -> None:
        first(events, "train_step", 0)["loss"] = a
        first(events, "train_step", 1)["loss"] = b

    return mutate


def no_predictions_after(events: list[dict]) -> None:
    events.remove(first(events, "predictions", 1))
    before = first(events, "predictions", 0)
    events.insert(-1, {**before, "step": 2, "sentence": 0})
    events.insert(-1, {**before, "step": 2, "sentence": 0})


DEEP = "DEEP-NEST"

ISSUE_EXAMPLES = [
    ("rnn", set_in("run", "config.clip", "x"), "config 'clip'"),
    ("rnn", set_in("run", "config.truncate", "two"), "config 'truncate'"),
    ("rnn", set_in("jacobians", "norms", []), "'norms'"),
    ("rnn", set_in("blame", "matrix", {"summary": True, "shape": [3, 3]}), "'matrix'"),
    ("summary", set_in("gradients", "W", [1.0, 2.0]), "'W'"),
    ("rnn", set_in("check", "checked", {}), "'checked'"),
    ("rnn", shorten_loss_gradients, "one gradient per entry of 'losses'"),
    ("rnn", predictions_twice_before, "predictions event"),
    ("rnn", empty_top_row, "'top'"),
    ("rnn", set_in("train_step", "loss", 10**400), "'loss'"),
    ("rnn", set_in("check", "tolerance", DEEP), "nests JSON too deeply"),
    ("rnn", set_in("jacobians", "first", 10**30), "'first'"),
]
"""The examples of the issue, each refused in one line."""

OUR_EXAMPLES = [
    ("lstm", set_in("run", "config.forget_bias", "x"), "config 'forget_bias'"),
    ("rnn", set_in("run", "config.detail", 5), "config 'detail'"),
    ("rnn", set_in("run", "config.cell", []), "config 'cell'"),
    ("rnn", set_in("blame", "losses", []), "'losses'"),
    ("rnn", set_in("loss_gradients", "b", {"summary": True, "shape": [3]}), "'b'"),
    ("summary", set_in("gradients", "W.largest", [[99, 0, 1.0]]), "inside its shape"),
    ("rnn", set_in("check", "total", {"W": 1}), "'total'"),
    ("rnn", set_in("blame", "matrix", [[0.1, 0.2, 0.3]]), "'matrix'"),
    ("rnn", no_predictions_after, "predictions event"),
    ("rnn", set_in("predictions", "top", [[["I", 0.5]], [["I", 0.5], ["NLP", 0.1]], []]), "'top'"),
    ("rnn", set_in("predictions", "targets", [None]), "'targets'"),
    ("rnn", set_in("predictions", "top.0.0.0", "\x1b[2J"), "'top'"),
    ("rnn", set_in("predictions", "tokens", ["I", "like", "RNNs"]), "'tokens'"),
    ("rnn", losses_of(1.7e308, -1.7e308), "'loss' should be ≥ 0"),
    ("rnn", set_in("forward", "token_index", 2**64), "'token_index'"),
    ("rnn", set_in("run", "config.steps", 10**400), "config 'steps'"),
    ("lstm", set_in("run", "config.forget_bias", 10**400), "config 'forget_bias'"),
    ("rnn", set_in("run", "config.clip", -(10**400)), "config 'clip'"),
    ("rnn", set_in("run", "config.lr", DEEP), "nests JSON too deeply"),
    ("rnn", set_in("jacobians", "first", 0), "'norms' should run"),
    ("lstm", set_in("gates", "products", [0.5, 1.7e308, 1.0]), "'products'"),
    ("lstm", set_in("gates", "saturation.f", [0.0]), "'saturation'"),
    ("rnn", set_in("forward", "token", "NLP"), "'token'"),
    ("rnn", set_in("output", "target_index", 0), "'target_index'"),
    ("rnn", set_in("update", "scale", 0.0), "'scale'"),
    ("rnn", set_in("end", "warning", "\x1b]0;owned\x07"), "'warning'"),
    ("rnn", set_in("jacobians", "verdict", "\u202estable"), "'verdict'"),
]
"""One more instance of each class, of our own."""


def write_events(events: list[dict], path: Path) -> Path:
    text = "\n".join(json.dumps(e, ensure_ascii=False) for e in events) + "\n"
    path.write_text(text.replace(json.dumps(DEEP), "[" * 100_000 + "]" * 100_000))
    return path


@pytest.mark.parametrize(("kind", "mutate", "says"), ISSUE_EXAMPLES + OUR_EXAMPLES)
def test_a_trace_the_renderer_cannot_show_is_refused(kind, mutate, says, tmp_path, refused) -> None:
    events = replayed(kind, tmp_path)
    mutate(events)
    trace = write_events(events, tmp_path / "t.jsonl")
    refused(["--replay", str(trace)], "--replay", says)


@pytest.mark.parametrize(
    "mutate",
    [
        losses_of(1.7e308, 1e-300),  # the loss curve's span is near the largest float
        losses_of(1.7e308, 1.7e308),
        set_in("jacobians", "norms", [0.0, 1.7e308, 1.0]),
        set_in("run", "config.seed", 2**53),
    ],
)
def test_extreme_but_valid_values_replay(mutate, tmp_path, capsys) -> None:
    events = replayed("rnn", tmp_path)
    mutate(events)
    trace = write_events(events, tmp_path / "t.jsonl")
    capsys.readouterr()
    assert main(["--replay", str(trace), "--width", "80"]) == 0
    assert capsys.readouterr().err.count("\n") <= 1


@pytest.mark.parametrize("where", ["bptt_trace.trace.loop.training", "bptt_trace.cli.run.stream"])
def test_running_out_of_memory_is_one_line_and_leaves_the_output(
    where: str, tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the estimates (which refuse what they know to be too large) a MemoryError is one
    line and exit 2, not a traceback, and an existing --output file is left as it was."""
    import importlib

    module, name = where.rsplit(".", 1)

    def exhausted(*args: object, **kwargs: object) -> object:
        raise MemoryError

    monkeypatch.setattr(importlib.import_module(module), name, exhausted)
    old = tmp_path / "t.jsonl"
    old.write_text('{"event": "kept"}\n')
    code = main(["I like NLP", "--output", str(old), "--quiet"])
    _, err = capsys.readouterr()
    assert code == 2
    [line] = err.strip().splitlines()
    assert line.startswith("bptt-trace: error: ran out of memory; use a smaller --hidden")
    assert old.read_text() == '{"event": "kept"}\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.jsonl"]
