"""--diff's tables through the pager as a run's: on a terminal, a diff longer than the screen
goes to $PAGER once it is complete, with the diff's own exit code (1: the traces differ);
never on a pipe, with --no-pager, PAGER= or PAGER=cat, or when it fits the screen. Run on a
real pseudo-terminal (80 × 24) with PAGER the recorder of test_screen_pager."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from cli.test_screen_pager import paged_env, recorded, recorder
from pty_screen import ROWS, run_on_pty

from bptt_trace.cli.app import main

TITLE = "Quantities that part beyond"
"""The heading of the diff's table, present whenever two traces differ."""


@pytest.fixture(scope="module")
def traces(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """Two one-step traces of one sentence from different seeds: every quantity parts."""
    folder = tmp_path_factory.mktemp("traces")
    paths = []
    for seed in ("0", "2"):
        path = folder / f"seed{seed}.jsonl"
        assert main(["I like NLP", "--seed", seed, "--json", "--quiet", "--output", str(path)]) == 0
        paths.append(str(path))
    return paths[0], paths[1]


def plain_diff_lines(a: str, b: str, capsys: pytest.CaptureFixture[str]) -> int:
    """How many lines the diff is off a terminal (the same at 80 columns)."""
    capsys.readouterr()
    assert main(["--diff", a, b]) == 1
    return capsys.readouterr().out.count("\n")


def test_a_long_diff_on_a_terminal_goes_through_the_pager(
    traces: tuple[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert plain_diff_lines(*traces, capsys) > ROWS  # longer than the screen
    pager, base = recorder(tmp_path)
    session = run_on_pty(["--diff", *traces], env=paged_env(pager))
    assert session.code == 1  # the diff's own code: the traces differ
    text = recorded(base)
    assert text is not None
    assert text.count("\n") > ROWS
    assert TITLE in text and "params.W_h" in text
    assert "\x1b[" in text  # laid out and coloured for the terminal
    assert base.with_suffix(".less").read_text(encoding="utf-8") == "FRX"
    assert "params.W_h" not in "\n".join(session.lines())  # the pager had the screen


@pytest.mark.parametrize("how", ["--no-pager", "PAGER=", "PAGER=cat", "equal"])
def test_the_diff_goes_straight_to_the_terminal(
    how: str, traces: tuple[str, str], tmp_path: Path
) -> None:
    pager, base = recorder(tmp_path)
    env = paged_env(pager)
    args = ["--diff", *traces]
    if how == "--no-pager":
        args.append(how)
    elif how == "equal":  # one line: it fits the screen
        args = ["--diff", traces[0], traces[0]]
    else:
        env["PAGER"] = how.removeprefix("PAGER=")
    session = run_on_pty(args, env=env)
    assert recorded(base) is None
    screen = "\n".join(session.lines())
    assert "Traceback" not in screen
    if how == "equal":
        assert session.code == 0 and "equal within the tolerance" in screen
    else:
        assert session.code == 1 and TITLE in screen and "params.W_h" in screen


def test_a_pipe_never_starts_the_pager(traces: tuple[str, str], tmp_path: Path) -> None:
    """stdout a pipe while stdin and stderr are the terminal."""
    pager, base = recorder(tmp_path)
    out = tmp_path / "out.txt"
    script = f'"$0" -m bptt_trace --diff "$1" "$2" | cat > "{out}"'
    program = ["/bin/sh", "-c", script, sys.executable]
    session = run_on_pty(list(traces), env=paged_env(pager), program=program)
    assert session.code == 0  # the shell's: cat's
    assert recorded(base) is None
    assert TITLE in out.read_text(encoding="utf-8")


def test_no_pager_with_json_is_taken_and_changes_nothing(
    traces: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """JSON never goes through the pager: --no-pager is harmless there (as in every mode)."""
    capsys.readouterr()
    code = main(["--diff", *traces, "--json"])
    bare = capsys.readouterr()
    assert main(["--diff", *traces, "--json", "--no-pager"]) == code
    assert capsys.readouterr() == bare


def test_a_ctrl_c_while_the_diff_is_laid_out_writes_what_it_had_without_the_pager(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As a stopped run: the prompt back at once, no pager started after a Ctrl-C."""
    from bptt_trace.cli.pager import paging

    pager, base = recorder(tmp_path)
    monkeypatch.setenv("PAGER", pager)
    lines = [f"line {i}\n" for i in range(3 * ROWS)]  # longer than any screen's 24 rows
    with (tmp_path / "terminal.txt").open("w", encoding="utf-8") as terminal:
        monkeypatch.setattr(sys, "stdout", terminal)
        with pytest.raises(KeyboardInterrupt), paging(True) as code:
            sys.stdout.write("".join(lines))
            raise KeyboardInterrupt
        assert sys.stdout is terminal
    assert code == [130]
    assert recorded(base) is None
    assert (tmp_path / "terminal.txt").read_text(encoding="utf-8") == "".join(lines)
