"""The terminal as a person sees it: a real pseudo-terminal at 80 columns, read back through
a terminal emulator. The progress bar never leaves a fragment nor glues itself to a table;
--pause says where it is, keeps its columns put, and stops cleanly at q, Ctrl-C or the end
of input."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from pty_screen import ROOT, Session, clean_env, run_on_pty

BAR_AT_ONCE = clean_env({"BPTT_TRACE_PROGRESS_DELAY": "0"})
"""The bar shows from the first step on, so that a short run is sure to draw it."""
BAR_AFTER_A_DAY = clean_env({"BPTT_TRACE_PROGRESS_DELAY": "86400"})

INTERRUPTED = (
    r"■ interrupted (after step \d+|during step \d+, before its update); shown is what it had"
)
"""A run stopped between steps, or within one (a traced step abandoned as it showed)."""

BAR_TEXT = re.compile(r"━|╸|╺|steps/s|\d+/\d+ ")
"""What only the progress bar prints (the tables rule their lines with ─, not ━)."""


def piped_lines(args: list[str]) -> list[str]:
    """The same run's tables with stdout a pipe, at 80 columns: what the screen must hold."""
    proc = subprocess.run(
        [sys.executable, "-m", "bptt_trace", *args],
        env=clean_env({"COLUMNS": "80"}),
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    lines = [line.rstrip() for line in proc.stdout.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def test_after_a_run_with_a_bar_the_screen_holds_the_tables_exactly() -> None:
    args = ["I like NLP", "--steps", "150"]
    session = run_on_pty(args, env=BAR_AT_ONCE)
    assert session.code == 0
    assert b"/150" in session.output and "━".encode() in session.output  # the bar was drawn
    screen = session.lines()
    assert not [line for line in screen if BAR_TEXT.search(line)]
    assert screen == piped_lines(args)  # no line split, glued to bar text, or lost


def test_a_short_run_draws_no_bar() -> None:
    # the bar waits DELAY seconds first (1 by default); a day here, so that no machine, however
    # loaded, can make 3 steps look long
    session = run_on_pty(["I like NLP", "--steps", "3"], env=BAR_AFTER_A_DAY)
    assert session.code == 0
    assert "━".encode() not in session.output


def test_ctrl_c_during_a_bar_clears_it_and_says_where_it_stopped() -> None:
    def ctrl_c_once_the_bar_shows(session: Session) -> bytes | None:
        if not session.sent and b"/1000000" in session.output:
            return b"\x03"
        return None

    session = run_on_pty(
        ["I like NLP", "--steps", "1000000"], ctrl_c_once_the_bar_shows, BAR_AT_ONCE
    )
    assert session.code == 130
    screen = session.lines()
    assert not [line for line in screen if BAR_TEXT.search(line)]
    assert re.fullmatch(INTERRUPTED, screen[-1])


def answer_every_prompt(key: bytes, at: int = 10**9) -> object:
    """Enter at every --pause prompt, and ``key`` at prompt number ``at`` (from 1)."""

    def reply(session: Session) -> bytes | None:
        prompts = session.output.count(b"Enter: next")
        if prompts > len(session.sent):
            return key if prompts == at else b"\n"
        return None

    return reply


def prompts(screen: list[str]) -> list[str]:
    return [line.split(" ── ")[0].lstrip("─ ") for line in screen if "Enter: next" in line]


def test_pause_says_where_it_is_at_every_prompt() -> None:
    session = run_on_pty(["I like NLP", "--pause"], answer_every_prompt(b"\n"))
    assert session.code == 0
    places = prompts(session.lines())
    for t in (1, 2, 3):
        assert f"step 1 · forward t = {t} of 3" in places
        assert f"step 1 · backward t = {t} of 3" in places
    assert places.index("step 1 · forward t = 3 of 3") < places.index("step 1 · output")
    assert places.index("step 1 · backward t = 3 of 3") < places.index(
        "step 1 · backward t = 1 of 3"
    )
    assert places[-1] == "step 1 · update"


def test_pause_keeps_the_columns_of_a_table_put_from_page_to_page() -> None:
    session = run_on_pty(["I like NLP", "--pause"], answer_every_prompt(b"\n"))
    screen = session.lines()
    for header in (" t   xₜ     term ", " t   xₜ     ∂L/∂hₜ comes from ", " t  θ"):
        at = [i for i, line in enumerate(screen) if line.startswith(header)]
        assert len(at) >= 3  # a page a time step (a screenful that goes on repeats it)
        assert len({screen[i] for i in at}) == 1  # the same header …
        assert len({screen[i + 1] for i in at}) == 1  # … over the same rule


@pytest.mark.parametrize(
    ("key", "code"),
    [(b"q\n", 0), (b"\x03", 130), (b"\x04", 0)],
    ids=["q", "ctrl-c", "end of input"],
)
def test_pause_stops_with_one_line_saying_so(key: bytes, code: int) -> None:
    session = run_on_pty(["I like NLP", "--pause"], answer_every_prompt(key, at=3))
    assert session.code == code
    screen = session.lines()
    last_prompt = max(i for i, line in enumerate(screen) if "Enter: next" in line)
    assert prompts(screen)[-1] == "step 1 · forward t = 2 of 3"
    after = [line for line in screen[last_prompt + 1 :] if line]
    assert after == ["■ interrupted during step 1, before its update; shown is what it had"]


def test_a_prompt_names_the_sentence_when_there_are_several() -> None:
    from bptt_trace.rendering.pages import where
    from bptt_trace.trace.events import InterruptedEvent, RunEvent

    run = RunEvent(1, "0", [], [["a", "b"], ["c", "d", "e"]], {"loss": "every"})

    class Step:  # the fields a prompt reads of a forward, output or backward event
        def __init__(self, kind: str, sentence: int, t: int) -> None:
            self.kind, self.step, self.sentence, self.t = kind, 4, sentence, t

    assert where(Step("forward", 1, 2), run) == "step 4 · sentence 2 · forward t = 2 of 3"  # type: ignore[arg-type]
    assert where(Step("output", 0, 1), run) == "step 4 · sentence 1 · output t = 1 of 2"  # type: ignore[arg-type]
    assert where(InterruptedEvent(4), run) == "step 4 · interrupted"
