"""What is asked stays on the screen: on an 80 × 40 terminal the LSTM's backward exercise is
about 100 lines, its blanks long scrolled off when the prompt asks for them, so each prompt
comes after the blank's rows of the view, again: the row's time step, token and label, and the
blank's box. Read back through a terminal emulator at the moment each prompt waits.

The rows expected are the view's own, as the whole view laid them out earlier in the same
session (a box on the line below its label), and the time step and token from the exercise's
JSON."""

from __future__ import annotations

import json
import re
import sys

import pyte
import pytest
from exercise.exercise_tools import SENTENCE, run
from pty_screen import Session, clean_env, run_on_pty

PROMPT_END = b"or hint, skip or solution): "
COLUMNS, ROWS = 80, 40
ARGS = [SENTENCE, "--cell", "lstm", "--exercise", "backward"]
ON_40_ROWS = f'stty rows {ROWS} cols {COLUMNS}; exec "$0" -m bptt_trace "$@"'


def screen_now(session: Session) -> list[str]:
    """The terminal's 40 rows as they are now."""
    screen = pyte.Screen(COLUMNS, ROWS)
    pyte.ByteStream(screen).feed(session.output)
    return [line.rstrip() for line in screen.display]


def labels_in_view(lines: list[str], ident: str, t: int, token: str) -> list[str]:
    """The labels of the rows the whole view shows blank ``ident`` in: at 80 columns each
    box stands on its own line below its row's label (a time step's first row leads with the
    time step and the token)."""
    end = next(i for i, line in enumerate(lines) if line.startswith("Exercise ·"))
    above = [lines[i - 1].strip() for i in range(end) if lines[i].strip() == f"[?{ident}]"]
    return [re.sub(rf"^{t}\s+{re.escape(token)}\s+", "", line) for line in above]


def shown_in_row(screen: list[str], label: str, ident: str, t: int, token: str) -> bool:
    """Whether a line of the screen is the row: its time step, token and label, and the box
    on it (or on the line below, laid out narrow)."""
    for i, line in enumerate(screen[:-1]):
        words = line.split()
        if label in line and words[:2] == [str(t), token]:
            if f"[?{ident}]" in line or screen[i + 1].strip() == f"[?{ident}]":
                return True
    return False


def test_each_prompt_shows_the_blanks_rows_on_an_80_by_40_terminal(
    capsys: pytest.CaptureFixture[str],
) -> None:
    exercise = json.loads(run(capsys, *ARGS, "--json").out)
    blanks, tokens = exercise["blanks"], exercise["tokens"]
    screens: list[list[str]] = []

    def skip_each(session: Session) -> bytes | None:
        if session.output.count(PROMPT_END) > len(session.sent):
            screens.append(screen_now(session))
            return b"skip\n"
        return None

    program = ["/bin/sh", "-c", ON_40_ROWS, sys.executable]
    session = run_on_pty(ARGS, skip_each, clean_env(), program=program)
    assert session.code == 1  # nothing answered
    assert len(screens) == len(blanks) == 3
    whole = session.lines()
    assert len(whole) > 2 * ROWS  # the view is far longer than the screen
    for blank, screen in zip(blanks, screens, strict=True):
        ident, t = blank["id"], blank["t"]
        assert screen[-1].startswith(f"[?{ident}] {blank['label']} (")  # the prompt waits
        token = tokens[t - 1]
        labels = labels_in_view(whole, ident, t, token)
        assert labels, ident
        for label in labels:
            assert shown_in_row(screen, label, ident, t, token), (ident, label, screen)
