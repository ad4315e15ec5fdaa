"""The prompt's help as a learner meets it: hint 3 works the first entry out (the entries that
make it, the numbers put in, the terms, their sum), in every cell and view, and the numbers it
puts in give the first entry the trace holds; ``solution`` shows a matrix a row a line; an
empty line says what may be typed; and the README's worked example's blanks are asked beside
the rows they are computed from."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from exercise.exercise_tools import SENTENCE, Trace, exercise_of, run, trace_of
from pty_screen import Session, run_on_pty

from bptt_trace.cli.exercise_hints import hint
from bptt_trace.trace.events import from_json
from bptt_trace.trace.exercise import Numbers, choose

PROMPT_END = b"or hint, skip or solution):"  # its trailing space only where it fits
NUMBER = r"[+-]\d+\.\d+(?:e[+-]\d+)?"


def value_of(expression: str) -> float:
    """A line of hint 3's working (``(+0.1) × (-0.2) + …``, ``(1 − (+0.5)) × …``) evaluated."""
    python = expression.replace("×", "*").replace("−", "-")
    assert re.fullmatch(rf"(?:{NUMBER}|[()*+\- .]|\d)+", python), expression
    return float(eval(python))  # digits, signs, brackets and * only


UNROUNDED = " (worked from the unrounded numbers)"
"""A result whose working, with its numbers as written, comes to another last decimal (seed 1:
(+0.0293) × (+0.9273) = +0.0271, as written 0.02717)."""


@pytest.mark.parametrize("seed", ["0", "1"])
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("view", ["forward", "backward", "contributions", "update"])
def test_hint_3_works_the_first_entry_out_to_the_traces_number(
    cell: str, view: str, seed: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = run(capsys, SENTENCE, "--cell", cell, "--seed", seed, "--json").out
    trace = Trace(out)
    numbers = Numbers([from_json(json.loads(line)) for line in out.splitlines()])
    exercise = choose(numbers, view, 26)
    args = ["--cell", cell, "--seed", seed, "--exercise", view, "--blanks", "26"]
    listed = exercise_of(capsys, *args)["blanks"]
    for blank, data in zip(exercise.blanks, listed, strict=True):
        first = float(np.ravel(trace.truth(data))[0])
        lines = hint(blank, 3, 4, numbers)
        assert lines[0].startswith("hint 3: the first entry")
        if len(lines) == 1:  # no working known: the value, from the inputs' first entries
            assert re.search(rf" is {NUMBER}", lines[0]), lines
            assert cell != "rnn" or blank.field == "h", (blank.field, lines)
            continue
        assert all(line.startswith("  = ") for line in lines[1:]), lines
        last = lines[-1].removeprefix("  = ")
        noted = last.endswith(UNROUNDED)
        result = float(last.removesuffix(UNROUNDED))
        if "…" not in lines[-2]:  # the line before, as written: its value is the result's,
            worked = value_of(lines[-2].removeprefix("  = "))  # or the result says it is not
            assert noted == (f"{worked:+.4f}" != f"{result:+.4f}"), lines
        assert abs(result - first) <= 5e-5 + 1e-4 * abs(first), (lines, first)
        if "…" not in lines[1]:
            for line in lines[1:-1]:  # the numbers put in, then the terms: each its sum
                scale = 1 + sum(abs(float(x)) for x in re.findall(NUMBER, line))
                assert abs(value_of(line.removeprefix("  = ")) - first) <= 2e-4 * scale, lines


def test_the_readme_examples_hint_3_shows_the_dot_product(capsys) -> None:
    trace = trace_of(capsys)
    numbers = Numbers(
        [from_json(json.loads(line)) for line in run(capsys, SENTENCE, "--json").out.splitlines()]
    )
    a = choose(numbers, "backward", 3).blanks[0]
    assert (a.field, a.t) == ("dh_from_next", 2)
    lines = hint(a, 3, 4, numbers)
    da3, w_h = trace.b(3, "da"), trace.param("W_h")
    products = [f"({x:+.4f})×({y:+.4f})" for x, y in zip(da3, w_h[0], strict=True)]
    assert lines[1] == "  = " + " + ".join(products)  # ∂L/∂a₃·Wʰᵀ: row 1 of Wʰ
    assert lines[-1] == f"  = {(da3 @ w_h[0]):+.4f}"


def screen_of(args: list[str], typed: list[bytes]) -> tuple[int, str]:
    def reply(session: Session) -> bytes | None:  # a line at each prompt (shown again after one)
        prompts = b" ".join(session.output.split()).count(PROMPT_END)  # (wrapped or not)
        if prompts > len(session.sent) and len(session.sent) < len(typed):
            return typed[len(session.sent)]
        return None

    session = run_on_pty(args, reply)
    return session.code, "\n".join(session.lines())


def test_an_empty_line_says_what_to_type_and_solution_shows_a_matrix_by_rows(capsys) -> None:
    args = [SENTENCE, "--exercise", "contributions", "--blanks", "1"]
    (blank,) = exercise_of(capsys, "--exercise", "contributions", "--blanks", "1")["blanks"]
    assert len(blank["shape"]) == 2  # a matrix: step 3's contribution to ∂L/∂Wʰ
    truth = trace_of(capsys).truth(blank)
    code, screen = screen_of(args, [b"\n", b"solution\n"])
    assert code == 1
    assert "nothing typed: type its 4 × 4 numbers, or hint, skip or solution" in screen
    assert "skip leaves it; Ctrl-D ends the exercise" in " ".join(screen.split())
    lines = screen.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("solution: "))
    assert lines[start].endswith(" =")  # the name, then the rows below it
    for i, row in enumerate(truth, start=start + 1):
        entries = " ".join(f"{x:+.4f}" for x in row)
        assert lines[i] == f"  [{entries}]", lines[start : start + 5]
    assert f"[?{blank['id']}] revealed" in screen
