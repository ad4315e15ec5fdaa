"""``--replay`` holds a trace to the order and numbering its writer gives its events.

Specification (docs/schema.md, "Order"): after the run line, the step-0 params and the
predictions of each traced sentence; for every traced step k, the params of step k − 1 (k > 1),
per traced sentence its forward events t = 1 … T, its output events, its backward events
t = T … 1, blame, gates (gated cells), loss_gradients (when written), jacobians (the first
sentence and the first longest); the truncation event (under a scheme, and optional), the
whole step's gradients, the check (with --check, step 1), the update or each window's
gradients and update (chunk 1 … n); a train_step for every step, 1 … N in turn; the final
params and predictions, and one end event, last. A stop may come anywhere: diverged at the
step done or the next, interrupted at the step done (a stopped run's params and predictions of
that step before it), and a trace may be cut off between lines.

Every genuine trace replays (every cell × scheme × loss, --trace-every, --check, corpora, every
detail, a diverged, a stopped and a --compare-cells run). Every edit of the class "an event
removed, duplicated, moved, swapped with its neighbour, or one of its step, sentence, t or chunk
changed by one" is refused, except those that leave a genuine stream: the same places in the
same order, a prefix of the trace (cut off), or under --truncate the trace less its truncation
event (optional there: traces written before it lack it; --chunks and --tbptt came with it).
Which edits those are is decided here from the places of the events alone, not by the checker.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from trace_variants import CELLS, SCHEMES

from bptt_trace.cli.app import main
from bptt_trace.files.trace_reader import parse_lines
from bptt_trace.trace.order import TraceOrder

SENTENCE = "a b c d e"
CORPUS = "a b\nc d e f\ng h i\n"  # three sentences, the second the longest
STEPS = ["--steps", "4", "--trace-every", "3"]  # traced 1, 3, 4; step 2 untraced
PLACE = ("event", "step", "sentence", "t", "chunk")


@cache
def written(*args: str) -> tuple[str, ...]:
    """The lines of the trace the command writes under --json."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main([*args, "--json"])
    assert code in (0, 1)
    return tuple(out.getvalue().splitlines())


def corpus_file(tmp_path_factory: pytest.TempPathFactory, text: str) -> str:
    path = tmp_path_factory.mktemp("corpus") / "corpus.txt"
    path.write_text(text)
    return str(path)


def read(lines: list[str] | tuple[str, ...]) -> None:
    """The reader of --replay on these lines; InputError when it refuses them."""
    numbered = ((n, line.encode(), False) for n, line in enumerate(lines, start=1))
    parse_lines(numbered, "t.jsonl")


