"""A signal during a run with --export: the run stops as it does without one, and writes no
export. An existing export file is left byte for byte as it was, no temporary file is left
beside it, the exit code is 130, and stderr has one line, which names the step after which
the run stopped and says the export was not written.

A stopped run's tables are those of part of a run; laying them out for the page took as long
as showing them had (6 s for a 256-token --tbptt run stopped at its 5th window) and replaced
the old page with them. So nothing is laid out for the export after a stop: under
BPTT_TRACE_TEST_PHASES=1 the program marks the export's layout (``phase export``) when it
begins, and a stopped run never shows that mark; a run that ends does (so the mark is seen
when it is due). No clock decides anything: the signal is sent once the run is inside its
first step (``phase blame``), and the test reads what the program wrote. The reader of stdout
going away stops a run too, and so leaves the export as it was.
"""

from __future__ import annotations

import os
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
OLD = b"OLD export, not to be touched\n"
EXPORT_MARK = "bptt-trace-test: phase export"


def stopped_in_step_one(args: list[str], cwd: Path, sig: signal.Signals) -> tuple[int, str]:
    """Run ``python -m bptt_trace ARGS``, send ``sig`` once it is inside its first step (the
    blame of step 1 has begun); its exit code and its stderr. The timer only ends a hang: it
    is never a pass condition."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "bptt_trace", *args],
        env=PHASE_ENV,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    timer = threading.Timer(300, proc.kill)
    timer.start()
    try:
        assert proc.stderr is not None
        seen: list[str] = []
        for line in proc.stderr:
            seen.append(line)
            if line == "bptt-trace-test: phase blame\n":
                break
        else:
            raise AssertionError(f"never saw the blame begin: {''.join(seen)[-2000:]}")
        proc.send_signal(sig)
        _, rest = proc.communicate()
    finally:
        timer.cancel()
    return proc.returncode, "".join(seen) + rest


def user_lines(err: str) -> list[str]:
    """stderr less the test's phase marks: what a user sees."""
    return [
        line for line in err.splitlines(keepends=True) if not line.startswith("bptt-trace-test:")
    ]


@pytest.mark.parametrize(
    ("suffix", "sig"),
    [(".html", signal.SIGTERM), (".txt", signal.SIGINT), (".svg", signal.SIGINT)],
    ids=["html-SIGTERM", "txt-SIGINT", "svg-SIGINT"],
)
def test_a_signal_mid_run_leaves_the_old_export_whole(
    suffix: str, sig: signal.Signals, tmp_path: Path
) -> None:
    page = tmp_path / f"tables{suffix}"
    page.write_bytes(OLD)
    args = ["I like NLP", "--steps", "100000", "--export", page.name]
    code, err = stopped_in_step_one(args, tmp_path, sig)
    assert code == 130, err
    assert page.read_bytes() == OLD
    assert os.listdir(tmp_path) == [page.name]  # no temporary file beside it
    lines = user_lines(err)
    assert len(lines) == 1, err
    assert re.fullmatch(
        rf"bptt-trace: interrupted after step \d+ of 100000; {re.escape(page.name)} was not "
        r"written\n",
        lines[0],
    ), lines
    assert EXPORT_MARK not in err  # nothing was laid out for it
    assert "Traceback" not in err


def test_a_run_that_ends_lays_out_its_export(tmp_path: Path) -> None:
    """The mark the stopped runs above never show is there when the export is due."""
    page = tmp_path / "tables.html"
    page.write_bytes(OLD)
    done = subprocess.run(
        [sys.executable, "-m", "bptt_trace", "I like NLP", "--export", page.name],
        env=PHASE_ENV,
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,  # only ends a hang
    )
    assert done.returncode == 0, done.stderr
    assert f"{EXPORT_MARK}\n" in done.stderr
    assert page.read_text().rstrip().endswith("</html>")
    assert f"bptt-trace: wrote {page.name} (the tables as a web page)\n" in done.stderr


