"""The command line as a user meets it: exit codes, one-line errors, stdout under --json."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bptt_trace.cli.app import main

SCRIPT = [sys.executable, "-m", "bptt_trace"]


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("args", "names"),
    [
        ([""], "empty"),
        (["   \t "], "empty"),
        (["I like NLP", "--lr", "0"], "--lr"),
        (["I like NLP", "--lr", "-1"], "--lr"),
        (["I like NLP", "--lr", "nan"], "--lr"),
        (["I like NLP", "--lr", "inf"], "--lr"),
        (["I like NLP", "--hidden", "0"], "--hidden"),
        (["I like NLP", "--hidden", "-3"], "--hidden"),
        (["I like NLP", "--steps", "0"], "--steps"),
        (["I like NLP", "--lr", "abc"], "--lr"),
        (["I like NLP", "--activation", "swish"], "--activation"),
        ([], "sentence"),
        (["I like NLP", "--file", "sentences/seed.txt"], "--file"),
        (["--file", "no/such/file.txt"], "no such file"),
        (["I like NLP", "--output", "no/such/dir/t.jsonl"], "does not exist"),
        (["I like NLP", "--hidden", "1000000000"], "limit"),
    ],
)
def test_bad_input_is_one_line_on_stderr_and_exit_2(args, names, refused) -> None:
    assert names in refused(args)


def test_json_writes_only_json_lines_to_stdout(capsys) -> None:
    code, out, err = run_cli(["I like NLP", "--json"], capsys)
    assert code == 0 and err.startswith("bptt-trace: finished after 1 step;")
    lines = out.splitlines()
    kinds = [json.loads(line)["event"] for line in lines]
    assert kinds[0] == "run" and kinds[-1] == "end"
    assert "NaN" not in out and "Infinity" not in out


def test_output_writes_the_trace_while_the_tables_show(tmp_path: Path, capsys) -> None:
    target = tmp_path / "trace.jsonl"
    code, out, _ = run_cli(["I like NLP", "--output", str(target)], capsys)
    assert code == 0
    assert "Backward pass (BPTT)" in out
    code, json_out, _ = run_cli(["I like NLP", "--json"], capsys)
    assert target.read_text() == json_out


def test_a_failing_run_leaves_an_existing_output_file_alone(tmp_path: Path, capsys) -> None:
    target = tmp_path / "trace.jsonl"
    target.write_text("precious\n")
    code, _, _ = run_cli(["", "--output", str(target)], capsys)
    assert code == 2
    assert target.read_text() == "precious\n"


def test_same_command_gives_byte_identical_json(capsys) -> None:
    _, one, _ = run_cli(["I like NLP", "--json", "--steps", "3"], capsys)
    _, two, _ = run_cli(["I like NLP", "--json", "--steps", "3"], capsys)
    assert one == two


def test_the_seeds_lr_works(capsys) -> None:
    code, out, _ = run_cli(["I like NLP", "--lr", "0.001"], capsys)
    assert code == 0
    assert "α = 0.001" in out


def test_version_and_help(capsys) -> None:
    code, out, _ = run_cli(["--version"], capsys)
    assert code == 0 and out.startswith("bptt-trace ")
    code, out, _ = run_cli(["--help"], capsys)
    assert code == 0
    for flag in ("--lr", "--hidden", "--seed", "--json", "--output", "--precision", "--steps"):
        assert flag in out
    assert 'bptt-trace "I like NLP" --lr 0.001' in out


def test_a_closed_pipe_ends_quietly() -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])}
    proc = subprocess.run(
        f'{sys.executable} -m bptt_trace "I like NLP" --json --steps 300 | head -1',
        shell=True,
        capture_output=True,
        text=True,
        env=env,
        check=False,
        executable="/bin/bash",
    )
    assert json.loads(proc.stdout)["event"] == "run"
    assert proc.stderr == ""


def test_python_dash_m_works() -> None:
    proc = subprocess.run([*SCRIPT, "--version"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0 and proc.stdout.startswith("bptt-trace")


def test_every_example_in_help_runs(tmp_path: Path) -> None:
    from bptt_trace.cli.app import EXAMPLES

    (tmp_path / "sentences").symlink_to(Path(__file__).parents[2] / "sentences")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])}
    commands = [
        line.strip() for line in EXAMPLES.splitlines() if line.strip().startswith("bptt-trace ")
    ]
    assert len(commands) >= 5
    for command in commands:
        shell = command.replace("bptt-trace", f"{sys.executable} -m bptt_trace", 1)
        proc = subprocess.run(
            shell, shell=True, cwd=tmp_path, env=env, capture_output=True, text=True, check=False
        )
        assert proc.returncode == 0, (command, proc.stderr)
    assert "Forward pass" in (tmp_path / "trace.html").read_text()
    assert (tmp_path / "model.npz").exists()
