"""Closed standard streams (<&-, >&-, 2>&-): one line and a documented exit code, never a
traceback, and no file of ours ever takes a closed stream's place."""

import json
import os
from pathlib import Path

import pytest
from clitools import assert_refused, run_cli


def closing(*fds: int):
    def close() -> None:
        for fd in fds:
            os.close(fd)

    return close


def test_a_closed_stdout_is_refused_in_one_line() -> None:
    proc = run_cli(["I like NLP"], preexec=closing(1))
    assert_refused(proc, "stdout is closed", "/dev/null")


def test_a_closed_stdout_never_lets_a_file_take_its_place(tmp_path: Path) -> None:
    model = tmp_path / "m.npz"
    proc = run_cli(["I like NLP", "--save", str(model)], preexec=closing(1))
    assert_refused(proc, "stdout is closed")
    assert not model.exists()


@pytest.mark.parametrize("option", ["--file", "--replay"])
def test_a_closed_stdin_read_as_dash_is_refused(option: str) -> None:
    assert_refused(run_cli([option, "-"], preexec=closing(0)), f"{option} -: stdin is closed")


@pytest.mark.parametrize("extra", [[], ["--pause"]])
def test_a_closed_stdin_is_no_problem_otherwise(extra: list[str]) -> None:
    proc = run_cli(["I like NLP", *extra], preexec=closing(0))
    assert proc.returncode == 0 and b"finished after 1 step" in proc.stdout
    assert b"Traceback" not in proc.stderr


def test_with_stderr_closed_errors_never_reach_stdout() -> None:
    proc = run_cli(["", "--json"], preexec=closing(2))
    assert proc.returncode == 2 and proc.stdout == b""
    proc = run_cli(["I like NLP", "--json"], preexec=closing(2))
    assert proc.returncode == 0 and whole_json(proc.stdout)[-1]["event"] == "end"


def test_all_three_closed() -> None:
    assert run_cli(["I like NLP"], preexec=closing(0, 1, 2)).returncode == 2
    assert run_cli(["I like NLP"], preexec=closing(0, 2)).returncode == 0


def whole_json(data: bytes) -> list[dict]:
    assert data.endswith(b"\n")
    return [json.loads(line) for line in data.splitlines()]
