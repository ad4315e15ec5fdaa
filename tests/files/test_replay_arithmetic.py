"""A replayed update agrees with its run and with itself.

Specification: ``--replay`` refuses an ``update`` event (one line on stderr naming the field,
exit 2, no traceback) unless its ``lr`` is the run's α, its ``scale`` the run's clipping of its
``grad_norm``, ``applied`` = scale·(the gradients event of its step and chunk), ``grad_norm`` =
‖those gradients‖ over every parameter, and new = old − lr·applied entry by entry, each within
what float64 rounding allows; and every trace the tool writes still replays, byte for byte.

The tolerances here are stated from the rounding of the writer's arithmetic, independently of
the checker: new = old − (lr·scale)·g takes three roundings and its check three more, each of at
most eps/2 of its operands, so |new − (old − lr·applied)| ≤ 4·eps·(|old| + |lr·applied|); a sum
of N squares is within N·eps of itself in any order. A perturbation four times past these is
refused.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bptt_trace.cli.app import main
from tests.clitools import run_cli

ROOT = Path(__file__).parents[2]
DATA = Path(__file__).parent / "data"
SENTENCE = "a b c d e f g h"
EPS = sys.float_info.epsilon
CELLS = [["--cell", "rnn"], ["--cell", "lstm"], ["--cell", "gru"]]
SCHEMES = [
    [],
    ["--chunks", "3"],
    ["--tbptt", "2:3"],
    ["--chunks", "3", "--update-every", "sequence"],
]
CLIPS = [[], ["--clip", "0.5"]]
DETAILS = ["auto", "full", "summary"]


def run(args: list[str], stdin: str | None = None) -> tuple[int, str, str]:
    """The CLI in-process: its exit code, stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(args)
    return code, out.getvalue(), err.getvalue()


def write_trace(args: list[str], path: Path) -> list[dict[str, Any]]:
    code, out, _ = run([*args, "--json"])
    assert code == 0
    path.write_text(out)
    return [json.loads(line) for line in out.splitlines()]


@pytest.mark.parametrize("detail", DETAILS)
@pytest.mark.parametrize("clip", CLIPS, ids=["no-clip", "clip"])
@pytest.mark.parametrize("scheme", SCHEMES, ids=["full", "chunks", "tbptt", "chunks-sequence"])
@pytest.mark.parametrize("cell", CELLS, ids=["rnn", "lstm", "gru"])
def test_every_genuine_trace_replays(cell, scheme, clip, detail, tmp_path: Path) -> None:
    trace = tmp_path / "t.jsonl"
    args = [SENTENCE, "--loss", "every", *cell, *scheme, *clip, "--detail", detail]
    events = write_trace(args, trace)
    updates = [e for e in events if e["event"] == "update"]
    assert updates and (not clip or any(u["scale"] < 1 for u in updates))
    code, _, err = run(["--replay", str(trace), "--quiet"])
    assert (code, err.count("error")) == (0, 0), err


BYTE_IDENTICAL = [
    [SENTENCE, "--loss", "every", *cell, *scheme, *clip, "--detail", detail]
    for i, (cell, scheme, clip) in enumerate(
        (cell, scheme, clip) for cell in CELLS for scheme in SCHEMES[:3] for clip in CLIPS
    )
    for detail in [DETAILS[i % 3]]
] + [
    ["I like NLP", "--steps", "3"],
    ["I like NLP", "--chunks", "1", "--clip", "0.1", "--steps", "2"],  # windows without a loss
    ["I like NLP", "--cell", "gru", "--reset-after", "--steps", "3", "--clip", "0.1"],
    ["--file", str(ROOT / "sentences" / "small.txt"), "--steps", "3", "--chunks", "2"],
]


@pytest.mark.parametrize("args", BYTE_IDENTICAL, ids=lambda a: " ".join(a[1:]))
def test_replay_draws_the_live_tables_byte_for_byte(args, tmp_path: Path) -> None:
    trace = tmp_path / "t.jsonl"
    code, live, _ = run([*args, "--width", "80", "--output", str(trace)])
    assert code == 0
    code, replayed, _ = run(["--replay", str(trace), "--width", "80"])
    assert code == 0 and replayed == live


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.glob("*.jsonl")))
def test_the_traces_of_earlier_versions_still_replay(name: str) -> None:
    code, _, err = run(["--replay", str(DATA / name), "--quiet"])
    assert code == 0, err


TRACES = [
    [SENTENCE, "--loss", "every", "--chunks", "3", "--clip", "0.5"],
    [SENTENCE, "--cell", "lstm", "--tbptt", "2:3", "--loss", "every"],
    [SENTENCE, "--cell", "gru", "--clip", "0.3", "--detail", "full"],
    ["I like NLP", "--steps", "2", "--trace-every", "1"],
]
FIELDS = ["lr", "grad_norm", "old", "applied", "new", "grads", "old and new"]


@pytest.fixture(scope="module")
def genuine(tmp_path_factory) -> list[list[str]]:
    folder = tmp_path_factory.mktemp("genuine")
    traces = []
    for i, args in enumerate(TRACES):
        write_trace(args, folder / f"{i}.jsonl")
        traces.append((folder / f"{i}.jsonl").read_text().splitlines())
    return traces


