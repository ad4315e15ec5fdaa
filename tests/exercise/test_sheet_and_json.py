"""What an exercise gives away: its JSON and its printed sheet hold none of the answers (each
true entry searched for at the shown precision), the key holds them all; the same command
gives the same exercise, and so does --replay of its trace; --blanks and the seed vary it."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
from clitools import run_cli
from exercise.exercise_tools import (
    SENTENCE,
    distinctive,
    distinctive_rows,
    exercise_of,
    run,
    trace_of,
)

VIEWS = ("forward", "backward", "contributions", "update")


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
@pytest.mark.parametrize("view", VIEWS)
def test_the_json_and_the_sheets_hold_no_answer_and_the_key_all(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, view: str, cell: str
) -> None:
    options = ("--cell", cell, "--exercise", view)
    trace = trace_of(capsys, "--cell", cell)
    key = tmp_path / "key.json"
    result = run(capsys, SENTENCE, *options, "--json", "--exercise-key", str(key))
    assert result.code == 0, result.err
    exercise = json.loads(result.out)
    for blank in exercise["blanks"]:
        assert set(blank) >= {"id", "field", "sentence", "t", "shape", "label"}
        assert list(np.shape(trace.truth(blank))) == blank["shape"]
    numbers = [x for x in json.dumps(exercise).split() if any(c.isdigit() for c in x)]
    assert not any("." in x for x in numbers), "a number with decimals in the exercise JSON"
    answers = json.loads(key.read_text())["answers"]
    for blank in exercise["blanks"]:
        np.testing.assert_array_equal(answers[blank["id"]], trace.truth(blank))
    for suffix in (".html", ".svg"):
        sheet = tmp_path / f"sheet{suffix}"
        made = run(capsys, SENTENCE, *options, "--export", str(sheet))
        assert made.code == 0, made.err
        text = sheet.read_text().replace("&#160;", " ").replace("\u00a0", " ")
        assert f"[?{exercise['blanks'][0]['id']}]" in text
        words = " ".join(re.sub(r"<[^>]*>", " ", text).split())
        for blank in exercise["blanks"]:
            for entry in distinctive(trace, blank):
                assert entry not in text, f"{blank['id']}'s {entry} is on the {suffix} sheet"
            for row in distinctive_rows(trace, blank):  # as the tables print a vector
                assert row not in words, f"{blank['id']}'s {row} is on the {suffix} sheet"


def test_the_same_command_and_its_replay_give_the_same_exercise(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    options = ("--cell", "lstm", "--loss", "every", "--seed", "3")
    trace = tmp_path / "trace.jsonl"
    written = run(capsys, SENTENCE, *options, "--output", str(trace), "--quiet")
    assert written.code == 0, written.err
    for view in VIEWS:
        first = exercise_of(capsys, *options, "--exercise", view)
        assert exercise_of(capsys, *options, "--exercise", view) == first
        replayed = run(capsys, "--replay", str(trace), "--exercise", view, "--json")
        assert replayed.code == 0, replayed.err
        assert json.loads(replayed.out) == first
        tables = run(capsys, SENTENCE, *options, "--exercise", view)
        assert run(capsys, "--replay", str(trace), "--exercise", view).out == tables.out


def test_blanks_and_the_seed_vary_the_exercise(capsys: pytest.CaptureFixture[str]) -> None:
    def places(*options: str) -> list[tuple[str, int]]:
        found = exercise_of(capsys, "--cell", "lstm", "--exercise", "forward", *options)
        return [(b["field"], b["t"]) for b in found["blanks"]]

    assert len(places("--blanks", "1")) == 1
    assert len(places("--blanks", "5")) == 5
    assert len({tuple(places("--seed", str(seed))) for seed in range(4)}) > 1


def test_the_lstm_backward_exercise_has_a_blank_on_the_cell_state(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for options in ((), ("--loss", "every"), ("--seed", "5")):
        found = exercise_of(capsys, "--cell", "lstm", *options, "--exercise", "backward")
        assert "dc" in [b["field"] for b in found["blanks"]]


def test_answers_come_from_standard_input_one_blank_a_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    trace = trace_of(capsys)
    exercise = exercise_of(capsys, "--exercise", "backward")
    first, *rest = exercise["blanks"]
    lines = [" ".join(f"{x:.5f}" for x in trace.truth(first))] + ["skip"] * len(rest)
    proc = run_cli(
        [SENTENCE, "--exercise", "backward"],
        input="\n".join(lines).encode() + b"\n",
        stdin=None,
    )
    out = proc.stdout.decode()
    assert proc.returncode == 1, proc.stderr
    assert f"[?{first['id']}] ✓ right" in out
    assert out.splitlines()[-1] == (
        f"1 right, 0 wrong, 0 revealed, {len(rest)} not attempted, of {len(rest) + 1}"
    )
    empty = run_cli([SENTENCE, "--exercise", "backward"], stdin=subprocess.DEVNULL)
    assert empty.returncode == 0  # nothing on stdin: the exercise is only shown
    assert "right" not in empty.stdout.decode()
    n = len(rest) + 1
    for blank_sheet in (b"\n", b"  \n\n", b"\n" * n):  # empty lines: none attempted
        proc = run_cli([SENTENCE, "--exercise", "backward"], input=blank_sheet, stdin=None)
        assert proc.returncode == 1, (blank_sheet, proc.stderr)
        last = proc.stdout.decode().splitlines()[-1]
        assert last == f"0 right, 0 wrong, 0 revealed, {n} not attempted, of {n}"


@pytest.mark.parametrize(
    ("stdin", "words"),
    [
        ("1 2 3 4\n" * 30, "more answer lines"),
        ("1 2 x 4\n", "'x' is not a number"),
        ("hint\n", "'hint' works at the prompt on a terminal only"),
        ("1_0 2 3 4\n", "'1_0' is not a number"),  # (float() takes it)
        ("\u0661 2 3 4\n", "is not a number"),  # an Arabic-Indic digit one (float() takes it)
        ("skip\nsolution\n", "'solution' works at the prompt on a terminal only"),
    ],
)
def test_bad_answers_on_standard_input_are_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, stdin: str, words: str
) -> None:
    key = tmp_path / "key.json"
    result = run(capsys, SENTENCE, "--exercise", "backward", "--exercise-key", str(key),
                 stdin=stdin)  # fmt: skip
    assert result.code == 2
    assert result.err.count("\n") == 1 and words in result.err
    assert not key.exists()  # bad answers: nothing is written


@pytest.mark.parametrize(
    ("args", "content", "words"),
    [
        (["--blanks", "0"], None, "--blanks 0"),
        (["--answers", "{answers}"], '{"Z": [1]}', "no blank 'Z'"),
        (["--answers", "{answers}"], '{"A": [1, 2]}', "2 numbers where"),
        (["--answers", "{answers}"], '{"A": ["x", 1, 2, 3]}', "list of numbers"),
        (["--answers", "{answers}"], "not json\x1b[31m", "not a JSON object"),
        (["--answers", "{answers}"], '{"A": [NaN, 1, 2, 3]}', "not a JSON object"),
        (["--answers", "{answers}"], '{"A": [1, 2, 3, 4], "A": [0, 0, 0, 0]}', "answered twice"),
        (["--answers", "{answers}"], '{"A": [' + "1" * 5000 + "]}", "more than 4,300 digits"),
        (["--exercise-key", "{answers}"], None, "--exercise-key"),
        (["--export", "{dir}/sheet.png"], None, ".html, .svg or .txt"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    args: list[str],
    content: str | None,
    words: str,
) -> None:
    answers = tmp_path / "answers.json"
    if content is not None:
        answers.write_text(content)
    else:
        answers.write_text("{}")
        answers.chmod(0o444) if "--exercise-key" in args else None
    if "--exercise-key" in args:
        args = [*args, "--answers", str(answers)]  # the key may not overwrite the answers
    filled = [a.format(answers=answers, dir=tmp_path) for a in args]
    result = run(capsys, SENTENCE, "--exercise", "backward", *filled)
    assert result.code == 2, result.out
    assert result.err.count("\n") == 1 and result.err.startswith("bptt-trace: error: ")
    assert words in result.err
    assert "\x1b" not in result.err + result.out
    assert not (tmp_path / "sheet.png").exists()


def test_answers_that_are_not_utf8_say_so() -> None:
    """A byte that is not UTF-8, in an --answers file or on standard input: said as such (it
    was 'not a JSON object', and on stdin "'\\udcff' is not a number")."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        answers = Path(folder) / "a.json"
        answers.write_bytes(b'{"A": [1, \xff]}')
        proc = run_cli([SENTENCE, "--exercise", "backward", "--answers", str(answers)])
        assert proc.returncode == 2
        assert b"not UTF-8 (byte 11 is 0xff); save it as UTF-8" in proc.stderr
    proc = run_cli([SENTENCE, "--exercise", "backward"], input=b"\xff\xfe 1 2\n", stdin=None)
    assert proc.returncode == 2 and proc.stderr.count(b"\n") == 1
    assert b"standard input: not UTF-8 (a byte 0xff)" in proc.stderr


def test_an_answers_file_with_a_byte_order_mark_is_read() -> None:
    """Notepad writes UTF-8 with a BOM: the answers are read (it was 'not a JSON object')."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        answers = Path(folder) / "a.json"
        answers.write_bytes(b'\xef\xbb\xbf{"A": [1, 2, 3, 4]}')
        proc = run_cli([SENTENCE, "--exercise", "backward", "--answers", str(answers)])
        assert proc.returncode == 1, proc.stderr  # read, and wrong
        assert proc.stdout.decode().splitlines()[-1].startswith("0 right, 1 wrong")
