"""A file of several runs one after another (``--compare-cells --json`` writes one a cell) is
refused by --replay and --diff at its second run line, in one line that says what the file is
and how to replay each run; the advice, followed as given, replays every run."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.clitools import assert_refused, run_cli


@pytest.fixture(scope="module")
def cells_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cells") / "three cells.jsonl"
    proc = run_cli(["I like NLP", "--compare-cells", "--json"])
    assert proc.returncode == 0, proc.stderr
    path.write_bytes(proc.stdout)
    return path


def run_lines(path: Path) -> list[int]:
    lines = path.read_text().splitlines()
    return [n for n, line in enumerate(lines, start=1) if line.startswith('{"event":"run"')]


@pytest.mark.parametrize("option", ["--replay", "--diff"])
def test_the_refusal_names_several_runs_and_the_way_to_split_them(
    cells_file: Path, option: str
) -> None:
    second = run_lines(cells_file)[1]
    args = [option, str(cells_file)] + ([str(cells_file)] if option == "--diff" else [])
    err = assert_refused(run_cli(args), f"line {second}: a second run event", "several runs")
    assert "split it at each run line" in err and f"give each part to {option}" in err


def test_from_stdin_the_advice_names_no_file(cells_file: Path) -> None:
    proc = run_cli(["--replay", "-"], stdin=cells_file.open("rb"))
    err = assert_refused(proc, "several runs", "split it at each run line")
    assert "csplit" not in err


def test_the_command_the_refusal_gives_splits_the_file_into_runs_that_replay(
    cells_file: Path, tmp_path: Path
) -> None:
    if shutil.which("csplit") is None:
        pytest.skip("no csplit here (GNU coreutils)")
    err = run_cli(["--replay", str(cells_file)]).stderr.decode()
    command = re.search(r"\((csplit [^)]*)\)", err)
    assert command is not None, err
    subprocess.run(command.group(1), shell=True, cwd=tmp_path, check=True, timeout=60)
    parts = sorted(tmp_path.glob("run-*"))
    assert len(parts) == len(run_lines(cells_file)) == 3
    whole = b"".join(part.read_bytes() for part in parts)
    assert whole == cells_file.read_bytes()
    for part in parts:
        assert run_lines(part) == [1]
        proc = run_cli(["--replay", str(part)])
        assert proc.returncode == 0, proc.stderr
