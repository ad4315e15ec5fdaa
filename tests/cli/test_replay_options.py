"""What --help and the README say --replay takes is what it takes: every option of the command
(enumerated from it, so that a new one is covered the day it is added) given with --replay is
refused as one --replay would ignore exactly when neither list names it; the exercise options
are taken with --exercise. The --replay reads a file that does not exist, so that an option it
takes stops at that file (exit 2, a line naming it) having shown nothing."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import typer

from bptt_trace.cli.app import app, main

ROOT = Path(__file__).parents[2]
COMMAND = typer.main.get_command(app)
OPTIONS = [
    p
    for p in COMMAND.params
    if p.param_type_name == "option"
    and not p.is_eager
    and p.name not in ("replay", "install_completion", "show_completion")
]
SENTENCE = re.compile(
    r"--replay takes only (?P<plain>.*?), and for an exercise of the saved trace (?P<ex>.*?);"
)


def flags(words: str) -> list[str]:
    return re.findall(r"--[a-z][a-z-]*", words)


def help_lists(capsys: pytest.CaptureFixture[str]) -> tuple[list[str], list[str]]:
    capsys.readouterr()
    assert main(["--help"]) == 0
    text = " ".join(capsys.readouterr().out.replace("│", " ").split())
    found = SENTENCE.search(text)
    assert found is not None, text[-1500:]
    return flags(found.group("plain")), flags(found.group("ex"))


def test_the_readme_says_what_help_says(capsys: pytest.CaptureFixture[str]) -> None:
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").replace("`", "").split())
    found = SENTENCE.search(readme)
    assert found is not None
    assert (flags(found.group("plain")), flags(found.group("ex"))) == help_lists(capsys)


def a_value(param: Any, tmp_path: Path) -> list[str]:
    name = param.opts[0]
    if param.is_flag:
        return [name]
    values = {"--only": "forward", "--exercise": "backward", "--blanks": "2", "--width": "80"}
    if name in values:
        return [name, values[name]]
    choices = getattr(param.type, "choices", None)
    if choices:
        choice = next(iter(choices))
        return [name, str(getattr(choice, "value", choice))]
    if param.type.name.startswith(("int", "float")):  # and their ranges
        return [name, "1"]
    return [name, str(tmp_path / "x.txt")] + ([str(tmp_path / "y.txt")] if param.nargs == 2 else [])


@pytest.mark.parametrize("param", OPTIONS, ids=lambda p: p.opts[0])
def test_replay_takes_what_help_lists_and_refuses_the_rest(
    param: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plain, exercise = help_lists(capsys)
    name = param.opts[0]
    replay = ["--replay", str(tmp_path / "missing.jsonl")]
    args = [
        *replay,
        *(["--exercise", "backward"] if name in exercise else []),
        *a_value(param, tmp_path),
    ]
    code = main(args)
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1, err
    if name in plain or name in exercise:
        assert "missing.jsonl" in err and "leave out" not in err, (args, err)
    else:
        named = rf"leave out [^;]*{re.escape(name)}\b|{re.escape(name)} does not use --replay"
        assert re.search(named, err), (args, err)  # a checking mode: the other way round