def refusal(lines: list[str], folder: Path) -> tuple[int, str, str]:
    path = folder / "edited.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return run(["--replay", str(path), "--quiet"])


def param_names(update: dict[str, Any]) -> list[str]:
    return list(update["old"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_one_number_of_an_update_changed_past_rounding_is_refused(
    data, genuine, tmp_path_factory
) -> None:
    lines = list(genuine[data.draw(st.integers(0, len(genuine) - 1), label="trace")])
    events = [json.loads(line) for line in lines]
    at = data.draw(st.sampled_from([i for i, e in enumerate(events) if e["event"] == "update"]))
    update = events[at]
    grads_at = max(
        i
        for i, e in enumerate(events[:at])
        if e["event"] == "gradients" and e.get("chunk") == update.get("chunk")
    )
    field = data.draw(st.sampled_from(FIELDS), label="field")
    grow = 10 ** data.draw(st.floats(0, 30), label="log10 of the factor past the tolerance")
    sign = data.draw(st.sampled_from([1, -1]))
    lr, names = update["lr"], param_names(update)
    size = sum(np.size(events[grads_at][n]) for n in names)
    if field in ("lr", "grad_norm"):
        x = update[field]
        relative = 4 * (EPS if field == "lr" else (size + 8) * EPS) * grow
        update[field] = x * (1 + sign * min(relative, 0.5) if sign < 0 else 1 + relative)
        expected = f"'{field}'"
    else:
        host = events[grads_at] if field == "grads" else update[field.split()[0]]
        names = [n for n in names if np.any(np.asarray(host[n], dtype=float))]
        name = data.draw(st.sampled_from(names), label="parameter")
        array = np.asarray(host[name], dtype=float)
        nonzero = np.flatnonzero(array)
        flat = int(data.draw(st.sampled_from(nonzero.tolist()), label="entry"))
        index = np.unravel_index(flat, array.shape)
        o = np.asarray(update["old"][name], dtype=float)[index]
        a = np.asarray(update["applied"][name], dtype=float)[index]
        x = float(array[index])
        if field in ("old", "new", "old and new"):  # new = old − lr·applied within
            # 4·eps·(|old| + |lr·applied|)
            tolerance = 4 * EPS * (abs(o) + abs(lr * a))
        else:  # applied = scale·grads within 2·eps of it: either one 2·eps of itself off
            tolerance = 2 * EPS * abs(x)
        changed = x * (1 + sign * 4 * grow * tolerance / abs(x))
        target = host[name]
        for i in index[:-1]:
            target = target[int(i)]
        target[int(index[-1])] = changed
        expected = f"'{name}'" if field == "grads" else f"'{field}'"
        if field == "old and new":  # new recomputed from it: only the parameters before tell
            new = update["new"][name]
            for i in index[:-1]:
                new = new[int(i)]
            new[int(index[-1])] = changed - lr * a
            expected = f"its 'old' {name} is not the parameters before it"
        at = grads_at if field == "grads" else at
        events[at] = host if field == "grads" else update
    lines[at] = json.dumps(events[at])
    code, _, err = refusal(lines, tmp_path_factory.mktemp("edited"))
    assert code == 2
    assert err.startswith("bptt-trace: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err and expected in err, err
    assert "the trace was edited or damaged; write it again with --json" in err


def test_the_testers_edits_are_refused_as_a_user_runs_it(tmp_path: Path) -> None:
    """The first report, as a separate process: a window's update with lr = 1e308."""
    trace = tmp_path / "t.jsonl"
    events = write_trace([SENTENCE, "--chunks", "2", "--loss", "every"], trace)
    at = next(i for i, e in enumerate(events) if e["event"] == "update" and e["chunk"] == 2)
    events[at]["lr"] = 1e308
    trace.write_text("".join(json.dumps(e) + "\n" for e in events))
    proc = run_cli(["--replay", str(trace), "--width", "80"])
    err = proc.stderr.decode()
    assert proc.returncode == 2 and proc.stdout == b""
    assert err == (
        f"bptt-trace: error: --replay {trace}: line {at + 1}: the update's 'lr' is 1e+308, not "
        "the run's α (config 'lr') 0.1; the trace was edited or damaged; write it again with "
        "--json\n"
    )


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (
            lambda e: e["new"]["W"][0].__setitem__(0, 1e300),
            "'new' is not 'old' − lr·'applied' (W[0, 0] off by 1e+300)",
        ),
        (lambda e: e["applied"]["b"].__setitem__(1, 1e300), "'applied' b is not scale·'b'"),
        (lambda e: e.__setitem__("scale", 0.5), "'scale' is 0.5, not 1 (the run has no --clip)"),
    ],
)
def test_an_update_without_a_scheme_is_checked_too(edit, words, tmp_path: Path) -> None:
    trace = tmp_path / "t.jsonl"
    events = write_trace(["I like NLP"], trace)
    at = next(i for i, e in enumerate(events) if e["event"] == "update")
    edit(events[at])
    code, _, err = refusal([json.dumps(e) for e in events], tmp_path)
    assert code == 2 and f"line {at + 1}: the update's {words}" in err, err


def summary_trace(tmp_path: Path) -> tuple[list[dict[str, Any]], int]:
    events = write_trace(["I like NLP", "--detail", "summary"], tmp_path / "s.jsonl")
    return events, next(i for i, e in enumerate(events) if e["event"] == "update")


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (
            lambda u: u["new"]["W"]["head"][0].__setitem__(
                0, (u["new"]["W"]["min"] + u["new"]["W"]["max"]) / 2
            ),
            "'new' W is not 'old' − lr·'applied' (the entry at [0, 0] off by",
        ),
        (
            lambda u: u["new"]["W"].__setitem__("norm", 1e300),
            "'new' W is not 'old' − lr·'applied' (their norms)",
        ),
        (
            lambda u: u["new"]["W"].__setitem__("max", 1e3),
            "'new' W is not 'old' − lr·'applied' (their minima and maxima)",
        ),
        (
            lambda u: u["applied"]["W"].__setitem__("max", u["applied"]["W"]["min"]),
            "between its min and max",
        ),
        (lambda u: u["new"]["W"].__setitem__("head", [["x"]]), "head and tail"),
        (
            lambda u: u["new"].__setitem__("W", [[0.0] * 4] * 4),
            "'old', 'applied' and 'new' W are not written alike",
        ),
        (
            lambda u: u["old"].__setitem__("\x1b[2J" * 99, [0.0]),
            "(it has '\\x1b[2J",
        ),
        (lambda u: u["new"]["W"].__setitem__("shape", [5, 4]), "a summary of shape [4, 4]"),
    ],
)
def test_summaries_are_held_to_what_they_allow(edit, words, tmp_path: Path) -> None:
    events, at = summary_trace(tmp_path)
    assert events[at]["new"]["W"]["summary"] is True
    edit(events[at])
    code, _, err = refusal([json.dumps(e) for e in events], tmp_path)
    assert code == 2 and words in err and err.count("\n") == 1, err


