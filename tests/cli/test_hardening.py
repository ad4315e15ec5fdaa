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


@FAST
@given(
    sentence=sentences,
    steps=st.integers(1, 3),
    mode=st.sampled_from(["last", "every"]),
    truncate=st.none() | st.integers(1, 3),
    clip=st.none() | st.floats(0.01, 10),
    detail=st.sampled_from(["auto", "full", "summary"]),
    hidden=st.sampled_from([2, 4, 70]),
)
def test_events_survive_json_and_replay_renders_like_live(
    sentence, steps, mode, truncate, clip, detail, hidden
) -> None:
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


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
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