def test_a_stopped_run_with_its_trace_and_model_names_each_file(tmp_path: Path) -> None:
    """With --output and --save too, the trace ends with ``interrupted`` and replays, the
    model is saved, and the export alone is left as it was; the stop's line says so."""
    page, trace, model = tmp_path / "t.html", tmp_path / "t.jsonl", tmp_path / "m.npz"
    page.write_bytes(OLD)
    args = ["I like NLP", "--steps", "100000", "--export", page.name]
    args += ["--output", trace.name, "--save", model.name]
    code, err = stopped_in_step_one(args, tmp_path, signal.SIGINT)
    assert code == 130, err
    assert page.read_bytes() == OLD
    assert sorted(os.listdir(tmp_path)) == ["m.npz", "t.html", "t.jsonl"]
    lines = user_lines(err)
    step = re.fullmatch(
        r"bptt-trace: interrupted after step (\d+) of 100000; t.html was "
        r"not written\n",
        lines[0],
    )
    assert step is not None, lines
    assert lines[1].startswith("bptt-trace: wrote t.jsonl (JSON Lines trace, ")
    assert lines[2].startswith(f"bptt-trace: wrote m.npz (the model after step {step[1]}: ")
    assert len(lines) == 3 and EXPORT_MARK not in err
    assert trace.read_text().splitlines()[-1] == f'{{"event":"interrupted","step":{step[1]}}}'


def test_compare_cells_stopped_writes_no_export(tmp_path: Path) -> None:
    """--compare-cells stopped in its first run: the comparison's page is not written."""
    page = tmp_path / "cells.html"
    page.write_bytes(OLD)
    args = ["I like NLP", "--steps", "100000", "--compare-cells", "--export", page.name]
    code, err = stopped_in_step_one(args, tmp_path, signal.SIGINT)
    assert code == 130, err
    assert page.read_bytes() == OLD
    assert os.listdir(tmp_path) == [page.name]
    lines = user_lines(err)
    assert len(lines) == 1 and re.fullmatch(
        r"bptt-trace: interrupted in the rnn run after step \d+; not run: lstm, gru; "
        r"cells.html was not written\n",
        lines[0],
    ), lines


def test_a_reader_gone_leaves_the_old_export_whole(tmp_path: Path) -> None:
    """The reader of stdout gone (``| true``) stops the run as a signal does: exit 141,
    quietly, and the export is not written."""
    page = tmp_path / "tables.html"
    page.write_bytes(OLD)
    read, write = os.pipe()
    os.close(read)  # the reader went away before the first byte
    try:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "bptt_trace",
                "I like NLP",
                "--steps",
                "3",
                "--export",
                "tables.html",
            ],
            env=ENV,
            cwd=tmp_path,
            stdin=subprocess.DEVNULL,
            stdout=write,
            stderr=subprocess.PIPE,
            timeout=300,  # only ends a hang
        )
    finally:
        os.close(write)
    assert (done.returncode, done.stderr) == (141, b"")
    assert page.read_bytes() == OLD
    assert os.listdir(tmp_path) == [page.name]


def test_the_export_looks_for_a_stop_inside_a_table() -> None:
    """A signal after the run ended, while its export is laid out, is honoured inside one
    large table (at every cell the recording console lays out), not only between tables: a
    full-detail table of 64 steps took 0.9 s to lay out."""
    from rich.table import Table

    from bptt_trace.core import interrupt
    from bptt_trace.rendering.exports import export_console

    table = Table("t", "value")
    for t in range(200):
        table.add_row(str(t), f"{t / 7:+.4f}")
    recorder = export_console([table], 80, ".html")
    interrupt.reset()
    try:
        interrupt.request(at_once=True)
        with pytest.raises(interrupt.Interrupted):
            recorder.print(table)
        assert len(recorder.export_text()) < 1000  # stopped before most of its rows
    finally:
        interrupt.reset()
