"""--output FILE: an existing FILE changes only when a run ends, as a whole; a new FILE is
written in place, a whole line at a time; one run at a time; never half a line."""

import errno
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from clitools import ENV, assert_refused, run_cli

from bptt_trace.cli.app import main
from bptt_trace.errors import InputError
from bptt_trace.files.outputs import TraceOutput
from bptt_trace.trace import loop


def whole_lines(path: Path) -> list[dict]:
    """Every line of a trace file, each parsed: it fails on half a line."""
    data = path.read_text()
    assert data == "" or data.endswith("\n")
    return [json.loads(line) for line in data.splitlines()]


REAL_RUN = loop.run


def failing_run(after: int):
    """The training loop, failing with a bug after ``after`` events."""

    def run(*args, **kwargs) -> Iterator:
        for number, event in enumerate(REAL_RUN(*args, **kwargs)):
            if number == after:
                raise RuntimeError("a bug")
            yield event

    return run


@pytest.mark.parametrize("after", [0, 3])
def test_a_failing_run_leaves_an_existing_output_as_it_was(after, tmp_path, monkeypatch, capsys):
    out = tmp_path / "t.jsonl"
    out.write_text("precious")
    monkeypatch.setattr(loop, "run", failing_run(after))
    with pytest.raises(RuntimeError):
        main(["I like NLP", "--output", str(out)])
    assert out.read_text() == "precious"
    assert os.listdir(tmp_path) == ["t.jsonl"]


def test_a_failing_run_leaves_a_new_output_with_whole_lines_or_none(tmp_path, monkeypatch):
    out = tmp_path / "t.jsonl"
    monkeypatch.setattr(loop, "run", failing_run(0))
    with pytest.raises(RuntimeError):
        main(["I like NLP", "--output", str(out)])
    assert os.listdir(tmp_path) == []  # not even an empty file
    monkeypatch.setattr(loop, "run", failing_run(3))
    with pytest.raises(RuntimeError):
        main(["I like NLP", "--output", str(out)])
    assert len(whole_lines(out)) == 3 and whole_lines(out)[0]["event"] == "run"


@pytest.mark.parametrize(
    ("args", "says", "existing"),
    [
        (["I like NLP", "--seed", "-1"], "--seed", True),
        ([b"I like \xff NLP"], "0xFF is not UTF-8", True),
        (["I like NLP", "--hidden", "0"], "--hidden", False),
        (["I like NLP", "--target", b"\xfe"], "0xFE is not UTF-8", False),
        (["I like NLP", "--steps", "0"], "--steps", True),
        (["I like NLP", "--lr", "nan"], "--lr", False),
    ],
)
def test_runs_that_fail_early_open_no_output(args, says, existing, tmp_path: Path) -> None:
    out = tmp_path / "t.jsonl"
    if existing:
        out.write_text("precious")
    assert_refused(run_cli([*args, "--output", str(out)]), says)
    assert os.listdir(tmp_path) == (["t.jsonl"] if existing else [])
    assert not existing or out.read_text() == "precious"


def test_a_non_utf8_byte_in_the_sentence_is_refused(tmp_path: Path) -> None:
    assert_refused(run_cli([b"I like \xff NLP"]), "the sentence", "0xFF is not UTF-8")
    assert_refused(run_cli([b"I li\xe9ke NLP"]), "the sentence", "0xE9 is not UTF-8")


def test_an_existing_output_is_replaced_whole_when_the_run_ends(tmp_path, capsys) -> None:
    out = tmp_path / "t.jsonl"
    out.write_text("precious")
    assert main(["I like NLP", "--steps", "3", "--output", str(out), "--json"]) == 0
    assert whole_lines(out)[-1]["event"] == "end"
    assert capsys.readouterr().out == out.read_text()
    assert os.listdir(tmp_path) == ["t.jsonl"]


