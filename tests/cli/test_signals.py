"""Ctrl-C and SIGTERM at every moment of a run: start-up, opening the output, in a step, the
save, the export, the renames. One signal finishes the current step, two abandon it; either
way the last good parameters are saved, the trace ends with ``interrupted``, the exit code is
130, the export is not written (its old file is left as it was), and no temporary file is
left. A signal after the trace's closing event was written changes nothing: the run had
ended.

In-process: the signal is sent to this process by a wrapper around the function that runs
at that moment, so that the moment is exact (a subprocess test below covers the real
program's start-up, where the moment cannot be chosen)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from clitools import ENV

from bptt_trace.cli.app import main
from bptt_trace.core import interrupt
from bptt_trace.files import atomic, inputs, outputs
from bptt_trace.trace import loop

SIGNALS = {"SIGINT": signal.SIGINT, "SIGTERM": signal.SIGTERM}

MOMENTS: dict[str, tuple[Any, str, int]] = {
    # name: (module or class, attribute, the call that sends the signal)
    "reading the corpus": (inputs, "read_sentences", 1),
    "opening the output": (outputs.TraceOutput, "open_target", 1),
    "step 1 of 3": (loop, "corpus_forward", 1),
    "step 2 of 3": (loop, "corpus_forward", 2),
    "the save": (np, "savez", 1),
    "the export": (atomic, "write_atomically", 1),  # (display imports it when it exports)
    "renaming the output": (outputs.TraceOutput, "finish", 1),
}

EXPECTED: dict[tuple[str, int], tuple[str, int] | None] = {
    # (moment, signals sent): the trace's closing event and its step; None: nothing written
    ("reading the corpus", 1): None,
    ("reading the corpus", 2): None,
    ("opening the output", 1): ("interrupted", 1),  # the step still runs, then it stops
    ("opening the output", 2): None,
    ("step 1 of 3", 1): ("interrupted", 1),
    ("step 1 of 3", 2): ("interrupted", 0),  # step 1 abandoned: the parameters of step 0
    ("step 2 of 3", 1): ("interrupted", 2),
    ("step 2 of 3", 2): ("interrupted", 1),
    ("the save", 1): ("interrupted", 3),  # the save is done whole, and the trace says so
    ("the save", 2): ("interrupted", 3),
    ("the export", 1): ("end", 3),  # the trace was closed: the run had ended
    ("the export", 2): ("end", 3),
    ("renaming the output", 1): ("end", 3),
    ("renaming the output", 2): ("end", 3),
}

OLD = {"t.jsonl": b"old trace\n", "m.npz": b"old model", "p.html": b"old page"}


@pytest.fixture(autouse=True)
def patient(monkeypatch) -> None:
    """The in-process tests are about which moment gives which ending, not about the grace
    of a first signal (tests/cli/test_signal_phases.py): a step is always given its end."""
    monkeypatch.setattr(interrupt, "GRACE", 3600.0)


def signalling(monkeypatch, moment: str, sig: signal.Signals, count: int) -> None:
    owner, name, on_call = MOMENTS[moment]
    real = getattr(owner, name)
    calls = []

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == on_call:
            for _ in range(count):
                os.kill(os.getpid(), sig)
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, wrapper)


def whole_lines(path: Path) -> list[dict]:
    data = path.read_text()
    assert data.endswith("\n")
    return [json.loads(line) for line in data.splitlines()]


CASES = [(moment, "SIGINT", count) for moment in MOMENTS for count in (1, 2)] + [
    (moment, "SIGTERM", count) for moment in ("step 2 of 3", "the save") for count in (1, 2)
]  # SIGTERM goes through the same handler: two moments of it are enough


@pytest.mark.parametrize(("moment", "name", "count"), CASES)
def test_a_signal_at_any_moment(moment, name, count, tmp_path: Path, monkeypatch, capsys) -> None:
    sig = SIGNALS[name]
    for file, data in OLD.items():
        (tmp_path / file).write_bytes(data)
    trace, model, page = (tmp_path / file for file in OLD)
    args = ["I like NLP", "--steps", "3", "--output", str(trace), "--save", str(model)]
    signalling(monkeypatch, moment, sig, count)
    capsys.readouterr()
    code = main([*args, "--export", str(page), "--json"])
    monkeypatch.undo()
    _, err = capsys.readouterr()
    assert "Traceback" not in err
    assert sorted(os.listdir(tmp_path)) == sorted(OLD)  # no temporary file left
    expected = EXPECTED[moment, count]
    if expected is None:
        assert code == 130
        assert err == "bptt-trace: interrupted before the first step; nothing was written\n"
        for file, data in OLD.items():
            assert (tmp_path / file).read_bytes() == data
        return
    kind, step = expected
    events = whole_lines(trace)
    assert (events[-1]["event"], events[-1]["step"]) == (kind, step)
    assert code == (130 if kind == "interrupted" else 0)
    assert [e["event"] for e in events].count("train_step") == step
    last = [e for e in events if e["event"] == "params"][-1]
    assert last["step"] == step  # the last parameters the trace holds: the last good ones
    with np.load(model) as saved:  # the last good parameters, as the trace shows them
        assert sorted(saved.files) > sorted(set(last) - {"event", "step"})
        for name in set(last) - {"event", "step"}:
            value = last[name]
            np.testing.assert_array_equal(saved[name], np.asarray(value), err_msg=name)
    if kind == "interrupted":  # a stopped run writes no export: the old file stays
        assert page.read_bytes() == OLD["p.html"]
        assert f"interrupted after step {step} of 3; {page} was not written\n" in err
    else:  # the run had ended
        assert page.read_bytes() != OLD["p.html"]
        assert page.read_text().rstrip().endswith("</html>")
    if kind == "interrupted":
        assert f"interrupted after step {step} of 3" in err


def test_a_step_abandoned_after_untraced_ones_saves_the_last_good_parameters(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    """--steps 5 traces steps 1 and 5 only; two signals in step 4 abandon it. The trace and
    --save then hold θ after step 3 (untraced): those a run of --steps 3 ends with."""
    trace, model = tmp_path / "t.jsonl", tmp_path / "m.npz"
    monkeypatch.setitem(MOMENTS, "step 4", (loop, "corpus_forward", 4))
    signalling(monkeypatch, "step 4", signal.SIGINT, 2)
    args = ["I like NLP", "--steps", "5", "--output", str(trace), "--save", str(model)]
    assert main(args) == 130
    monkeypatch.undo()
    capsys.readouterr()
    events = whole_lines(trace)
    assert (events[-1]["event"], events[-1]["step"]) == ("interrupted", 3)
    last = [e for e in events if e["event"] == "params"][-1]
    assert last["step"] == 3
    reference = tmp_path / "three.jsonl"
    assert main(["I like NLP", "--steps", "3", "--output", str(reference)]) == 0
    capsys.readouterr()
    three = [e for e in whole_lines(reference) if e["event"] == "params"][-1]
    with np.load(model) as saved:
        for name in set(three) - {"event", "step"}:
            np.testing.assert_array_equal(saved[name], np.asarray(three[name]), err_msg=name)
            np.testing.assert_array_equal(np.asarray(last[name]), np.asarray(three[name]))


# -- the real program ----------------------------------------------------------------------


def catches(pid: int, sig: signal.Signals) -> bool:
    """Whether the process has a handler for ``sig`` (its /proc status, SigCgt)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("SigCgt:"):
                    return bool(int(line.split()[1], 16) & (1 << (sig - 1)))
    except FileNotFoundError:
        pass
    return False


