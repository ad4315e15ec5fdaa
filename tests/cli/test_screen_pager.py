"""The first screen teaches, the rest is a keystroke away: on a terminal, tables longer than
the screen go through the user's pager once the run has ended ($PAGER, else less with
LESS=FRX, as git does); never on a pipe, under --json or --pause, with --no-pager, PAGER= or
PAGER=cat. Run on a real pseudo-terminal (80 × 24) with PAGER a recorder: a script that
writes its arguments, its LESS and its stdin to files and exits."""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

import pytest
from pty_screen import Session, clean_env, run_on_pty

from bptt_trace.cli.pager import pager_command

SENTENCE = "I like NLP"
"""Its tables are 290 lines at 80 columns: more than a screen."""
SHORT = [SENTENCE, "--only", "jacobians"]
"""12 lines: they fit the 24 rows."""

RECORDER = """#!/bin/sh
printf '%s\\n' "$@" > "{base}.argv"
printf '%s' "${{LESS-unset}}" > "{base}.less"
{read} > "{base}.stdin"
exit 0
"""


def recorder(tmp_path: Path, read: str = "cat") -> tuple[str, Path]:
    """A pager that records what it was given (``read``: how much of its stdin it reads
    before it exits); the PAGER value, and the base name of its files."""
    base = tmp_path / "pager"
    script = tmp_path / "recorder.sh"
    script.write_text(RECORDER.format(base=base, read=read), encoding="utf-8")
    script.chmod(0o755)
    return f"{script} --first 'two words'", base


def paged_env(pager: str, **extra: str) -> dict[str, str]:
    env = clean_env({"PAGER": pager, **extra})
    env.pop("LESS", None)
    return env


def recorded(base: Path) -> str | None:
    """What the recorder read on its stdin (None: it never ran)."""
    stdin = base.with_suffix(".stdin")
    return stdin.read_text(encoding="utf-8") if stdin.exists() else None


def test_on_a_terminal_a_long_run_goes_through_the_pager(tmp_path: Path) -> None:
    pager, base = recorder(tmp_path)
    session = run_on_pty([SENTENCE, "--quiet"], env=paged_env(pager))
    assert session.code == 0
    text = recorded(base)
    assert text is not None
    assert text.count("\n") > 24
    assert "Backward pass" in text and "✓ finished after 1 step" in text
    assert "\x1b[" in text  # coloured for the terminal, as less -R shows it
    assert base.with_suffix(".argv").read_text(encoding="utf-8") == "--first\ntwo words\n"
    assert base.with_suffix(".less").read_text(encoding="utf-8") == "FRX"  # git's default
    assert "Backward pass" not in "\n".join(session.lines())  # the pager had the screen


def test_the_users_less_options_are_kept(tmp_path: Path) -> None:
    pager, base = recorder(tmp_path)
    session = run_on_pty([SENTENCE, "--quiet"], env={**paged_env(pager), "LESS": "-R"})
    assert session.code == 0
    assert base.with_suffix(".less").read_text(encoding="utf-8") == "-R"


def test_a_pipe_never_starts_the_pager(tmp_path: Path) -> None:
    """stdout a pipe while stdin and stderr are the terminal."""
    pager, base = recorder(tmp_path)
    out = tmp_path / "out.txt"
    script = f'"$0" -m bptt_trace "$1" --quiet | cat > "{out}"'
    program = ["/bin/sh", "-c", script, sys.executable]
    session = run_on_pty([SENTENCE], env=paged_env(pager), program=program)
    assert session.code == 0
    assert recorded(base) is None
    assert "✓ finished after 1 step" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "how",
    [["--no-pager"], ["--json"], "PAGER=", "PAGER=cat", "short", "not a program"],
    ids=str,
)
def test_the_tables_go_straight_to_the_terminal(how: list[str] | str, tmp_path: Path) -> None:
    pager, base = recorder(tmp_path)
    args = [SENTENCE, "--quiet"]
    env = paged_env(pager)
    if isinstance(how, list):
        args += how
    elif how == "short":
        args = [*SHORT, "--quiet"]
    elif how == "not a program":
        env["PAGER"] = str(tmp_path / "no-such-pager")
    else:
        env["PAGER"] = how.removeprefix("PAGER=")
    session = run_on_pty(args, env=env)
    assert session.code == 0
    assert recorded(base) is None
    screen = "\n".join(session.lines())
    assert "Traceback" not in screen
    if how == ["--json"]:
        assert session.output.startswith(b'{"event":"run"')
    elif how == "short":
        assert "Vanishing or exploding?" in screen
    else:
        assert "✓ finished after 1 step" in screen


