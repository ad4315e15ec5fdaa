"""A structure-aware fuzzer of --replay: real traces of several kinds, mutated value by value
and event by event, must replay (exit 0) or be refused in one line (exit 2), never crash.

Each example takes one real trace (rnn/lstm/gru, --check, --truncate, --clip, a corpus with
predictions, --steps 5 with --trace-every, --detail summary), keeps the run event and a window
of its events (so that a render stays cheap; a trace without some events is still a trace the
reader must take or refuse), and applies one to three mutations: a value replaced by another
JSON type, a huge, negative, tiny or 401-digit number, a summary, a deep nest or a string with
control characters; a key deleted; a list emptied, shortened or an item duplicated; events
swapped, duplicated or deleted. The mutated trace is replayed in-process through the command
line's entry point, its tables rendered at 80 columns.

Hypothesis runs ``EXAMPLES`` examples, derandomized (the same examples on every run, so CI is
stable; a new mutation class is found by raising EXAMPLES locally, or by
``--hypothesis-seed`` with ``derandomize`` off).
"""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bptt_trace.cli.app import main
from bptt_trace.cli.request import Request
from bptt_trace.cli.run import execute

EXAMPLES = 2_000

KINDS: dict[str, list[str]] = {
    "rnn": ["I like NLP", "--steps", "2", "--loss", "every", "--check", "--clip", "0.5"],
    "truncated": ["a b c a", "--hidden", "2", "--truncate", "2", "--loss", "every", "--check"],
    "lstm": ["I like NLP", "--cell", "lstm", "--hidden", "2", "--loss", "every", "--steps", "2"],
    "gru": ["a b a", "--cell", "gru", "--hidden", "2", "--steps", "5", "--trace-every", "2"],
    "corpus": ["--file", "CORPUS", "--hidden", "2", "--steps", "3", "--clip", "1"],
    "summary": ["I like NLP", "--hidden", "9", "--detail", "summary", "--check", "--steps", "2"],
    "relu": ["x y", "--activation", "relu", "--hidden", "3", "--steps", "2", "--truncate", "1"],
}

SUMMARY = ("train_step", "predictions", "end", "diverged", "interrupted")
"""Events that are cheap to render: a window takes them all at times."""

_TRACES: dict[str, list[dict[str, Any]]] = {}


def real_trace(kind: str, folder: Path) -> list[dict[str, Any]]:
    """The events of a real trace of ``kind``, made once per session."""
    if kind not in _TRACES:
        corpus = folder / "corpus.txt"
        corpus.write_text("I like NLP\nyou like RNNs too\nwe learn\n")
        path = folder / f"{kind}.jsonl"
        args = [str(corpus) if a == "CORPUS" else a for a in KINDS[kind]]
        assert main([*args, "--quiet", "--json", "--output", str(path)]) in (0, 1)
        _TRACES[kind] = [json.loads(line) for line in path.read_text().splitlines()]
    return _TRACES[kind]


DEEP = "DEEP-NEST-PLACEHOLDER"

NUMBERS = [0, -1, 1, 2, 7, 0.5, -0.5, 1e-320, 1.7e308, -1.7e308, 2**31, 2**63, 10**30, 10**400]
STRINGS = ["", "x", "two", "\x1b[2J", "\x1b]0;owned\x07", "\u202e", "\x9b31m", "a\nb", "<eos>"]
SHAPES: list[Any] = [None, True, False, [], {}, [[]], [0.5], [[0.5]], {"summary": True}]


def summary_like(draw: st.DrawFn) -> dict[str, Any]:
    """A summary object, well formed or a little off."""
    shape = draw(st.lists(st.integers(0, 12), min_size=0, max_size=3))
    return {
        "summary": True,
        "shape": shape,
        "norm": draw(st.sampled_from([1.0, 0.0, -1.0, 1.7e308])),
        "min": -1.0,
        "max": 1.0,
        "head": [],
        "tail": [],
        "largest": draw(
            st.sampled_from([[], [[0, 1.0]], [[0, 0, 1.0]], [[99, 99, 1.0]], [[-1, 1.0]], [[1]]])
        ),
    }


