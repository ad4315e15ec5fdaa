"""A replayed update's ``old`` is the parameters the run had before that update.

Specification: ``--replay`` refuses an ``update`` event (one line on stderr naming its step, its
chunk and the field, exit 2, no traceback) whose ``old`` differs from the parameters the trace
holds from just before it: for a whole-step update of step k, and for window 1 of a step under
``--update-every chunk``, the ``params`` event of step k − 1 (step 0: the initial parameters);
for window j > 1, the ``new`` of window j − 1's update. Every trace the tool writes holds them,
under ``--trace-every`` too (a traced step after an untraced one begins with its params event),
and replays; one whose params event was left out is refused by its order. The other way
round, a ``params`` event of step s that follows an update of step s (its last) must be that
update's ``new``: an edit has to carry on through the whole chain.

The tolerance is exact equality: the writer hands the same array to the event before and to the
update's ``old``, at the same detail, so both are the same JSON. That is checked here of the
genuine traces themselves (``test_a_genuine_old_is_the_json_of_the_parameters_before_it``), by
walking their events, not through the checker. An edit of ``old`` alone is refused by the
arithmetic (new = old − lr·applied); here ``old`` and ``new`` are edited together, the edited
``new`` recomputed as old − lr·applied, so that only the parameters before can tell.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from trace_variants import CELLS, SCHEMES

from bptt_trace.cli.app import main
from tests.clitools import run_cli

SENTENCE = "a b c d e"
REDO = "the trace was edited or damaged; write it again with --json"


def run(args: list[str]) -> tuple[int, str, str]:
    """The CLI in-process: its exit code, stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(args)
    return code, out.getvalue(), err.getvalue()


def trace_of(args: list[str]) -> list[dict[str, Any]]:
    code, out, err = run([*args, "--json"])
    assert code == 0, err
    return [json.loads(line) for line in out.splitlines()]


def replay(events: list[dict[str, Any]], folder: Path) -> tuple[int, str]:
    path = folder / "t.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in events))
    code, _, err = run(["--replay", str(path), "--quiet"])
    return code, err


def parameters(params_event: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params_event.items() if k not in ("event", "step")}


def pairs(events: list[dict[str, Any]]) -> list[tuple[int, dict[str, Any]]]:
    """Each update (its index) with the parameters the trace holds from just before it, found
    by the rule of the specification: the last params event or update before it, when that is
    params of step k − 1 (window 1 or a whole step of step k) or window j − 1 of step k."""
    found, last = [], None
    for i, e in enumerate(events):
        if e["event"] == "params":
            last = ("params", e["step"], None, parameters(e))
        elif e["event"] == "update":
            step, chunk = e["step"], e.get("chunk")
            if last is not None:
                kind, s, c, values = last
                if chunk in (None, 1) and kind == "params" and s == step - 1:
                    found.append((i, values))
                elif chunk is not None and chunk > 1 and (s, c) == (step, chunk - 1):
                    found.append((i, values))
            last = ("update", step, chunk, e["new"])
    return found


def followers(events: list[dict[str, Any]]) -> list[tuple[int, dict[str, Any]]]:
    """Each params event (its index) whose last params event or update before it is an update
    of its own step, with that update's new."""
    found, last = [], None
    for i, e in enumerate(events):
        if e["event"] == "params" and last is not None and last["step"] == e["step"]:
            found.append((i, last["new"]))
        if e["event"] in ("params", "update"):
            last = e if e["event"] == "update" else None
    return found


