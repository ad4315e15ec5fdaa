"""Exercise mode, checked against the trace of the same command: the true values pass, a
value made by a hand-computed mistake is rejected and the mistake named, and the verdict
never prints the expected numbers."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from exercise.exercise_tools import (
    SENTENCE,
    Trace,
    answers_file,
    exercise_of,
    run,
    shown,
    trace_of,
)

VIEWS = ("forward", "backward", "contributions", "update")
CELLS = (
    ("--cell", "rnn"),
    ("--cell", "lstm"),
    ("--cell", "gru"),
    ("--cell", "gru", "--reset-after"),
)


@pytest.mark.parametrize("cell", CELLS, ids=lambda c: "-".join(c[1:]))
@pytest.mark.parametrize("view", VIEWS)
def test_the_true_values_pass_in_every_view_and_cell(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, cell: tuple[str, ...], view: str
) -> None:
    options = (*cell, "--loss", "every")
    trace = trace_of(capsys, *options)
    exercise = exercise_of(capsys, *options, "--exercise", view)
    assert exercise["blanks"], "an exercise with no blank"
    answers = {b["id"]: trace.truth(b) for b in exercise["blanks"]}
    checked = run(capsys, SENTENCE, *options, "--exercise", view,
                  "--answers", answers_file(tmp_path, answers), "--json")  # fmt: skip
    verdicts = json.loads(checked.out)
    assert checked.code == 0, verdicts
    assert {v["status"] for v in verdicts["verdicts"]} == {"right"}
    assert verdicts["summary"]["right"] == len(exercise["blanks"])


@pytest.mark.parametrize("view", VIEWS)
def test_answers_rounded_to_the_shown_decimals_pass(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, view: str
) -> None:
    trace = trace_of(capsys)
    exercise = exercise_of(capsys, "--exercise", view)
    answers = {b["id"]: np.round(trace.truth(b), 4) for b in exercise["blanks"]}
    checked = run(
        capsys, SENTENCE, "--exercise", view, "--answers", answers_file(tmp_path, answers)
    )
    assert checked.code == 0, checked.out
    assert "✗" not in checked.out


def test_a_hand_computation_from_the_rounded_numbers_shown_passes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """∂L/∂h₂'s part from step 3 from ∂L/∂a₃ and Wʰ as the tables print them (4 decimals)."""
    trace = trace_of(capsys)
    blank = find_blank(capsys, (), "backward", "dh_from_next")
    t = blank["t"]
    hand = np.round(trace.b(t + 1, "da"), 4) @ np.round(trace.param("W_h"), 4).T
    checked = run(capsys, SENTENCE, "--exercise", "backward", "--blanks", "26",
                  "--answers", answers_file(tmp_path, {blank["id"]: hand}), "--json")  # fmt: skip
    verdict = by_id(json.loads(checked.out), blank["id"])
    assert verdict["status"] == "right", verdict


def find_blank(
    capsys: pytest.CaptureFixture[str], options: tuple[str, ...], view: str, field: str
) -> dict[str, Any]:
    """A blank hiding ``field`` in the exercise of these options with the most blanks."""
    exercise = exercise_of(capsys, *options, "--exercise", view, "--blanks", "26")
    found = [b for b in exercise["blanks"] if b["field"] == field]
    assert found, f"no {field} blank in {[b['field'] for b in exercise['blanks']]}"
    return found[0]


def by_id(verdicts: dict[str, Any], ident: str) -> dict[str, Any]:
    return next(v for v in verdicts["verdicts"] if v["id"] == ident)


def tanh_prime_of(h: np.ndarray) -> np.ndarray:
    return 1.0 - h * h


