"""One rule for the options a checking mode ignores: --schema, --diff and --compare each
refuse, in one line naming it, every option of the command that ``cli/uses.USES`` does not
give them, and accept (do not refuse for that) the ones it does. The options are enumerated
from the command itself, so that a new option is covered the day it is added."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer

from bptt_trace.cli.app import app, main
from bptt_trace.cli.uses import MODE_OPTIONS, USES

COMMAND = typer.main.get_command(app)
SHELL = ("install_completion", "show_completion")
"""Typer's completion helpers: they answer the shell and exit, whatever else is given."""
OPTIONS = [
    p
    for p in COMMAND.params
    if p.param_type_name == "option"
    and not p.is_eager
    and p.name not in MODE_OPTIONS
    and p.name not in SHELL
]


LISTS = {"--only": "forward,backward"}
"""Options whose values a callback reads (a comma-separated list), with one it accepts."""


def a_value(param: Any) -> list[str]:
    """The option with a value it accepts (Typer's own description of its type)."""
    name = param.opts[0]
    if name in LISTS:
        return [name, LISTS[name]]
    if param.is_flag:
        return [name]
    kind = param.type  # Click's parameter type, as Typer below 0.29 (pyproject's pin) makes it
    choices = getattr(kind, "choices", None)
    if choices:
        choice = next(iter(choices))
        return [name, str(getattr(choice, "value", choice))]  # an Enum's member: its value
    if getattr(kind, "min", None) is not None:
        return [name, str(kind.min)]
    if kind.name in ("int", "float", "integer"):
        return [name, "1"]
    return [name, "x.out"]


def mode_args(mode: str, tmp_path: Path) -> list[str]:
    """The mode, with inputs that fail to read (exit 2) when it gets that far."""
    missing = str(tmp_path / "missing")
    return {
        "--schema": ["--schema"],
        "--diff": ["--diff", missing, missing],
        "--compare": ["--compare", missing, "--init", missing],
    }[mode]


@pytest.mark.parametrize("mode", USES)
@pytest.mark.parametrize("param", OPTIONS, ids=lambda p: p.opts[0])
def test_every_option_is_used_or_refused(mode, param, tmp_path: Path, capsys) -> None:
    args = [*mode_args(mode, tmp_path), *a_value(param)]
    capsys.readouterr()
    code = main(args)
    err = capsys.readouterr().err
    refusal = f"{mode} does not use {param.opts[0]}"
    if param.name in USES[mode]:
        assert refusal not in err, err
    else:
        assert code == 2 and err.count("\n") == 1 and refusal in err, (args, err)


@pytest.mark.parametrize("mode", ["--diff", "--compare"])
def test_a_sentence_is_refused_where_unused_and_several_are_named(mode, tmp_path, capsys) -> None:
    missing = str(tmp_path / "missing")
    args = ["--diff", missing, missing] if mode == "--diff" else ["--compare", missing]
    code = main(["I like NLP", *args, "--lr", "0.1", "--steps", "1"])
    said = capsys.readouterr().err
    if mode == "--diff":
        assert code == 2 and "--diff does not use a SENTENCE, --lr, --steps; leave them out" in said
    else:  # --compare uses a SENTENCE
        assert code == 2 and "--compare does not use --lr, --steps; leave them out" in said


def test_the_table_names_only_options_of_the_command_or_ones_announced() -> None:
    names = {p.name for p in COMMAND.params}
    announced = {"reset_after", "grads_transposed"}  # flags being added to cli/options.py
    for mode, uses in USES.items():
        assert uses - names <= announced, (mode, uses - names)


@pytest.mark.parametrize("sentence", [[], ["I like NLP"]], ids=["any-trace", "a-run's"])
@pytest.mark.parametrize(
    ("hidden", "says"),
    [
        ("0", "--hidden must be at least 1, not 0"),
        ("-3", "--hidden must be at least 1"),
        ("99999999999999999999999", "no run of that size fits in memory"),
    ],
)
def test_schema_refuses_a_hidden_size_no_run_has(sentence, hidden, says, capsys) -> None:
    """--schema --hidden H describes the traces of runs of that H: 0 (with a sentence it was
    taken as the default, 4, exit 0) and sizes no run can hold are refused as a run is."""
    from bptt_trace.cli.app import main

    assert main(["--schema", *sentence, "--hidden", hidden]) == 2
    out, err = capsys.readouterr()
    assert out == "" and says in err and len(err.strip().splitlines()) == 1