@pytest.mark.parametrize("scheme", SCHEMES, ids=list(SCHEMES))
@pytest.mark.parametrize("cell", CELLS, ids=list(CELLS))
def test_a_genuine_old_is_the_json_of_the_parameters_before_it(
    cell: str, scheme: str, tmp_path: Path
) -> None:
    """Steps 1, 3 and 4 traced (2 is not: step 3's parameters before are a params event after
    an untraced step); the detail alternates, so that whole arrays and summaries both occur."""
    detail = "summary" if (list(CELLS).index(cell) + list(SCHEMES).index(scheme)) % 2 else "auto"
    args = [SENTENCE, "--loss", "every", *CELLS[cell], *SCHEMES[scheme], "--detail", detail]
    events = trace_of([*args, "--steps", "4", "--trace-every", "3", "--clip", "0.5"])
    updates = [i for i, e in enumerate(events) if e["event"] == "update"]
    found = pairs(events)
    assert [i for i, _ in found] == updates  # every update of a genuine trace has them
    for i, before in found:
        assert events[i]["old"] == before  # the same JSON: equal floats, equal summaries
    after = followers(events)
    assert [events[i]["step"] for i, _ in after] == [3, 4]  # before step 4, and the last
    for i, new in after:
        assert parameters(events[i]) == new
    summaries = [v for i, _ in found for v in events[i]["old"].values() if isinstance(v, dict)]
    assert bool(summaries) == (detail == "summary")
    assert replay(events, tmp_path) == (0, "")


def test_a_loaded_models_first_update_starts_from_the_loaded_parameters(tmp_path: Path) -> None:
    model = tmp_path / "m.npz"
    assert run([SENTENCE, "--steps", "2", "--save", str(model), "--quiet"])[0] == 0
    events = trace_of([SENTENCE, "--load", str(model), "--chunks", "2"])
    assert replay(events, tmp_path) == (0, "")
    at = next(i for i, e in enumerate(events) if e["event"] == "update")
    events[at]["old"]["b"][0] += 1.0
    events[at]["new"]["b"][0] = events[at]["old"]["b"][0] - 0.1 * events[at]["applied"]["b"][0]
    code, err = replay(events, tmp_path)
    assert code == 2 and "its 'old' b is not the parameters before it" in err, err


def edit_together(update: dict[str, Any], name: str, index: tuple[int, ...], by: float) -> None:
    """old += by at ``index`` of ``name``, and new = old − lr·applied there, as the writer
    computes it: the update stays consistent with itself."""
    old, new, applied = (update[k][name] for k in ("old", "new", "applied"))
    for i in index[:-1]:
        old, new, applied = old[i], new[i], applied[i]
    old[index[-1]] += by
    new[index[-1]] = old[index[-1]] - update["lr"] * applied[index[-1]]


def nth_update(events: list[dict[str, Any]], step: int, chunk: int | None) -> int:
    return next(
        i
        for i, e in enumerate(events)
        if e["event"] == "update" and e["step"] == step and e.get("chunk") == chunk
    )


