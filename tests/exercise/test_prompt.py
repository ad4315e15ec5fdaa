"""The exercise's prompt on a real terminal, read back through a terminal emulator: hints,
a wrong answer named, a right one, a solution asked for, and Ctrl-C ending with the summary."""

from __future__ import annotations

import numpy as np
import pytest
from exercise.exercise_tools import SENTENCE, exercise_of, trace_of
from pty_screen import Session, run_on_pty

PROMPT_END = b"or hint, skip or solution): "


def test_the_prompt_hints_checks_reveals_and_stops_at_ctrl_c(
    capsys: pytest.CaptureFixture[str],
) -> None:
    trace = trace_of(capsys)
    exercise = exercise_of(capsys, "--exercise", "forward")
    a, b, c = exercise["blanks"]  # three blanks by default
    truth = trace.truth(a)
    typed = [
        b"hint\n",
        b"hint\n",
        b"hint\n",
        " ".join(f"{-x:.6f}" for x in truth).encode() + b"\n",  # the sign flipped
        " ".join(f"{x:.6f}" for x in truth).encode() + b"\n",
        b"solution\n",
        b"\x03",  # Ctrl-C at the third blank's prompt
    ]

    def reply(session: Session) -> bytes | None:
        prompts = session.output.count(PROMPT_END)
        if prompts > len(session.sent) and prompts <= len(typed):
            return typed[prompts - 1]
        return None

    session = run_on_pty([SENTENCE, "--exercise", "forward"], reply)
    screen = "\n".join(session.lines())
    assert session.code == 130
    assert "hint 1: " in screen and "hint 2: " in screen and "hint 3: the first entry" in screen
    assert f"[?{a['id']}] ✗ wrong" in screen and "sign" in screen
    assert f"[?{a['id']}] ✓ right" in screen
    assert "solution: " in screen and f"[?{b['id']}] revealed" in screen
    summary = screen.splitlines()[-1]
    assert summary == "1 right, 0 wrong, 1 revealed, 1 not attempted, of 3"
    for entry in (f"{abs(x):.4f}" for x in np.ravel(trace.truth(c))):
        assert entry not in screen.split("hint 1: ")[1], f"the third blank's {entry} was shown"


def test_lines_typed_at_once_answer_a_blank_each_and_ctrl_d_ends_the_prompt() -> None:
    typed = [b"skip\nskip\n", b"\x04"]  # two answers pasted at once, then the end of input

    def reply(session: Session) -> bytes | None:
        prompts = session.output.count(PROMPT_END)
        if prompts == 1 and not session.sent:
            return typed[0]
        if prompts == 3 and len(session.sent) == 1:
            return typed[1]
        return None

    session = run_on_pty([SENTENCE, "--exercise", "forward"], reply)
    assert session.code == 1
    assert session.lines()[-1] == "0 right, 0 wrong, 0 revealed, 3 not attempted, of 3"


def test_a_blank_skipped_after_a_wrong_answer_counts_as_wrong(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """skip leaves a blank not attempted only when nothing was answered: a wrong answer, then
    skip, is a wrong answer in the summary (a teacher grading the sheet sees it)."""
    trace = trace_of(capsys)
    exercise = exercise_of(capsys, "--exercise", "forward")
    a = exercise["blanks"][0]
    wrong = " ".join(f"{-x:.6f}" for x in trace.truth(a)).encode() + b"\n"
    typed = [wrong, b"skip\n", b"skip\n", b"skip\n"]

    def reply(session: Session) -> bytes | None:
        prompts = session.output.count(PROMPT_END)
        if prompts > len(session.sent) and len(session.sent) < len(typed):
            return typed[len(session.sent)]
        return None

    session = run_on_pty([SENTENCE, "--exercise", "forward"], reply)
    screen = "\n".join(session.lines())
    assert f"[?{a['id']}] ✗ wrong" in screen
    assert screen.splitlines()[-1] == "0 right, 1 wrong, 0 revealed, 2 not attempted, of 3"