def place(event: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(event.get(key) for key in PLACE)


def order_problem(events: list[dict[str, Any]]) -> str | None:
    """What the order check says of a trace (its run event first), read to its end."""
    order = TraceOrder()
    for number, event in enumerate(events[1:], start=2):
        problem = order.problem(event, events[0])
        if problem is not None:
            return f"line {number}: {problem}"
    return order.end_problem()


# Every genuine variant replays.


@pytest.mark.parametrize("loss", ["last", "every"])
@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("cell", CELLS)
def test_every_genuine_variant_replays(cell: str, scheme: str, loss: str) -> None:
    read(written(SENTENCE, *CELLS[cell], *SCHEMES[scheme], "--loss", loss, *STEPS))


@pytest.mark.parametrize(
    "args",
    [
        ["--check"],
        ["--check", "--chunks", "2", *STEPS],
        ["--check", "--tbptt", "2:3", "--update-every", "sequence"],
        ["--detail", "summary", "--cell", "lstm", "--chunks", "2"],
        ["--detail", "full", "--loss", "every", "--tbptt", "1:2"],
        ["--steps", "7", "--trace-every", "3"],
    ],
    ids=lambda args: " ".join(args),
)
def test_genuine_traces_with_checks_details_and_trace_every_replay(args: list[str]) -> None:
    read(written(SENTENCE, *args))


@pytest.mark.parametrize("detail", ["auto", "full", "summary"])
@pytest.mark.parametrize("scheme", ["full", "chunks", "tbptt-sequence"])
def test_corpora_replay_at_every_detail(
    tmp_path_factory: pytest.TempPathFactory, detail: str, scheme: str
) -> None:
    """Ten sentences: --detail auto and summary trace the first 8, full all ten."""
    ten = "".join(f"w{i} x{'' if i % 3 else ' y z'}\n" for i in range(10))
    for text in (CORPUS, ten):
        path = corpus_file(tmp_path_factory, text)
        read(written("--file", path, "--detail", detail, *SCHEMES[scheme], *STEPS))


def test_diverged_runs_replay() -> None:
    for args in (
        ["a a a a", "--loss", "every", "--lr", "1e308", "--steps", "9"],  # at a step's start
        ["a a a a", "--loss", "every", "--lr", "1e308", "--steps", "9", "--chunks", "2"],
        ["I like NLP", "--activation", "relu", "--init-scale", "1e150"],  # at step 0
    ):
        lines = written(*args)
        assert json.loads(lines[-1])["event"] == "diverged"
        read(lines)


def test_the_traces_of_compare_cells_replay_each() -> None:
    lines = written("I like NLP", "--compare-cells")
    starts = [i for i, line in enumerate(lines) if json.loads(line)["event"] == "run"]
    assert len(starts) == 3
    for start, stop in zip(starts, [*starts[1:], len(lines)], strict=True):
        read(lines[start:stop])


def test_the_committed_trace_fixtures_replay() -> None:
    """Traces of earlier versions (no truncation event under --truncate among them)."""
    root = Path(__file__).parents[1]
    fixtures = sorted(root.glob("files/data/*.jsonl")) + sorted(root.glob("truncation/**/*.jsonl"))
    assert len(fixtures) >= 5
    for path in fixtures:
        read(path.read_text().splitlines())


# The class of edits: each removal, duplication, move, swap and renumbering.


def edits(events: list[dict[str, Any]]) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Every edit of the class on this trace (the run line, the reader's, left alone)."""
    n = len(events)
    for i in range(1, n):
        yield f"remove {i + 1}", events[:i] + events[i + 1 :]
        yield f"duplicate {i + 1}", [*events[: i + 1], events[i], *events[i + 1 :]]
        if i + 1 < n:
            yield f"swap {i + 1}", [*events[:i], events[i + 1], events[i], *events[i + 2 :]]
        for j in sorted({1, i - 3, i + 3, n - 1} - {i}):
            if 1 <= j < n:
                moved = events[:i] + events[i + 1 :]
                moved.insert(j, events[i])
                yield f"move {i + 1} to {j + 1}", moved
        for key in ("step", "sentence", "t", "chunk"):
            if events[i].get(key) is not None:
                for by in (-1, 1):
                    changed = {**events[i], key: events[i][key] + by}
                    yield f"{key} {by:+d} at {i + 1}", [*events[:i], changed, *events[i + 1 :]]


def genuine_after(
    original: list[tuple[Any, ...]], edited: list[tuple[Any, ...]], truncate: bool
) -> bool:
    """Whether an edit left a stream the writer makes: the same places, a prefix (a trace cut
    off), or under --truncate the trace less one of its truncation events (optional there:
    traces written before it lack it)."""
    if edited == original or edited == original[: len(edited)]:
        return True
    return truncate and any(
        edited == original[:k] + original[k + 1 :]
        for k, (kind, *_) in enumerate(original)
        if kind == "truncation"
    )


MUTATED = {
    "rnn chunks every": [SENTENCE, "--chunks", "2", "--loss", "every", *STEPS],
    "lstm tbptt sequence": [SENTENCE, "--cell", "lstm", *SCHEMES["tbptt-sequence"], *STEPS],
    "gru truncate check": ["a b c", "--cell", "gru", "--reset-after", "--truncate", "2", "--check"],
    "rnn full steps 3": ["a b c", "--steps", "3", "--loss", "every"],
}


@pytest.mark.parametrize("name", [*MUTATED, "corpus"])
def test_every_edit_of_order_or_numbering_is_refused(
    tmp_path_factory: pytest.TempPathFactory, name: str
) -> None:
    args = MUTATED.get(name) or ["--file", corpus_file(tmp_path_factory, CORPUS), "--tbptt", "2:3"]
    events = [json.loads(line) for line in written(*args)]
    original = [place(e) for e in events]
    assert order_problem(events) is None
    tried = refused = 0
    for what, edited in edits(events):
        tried += 1
        problem = order_problem(edited)
        if genuine_after(original, [place(e) for e in edited], "--truncate" in args):
            assert problem is None, (what, problem)
        else:
            assert problem is not None, what
            refused += 1
    assert refused > 0.9 * tried


# What the attacker tried, through the command line: one line, exit 2.


def lines_of(args: tuple[str, ...]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in written(*args)]


def at(events: list[dict[str, Any]], kind: str, **where: Any) -> int:
    return next(
        i
        for i, e in enumerate(events)
        if e["event"] == kind and all(e.get(k) == v for k, v in where.items())
    )


def moved(events: list[dict[str, Any]], i: int, j: int) -> list[dict[str, Any]]:
    out = events[:i] + events[i + 1 :]
    out.insert(j, events[i])
    return out


def renumbered_steps(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The run and params lines, four train_steps at 7, 3, 3, 900 and an end at 900."""
    steps = [7, 3, 3, 900]
    tail = [{"event": "train_step", "step": s, "loss": 0.5, "grad_norm": 0.1} for s in steps]
    end = {**events[-1], "step": 900}
    return [*events[:2], *tail, end]


ATTACKS: dict[str, Callable[[list[dict[str, Any]]], list[dict[str, Any]]]] = {
    "train_steps renumbered": renumbered_steps,
    "truncation after the windows": lambda ev: moved(
        ev, at(ev, "truncation"), at(ev, "train_step") - 1
    ),
    "truncation twice": lambda ev: ev[: at(ev, "truncation") + 1] + ev[at(ev, "truncation") :],
    "whole-step gradients removed": lambda ev: (
        ev[: at(ev, "gradients", chunk=None)] + ev[at(ev, "gradients", chunk=None) + 1 :]
    ),
    "whole-step gradients after the windows": lambda ev: moved(
        ev, at(ev, "gradients", chunk=None), at(ev, "train_step") - 1
    ),
    "forward t = 4 twice": lambda ev: (
        ev[: at(ev, "forward", t=4) + 1] + ev[at(ev, "forward", t=4) :]
    ),
    "train_step removed": lambda ev: ev[: at(ev, "train_step")] + ev[at(ev, "train_step") + 1 :],
    "final params removed": lambda ev: ev[:-3] + ev[-2:],
    "two end events": lambda ev: [*ev, ev[-1]],
    "end before the final params": lambda ev: [*ev[:-3], ev[-1], *ev[-3:-1]],
    "backward t = 1 after the windows": lambda ev: moved(
        ev, at(ev, "backward", t=1), at(ev, "train_step") - 1
    ),
}


@pytest.mark.parametrize("attack", ATTACKS)
def test_the_edits_found_are_refused_in_one_line(
    tmp_path: Path, refused: Callable[..., str], attack: str
) -> None:
    events = lines_of((SENTENCE, "--chunks", "2", "--loss", "every"))
    path = tmp_path / "edited.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in ATTACKS[attack](events)))
    err = refused(["--replay", str(path)], "line ")
    assert "out of order" in err or "closes the trace" in err


def test_renumbered_train_steps_are_refused_naming_what_was_expected(
    tmp_path: Path, refused: Callable[..., str]
) -> None:
    path = tmp_path / "ts.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in renumbered_steps(lines_of(("a b",)))))
    refused(
        ["--replay", str(path)],
        "line 3: train_step event of step 7 is out of order; expected the predictions event of "
        "step 0, sentence 0",
    )


# The ways a trace may end early.


def test_a_diverged_step_is_the_step_done_or_the_next() -> None:
    """The run diverged at step 3 (its loss), after the train_step of step 2: 2 (a step's
    params, looked at as step 3 began) and 3 are the steps a diverged event there may name."""
    events = lines_of(("a a a a", "--loss", "every", "--lr", "1e308", "--steps", "9"))
    assert [events[-2]["event"], events[-2]["step"], events[-1]["step"]] == ["train_step", 2, 3]
    for step, ok in ((1, False), (2, True), (3, True), (4, False)):
        edited = [*events[:-1], {**events[-1], "step": step}]
        assert (order_problem(edited) is None) == ok, step
    assert order_problem([*events, events[-1]]) is not None  # nothing after the closing event


def stopped_trace(stop_after: int) -> list[dict[str, Any]]:
    """A run of 4 steps (traced 1, 3, 4) stopped after ``stop_after``, as the loop writes it."""
    from bptt_trace.config import Config
    from bptt_trace.trace.loop import run

    done: list[int] = []
    config = Config(hidden=3, steps=4, trace_every=3, loss="every")
    events = run(
        [["a", "b", "c"], ["d", "e"]],
        config,
        on_step=lambda step, p: done.append(step),
        should_stop=lambda: bool(done) and done[-1] == stop_after,
    )
    return [json.loads(json.dumps(e.to_json("auto"))) for e in events]


@pytest.mark.parametrize("stop_after", [1, 2, 3])
def test_a_stopped_run_replays_and_its_step_is_the_step_done(stop_after: int) -> None:
    events = stopped_trace(stop_after)
    kinds = [e["event"] for e in events[-4:]]
    assert kinds == ["train_step", "params", "predictions", "predictions", "interrupted"][-4:]
    read([json.dumps(e) for e in events])
    for step in (stop_after - 1, stop_after + 1):
        assert order_problem([*events[:-1], {**events[-1], "step": step}]) is not None
    # as the command line closes a run stopped at once: the params of the step done, and
    # interrupted (no predictions)
    assert order_problem([*events[:-3], events[-1]]) is None
    # a stopped run's predictions are those of every traced sentence, in order
    assert order_problem([*events[:-3], events[-2], events[-3], events[-1]]) is not None
    assert order_problem([*events[:-3], events[-3], events[-1]]) is not None  # one of two


def test_interrupted_comes_after_the_step_zero_params_and_closes_the_trace() -> None:
    events = stopped_trace(1)
    closing = {**events[-1], "step": 0}
    assert order_problem([events[0], closing]) is not None
    assert order_problem([events[0], events[1], closing]) is None
    assert order_problem([*events, events[-1]]) is not None