def test_pause_never_pages(tmp_path: Path) -> None:
    pager, base = recorder(tmp_path)

    def quit_at_the_first_prompt(session: Session) -> bytes | None:
        return b"q\n" if not session.sent and b"Enter: next" in session.output else None

    session = run_on_pty(
        [SENTENCE, "--pause", "--quiet"], reply=quit_at_the_first_prompt, env=paged_env(pager)
    )
    assert session.code == 0
    assert recorded(base) is None
    assert "bptt-trace" in "\n".join(session.lines())  # the header, on the screen


def test_the_progress_bar_shows_while_the_run_goes_on_and_never_reaches_the_pager(
    tmp_path: Path,
) -> None:
    pager, base = recorder(tmp_path)
    env = paged_env(pager, BPTT_TRACE_PROGRESS_DELAY="0")
    session = run_on_pty([SENTENCE, "--steps", "150"], env=env)
    assert session.code == 0
    assert b"/150" in session.output and "━".encode() in session.output  # drawn on stderr
    text = recorded(base)
    assert text is not None and "Loss curve" in text
    assert "━" not in text and "/150" not in text


def test_a_pager_that_quits_early_leaves_the_run_whole(tmp_path: Path) -> None:
    """A pager that reads one line and exits: no traceback, the run's own exit code, and
    its trace whole (the pager starts after the run, so quitting it cuts nothing)."""
    pager, base = recorder(tmp_path, read="head -n 1")
    trace = tmp_path / "trace.jsonl"
    session = run_on_pty([SENTENCE, "--output", str(trace)], env=paged_env(pager))
    assert session.code == 0
    assert recorded(base) is not None
    screen = "\n".join(session.lines())
    assert "Traceback" not in screen and "Broken pipe" not in screen
    assert json.loads(trace.read_text(encoding="utf-8").splitlines()[-1])["event"] == "end"


LESS = shutil.which("less")


def less_session(keys: list[bytes], tmp_path: Path) -> tuple[list[str], list[str]]:
    """The run with the real less (LESS unset: FRX), ``keys`` typed one at a time once less
    shows the tables; the screen, and the terminal's settings before and after (stty -g)."""
    # the shell outlives a Ctrl-C (a trap, which its children do not inherit) to report
    script = (
        f'trap : INT; stty -g > "{tmp_path}/before"; "$0" -m bptt_trace "$1" --quiet; '
        f'echo "exit $?"; stty -g > "{tmp_path}/after"'
    )
    env = clean_env()
    for name in ("PAGER", "LESS"):
        env.pop(name, None)

    def type_keys(session: Session) -> bytes | None:
        shown = b"bptt-trace" in session.output and b"Vanilla RNN" in session.output
        if shown and len(session.sent) < len(keys):
            return keys[len(session.sent)]
        # less flushes what was typed while it handled a Ctrl-C: a q that came meanwhile is
        # lost, so it is typed again while less is still there (the screen unchanged since)
        if shown and keys[-1] == b"q" and len(session.output) == typed_at[-1]:
            return b"q"
        typed_at.append(len(session.output))
        return None

    typed_at = [-1]

    program = ["/bin/sh", "-c", script, sys.executable]
    session = run_on_pty([SENTENCE], reply=type_keys, env=env, program=program)
    settings = [(tmp_path / name).read_text(encoding="ascii") for name in ("before", "after")]
    return session.lines(), settings


def exited(screen: list[str], code: int) -> bool:
    """Whether the shell said ``exit CODE``: after a q typed again (see ``less_session``) that
    reached the terminal once less had already ended, its echo may lead the line."""
    return any(re.fullmatch(rf"q*exit {code}", line.strip()) for line in screen)