def start_long_run(out: Path) -> subprocess.Popen:
    args = ["I like NLP", "--steps", "10000000", "--output", str(out)]
    return subprocess.Popen(
        [sys.executable, "-m", "bptt_trace", *args],
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_for(condition, proc: subprocess.Popen) -> None:
    """Wait until ``condition()`` (not a timing test: the deadline only stops a hang)."""
    deadline = time.monotonic() + 60
    while not condition():
        assert proc.poll() is None and time.monotonic() < deadline, "the first run ended"
        time.sleep(0.05)


@pytest.mark.parametrize("existing", [False, True])
def test_a_second_run_on_the_same_output_is_refused(existing: bool, tmp_path: Path) -> None:
    out = tmp_path / "t.jsonl"
    if existing:
        out.write_text("precious")
    first = start_long_run(out)
    try:
        if existing:  # the trace grows in the temporary file the README names; FILE is as it was
            # (exactly `.t.jsonl.….tmp`: the folder also holds other short-lived files of the
            # run's, such as the probe of whether it can be written)
            def temporaries() -> list[Path]:
                return sorted(tmp_path.glob(f".{out.name}.*.tmp"))

            wait_for(lambda: len(temporaries()) == 1, first)
            temporary = temporaries()[0]
            wait_for(lambda: b"train_step" in temporary.read_bytes(), first)
            assert out.read_text() == "precious"
        else:  # the trace grows in FILE itself, for tail -f
            wait_for(lambda: out.exists() and "train_step" in out.read_text(), first)
        second = run_cli(["you like RNNs", "--output", str(out)])
        assert_refused(second, f"--output {out}", "another bptt-trace run is writing it")
    finally:
        first.send_signal(signal.SIGINT)
        assert first.wait(60) == 130
    events = whole_lines(out)
    assert events[0]["sentences"] == [["I", "like", "NLP"]]
    assert events[-1]["event"] == "interrupted"
    assert [e["event"] for e in events].count("run") == 1
    assert os.listdir(tmp_path) == ["t.jsonl"]


def test_the_output_is_free_again_after_a_run(tmp_path: Path, capsys) -> None:
    out = tmp_path / "t.jsonl"
    for sentence in ("I like NLP", "you like RNNs"):
        assert main([sentence, "--output", str(out), "--json"]) == 0
    capsys.readouterr()
    assert whole_lines(out)[0]["sentences"] == [["you", "like", "RNNs"]]


# -- a full disk -------------------------------------------------------------------------


def test_a_failed_write_cuts_the_file_back_to_its_last_whole_line(tmp_path, monkeypatch):
    out = tmp_path / "t.jsonl"
    writes = []
    real_write = os.write

    def write(fd: int, data) -> int:
        writes.append(len(data))
        if len(writes) == 3:
            return real_write(fd, bytes(data[:5]))  # half a line, then the disk is full
        if len(writes) > 3:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)

    with pytest.raises(InputError, match=r"No space left on device.*whole lines"):
        with TraceOutput(out) as stream:
            monkeypatch.setattr(os, "write", write)
            for number in range(5):
                stream.write(json.dumps({"line": number}) + "\n")
                stream.flush()
    monkeypatch.undo()
    assert whole_lines(out) == [{"line": 0}, {"line": 1}]


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 KB tmpfs (root can mount one; elsewhere the test is skipped)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)])
    if done.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def fill_up(path: Path) -> None:
    with path.open("wb", buffering=0) as filler:
        try:
            while True:
                filler.write(b"x" * 1024)
        except OSError as err:
            assert err.errno == errno.ENOSPC


FILL = ["I like NLP", "--steps", "2000", "--trace-every", "1"]


def test_a_full_disk_stops_the_run_with_whole_lines(small_disk: Path) -> None:
    out = small_disk / "t.jsonl"
    proc = run_cli([*FILL, "--output", str(out)], stdout=subprocess.DEVNULL)  # tables came
    assert_refused(proc, f"--output {out}", "No space left on device", "whole lines")
    assert len(whole_lines(out)) > 3
    assert os.listdir(small_disk) == ["t.jsonl"]


def test_a_full_disk_leaves_existing_files_as_they_were(small_disk: Path) -> None:
    out, model = small_disk / "t.jsonl", small_disk / "m.npz"
    out.write_text("precious")
    model.write_text("model")
    proc = run_cli([*FILL, "--output", str(out)], stdout=subprocess.DEVNULL)
    assert proc.returncode == 2 and b"left as it was" in proc.stderr
    fill_up(small_disk / "filler")
    proc = run_cli(["I like NLP", "--save", str(model)], stdout=subprocess.DEVNULL)
    assert proc.returncode == 2 and b"No space left on device" in proc.stderr
    assert proc.stderr.count(b"\n") == 1
    assert out.read_text() == "precious" and model.read_text() == "model"
    assert sorted(os.listdir(small_disk)) == ["filler", "m.npz", "t.jsonl"]


@pytest.mark.parametrize("existing", [False, True])
def test_two_runs_started_together_never_mix_their_lines(existing: bool, tmp_path: Path) -> None:
    """Whichever wins the race: one trace, whole, and the other run refused (or, if it came
    after the first had ended, its trace instead); never a mix, never a temporary file."""
    out = tmp_path / "t.jsonl"
    if existing:
        out.write_text("precious")
    sentences = ("I like NLP", "you like RNNs")
    args = ["--steps", "100", "--output", str(out)]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "bptt_trace", sentence, *args],
            env=ENV,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for sentence in sentences
    ]
    results = [(proc.wait(120), proc.stderr.read()) for proc in procs]  # type: ignore[union-attr]
    for proc in procs:
        proc.stderr.close()  # type: ignore[union-attr]
    codes = [code for code, _ in results]
    assert sorted(codes) in ([0, 0], [0, 2]), results
    for code, err in results:
        if code == 2:
            assert err.count(b"\n") == 1 and b"another bptt-trace run is writing it" in err
    events = whole_lines(out)
    kinds = [event["event"] for event in events]
    assert kinds.count("run") == 1 and kinds[-1] == "end"
    assert kinds.count("train_step") == 100
    assert os.listdir(tmp_path) == ["t.jsonl"]