# Each mistake: the options, the view, the field, the mistake's name, and the wrong value made
# by hand from the trace's numbers (t: the blank's time step).
MISTAKES: list[tuple[str, tuple[str, ...], str, str, str, Any]] = [
    ("missing flow from t+1", ("--loss", "every"), "backward", "dh", "no_next",
     lambda tr, t: tr.b(t, "dh_from_output")),
    ("missing f′", (), "backward", "dh_from_next", "no_f_prime",
     lambda tr, t: tr.b(t + 1, "dh") @ tr.param("W_h").T),
    ("a transposed product", (), "backward", "dh_from_next", "transposed",
     lambda tr, t: tr.b(t + 1, "da") @ tr.param("W_h")),
    ("a sign", (), "backward", "da", "sign",
     lambda tr, t: -(tr.b(t, "dh") * tanh_prime_of(tr.f(t, "h")))),
    ("missing f′ in ∂L/∂a", ("--seed", "1", "--init-scale", "3"), "backward", "da", "no_f_prime",
     lambda tr, t: tr.b(t, "dh")),
    ("f′ from hₜ₋₁", ("--seed", "1", "--init-scale", "3"), "backward", "da", "f_prime_prev",
     lambda tr, t: tr.b(t, "dh") * tanh_prime_of(tr.f(t - 1, "h"))),
    ("hₜ for hₜ₋₁", ("--seed", "1"), "contributions", "dW_h", "h_for_h_prev",
     lambda tr, t: np.outer(tr.f(t, "h"), tr.b(t, "da"))),
    ("hₜ for hₜ₋₁ forward", (), "forward", "h_prev_W_h", "h_for_h_prev",
     lambda tr, t: tr.f(t, "h") @ tr.param("W_h")),
    ("a transposed outer product", ("--seed", "1"), "contributions", "dW_h", "transposed",
     lambda tr, t: np.outer(tr.b(t, "da"), tr.f(t - 1, "h"))),
    ("LSTM: a missing cell path", ("--cell", "lstm", "--loss", "every"), "backward", "dc",
     "no_cell_path",
     lambda tr, t: tr.b(t, "dh") * tr.f(t, "o") * (1 - tr.f(t, "tanh_c") ** 2)),
    ("LSTM: a gate's part left out", ("--cell", "lstm", "--loss", "every", "--seed", "2"),
     "backward", "dh_from_next", "no_gate_f",
     lambda tr, t: sum(tr.b(t + 1, f"da_{g}") @ tr.param(f"W_h_{g}").T for g in "igo")),
    ("LSTM: the gates' products transposed", ("--cell", "lstm", "--seed", "2"),
     "backward", "dh_from_next", "transposed",
     lambda tr, t: sum(tr.b(t + 1, f"da_{g}") @ tr.param(f"W_h_{g}") for g in "ifgo")),
    ("GRU: the direct path left out", ("--cell", "gru"), "backward", "dh_from_next",
     "no_direct",
     lambda tr, t: sum(tr.b(t + 1, f"da_{g}") @ tr.param(f"W_h_{g}").T for g in "zr")),
    ("LSTM forward: a missing cell path", ("--cell", "lstm"), "forward", "c", "no_cell_path",
     lambda tr, t: tr.f(t, "i") * tr.f(t, "g")),
    ("a running sum restarted", (), "contributions", "sum_b", "no_running_sum",
     lambda tr, t: tr.b(t, "da")),
]  # fmt: skip


@pytest.mark.parametrize(
    ("options", "view", "field", "name", "wrong"),
    [m[1:] for m in MISTAKES],
    ids=[m[0] for m in MISTAKES],
)
def test_a_mistaken_answer_is_rejected_named_and_not_answered(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    options: tuple[str, ...],
    view: str,
    field: str,
    name: str,
    wrong: Any,
) -> None:
    trace = trace_of(capsys, *options)
    exercise = exercise_of(capsys, *options, "--exercise", view, "--blanks", "26")
    tried = []
    for candidate in (b for b in exercise["blanks"] if b["field"] == field):
        try:  # as a learner writes it down
            tried.append((candidate, np.round(wrong(trace, candidate["t"]), 4)))
        except KeyError:  # the mistake needs a step before the first or after the last
            continue
    assert tried, f"no {field} blank in {[b['field'] for b in exercise['blanks']]}"
    blank, mistaken = max(tried, key=lambda c: np.abs(c[1] - trace.truth(c[0])).max())
    truth = trace.truth(blank)
    assert np.abs(mistaken - truth).max() > 1e-3, "this mistake gives the right number here"
    args = (SENTENCE, *options, "--exercise", view, "--blanks", "26")
    answers = answers_file(tmp_path, {blank["id"]: mistaken})
    as_json = run(capsys, *args, "--answers", answers, "--json")
    assert as_json.code == 1
    verdict = by_id(json.loads(as_json.out), blank["id"])
    assert verdict["status"] == "wrong"
    assert verdict["mistake"] == name, verdict
    assert verdict["words"]
    as_text = run(capsys, *args, "--answers", answers)
    tables = run(capsys, *args)  # the same exercise, no answers: only its tables
    assert as_text.code == 1
    assert as_text.out.startswith(tables.out)
    verdicts = as_text.out[len(tables.out) :] + as_text.err + as_json.out + as_json.err
    assert verdict["words"] in verdicts
    for entry in shown(truth):
        assert entry not in verdicts, f"the expected {entry} was printed"


