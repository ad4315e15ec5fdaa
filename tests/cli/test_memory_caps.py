"""Under a 2 GB address-space cap, hostile inputs are refused cleanly (exit 2, one line),
never with a MemoryError: the work done before refusing is bounded by the limits, not by
what the input declares or how long it goes on."""

import subprocess
from pathlib import Path

import pytest
from bombs import header_only_npz, hostile_trace_line, lying_header, zip_bomb
from clitools import assert_refused, memory_cap, run_cli

from bptt_trace.files.inputs import MAX_CORPUS_BYTES
from bptt_trace.files.trace_reader import MAX_TRACE_BYTES, MAX_TRACE_MEMORY, held_bytes


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
    ("option", "why"),
    [
        ("--file", f"larger than {MAX_CORPUS_BYTES:,} bytes"),
        ("--replay", "line 1 is not JSON"),  # a trace is read a line at a time, checked as read
    ],
)
def test_an_endless_stdin_is_refused_under_the_cap(option: str, why: str) -> None:
    yes = subprocess.Popen(["yes", "I like NLP"], stdout=subprocess.PIPE)  # yes | bptt-trace
    try:
        proc = run_cli([option, "-"], stdin=yes.stdout, preexec=memory_cap())
    finally:
        yes.kill()
        yes.wait()
    assert_refused(proc, f"{option} -", why)


def test_a_long_sentence_of_one_token_is_refused_under_the_cap(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("w" * (MAX_CORPUS_BYTES - 1) + "\n")  # just under the byte cap
    proc = run_cli(["--file", str(corpus)], preexec=memory_cap())
    assert_refused(proc, "line 1", "7,999,999 characters", "limit of 1,000")


# Inside the limits, a run finishes or is refused at once from the estimate of what it holds
# (cli.memory_checks.check_size, core.footprint): never a MemoryError under the cap.


def finished(proc: subprocess.CompletedProcess[bytes]) -> None:
    """Exit 0, a whole trace on stdout, nothing on stderr but status lines."""
    err = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 0, (proc.returncode, err[-2000:])
    assert "Traceback" not in err and "MemoryError" not in err, err[-2000:]
    assert proc.stdout.rstrip().endswith(b"}") and b'"event":"end"' in proc.stdout[-400:]


def corpus_file(tmp_path: Path, lines: list[str]) -> str:
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def capped(args: list[str]) -> subprocess.CompletedProcess[bytes]:
    return run_cli([*args, "--json", "--quiet"], preexec=memory_cap())


def test_a_ragged_corpus_costs_its_tokens_not_its_padding(tmp_path: Path) -> None:
    """25,000 one-token sentences and one of 25,000 tokens (about 200 KB): padded into one
    batch, 25,001 × 25,001 positions would ask for gigabytes; in buckets it finishes. (The long
    sentence comes last, so that the traced step, which follows the first 8 sentences, stays
    short; a traced step over 25,000 tokens is the cost of its events, not of memory.)"""
    long = " ".join(f"tok{i % 100:02d}" for i in range(25_000))
    finished(capped(["--file", corpus_file(tmp_path, ["a"] * 25_000 + [long])]))


def test_50000_tokens_of_short_sentences_finish_under_the_cap(tmp_path: Path) -> None:
    finished(capped(["--file", corpus_file(tmp_path, ["I like NLP so much"] * 10_000)]))


def test_a_wide_state_on_three_words_finishes_under_the_cap() -> None:
    finished(capped(["I like NLP", "--hidden", "1024"]))


def test_a_ten_megabyte_word_is_refused_under_the_cap(tmp_path: Path) -> None:
    proc = capped(["--file", corpus_file(tmp_path, ["w" * 10_000_000])])
    assert_refused(proc, "larger than 8,000,000 bytes")


# Hostile inputs through the newer surfaces: --init and --compare (the one bounded .npz
# reader), --replay and --diff (a trace streamed, what its lines hold bounded before parsing).


@pytest.fixture(scope="module")
def lying(tmp_path_factory) -> Path:
    """A small .npz whose W's .npy header-length field claims 3 GiB (NumPy read it whole)."""
    path = tmp_path_factory.mktemp("lying") / "w.npz"
    header_only_npz(path, {"W.npy": lying_header(3 << 30)})
    return path


@pytest.mark.parametrize("option", ["--load", "--init", "--compare"])
def test_a_header_claiming_3_gib_is_refused_under_the_cap(option: str, lying: Path) -> None:
    args = {
        "--load": ["--load", str(lying)],
        "--init": ["--init", str(lying)],
        "--compare": ["--init", str(lying), "--compare", str(lying)],
    }[option]
    proc = run_cli(["I like NLP", *args], preexec=memory_cap())
    assert_refused(proc, f"{args[0]} {lying}", "claims 3,221,225,472 bytes")


@pytest.fixture(scope="module")
def hostile_trace(tmp_path_factory) -> tuple[Path, Path]:
    """A good trace, and 250 MB of [],[],… after the same run line (under the 256 MiB cap)."""
    folder = tmp_path_factory.mktemp("traces")
    good = folder / "good.jsonl"
    assert run_cli(["I like NLP", "--quiet", "--output", str(good)]).returncode == 0
    bad = folder / "bad.jsonl"
    with bad.open("wb") as out:
        out.write(good.read_bytes().splitlines(keepends=True)[0])
        out.write(hostile_trace_line(b"[]", 250_000_000))
    assert 249_000_000 < bad.stat().st_size < MAX_TRACE_BYTES
    return good, bad


@pytest.mark.parametrize("option", ["--replay", "--diff"])
def test_250_mb_of_empty_lists_is_refused_under_the_cap(option, hostile_trace) -> None:
    good, bad = hostile_trace
    args = ["--replay", str(bad)] if option == "--replay" else ["--diff", str(good), str(bad)]
    proc = run_cli(args, preexec=memory_cap())
    assert_refused(proc, f"{bad}: line 2: ", "MiB of memory", "limit of 768 MiB")


def test_the_most_a_trace_may_hold_fits_under_the_cap(tmp_path: Path) -> None:
    """The worst line the budget lets through (the value whose bound is nearest what it holds,
    measured in tests/files/test_trace_bounds.py), just under it, parsed: no MemoryError."""
    good = tmp_path / "good.jsonl"
    assert run_cli(["I like NLP", "--quiet", "--output", str(good)]).returncode == 0
    bad = tmp_path / "bad.jsonl"
    unit = b'{"a":1e1}'
    line = hostile_trace_line(unit, 4096)
    per_byte = held_bytes(line) / len(line)
    with bad.open("wb") as out:
        out.write(good.read_bytes().splitlines(keepends=True)[0])
        out.write(hostile_trace_line(unit, int(0.97 * MAX_TRACE_MEMORY / per_byte)))
    proc = run_cli(["--diff", str(good), str(bad)], preexec=memory_cap())
    assert_refused(proc, f"{bad}: line 2: ", "not a JSON object")  # parsed, then refused