def test_a_start_up_stop_that_python_cannot_raise_is_not_printed() -> None:
    """A start-up signal whose exception lands in a finaliser or an import lock's callback
    (seen once under load: "Exception ignored in: <function _ModuleLock…cb>", a traceback on
    stderr) is not printed: the stop holds by its flag. Any other such exception still is."""
    code = (
        "import bptt_trace.cli.stop as s\n"
        "s.early_signals()\n"
        "class Stopped:\n"
        "    def __del__(self): raise s.StartUpInterrupt\n"
        "class Broken:\n"
        "    def __del__(self): raise ValueError('still shown')\n"
        "a = Stopped(); del a\n"
        "b = Broken(); del b\n"
    )
    done = subprocess.run([sys.executable, "-c", code], env=ENV, capture_output=True, text=True)
    assert done.returncode == 0
    assert "StartUpInterrupt" not in done.stderr
    assert "ValueError: still shown" in done.stderr  # Python's own hook for the rest


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")
@pytest.mark.parametrize("sig", list(SIGNALS.values()), ids=list(SIGNALS))
@pytest.mark.parametrize("delay", [0.0, 0.2, 0.5])
def test_a_signal_while_the_program_starts(sig, delay: float, tmp_path: Path) -> None:
    """From the program's first line on (its SIGTERM handler is the sign), a signal is a
    quiet exit 130 wherever it lands: in the imports, the parsing of the command line, the
    checks, or training; never a traceback, a kill, or a file changed half-way."""
    trace = tmp_path / "t.jsonl"
    trace.write_text("old\n")
    args = ["I like NLP", "--steps", "100000000", "--output", str(trace)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "bptt_trace", *args],
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60  # never a pass condition: only stops a hang
    while not catches(proc.pid, signal.SIGTERM):
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.001)
    time.sleep(delay)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    text = trace.read_text()
    if text == "old\n":
        assert err == "bptt-trace: interrupted before the first step; nothing was written\n"
    else:
        assert whole_lines(trace)[-1]["event"] == "interrupted"
        assert err.startswith("bptt-trace: interrupted after step ")
    assert os.listdir(tmp_path) == ["t.jsonl"]


