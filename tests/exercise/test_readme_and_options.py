"""The README's worked example, run as written; options that change the numbers keep every
blank computable; --tolerance; what an exercise refuses."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from clitools import ENV
from exercise.exercise_tools import SENTENCE, answers_file, exercise_of, run, trace_of

README = Path(__file__).parents[2] / "README.md"


def test_the_readme_worked_example_runs_as_written() -> None:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Exercises for students")[1].split("\n## ")[0]
    command, shown = re.findall(r"```sh\n(.*?)```\n\n```\n(.*?)```", section, re.S)[0]
    proc = subprocess.run(
        [
            "bash",
            "-c",
            command.replace("bptt-trace", f"{shlex.quote(sys.executable)} -m bptt_trace"),
        ],
        capture_output=True,
        env=ENV,
        timeout=300,  # a safety net only
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    out = proc.stdout.decode()
    verdicts = out[out.index("[?A] ✗") :]
    assert verdicts == shown


@pytest.mark.parametrize(
    "options",
    [
        ("--truncate", "1"),
        ("--truncate", "2", "--loss", "every"),
        ("--clip", "0.1"),
        ("--activation", "sigmoid"),
        ("--init-scale", "3", "--lr", "0.5"),
        ("--cell", "lstm", "--forget-bias", "0", "--truncate", "2"),
    ],
    ids=lambda o: " ".join(o),
)
def test_options_that_change_the_numbers_keep_every_blank_computable(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, options: tuple[str, ...]
) -> None:
    trace = trace_of(capsys, *options)
    for view in ("forward", "backward", "contributions", "update"):
        exercise = exercise_of(capsys, *options, "--exercise", view, "--blanks", "26")
        answers = {b["id"]: trace.truth(b) for b in exercise["blanks"]}
        checked = run(capsys, SENTENCE, *options, "--exercise", view, "--blanks", "26",
                      "--answers", answers_file(tmp_path, answers), "--json")  # fmt: skip
        assert checked.code == 0, (view, checked.out, checked.err)


def test_tolerance_makes_the_check_looser_or_stricter(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    trace = trace_of(capsys)
    first = exercise_of(capsys, "--exercise", "backward")["blanks"][0]
    nudged = trace.truth(first) + 0.002  # beyond half a unit of the 4th decimal, within 0.01
    args = (SENTENCE, "--exercise", "backward", "--answers",
            answers_file(tmp_path, {first["id"]: nudged}), "--json")  # fmt: skip

    def status(*more: str) -> str:
        result = run(capsys, *args, *more)
        verdicts = json.loads(result.out)["verdicts"]
        return str(next(v for v in verdicts if v["id"] == first["id"])["status"])

    assert status() == "wrong"
    assert status("--tolerance", "0.01") == "right"
    assert status("--tolerance", "0.001") == "wrong"
    exact = answers_file(tmp_path, {first["id"]: np.round(trace.truth(first), 4)}, "x.json")
    strict = run(capsys, SENTENCE, "--exercise", "backward", "--answers", exact,
                 "--tolerance", "1e-9", "--json")  # fmt: skip
    assert json.loads(strict.out)["verdicts"][0]["status"] == "wrong"


@pytest.mark.parametrize(
    "extra",
    [
        ("--steps", "3"),
        ("--only", "forward"),
        ("--check",),
        ("--pause",),
        ("--save", "{m}"),
        ("--only", "forward", "--json"),
    ],
)
def test_what_an_exercise_would_ignore_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, extra: tuple[str, ...]
) -> None:
    model = tmp_path / "m.npz"
    filled = [x.format(m=model) for x in extra]
    result = run(capsys, SENTENCE, "--exercise", "backward", *filled)
    assert result.code == 2
    assert result.err.startswith("bptt-trace: error: ") and result.err.count("\n") == 1
    assert extra[0] in result.err
    assert not model.exists()


def test_a_checking_mode_refuses_the_exercise_options(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "--schema", "--exercise", "backward")
    assert result.code == 2 and "--exercise" in result.err
