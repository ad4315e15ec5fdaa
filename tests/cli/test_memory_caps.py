"""Under a 2 GB address-space cap, hostile inputs are refused cleanly (exit 2, one line),
never with a MemoryError: the work done before refusing is bounded by the limits, not by
what the input declares or how long it goes on."""

import subprocess
from pathlib import Path

import pytest
from bombs import zip_bomb
from clitools import assert_refused, memory_cap, run_cli

from bptt_trace.files.inputs import MAX_CORPUS_BYTES
from bptt_trace.files.trace_reader import MAX_TRACE_BYTES


@pytest.fixture(scope="module")
def bomb(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("bomb") / "bomb.npz"
    zip_bomb(path)  # 3 MB declaring a 3.2 GB W
    return path


def test_the_cap_is_real() -> None:
    """The child really runs under the cap: allocating 3 GB fails there."""
    proc = subprocess.run(
        ["python3", "-c", "bytearray(3 << 30)"],
        preexec_fn=memory_cap(),
        capture_output=True,
        check=False,
    )
    assert proc.returncode != 0 and b"MemoryError" in proc.stderr


def test_a_zip_bomb_is_refused_under_the_cap(bomb: Path) -> None:
    proc = run_cli(["I like NLP", "--load", str(bomb)], preexec=memory_cap())
    assert_refused(proc, "--load", "400,000,000 entries", "nothing of it was read")


@pytest.mark.parametrize(
    ("option", "cap"), [("--file", MAX_CORPUS_BYTES), ("--replay", MAX_TRACE_BYTES)]
)
def test_dev_zero_is_refused_under_the_cap(option: str, cap: int) -> None:
    proc = run_cli([option, "/dev/zero"], preexec=memory_cap())
    assert_refused(proc, f"{option} /dev/zero", f"larger than {cap:,} bytes")


@pytest.mark.parametrize(
    ("option", "cap"), [("--file", MAX_CORPUS_BYTES), ("--replay", MAX_TRACE_BYTES)]
)
def test_an_endless_stdin_is_refused_under_the_cap(option: str, cap: int) -> None:
    yes = subprocess.Popen(["yes", "I like NLP"], stdout=subprocess.PIPE)  # yes | bptt-trace
    try:
        proc = run_cli([option, "-"], stdin=yes.stdout, preexec=memory_cap())
    finally:
        yes.kill()
        yes.wait()
    assert_refused(proc, f"{option} -", f"larger than {cap:,} bytes")


def test_a_long_sentence_of_one_token_is_refused_under_the_cap(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("w" * (MAX_CORPUS_BYTES - 1) + "\n")  # just under the byte cap
    proc = run_cli(["--file", str(corpus)], preexec=memory_cap())
    assert_refused(proc, "line 1", "7,999,999 characters", "limit of 1,000")
