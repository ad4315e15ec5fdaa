"""A number too long for Python's int() (more than 4,300 digits, ``sys.int_info``'s default
limit) is bad input like any other: every integer option of the command, and each half of
--tbptt K1:K2, given one is refused in one line (exit 2, no traceback). --tbptt, which reads
its numbers itself, shows the value shortened as a K past the limit is everywhere."""

from __future__ import annotations

import sys

import pytest
import typer

from bptt_trace.cli.app import app, main

COMMAND = typer.main.get_command(app)
INTEGER_OPTIONS = [
    p.opts[0]
    for p in COMMAND.params
    if p.param_type_name == "option" and not p.is_flag and p.type.name in ("integer", "int")
]
LIMIT = sys.int_info.default_max_str_digits  # 4300
HUGE = "9" * (LIMIT + 1)
ZEROS = "0" * (LIMIT + 1) + "3"  # a small K written with more digits than int() reads


def refusal(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    code = main(["I like NLP", *args])
    out, err = capsys.readouterr()
    assert code == 2 and not out, (args[0], code, err[-300:])
    assert err.count("\n") == 1 and err.startswith("bptt-trace: error: "), err[-300:]
    assert "Traceback" not in err and "Exceeds the limit" not in err
    return err


def test_the_command_has_the_integer_options_this_test_expects() -> None:
    assert {"--steps", "--hidden", "--seed", "--chunks", "--truncate"} <= set(INTEGER_OPTIONS)


@pytest.mark.parametrize("option", INTEGER_OPTIONS)
def test_every_integer_option_refuses_a_number_past_int_limit(option: str, capsys) -> None:
    refusal([option, HUGE], capsys)


@pytest.mark.parametrize(
    "value", [f"1:{HUGE}", f"{HUGE}:1", f"{HUGE}:{HUGE}", f" {HUGE} : 2", f"1:{HUGE}0"]
)
def test_tbptt_refuses_a_number_past_int_limit_shortened(value: str, capsys) -> None:
    err = refusal(["--tbptt", value], capsys)
    assert "K is at most 1,000,000 steps" in err
    assert len(err) < 300 and "characters)" in err, err[:300]


@pytest.mark.parametrize("value", ["1:²", "²:3", "1:3²", "1:¹⁰"])
def test_tbptt_refuses_digits_int_does_not_read(value: str, capsys) -> None:
    err = refusal(["--tbptt", value], capsys)
    assert "--tbptt takes K1:K2" in err


def test_tbptt_reads_a_small_k_written_with_many_leading_zeros(capsys) -> None:
    capsys.readouterr()
    code = main(["I like NLP", "--tbptt", f"1:{ZEROS}", "--json", "--steps", "1"])
    out, err = capsys.readouterr()
    assert code == 0, err[-300:]
    assert '"tbptt":[1,3]' in out
