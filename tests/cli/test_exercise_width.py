"""The exercise's lines fit the terminal the user sits at. Through a pipe (``… --exercise VIEW
< answers | cat``) from a terminal of COLUMNS columns, every line the exercise prints (its view,
each verdict, the counts) is at most COLUMNS wide, for every view and for right, wrong and
malformed answers; at the prompt, with stdout a pipe, so is every line of the dialogue on the
terminal (hints, a malformed answer's message, a verdict, a solution). A verdict broken over
lines holds every word, in order, that it holds on one line, and the words of the mistake the
``--json`` verdict names. A malformed answer is bad input: one line on stderr, as every error
is, and nothing on stdout."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from clitools import ENV
from exercise.exercise_tools import SENTENCE, answers_file, exercise_of, run, trace_of
from pty_screen import Session, clean_env, run_on_pty
from rich.cells import cell_len

VIEWS = ("forward", "backward", "contributions", "update")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def piped(args: list[str], stdin: str, columns: int) -> subprocess.CompletedProcess[str]:
    """``python -m bptt_trace ARGS < stdin | …`` from a terminal COLUMNS wide."""
    return subprocess.run(
        [sys.executable, "-m", "bptt_trace", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**ENV, "COLUMNS": str(columns)},
        timeout=300,  # a safety net only
        check=False,
    )


def too_wide(text: str, columns: int) -> list[str]:
    return [line for line in text.splitlines() if cell_len(line) > columns]


def verdicts_of(out: str) -> str:
    """The output from the first verdict (``[?A] ✓`` or ``[?A] ✗``) on."""
    first = re.search(r"^\[\?[A-Z]\] [✓✗]", out, re.M)
    assert first is not None, out[-500:]
    return out[first.start() :]


def answer_lines(truths: list[np.ndarray]) -> tuple[str, list[str]]:
    """Answers one a line: the first right, the second with its sign flipped (a mistake the
    verdict names), the rest off by one everywhere (no known mistake); and their kinds."""
    kinds = ["right", "sign", *["off"] * (len(truths) - 2)][: len(truths)]
    wrong = {"right": lambda v: v, "sign": lambda v: -v, "off": lambda v: v + 1.0}
    lines = [
        " ".join(repr(float(x)) for x in np.ravel(wrong[k](v)))
        for k, v in zip(kinds, truths, strict=True)
    ]
    return "".join(f"{line}\n" for line in lines), kinds


@pytest.mark.parametrize("columns", [80, 60])
@pytest.mark.parametrize("view", VIEWS)
def test_every_line_of_an_exercise_through_a_pipe_fits_the_terminal(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, view: str, columns: int
) -> None:
    trace = trace_of(capsys)
    blanks = exercise_of(capsys, "--exercise", view)["blanks"]
    truths = [trace.truth(b) for b in blanks]
    stdin, kinds = answer_lines(truths)
    args = [SENTENCE, "--exercise", view]
    proc = piped(args, stdin, columns)
    assert proc.returncode == 1, proc.stderr
    assert "\x1b" not in proc.stdout and proc.stderr == ""
    assert too_wide(proc.stdout, columns) == []
    wrapped = verdicts_of(proc.stdout)

    # the same answers on one line each, and as JSON: no word lost, none moved
    whole = verdicts_of(run(capsys, *args, "--width", "1000", stdin=stdin).out)
    assert len(whole.splitlines()) == len(blanks) + 1  # a line a verdict, and the counts
    assert wrapped.split() == whole.split()
    answers = {
        b["id"]: [float(x) for x in line.split()]
        for b, line in zip(blanks, stdin.splitlines(), strict=True)
    }
    verdicts = json.loads(
        run(capsys, *args, "--answers", answers_file(tmp_path, answers), "--json").out
    )["verdicts"]
    flowing = " ".join(wrapped.split())
    for kind, verdict in zip(kinds, verdicts, strict=True):
        assert verdict["status"] == ("right" if kind == "right" else "wrong"), verdict
        said = f"[?{verdict['id']}] " + ("✓ right" if kind == "right" else "✗ wrong:")
        assert said in flowing
        if verdict["words"]:
            assert " ".join(verdict["words"].split()) in flowing
    assert any(cell_len(line) > columns for line in whole.splitlines())  # one did wrap


@pytest.mark.parametrize(
    ("view", "columns", "stdin"),
    [
        ("backward", 60, "1 2 x 4\n"),  # a word that is not a number
        ("update", 80, "1 2\n"),  # too few numbers
        ("contributions", 60, "skip\n" * 5),  # more lines than blanks
    ],
)
def test_a_malformed_answer_is_one_line_on_stderr_and_nothing_on_stdout(
    view: str, columns: int, stdin: str
) -> None:
    proc = piped([SENTENCE, "--exercise", view], stdin, columns)
    assert proc.returncode == 2 and proc.stdout == "", proc.stdout
    assert len(proc.stderr.splitlines()) == 1
    assert proc.stderr.startswith("bptt-trace: error: ")


PROMPT_END = b"solution): "


def raw_lines(session: Session) -> list[str]:
    """The lines the run wrote to the terminal, as written (before the terminal wraps them),
    each cut after its prompt: what the user types there is the terminal's echo."""
    text = ANSI.sub("", session.output.decode("utf-8", "replace")).replace("\r", "")
    return [line.split(PROMPT_END.decode())[0] for line in text.split("\n")]


@pytest.mark.parametrize("columns", [60])
def test_the_prompts_dialogue_fits_the_terminal_when_stdout_is_a_pipe(
    capsys: pytest.CaptureFixture[str], columns: int
) -> None:
    trace = trace_of(capsys, "--cell", "lstm")
    a, *_ = exercise_of(capsys, "--cell", "lstm", "--exercise", "update")["blanks"]
    truth = trace.truth(a)
    assert truth.size >= 16  # a matrix: its solution and hints are long lines
    typed = [
        b"hint\n",
        b"hint\n",
        b"hint\n",
        b"1 x\n",  # malformed
        " ".join(repr(float(-x)) for x in np.ravel(truth)).encode() + b"\n",  # the sign flipped
        " ".join(repr(float(x)) for x in np.ravel(truth)).encode() + b"\n",  # right
        b"solution\n",
        b"skip\n",
    ]

    def reply(session: Session) -> bytes | None:
        prompts = session.output.count(PROMPT_END)
        if prompts > len(session.sent) and prompts <= len(typed):
            return typed[prompts - 1]
        return None

    pipe = f'set -o pipefail; "{sys.executable}" -m bptt_trace "$@" | cat'
    through_cat = [str(shutil.which("bash")), "-c", pipe, "bptt-trace"]
    session = run_on_pty(
        [SENTENCE, "--cell", "lstm", "--exercise", "update"],
        reply,
        env=clean_env(),
        columns=columns,
        program=through_cat,
    )
    assert session.code == 1
    lines = raw_lines(session)
    flowing = " ".join(" ".join(lines).split())
    said = ("hint 3: the first entry", "is not a number", f"[?{a['id']}] ✗ wrong:",
            f"[?{a['id']}] ✓ right", "solution: ", "1 right, 0 wrong, 1 revealed")  # fmt: skip
    for words in said:
        assert words in flowing, words
    assert [line for line in lines if cell_len(line) > columns] == []
