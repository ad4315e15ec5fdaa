"""Ctrl-C within about a second, whatever phase the run is in: a signal sent inside a long
phase (the gradient check, a replay, --compare-cells) ends the real program with exit 130
having done only a small part of the phase's work, and what it wrote is whole.

No clock decides anything here. The program marks a phase's start on stderr under
BPTT_TRACE_TEST_PHASES=1 (``core/interrupt.py``) and says how many units of work the phase
had done when the stop cut it; the test sends the signal once it has seen the mark, and
compares the units done with the phase's whole work, counted independently from its inputs.
Each phase is made long by its size (minutes of work), and each test costs the program's
start and the half-second grace of a first signal, not the phase.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from clitools import ENV

from bptt_trace.core.interrupt import HOOK

PHASE_ENV = {**ENV, HOOK: "1"}


class Running:
    """``python -m bptt_trace ARGS`` with its stderr read line by line (killed after a
    generous safety net: never a pass condition, only the end of a hang)."""

    def __init__(self, args: list[str], cwd: Path, **options: object) -> None:
        options.setdefault("stdout", subprocess.DEVNULL)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bptt_trace", *args],
            env=PHASE_ENV,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            **options,  # type: ignore[call-overload]
        )
        self.timer = threading.Timer(300, self.proc.kill)
        self.timer.start()
        self.err: list[str] = []

    def wait_for(self, mark: str) -> None:
        """Read stderr until a line says ``mark``."""
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.err.append(line)
            if line.rstrip("\n") == mark:
                return
        raise AssertionError(f"never saw {mark!r}: {''.join(self.err)[-2000:]}")

    def signal(self, sig: signal.Signals = signal.SIGINT, count: int = 1) -> None:
        for _ in range(count):
            self.proc.send_signal(sig)

    def finish(self) -> tuple[int, str, str]:
        """The exit code, stdout (if piped) and the whole of stderr."""
        out, rest = self.proc.communicate()
        self.timer.cancel()
        return self.proc.returncode, out or "", "".join(self.err) + rest


def units_done(err: str, phase: str) -> int:
    found = re.findall(rf"^bptt-trace-test: {phase} stopped after (\d+) units$", err, re.M)
    assert len(found) == 1, err[-2000:]
    return int(found[0])


def whole_lines(text: str) -> list[dict]:
    assert text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]


def one_long_sentence(path: Path, tokens: int, words: int) -> None:
    rng = random.Random(1)
    path.write_text(" ".join(f"w{rng.randrange(words)}" for _ in range(tokens)) + "\n")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_in_the_gradient_check(sig, tmp_path: Path) -> None:
    """The issue's run, shorter: one sentence of 600 tokens, --hidden 48 --check. The check
    compares min(size, 200) entries of each parameter (MAX_ENTRIES), each from at least four
    losses of the whole sentence: 699 entries, about a minute of work here. A signal in it
    ends the run after a few of them; the trace, which replaces an existing --output, is
    whole and ends with ``interrupted`` at step 0 (the step was abandoned), its last
    parameters those of step 0."""
    one_long_sentence(tmp_path / "long.txt", 600, 50)
    vocab, H = 50 + 1, 48  # the words and <eos>
    entries = sum(
        min(size, 200) for size in (vocab * H, H * H, H, H * vocab, vocab)
    )  # W, Wʰ, b, V, b_output
    (tmp_path / "t.jsonl").write_text("old\n")
    args = ["--file", "long.txt", "--hidden", "48", "--check", "--output", "t.jsonl", "--json"]
    run = Running(args, tmp_path)
    run.wait_for("bptt-trace-test: phase gradcheck")
    run.signal(sig)
    code, _, err = run.finish()
    assert code == 130, err
    done = units_done(err, "gradcheck")
    assert done < entries / 10, (done, entries)
    assert "Traceback" not in err
    assert "bptt-trace: interrupted after step 0 of 1" in err
    events = whole_lines((tmp_path / "t.jsonl").read_text())
    assert events[-1]["event"] == "interrupted" and events[-1]["step"] == 0
    assert [e["step"] for e in events if e["event"] == "params"] == [0]
    assert "check" not in {e["event"] for e in events}
    assert sorted(os.listdir(tmp_path)) == ["long.txt", "t.jsonl"]  # no temporary file


def test_two_signals_right_after_the_run_line_keep_the_starting_parameters(
    tmp_path: Path,
) -> None:
    """Two signals as soon as the run event is on stdout abandon step 1 wherever it is: the
    trace still holds the parameters it started from (params at step 0) before
    ``interrupted``, --save writes them, and stderr says which files were written. (The step
    is long, a check of 600 tokens: the signals come inside it.)"""
    one_long_sentence(tmp_path / "long.txt", 600, 50)
    args = ["--file", "long.txt", "--hidden", "48", "--check", "--json", "--save", "m.npz"]
    args += ["--detail", "full"]  # the parameters in the trace in full, to compare
    run = Running(args, tmp_path, stdout=subprocess.PIPE)
    assert run.proc.stdout is not None
    first = run.proc.stdout.readline()
    assert json.loads(first)["event"] == "run"
    run.signal(signal.SIGINT, 2)
    code, out, err = run.finish()
    assert code == 130, err
    events = whole_lines(first + out)
    assert [e["event"] for e in events][-1] == "interrupted"
    params = [e for e in events if e["event"] == "params"]
    assert [e["step"] for e in params] == [0] and events[-1]["step"] == 0
    import numpy as np

    with np.load(tmp_path / "m.npz") as saved:
        for name in ("W", "W_h", "b", "V", "b_output"):
            np.testing.assert_array_equal(saved[name], np.asarray(params[0][name]))
    assert "interrupted after step 0 of 1" in err
    assert "wrote m.npz (the model after step 0" in err


def test_a_signal_in_a_replay(tmp_path: Path) -> None:
    """A replay of a trace of many events stops within a few of them: units are events."""
    one_long_sentence(tmp_path / "s.txt", 400, 20)
    made = subprocess.run(
        [sys.executable, "-m", "bptt_trace", "--file", "s.txt", "--loss", "every", "--json"],
        env=ENV,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    (tmp_path / "t.jsonl").write_text(made.stdout)
    events = made.stdout.count("\n")
    assert events > 1000
    run = Running(["--replay", "t.jsonl"], tmp_path, stdout=subprocess.PIPE)
    run.wait_for("bptt-trace-test: phase replay")
    run.signal()
    code, _, err = run.finish()
    assert code == 130, err
    assert units_done(err, "replay") < events / 10
    assert "bptt-trace: interrupted: the rest of the trace is not shown" in err


@pytest.mark.parametrize(
    ("sig", "count"), [(signal.SIGINT, 1), (signal.SIGTERM, 2)], ids=["SIGINT", "SIGTERMx2"]
)
def test_compare_cells_stopped_in_a_run(sig, count: int, tmp_path: Path) -> None:
    """--compare-cells --json stopped in its first run (the vanilla RNN's, of 100,000 steps):
    that trace ends with ``interrupted`` after the parameters of its last whole step, and
    replays; the other cells are not run, and stderr says exactly that."""
    args = ["I like NLP", "--steps", "100000", "--compare-cells", "--json"]
    run = Running(args, tmp_path, stdout=subprocess.PIPE)
    run.wait_for("bptt-trace-test: phase blame")  # in step 1 of the first run
    run.signal(sig, count)
    code, out, err = run.finish()
    assert code == 130, err
    assert "Traceback" not in err and "nothing was written" not in err
    events = whole_lines(out)
    kinds = [e["event"] for e in events]
    assert kinds.count("run") == 1 and "cell" not in events[0]["config"]  # the vanilla RNN
    steps = kinds.count("train_step")
    assert (events[-1]["event"], events[-1]["step"]) == ("interrupted", steps)
    assert [e for e in events if e["event"] == "params"][-1]["step"] == steps
    assert err.endswith(
        f"bptt-trace: interrupted in the rnn run after step {steps}; stdout holds rnn's, "
        "ending with its interrupted event; not run: lstm, gru\n"
    )
    (tmp_path / "t.jsonl").write_text(out)
    replayed = subprocess.run(
        [sys.executable, "-m", "bptt_trace", "--replay", "t.jsonl", "--only", "training"],
        env=ENV,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert replayed.returncode == 0, replayed.stderr


def test_a_signal_in_truncated_bptt(tmp_path: Path) -> None:
    """--truncate K follows the K latest losses back at every time step (T·K pairs, seconds
    at T = K = 3000): a signal inside stops it within a small part of its T time steps."""
    T = 3000
    one_long_sentence(tmp_path / "s.txt", T, 50)
    args = ["--file", "s.txt", "--loss", "every", "--truncate", str(T), "--hidden", "48"]
    run = Running([*args, "--json"], tmp_path)
    run.wait_for("bptt-trace-test: phase truncated")
    run.signal()
    code, _, err = run.finish()
    assert code == 130, err
    assert units_done(err, "truncated") < T / 2


def test_a_stop_lays_out_no_held_table(tmp_path: Path) -> None:
    """A sentence's backward events are held until their group is whole (the blame comes
    next); a signal while the blame is computed shows none of them: the backward tables at
    --detail full were 1.6 MB printed after the signal (2 to 3.5 s), for a step abandoned."""
    one_long_sentence(tmp_path / "s.txt", 36, 12)
    args = ["--file", "s.txt", "--loss", "every", "--detail", "full", "--hidden", "64"]
    run = Running(args, tmp_path, stdout=subprocess.PIPE)
    run.wait_for("bptt-trace-test: phase blame")
    run.signal()
    code, out, err = run.finish()
    assert code == 130, err
    assert "Forward pass" in out  # (the forward tables came before)
    assert "Backward pass" not in out and "interrupted" in err