@pytest.mark.skipif(LESS is None, reason="less is not installed")
def test_quitting_less_before_the_end_restores_the_terminal(tmp_path: Path) -> None:
    screen, (before, after) = less_session([b"q"], tmp_path)
    assert exited(screen, 0), screen[-5:]
    assert before == after
    assert "Traceback" not in "\n".join(screen)
    assert not any("Backward pass" in line for line in screen)  # only the first screen


@pytest.mark.skipif(LESS is None, reason="less is not installed")
def test_ctrl_c_in_less_is_the_pagers_and_the_exit_code_says_so(tmp_path: Path) -> None:
    """As with git: the pager owns the terminal and stays; once it ends, exit 130."""
    screen, (before, after) = less_session([b"\x03", b"q"], tmp_path)
    assert exited(screen, 130), screen[-5:]
    assert before == after
    assert "Traceback" not in "\n".join(screen)


@pytest.mark.parametrize(
    ("value", "command"),
    [
        (None, ["less"]),
        ("", None),
        ("  ", None),
        ("cat", None),
        ("less -R", ["less", "-R"]),
        ("my pager 'with spaces'", ["my", "pager", "with spaces"]),
        ("unbalanced 'quote", None),
        ("less -R | tee seen.txt", ["/bin/sh", "-c", "less -R | tee seen.txt"]),
    ],
)
def test_the_pager_command_as_git_reads_it(value: str | None, command: list[str] | None) -> None:
    environ = {} if value is None else {"PAGER": value}
    assert pager_command(environ) == command


def test_ctrl_c_during_the_run_gives_the_prompt_back_without_the_pager(tmp_path: Path) -> None:
    """A stopped run (exit 130) writes what it had straight to the terminal."""
    pager, base = recorder(tmp_path)

    def ctrl_c_once_the_bar_shows(session: Session) -> bytes | None:
        return b"\x03" if not session.sent and b"/1000000" in session.output else None

    env = paged_env(pager, BPTT_TRACE_PROGRESS_DELAY="0")
    session = run_on_pty([SENTENCE, "--steps", "1000000"], ctrl_c_once_the_bar_shows, env)
    assert session.code == 130
    assert recorded(base) is None
    screen = session.lines()
    assert "Backward pass (BPTT) · step 1" in "\n".join(screen)
    assert screen[-1].startswith(("■ interrupted after step ", "■ interrupted during step 1,"))


def test_past_its_cap_the_gathered_text_streams_to_the_pager(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tables held for the pager are bounded: past the cap the pager starts and the rest
    streams to it, in order, holding nothing more."""
    from bptt_trace.cli.pager import Gathered, finish

    got = tmp_path / "paged.txt"
    monkeypatch.setenv("PAGER", f"sh -c 'cat > \"{got}\"'")
    with (tmp_path / "terminal.txt").open("w", encoding="utf-8") as terminal:
        gathered = Gathered(terminal, most=100)
        lines = [f"{i:02d} " + "x" * 56 + "\n" for i in range(30)]
        gathered.write(lines[0])
        assert gathered.pager is None  # within the cap: held
        for line in lines[1:]:
            gathered.write(line)
            assert gathered.size <= 100
        assert gathered.pager is not None and gathered.parts == []
        code = [0]
        finish(gathered, code)
    assert code == [0]
    assert got.read_text(encoding="utf-8") == "".join(lines)
    assert (tmp_path / "terminal.txt").read_text(encoding="utf-8") == ""


@pytest.mark.parametrize("pager", ["head -c 10", "no-such-pager-anywhere"])
def test_a_pager_gone_or_missing_past_the_cap_loses_nothing_of_the_run(
    pager: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bptt_trace.cli.pager import Gathered, finish

    monkeypatch.setenv("PAGER", pager)
    with (tmp_path / "terminal.txt").open("w", encoding="utf-8") as terminal:
        gathered = Gathered(terminal, most=100)
        lines = [f"{i:04d} " + "y" * 200 + "\n" for i in range(2000)]  # past a pipe's buffer
        for line in lines:
            gathered.write(line)  # a pager gone drops the rest, silently
        finish(gathered, [0])
    shown = (tmp_path / "terminal.txt").read_text(encoding="utf-8")
    assert shown == ("".join(lines) if pager.startswith("no-such") else "")