def test_the_terminal_closing_under_pause(tmp_path: Path) -> None:
    """The terminal goes away at a --pause prompt (SIGHUP, then EIO on every write): the run
    stops as on Ctrl-C, with its files whole."""
    import pty

    from pty_screen import clean_env

    trace, model = tmp_path / "t.jsonl", tmp_path / "m.npz"
    args = ["I like NLP", "--pause", "--output", str(trace), "--save", str(model)]
    pid, fd = pty.fork()
    if pid == 0:  # the child: bptt-trace on the terminal
        os.execve(sys.executable, [sys.executable, "-m", "bptt_trace", *args], clean_env())
    seen = b""
    deadline = time.monotonic() + 60  # never a pass condition: only stops a hang
    try:
        while seen.count(b"Enter: next") < 3:  # the third page: the parameters were seen
            assert time.monotonic() < deadline, seen[-300:]
            chunk = os.read(fd, 65536)
            if chunk.count(b"Enter: next") and seen.count(b"Enter: next") < 2:
                os.write(fd, b"\n")
            seen += chunk
    finally:
        os.close(fd)  # the terminal closes
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 130
    events = whole_lines(trace)
    assert events[-1]["event"] == "interrupted"
    last = [e for e in events if e["event"] == "params"][-1]
    with np.load(model) as saved:
        for name in set(last) - {"event", "step"}:
            np.testing.assert_array_equal(saved[name], np.asarray(last[name]), err_msg=name)
    assert sorted(os.listdir(tmp_path)) == ["m.npz", "t.jsonl"]


@pytest.mark.parametrize("count", [1, 2])
def test_signals_while_the_export_is_laid_out(count: int, tmp_path: Path, monkeypatch, capsys):
    """The run has ended (its trace closed with ``end``) and the export is being laid out:
    one signal leaves it its grace (here all the time it needs: the export is written, exit
    0); a second ends it at once: the export is not written, its old file is left as it
    was, stderr says so, and the exit code is 130."""
    from bptt_trace.rendering import exports

    trace, page = tmp_path / "t.jsonl", tmp_path / "p.html"
    page.write_bytes(OLD["p.html"])
    monkeypatch.setitem(MOMENTS, "the export's layout", (exports, "natural_width", 1))
    signalling(monkeypatch, "the export's layout", signal.SIGINT, count)
    code = main(["I like NLP", "--steps", "3", "--output", str(trace), "--export", str(page)])
    monkeypatch.undo()
    _, err = capsys.readouterr()
    events = whole_lines(trace)
    assert (events[-1]["event"], events[-1]["step"]) == ("end", 3)
    assert sorted(os.listdir(tmp_path)) == ["p.html", "t.jsonl"]
    if count == 1:
        assert code == 0
        assert page.read_text().rstrip().endswith("</html>")
    else:
        assert code == 130
        assert page.read_bytes() == OLD["p.html"]
        assert f"{page} was not written" in err
