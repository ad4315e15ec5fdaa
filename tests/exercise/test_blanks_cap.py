"""--blanks N asks for N blanks; a view with fewer numbers that can be hidden at once gives
fewer, and then says so beside its count (how many were asked, how many it has), in every view;
when it gives what was asked it says nothing of the kind. --help states the cap."""

from __future__ import annotations

import json

import pytest

from bptt_trace.trace.exercise import VIEWS
from tests.exercise.exercise_tools import SENTENCE, run


def blank_count(capsys: pytest.CaptureFixture[str], view: str, asked: int) -> int:
    out = run(capsys, SENTENCE, "--exercise", view, "--blanks", str(asked), "--json")
    assert out.code == 0, out.err
    return len(json.loads(out.out)["blanks"])


def shown(capsys: pytest.CaptureFixture[str], view: str, asked: int) -> str:
    out = run(capsys, SENTENCE, "--exercise", view, "--blanks", str(asked), "--width", "200")
    assert out.code == 0, out.err
    return out.out


@pytest.mark.parametrize("view", VIEWS)
def test_fewer_blanks_than_asked_are_said_to_be_so(capsys, view: str) -> None:
    most = blank_count(capsys, view, 26)
    assert 1 <= most < 26
    screen = shown(capsys, view, 26)
    assert f"Exercise · {most} blank" in screen
    said = f"26 blanks asked (--blanks, 3 unless given): this view has only {most} numbers"
    assert said in screen
    for asked in (most, 1):
        assert blank_count(capsys, view, asked) == asked
        assert "this view has only" not in shown(capsys, view, asked)


def test_the_help_states_the_cap(capsys) -> None:
    out = run(capsys, "--help")
    text = " ".join(out.out.replace("│", " ").split())  # the panel's borders out
    assert "(1 to 26); fewer when the view has fewer numbers that can be hidden at once" in text
