"""Every mode against every display option (the Display panel of --help, enumerated from the
command, so that a new one is covered the day it is added).

The rule: --quiet, --color, --width and --no-pager change only how the output looks on a
terminal, never what it says, so every mode takes them (and applies those that concern what it
shows); --precision, --pause and --only change what the tables show, and are refused (exit 2,
one line naming them) where they would be silently dropped: where no tables of a trace are
drawn. The modes are run with inputs that cannot be read, so that each stops (exit 2) at its
first file once its options passed, having computed nothing."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import typer

from bptt_trace.cli.app import app, main
from tests.clitools import assert_refused, run_cli

COMMAND = typer.main.get_command(app)
DISPLAY = [p for p in COMMAND.params if getattr(p, "rich_help_panel", None) == "Display"]

LOOKS = {"--quiet", "--color", "--width", "--no-pager"}
"""How the output looks: never refused."""

VALUES = {"--precision": "2", "--color": "never", "--width": "80", "--only": "forward"}

REFUSED: dict[str, set[str]] = {
    "a run": set(),
    "--compare-cells": {"--pause"},
    "--json": {"--precision", "--pause", "--only"},
    "--json --export": {"--pause"},
    "--replay": set(),
    "--exercise": {"--pause", "--only"},
    "--exercise --json": {"--pause", "--only"},
    "--diff": {"--precision", "--pause", "--only"},
    "--diff --json": {"--precision", "--pause", "--only"},
    "--compare": {"--precision", "--pause", "--only"},
    "--schema": {"--precision", "--pause", "--only"},
}
"""What each mode refuses of the display options (the specification)."""


def mode_args(mode: str, tmp_path: Path) -> list[str]:
    missing = str(tmp_path / "missing")
    page = str(tmp_path / "page.html")
    return {
        "a run": ["--file", missing],
        "--compare-cells": ["--file", missing, "--compare-cells"],
        "--json": ["--file", missing, "--json"],
        "--json --export": ["--file", missing, "--json", "--export", page],
        "--replay": ["--replay", missing],
        "--exercise": ["--file", missing, "--exercise", "backward"],
        "--exercise --json": ["--file", missing, "--exercise", "backward", "--json"],
        "--diff": ["--diff", missing, missing],
        "--diff --json": ["--diff", missing, missing, "--json"],
        "--compare": ["I like NLP", "--compare", missing, "--init", missing],
        "--schema": ["--schema"],
    }[mode]


def option_args(param: Any) -> list[str]:
    name = param.opts[0]
    return [name] if param.is_flag else [name, VALUES[name]]


def test_the_specification_never_refuses_how_the_output_looks() -> None:
    assert {p.opts[0] for p in DISPLAY} == {"--precision", "--pause", *LOOKS, "--only"}
    assert all(not (refused & LOOKS) for refused in REFUSED.values())


@pytest.mark.parametrize("mode", REFUSED)
@pytest.mark.parametrize("param", DISPLAY, ids=lambda p: p.opts[0])
def test_every_mode_takes_or_refuses_every_display_option(
    mode: str, param: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name = param.opts[0]
    capsys.readouterr()
    code = main([*mode_args(mode, tmp_path), *option_args(param)])
    err = capsys.readouterr().err
    named = re.search(rf"(leave out|does not use) [^;]*{re.escape(name)}\b", err)
    if name in REFUSED[mode]:
        assert code == 2 and err.count("\n") == 1 and named, (mode, err)
        assert not (tmp_path / "page.html").exists()
    else:
        assert named is None, (mode, err)
        assert code == (0 if mode == "--schema" else 2), (mode, err)  # the unreadable input
        if mode != "--schema":
            assert "missing" in err and err.count("\n") == 1, err


@pytest.fixture(scope="module")
def two_traces(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("traces")
    paths = (folder / "a.jsonl", folder / "b.jsonl")
    for path, lr in zip(paths, ("0.1", "0.2"), strict=True):
        assert main(["I like NLP", "--lr", lr, "--output", str(path), "--quiet"]) == 0
    return paths


FIXTURES = Path(__file__).parents[1] / "usercode" / "fixtures"
COMPARE = [
    "I like NLP",
    "--init",
    str(FIXTURES / "rnn-64-h4-short-last.w.npz"),
    "--compare",
    str(FIXTURES / "rnn-64-h4-short-last.g.npz"),
    "--layout",
    "torch",
]


def widest(text: str) -> int:
    plain = re.sub(r"\x1b\[[0-9;]*m", "", text)
    return max(len(line) for line in plain.splitlines())


def test_compare_and_diff_lay_out_at_width_and_colour_as_told(two_traces) -> None:
    diff = ["--diff", *map(str, two_traces)]
    for args, code in ((COMPARE, 0), (diff, 1)):
        wide = run_cli([*args, "--no-pager", "--quiet"])
        assert wide.returncode == code and wide.stderr == b"", wide.stderr
        assert widest(wide.stdout.decode()) > 60  # ENV's COLUMNS is 100
        assert b"\x1b[" not in wide.stdout  # a pipe: no colour unless --color always
        proc = run_cli([*args, "--width", "60", "--color", "always", "--no-pager"])
        shown = proc.stdout.decode()
        assert proc.returncode == code and proc.stderr == b"", proc.stderr
        assert widest(shown) <= 60 and "\x1b[" in shown


def test_json_output_takes_the_looks_and_is_the_same_json(two_traces) -> None:
    looks = ["--no-pager", "--color", "always", "--width", "60", "--quiet"]
    for args in (["--diff", *map(str, two_traces)], COMPARE):
        bare = run_cli([*args, "--json"])
        told = run_cli([*args, "--json", *looks])
        assert told.returncode == bare.returncode and told.stderr == b""
        assert json.loads(told.stdout) == json.loads(bare.stdout)


def test_what_a_mode_would_drop_is_refused_by_the_program(two_traces) -> None:
    """Through the program: exit 2, one line naming the option, nothing on stdout."""
    assert_refused(run_cli(["--diff", *map(str, two_traces), "--precision", "2"]), "--precision")
    assert_refused(run_cli([*COMPARE, "--only", "forward"]), "--compare does not use --only")