@st.composite
def new_value(draw: st.DrawFn, old: Any) -> Any:
    """A value to put in place of ``old``, a copy: were SHAPES' own lists put in a trace, a
    later mutation of the same example (shorten, double) would change them for every example
    after it, and the derandomized examples would not be the same ones twice (hypothesis:
    FlakyStrategyDefinition)."""
    return copy.deepcopy(draw(any_value(old)))


@st.composite
def any_value(draw: st.DrawFn, old: Any) -> Any:
    choice = draw(st.integers(0, 9))
    if choice <= 2:
        return draw(st.sampled_from(NUMBERS))
    if choice == 3:
        return draw(st.sampled_from(STRINGS))
    if choice == 4:
        return draw(st.sampled_from(SHAPES))
    if choice == 5:
        return summary_like(draw)
    if choice == 6 and isinstance(old, (int, float)) and not isinstance(old, bool):
        return -old if old else draw(st.sampled_from(NUMBERS))
    if choice == 7:
        n = draw(st.integers(0, 12))
        return [draw(st.sampled_from([0.0, 1.0, -2.0, 1.7e308])) for _ in range(n)]
    if choice == 8:
        return DEEP
    return draw(st.sampled_from([*NUMBERS, *STRINGS, *SHAPES]))


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside ``value`` (keys and indices), the root excluded."""
    out: list[tuple[Any, ...]] = []
    if isinstance(value, (dict, list)):
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            out.append((*prefix, key))
            if len(out) < 400:
                out.extend(paths(item, (*prefix, key)))
    return out


@st.composite
def mutate_value(draw: st.DrawFn, event: dict[str, Any]) -> None:
    """One change inside one event, at a path chosen among all of its values."""
    every = [p for p in paths(event) if p != ("event",)]
    if not every:
        return
    path = draw(st.sampled_from(every))
    parent = event
    for key in path[:-1]:
        parent = parent[key]
    key, old = path[-1], parent[path[-1]]
    op = draw(st.sampled_from(["replace", "replace", "delete", "empty", "shorten", "double"]))
    if op == "delete":
        del parent[key]
    elif op == "empty" and isinstance(old, (list, dict)):
        parent[key] = type(old)()
    elif op == "shorten" and isinstance(old, list) and old:
        del old[draw(st.integers(0, len(old) - 1))]
    elif op == "double" and isinstance(old, list) and old:
        where = draw(st.integers(0, len(old) - 1))
        old.insert(where, json.loads(json.dumps(old[where])))
    else:
        parent[key] = draw(new_value(old))


@st.composite
def mutated_trace(draw: st.DrawFn, folder: Path) -> str:
    events = real_trace(draw(st.sampled_from(sorted(KINDS))), folder)
    start = draw(st.integers(1, len(events) - 1))
    window = [events[0], *events[start : start + draw(st.sampled_from([1, 2, 4, 8]))]]
    if draw(st.integers(0, 3)) == 0:  # and the events of the summary after training
        window += [e for e in events[start + 8 :] if e["event"] in SUMMARY]
    trace = json.loads(json.dumps(window))  # a copy to mutate
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(["value"] * 6 + ["swap", "duplicate", "delete", "config"]))
        i = draw(st.integers(1, len(trace) - 1)) if len(trace) > 1 else 0
        j = draw(st.integers(0, len(trace) - 1))
        if op == "value":
            draw(mutate_value(trace[draw(st.sampled_from([0, i, i, i]))]))
        elif op == "config":
            draw(mutate_value(trace[0]))
        elif op == "swap":
            trace[i], trace[j] = trace[j], trace[i]
        elif op == "duplicate":
            trace.insert(j, json.loads(json.dumps(trace[i])))
        elif len(trace) > 1:
            del trace[i]
    lines = [json.dumps(event, ensure_ascii=draw(st.booleans())) for event in trace]
    text = "\n".join(lines) + "\n"
    return text.replace(json.dumps(DEEP), "[" * 100_000 + "]" * 100_000, 1)


REPLAY = Request(
    **dict.fromkeys(["sentence", "hidden", "trace_every", "target", "activation"]),
    **dict.fromkeys(["truncate", "clip", "file", "output", "save", "load"]),
    lr=0.1,
    seed=0,
    steps=1,
    loss="last",
    json_out=False,
    precision=4,
    replay=Path("mutated.jsonl"),
    quiet=True,
    width=80,
    given=("--replay", "--width", "--quiet"),
)
"""The request of ``bptt-trace --replay mutated.jsonl --width 80 --quiet`` (the command
line's own parsing costs more than most replays)."""


@pytest.fixture(scope="module")
def fuzz_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("replay-fuzz")


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(data=st.data())
def test_a_mutated_trace_replays_or_is_refused_in_one_line(data, fuzz_folder, capsys) -> None:
    text = data.draw(mutated_trace(fuzz_folder))
    path = fuzz_folder / "mutated.jsonl"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    capsys.readouterr()
    code = execute(replace(REPLAY, replay=path))
    out, err = capsys.readouterr()
    assert code in (0, 2), (code, err)
    if code == 2:
        assert err.startswith("bptt-trace: error: --replay") and err.count("\n") == 1, err
        assert out == ""
    else:
        assert err == ""


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_real_trace_replays_whole(kind, fuzz_folder, capsys) -> None:
    """What the fuzzer mutates is valid to begin with: every kind replays, exit 0."""
    path = fuzz_folder / f"{kind}-whole.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in real_trace(kind, fuzz_folder)))
    capsys.readouterr()
    assert execute(replace(REPLAY, replay=path)) == 0, capsys.readouterr().err


def lists_within(value: Any) -> set[int]:
    """The identities of every list and object in ``value``, itself included."""
    if isinstance(value, list):
        return {id(value)}.union(*(lists_within(item) for item in value))
    if isinstance(value, dict):
        return {id(value)}.union(*(lists_within(item) for item in value.values()))
    return set()


@settings(max_examples=300, database=None)
@given(data=st.data(), old=st.sampled_from([0.5, [1.0], "x", {"summary": True}]))
def test_a_value_drawn_shares_no_list_with_the_values_it_is_drawn_from(data, old) -> None:
    shared = set().union(*(lists_within(shape) for shape in SHAPES))
    assert not lists_within(data.draw(new_value(old))) & shared


@pytest.mark.parametrize("kind", ["truncated", "relu"])
def test_a_whole_number_no_float_holds_in_a_truncation_event_is_refused(
    kind, fuzz_folder, capsys
) -> None:
    """Found by the fuzzer: 10**400 as a truncation metric ended the replay in an OverflowError
    (math.isfinite of an int past the floats). Every number of the event, in turn."""
    events = real_trace(kind, fuzz_folder)
    at = next(n for n, e in enumerate(events) if e["event"] == "truncation")
    path = fuzz_folder / f"{kind}-huge.jsonl"
    numbers = [p for p in paths(events[at]) if type(value_at(events[at], p)) in (int, float)]
    assert len(numbers) > 10
    for where in numbers:
        trace = copy.deepcopy(events)
        *parents, key = where
        parent = trace[at]
        for step in parents:
            parent = parent[step]
        parent[key] = 10**400
        path.write_text("".join(json.dumps(e) + "\n" for e in trace))
        capsys.readouterr()
        assert execute(replace(REPLAY, replay=path)) == 2, where
        err = capsys.readouterr().err
        assert err.startswith("bptt-trace: error: --replay") and err.count("\n") == 1, err


def value_at(value: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        value = value[key]
    return value