def test_a_wrong_answer_no_mistake_explains_says_which_entries_are_off(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    trace = trace_of(capsys)
    exercise = exercise_of(capsys, "--exercise", "backward")
    first = exercise["blanks"][0]
    answer = trace.truth(first).copy()
    answer[1] += 0.25  # one entry off, as no catalogued mistake makes it
    answers = {first["id"]: answer}
    checked = run(capsys, SENTENCE, "--exercise", "backward",
                  "--answers", answers_file(tmp_path, answers), "--json")  # fmt: skip
    verdict = by_id(json.loads(checked.out), first["id"])
    assert verdict == {
        "id": first["id"], "status": "wrong", "off": [2], "mistake": None, "words": None
    }  # fmt: skip
    summary = json.loads(checked.out)["summary"]
    assert summary == {
        "right": 0,
        "wrong": 1,
        "revealed": 0,
        "not attempted": len(exercise["blanks"]) - 1,
    }


def test_the_trace_it_came_from_is_read_independently(capsys: pytest.CaptureFixture[str]) -> None:
    """The helper's own check: ∂L/∂a = ∂L/∂h ⊙ (1 − h²) holds in the trace."""
    trace: Trace = trace_of(capsys)
    for t in trace.backward:
        np.testing.assert_allclose(
            trace.b(t, "da"), trace.b(t, "dh") * tanh_prime_of(trace.f(t, "h")), rtol=1e-12
        )


@pytest.mark.parametrize("cell", CELLS, ids=lambda c: "-".join(c[1:]))
def test_every_blank_of_every_view_names_a_flipped_sign_and_a_transposed_matrix(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, cell: tuple[str, ...]
) -> None:
    """The class of slips every blank can have: each answer negated (and each square matrix
    transposed) is rejected and named, none of the expected entries printed."""
    trace = trace_of(capsys, *cell)
    for view in VIEWS:
        args = (SENTENCE, *cell, "--exercise", view, "--blanks", "26")
        exercise = exercise_of(capsys, *args[1:])
        slips = {}
        for b in exercise["blanks"]:
            truth = np.round(trace.truth(b), 4)
            slips[b["id"]] = ("sign", -truth)
            if truth.ndim == 2 and truth.shape[0] == truth.shape[1]:
                slips[b["id"]] = ("transposed", truth.T)
        answers = {k: v for k, (_, v) in slips.items()}
        checked = run(capsys, *args, "--answers", answers_file(tmp_path, answers), "--json")
        assert checked.code == 1
        verdicts = {v["id"]: v for v in json.loads(checked.out)["verdicts"]}
        text = run(capsys, *args, "--answers", answers_file(tmp_path, answers))
        verdict_lines = re.search(r"^\[\?[A-Z]+\] [✓✗].*", text.out, re.M | re.S)
        assert verdict_lines is not None
        printed = verdict_lines.group(0) + checked.out + text.err
        for b in exercise["blanks"]:
            name, wrong = slips[b["id"]]
            truth = trace.truth(b)
            if np.abs(np.round(truth, 4) - wrong).max() <= 1e-3:
                continue  # a symmetric (or nearly zero) number: the slip changes nothing
            names = {name}
            if view == "update" and not np.any(trace.update["old"][b["param"]]):
                names.add("plus")  # θ₀ = 0 (a bias): θ₀ + α·g is −(θ₀ − α·g), both true
            assert verdicts[b["id"]]["mistake"] in names, (view, b, verdicts[b["id"]])
            for entry in shown(truth):
                assert entry not in printed, f"{view} {b['id']}: the expected {entry} printed"
