"""Stdout is always whole: every mode that prints goes through one writer (files/stdio.py),
so that a full device is one line and exit 2, a reader gone is exit 141 with nothing on
stderr, and a full disk under ``> file`` leaves the file ending in a whole line.

Each case runs the real program in a subprocess; nothing here depends on timing: the pipe's
reader is closed before the child starts, and the disk fills at a byte count
(RLIMIT_FSIZE in the child)."""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from clitools import ENV, run_cli

from bptt_trace.files.stdio import WholeLines

SENTENCE = "I like NLP"


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Two traces that differ (full and truncated BPTT), and weights with gradients that
    differ from the trace's (ones)."""
    root = tmp_path_factory.mktemp("stdout")
    paths = {name: str(root / name) for name in ("a.jsonl", "b.jsonl", "w.npz", "g.npz")}
    for name, extra in (("a.jsonl", []), ("b.jsonl", ["--truncate", "1"])):
        done = run_cli([SENTENCE, "--json", *extra])
        assert done.returncode == 0
        Path(paths[name]).write_bytes(done.stdout)
    rng = np.random.default_rng(0)
    weights = {
        "W": rng.normal(size=(4, 4)),
        "W_h": rng.normal(size=(4, 4)),
        "b": np.zeros(4),
        "V": rng.normal(size=(4, 4)),
        "b_output": np.zeros(4),
    }
    np.savez(paths["w.npz"], **weights)
    np.savez(paths["g.npz"], **{k: np.ones_like(v) for k, v in weights.items()})
    return paths


MODES: dict[str, list[str]] = {
    "--version": ["--version"],
    "--help": ["--help"],
    "--schema": ["--schema"],
    "--replay": ["--replay", "{a.jsonl}"],
    "--diff": ["--diff", "{a.jsonl}", "{b.jsonl}"],
    "--diff --json": ["--diff", "{a.jsonl}", "{b.jsonl}", "--json"],
    "--compare": [SENTENCE, "--init", "{w.npz}", "--compare", "{g.npz}"],
    "--compare --json": [SENTENCE, "--init", "{w.npz}", "--compare", "{g.npz}", "--json"],
    "tables": [SENTENCE],
    "--json": [SENTENCE, "--json"],
    "--compare-cells --json": [SENTENCE, "--compare-cells", "--json"],
}
"""Every mode that prints to stdout, by name."""


def arguments(mode: str, files: dict[str, str]) -> list[str]:
    return [files[arg[1:-1]] if arg.startswith("{") else arg for arg in MODES[mode]]


@pytest.mark.parametrize("mode", MODES)
def test_a_full_device_is_one_line_and_exit_2(mode: str, files: dict[str, str]) -> None:
    with open("/dev/full", "wb") as full:
        done = run_cli(arguments(mode, files), stdout=full)
    err = done.stderr.decode()
    assert done.returncode == 2, err
    assert err.count("\n") == 1 and err.startswith("bptt-trace: error: stdout cannot be written")
    assert "No space left on device" in err and "Traceback" not in err


@pytest.mark.parametrize("mode", MODES)
def test_a_reader_gone_is_exit_141_and_quiet(mode: str, files: dict[str, str]) -> None:
    read, write = os.pipe()
    os.close(read)  # the reader went away before the first byte: `| true`, deterministically
    try:
        done = run_cli(arguments(mode, files), stdout=write)
    finally:
        os.close(write)
    assert (done.returncode, done.stderr) == (141, b"")


def filling_at(limit: int):
    """A preexec_fn: the child's files may grow to ``limit`` bytes (then EFBIG, the signal
    that would kill it ignored), a disk that fills at a byte count."""

    def cap() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return cap


@pytest.mark.parametrize("mode", ["--json", "--schema", "--diff --json", "tables"])
@pytest.mark.parametrize("limit", [1500, 4097])
def test_a_disk_that_fills_leaves_whole_lines(
    mode: str, limit: int, files: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    with out.open("wb") as stream:
        done = subprocess.run(
            [sys.executable, "-m", "bptt_trace", *arguments(mode, files)],
            stdin=subprocess.DEVNULL,
            stdout=stream,
            stderr=subprocess.PIPE,
            env=ENV,
            preexec_fn=filling_at(limit),
            timeout=300,
            check=False,
        )
    err = done.stderr.decode()
    assert done.returncode == 2 and err.count("\n") == 1, err
    assert "stdout cannot be written (File too large)" in err
    data = out.read_bytes()
    assert len(data) <= limit
    assert data == b"" or data.endswith(b"\n")
    if mode == "--json":  # each line whole JSON, and at least the run event got there
        lines = data.decode().splitlines()
        assert lines and all(json.loads(line)["event"] for line in lines)


def test_the_writer_writes_lines_whole_and_a_flush_whatever_it_holds() -> None:
    read, write = os.pipe()
    try:
        stream = WholeLines(write)
        stream.write("a half")
        os.set_blocking(read, False)
        with pytest.raises(BlockingIOError):  # nothing of a half line is written
            os.read(read, 100)
        stream.write(" line\nand the next ")
        assert os.read(read, 100) == b"a half line\n"
        stream.flush()  # a prompt, for instance: written as asked
        assert os.read(read, 100) == b"and the next "
        with pytest.raises(TypeError):
            stream.write(b"bytes")  # type: ignore[arg-type]
    finally:
        os.close(read)
        os.close(write)


def test_after_a_failure_the_writer_drops_everything_quietly() -> None:
    read, write = os.pipe()
    os.close(read)
    stream = WholeLines(write)
    try:
        with pytest.raises(BrokenPipeError):
            stream.write("one line\n")
        stream.write("another\n")  # dropped: the failure was raised once
        stream.flush()
        assert isinstance(stream.failure, BrokenPipeError)
    finally:
        os.close(write)


@pytest.mark.parametrize("extreme", [1.7e308, 1e-320])
def test_compare_json_is_strict_json(extreme: float, files: dict[str, str], tmp_path: Path) -> None:
    """Gradients at the ends of the floats: the result still parses as standard JSON."""
    grads = tmp_path / "g.npz"
    weights = np.load(files["w.npz"])
    np.savez(grads, **{k: np.full_like(weights[k], extreme) for k in weights.files})
    done = run_cli([SENTENCE, "--init", files["w.npz"], "--compare", str(grads), "--json"])
    assert done.returncode in (0, 1), done.stderr

    def refuse(constant: str) -> None:
        raise ValueError(f"{constant} is not JSON")

    assert isinstance(json.loads(done.stdout, parse_constant=refuse), dict)