CASES = {
    "whole step 1, after params 0": ([], 1, None, "the params event of step 0"),
    "whole step 3, after an untraced step": ([], 3, None, "the params event of step 2"),
    "window 1, after params 2": (["--chunks", "2"], 3, 1, "the params event of step 2"),
    "window 3, after window 2": (
        ["--tbptt", "1:2"],
        1,
        3,
        "the 'new' of the update of step 1, chunk 2",
    ),
    "--update-every sequence": (
        ["--chunks", "2", "--update-every", "sequence"],
        4,
        None,
        "the params event of step 3",
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_old_and_new_edited_together_are_refused(case: str, tmp_path: Path) -> None:
    scheme, step, chunk, source = CASES[case]
    events = trace_of([SENTENCE, *scheme, "--steps", "4", "--trace-every", "3"])
    at = nth_update(events, step, chunk)
    update = events[at]
    lr, old = update["lr"], np.asarray(update["old"]["W_h"])
    edit_together(update, "W_h", (1, 2), 1e-3)
    o, a, n = (np.asarray(update[k]["W_h"]) for k in ("old", "applied", "new"))
    assert np.array_equal(n, o - lr * a) and not np.array_equal(o, old)  # consistent, and new
    code, err = replay(events, tmp_path)
    where = f"step {step}" + (f", chunk {chunk}" if chunk is not None else "")
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    assert err.endswith(
        f": line {at + 1}: the update of {where}: its 'old' W_h is not the parameters before "
        f"it, {source} (W_h[1, 2] off by 0.001); {REDO}\n"
    ), err


def test_the_smallest_change_is_refused(tmp_path: Path) -> None:
    """One unit in the last place of one entry: equality, not a tolerance."""
    events = trace_of([SENTENCE, "--chunks", "2", "--cell", "lstm"])
    at = nth_update(events, 1, 2)
    x = events[at]["old"]["b_f"][3]
    edit_together(events[at], "b_f", (3,), float(np.nextafter(x, np.inf)) - x)
    code, err = replay(events, tmp_path)
    assert code == 2 and "its 'old' b_f is not the parameters before it" in err, err
    assert "b_f[3] off by" in err


def shown_entry(u: dict[str, Any], name: str) -> None:
    """A head entry of old (inside its min and max, not among its largest) moved by 1e-9 of
    itself, and new's recomputed as old − lr·applied from the entries the summaries show."""
    old, new, applied = (u[key][name] for key in ("old", "new", "applied"))
    largest = {tuple(e[:-1]) for e in old["largest"]}
    col = next(
        j
        for j, v in enumerate(old["head"][0])
        if (0, j) not in largest and old["min"] < 2 * v < old["max"] and v != 0
    )
    old["head"][0][col] *= 1 + 1e-9
    new["head"][0][col] = old["head"][0][col] - u["lr"] * applied["head"][0][col]


def norm(u: dict[str, Any], name: str) -> None:
    for key in ("old", "new"):  # each norm still within the sum of the other two
        u[key][name]["norm"] *= 1 + 1e-12


def minimum(u: dict[str, Any], name: str) -> None:
    for key in ("old", "new"):  # old's and new's extremes still as far apart
        u[key][name]["min"] -= 1e-9


SUMMARY_EDITS = {"a shown entry": shown_entry, "the norm": norm, "the minimum": minimum}


@pytest.mark.parametrize("edit", SUMMARY_EDITS, ids=list(SUMMARY_EDITS))
@pytest.mark.parametrize(
    ("args", "name"),
    [
        (["I like NLP", "--detail", "summary", "--steps", "2"], "W"),
        (["I like NLP", "--hidden", "70", "--steps", "2", "--chunks", "2"], "W_h"),  # auto
    ],
    ids=["--detail summary", "--detail auto, 70×70"],
)
def test_summarised_parameters_are_held_to_what_their_summaries_show(
    edit: str, args: list[str], name: str, tmp_path: Path
) -> None:
    """Each edit passes the update's own checks (it is refused by the parameters before it
    alone): old and new stay within what their summaries allow of each other."""
    events = trace_of(args)
    at = max(i for i, e in enumerate(events) if e["event"] == "update")
    assert events[at]["old"][name]["summary"] is True
    SUMMARY_EDITS[edit](events[at], name)
    code, err = replay(events, tmp_path)
    assert code == 2 and err.count("\n") == 1, err
    assert f"its 'old' {name} is not the parameters before it" in err, err
    assert "(their summaries' entries, norms, minima or maxima differ)" in err, err


def test_old_written_whole_where_the_parameters_before_are_a_summary_is_refused(
    tmp_path: Path,
) -> None:
    from bptt_trace.trace.summary import summarize

    events = trace_of(["I like NLP", "--detail", "full"])
    events[1]["W"] = summarize(np.asarray(events[1]["W"]))  # the params event of step 0
    code, err = replay(events, tmp_path)
    assert code == 2 and "its 'old' W is not written as in the params event of step 0" in err


@pytest.mark.parametrize(
    ("args", "step"),
    [
        ([SENTENCE, "--steps", "4", "--trace-every", "3"], 2),  # after an untraced step
        ([SENTENCE, "--steps", "2"], 1),  # after a traced step
    ],
)
def test_a_trace_without_the_params_event_before_a_traced_step_is_refused(
    tmp_path: Path, args: list[str], step: int
) -> None:
    """The writer puts the params event of step k − 1 before every traced step k > 1, so the
    parameters before every update are in a genuine trace; one that lacks them is refused
    by its order (docs/schema.md, Order), before anything is compared with them."""
    events = trace_of(args)
    gone = next(i for i, e in enumerate(events) if e["event"] == "params" and e["step"] == step)
    code, err = replay(events[:gone] + events[gone + 1 :], tmp_path)
    assert code == 2, err
    assert f"line {gone + 1}: forward event of step {step + 1}, sentence 0, t = 1 is out of " in err
    assert f"expected the params event of step {step} " in err


PARAMS_CASES = {
    "after a whole step": ([SENTENCE, "--steps", "2", "--trace-every", "1"], 1, ""),
    "after the last window": (
        [SENTENCE, "--steps", "2", "--trace-every", "1", "--tbptt", "2:3"],
        1,
        ", chunk 3",
    ),
    "the last": ([SENTENCE, "--chunks", "2", "--detail", "summary"], 1, ", chunk 3"),
}


@pytest.mark.parametrize("case", PARAMS_CASES, ids=list(PARAMS_CASES))
def test_a_params_event_after_its_steps_update_is_that_updates_new(
    case: str, tmp_path: Path
) -> None:
    """Edited alone, or with the next update's old and new (the edit carried on): refused at
    the params event, the first line that disagrees."""
    args, step, chunk = PARAMS_CASES[case]
    events = trace_of(args)
    at = next(i for i, e in enumerate(events) if e["event"] == "params" and e["step"] == step)
    events[at]["b_output"][2] += 0.125
    nxt = [i for i, e in enumerate(events) if e["event"] == "update" and e["step"] == step + 1]
    if nxt:
        edit_together(events[nxt[0]], "b_output", (2,), 0.125)
    code, err = replay(events, tmp_path)
    assert code == 2 and err.count("\n") == 1, err
    assert err.endswith(
        f": line {at + 1}: the params event of step {step}: its b_output is not the 'new' of "
        f"the update of step {step}{chunk} before it (b_output[2] off by 0.12); {REDO}\n"
    ), err


def test_a_stopped_runs_last_params_event_is_its_last_updates_new(tmp_path: Path) -> None:
    """The trace of a run stopped after step 1 of 3 (as Ctrl-C stops it): step 1's params
    event, then ``interrupted``."""
    from bptt_trace.config import Config
    from bptt_trace.files.jsonl import dumps
    from bptt_trace.trace.loop import run as training

    config = Config(steps=3, chunks=2, update_every="chunk")
    events = [
        json.loads(dumps(e)) for e in training([SENTENCE.split()], config, should_stop=lambda: True)
    ]
    assert [e["event"] for e in events[-3:]] == ["params", "predictions", "interrupted"]
    assert replay(events, tmp_path) == (0, "")
    events[-3]["W"][0][0] = 0.5
    code, err = replay(events, tmp_path)
    assert code == 2 and "the params event of step 1: its W is not the 'new' of the update" in err


def test_a_refusal_as_a_user_sees_it(tmp_path: Path) -> None:
    """A separate process: one line, exit 2, nothing on stdout."""
    events = trace_of([SENTENCE, "--chunks", "2"])
    at = nth_update(events, 1, 2)
    edit_together(events[at], "b", (0,), 0.25)
    path = tmp_path / "t.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in events))
    proc = run_cli(["--replay", str(path), "--width", "80"])
    assert (proc.returncode, proc.stdout) == (2, b"")
    assert proc.stderr.decode() == (
        f"bptt-trace: error: --replay {path}: line {at + 1}: the update of step 1, chunk 2: "
        "its 'old' b is not the parameters before it, the 'new' of the update of step 1, "
        f"chunk 1 (b[0] off by 0.25); {REDO}\n"
    )