def test_a_number_of_too_many_digits_is_named_without_pythons_advice(tmp_path: Path) -> None:
    events = write_trace(["I like NLP"], tmp_path / "t.jsonl")
    lines = [json.dumps(e) for e in events]
    lines[1] = lines[1].replace('"step": 0', '"step": ' + "1" * 5000, 1)
    code, _, err = refusal(lines, tmp_path)
    assert code == 2 and "sys.set_int_max_str_digits" not in err
    assert "line 2 holds a number of more than 4,300 digits, which no trace has" in err


def test_a_shape_is_named_by_the_vocabulary_not_by_the_output_matrix(tmp_path: Path) -> None:
    events = write_trace(["I like NLP"], tmp_path / "t.jsonl")
    events[1]["W"] = events[1]["W"][:2]
    code, _, err = refusal([json.dumps(e) for e in events], tmp_path)
    assert code == 2 and "'W' should be a |vocab|×H matrix" in err and "V×H" not in err


def test_the_tolerance_of_new_holds_for_every_genuine_entry(genuine) -> None:
    """The stated bound is one rounding never exceeds: checked against the traces' own
    numbers, recomputed here in exact rational arithmetic."""
    from fractions import Fraction

    worst = 0.0
    for lines in genuine:
        for update in (json.loads(x) for x in lines if '"event": "update"' in x):
            lr = Fraction(update["lr"])
            for name in update["old"]:
                o, a, n = (np.ravel(update[k][name]) for k in ("old", "applied", "new"))
                for oi, ai, ni in zip(o, a, n, strict=True):
                    exact = Fraction(float(oi)) - lr * Fraction(float(ai))
                    bound = 4 * EPS * (abs(oi) + abs(float(lr) * ai))
                    if bound:
                        worst = max(worst, float(abs(Fraction(float(ni)) - exact)) / bound)
    assert worst < 1 and not math.isnan(worst)


@pytest.mark.parametrize("value", [1.7e308, -1.7e308, 5e-324, 0.0])
@pytest.mark.parametrize("field", ["old", "applied", "new", "grads", "applied and grads"])
def test_extreme_numbers_are_refused_in_one_line_without_a_warning(
    field: str, value: float, tmp_path: Path
) -> None:
    events = write_trace(["I like NLP", "--clip", "0.1"], tmp_path / "t.jsonl")
    at = next(i for i, e in enumerate(events) if e["event"] == "update")
    if field == "applied and grads":  # their difference beyond the floats
        events[at]["applied"]["W_h"][1][2] = value
        value = -value
    if field.endswith("grads"):
        at = max(i for i, e in enumerate(events[:at]) if e["event"] == "gradients")
        events[at]["W_h"][1][2] = value
    else:
        events[at][field]["W_h"][1][2] = value
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # NumPy's overflow warning would be a second line
        code, _, err = refusal([json.dumps(e) for e in events], tmp_path)
    assert code == 2 and err.count("\n") == 1, err
    agree = field == "applied and grads" and abs(value) < 1  # both 0 within rounding
    assert ("'grad_norm' is" if agree else "W_h[1, 2] off by") in err, err
