"""The command line's interaction, through a subprocess where pipes and signals matter:
Ctrl-C and SIGTERM, a reader of stdout that goes away, the status lines, --color, the rule
for options a mode ignores, and --help."""

from __future__ import annotations

import fcntl
import json
import os
import re
import shlex
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from bptt_trace.cli.app import EXAMPLES, main
from bptt_trace.config import ACTIVATIONS, DETAILS, LOSS_MODES

ROOT = Path(__file__).parents[2]
CORPUS = ROOT / "sentences" / "corpus.txt"
ENV = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "COLUMNS")}
ENV["PYTHONPATH"] = str(ROOT)
SAFETY_NET = 120.0
"""Seconds after which a test gives up waiting (never a pass condition)."""


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "bptt_trace", *args]


def events(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + SAFETY_NET
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.02)


STUCK_SENTENCES = 8
"""The first 8 sentences of the corpus, in full: step 1's tables are 147 KB, more than twice
what a pipe holds (the whole corpus made a megabyte, 6 s of rendering a run)."""


def started_and_stuck(tmp_path: Path, *args: str) -> tuple[subprocess.Popen, Path]:
    """A run whose tables fill a pipe nobody reads yet: it is stuck in step 1's tables, with
    its signal handlers in place, until read."""
    trace, corpus = tmp_path / "t.jsonl", tmp_path / "corpus.txt"
    corpus.write_text("".join(CORPUS.read_text().splitlines(True)[:STUCK_SENTENCES]))
    proc = subprocess.Popen(
        command("--file", str(corpus), "--detail", "full", "--output", str(trace), *args),
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_for(lambda: trace.exists() and trace.read_text().startswith('{"event":"run"'), "run")
    assert proc.stdout is not None
    full = pipe_holds(proc) // 2  # the tables keep coming: a write blocks past this (whole
    # lines are written, so the pipe stops short of its size; 53 KB of 64 here)

    def waiting() -> int:
        return struct.unpack("i", fcntl.ioctl(proc.stdout, termios.FIONREAD, b"\0" * 4))[0]

    wait_for(lambda: waiting() >= full, "a full pipe")
    return proc, trace


def pipe_holds(proc: subprocess.Popen) -> int:
    """How many bytes the run's stdout pipe holds before a write blocks."""
    assert proc.stdout is not None
    return fcntl.fcntl(proc.stdout.fileno(), fcntl.F_GETPIPE_SZ)


@pytest.mark.parametrize(
    ("sig", "steps"),  # each signal once, and each count of steps once
    [(signal.SIGINT, "1"), (signal.SIGTERM, "1000000")],
    ids=["SIGINT-1", "SIGTERM-1000000"],
)
def test_a_signal_finishes_the_step_and_closes_the_trace(sig, steps, tmp_path: Path) -> None:
    model = tmp_path / "m.npz"
    proc, trace = started_and_stuck(tmp_path, "--steps", steps, "--save", str(model))
    holds = pipe_holds(proc)
    proc.send_signal(sig)
    out, err = proc.communicate()
    # at least what the pipe held: the run was blocked writing its tables when the signal
    # came (a stop then cuts the rest of them short, core/interrupt.py: no more is owed)
    assert len(out.encode()) >= holds // 2
    assert proc.returncode == 130
    kinds = [e["event"] for e in events(trace)]
    assert kinds[-1] == "interrupted" and "end" not in kinds
    # step 1 was finished (1), or abandoned (0) when its megabyte of tables took longer than
    # the grace of a first signal (core/interrupt.py); no other was begun
    step = events(trace)[-1]["step"]
    assert step in (0, 1) and kinds.count("train_step") == step
    vocab = len(events(trace)[0]["vocab"])
    assert err.splitlines() == [
        f"bptt-trace: interrupted after step {step} of {steps}",
        f"bptt-trace: wrote {trace} (JSON Lines trace, {len(kinds)} lines)",
        f"bptt-trace: wrote {model} (the model after step {step}: |vocab| = {vocab}, H = 4)",
    ]
    where = f"after step {step}"
    if step == 0:  # step 1's tables showed, its update too perhaps, but it was not done
        where = "during step 1, before its update" + (" was kept" if "update" in kinds else "")
    assert out.rstrip().endswith(f"■ interrupted {where}; shown is what it had")
    assert "Traceback" not in err


def test_a_second_signal_abandons_the_step_at_once(tmp_path: Path) -> None:
    proc, trace = started_and_stuck(tmp_path, "--steps", "5")
    proc.send_signal(signal.SIGTERM)
    proc.send_signal(signal.SIGINT)  # not merged with the first: another signal
    _, err = proc.communicate()
    assert proc.returncode == 130
    kinds = [e["event"] for e in events(trace)]
    assert kinds[-1] == "interrupted" and events(trace)[-1]["step"] == 0
    assert "train_step" not in kinds and "update" not in kinds
    assert err.splitlines()[0] == "bptt-trace: interrupted after step 0 of 5"


def test_ctrl_c_during_start_up_writes_nothing(tmp_path: Path) -> None:
    fifo, trace = tmp_path / "corpus", tmp_path / "t.jsonl"
    os.mkfifo(fifo)
    trace.write_text("precious\n")
    proc = subprocess.Popen(
        command("--file", str(fifo), "--output", str(trace)),
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    writer = None

    def reading() -> bool:  # the run has opened the corpus and waits for its lines
        nonlocal writer
        try:
            writer = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:
            return False
        return True

    wait_for(reading, "the run to read its corpus")
    try:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)  # a safety net only, never a pass condition
    finally:
        os.close(writer)
    assert proc.returncode == 130 and out == ""
    assert err == "bptt-trace: interrupted before the first step; nothing was written\n"
    assert trace.read_text() == "precious\n"


def run_with_stdout_closed(*args: str) -> subprocess.CompletedProcess:
    """Run with stdout a pipe whose reader has already gone."""
    read, write = os.pipe()
    os.close(read)
    try:
        return subprocess.run(
            command(*args), env=ENV, stdout=write, stderr=subprocess.PIPE, text=True, check=False
        )
    finally:
        os.close(write)


@pytest.mark.parametrize(
    "args",
    [["I like NLP"], ["I like NLP", "--json"], ["--help"], ["--version"], ["--replay", "{t}"]],
    ids=["tables", "json", "help", "version", "replay"],
)
def test_a_reader_gone_before_the_first_line_means_141_quietly(args, tmp_path: Path) -> None:
    trace = tmp_path / "t.jsonl"
    assert main(["I like NLP", "--quiet", "--json", "--output", str(trace)]) == 0
    proc = run_with_stdout_closed(*(arg.format(t=trace) for arg in args))
    assert (proc.returncode, proc.stderr) == (141, "")


@pytest.mark.parametrize("json_out", [[], ["--json"]], ids=["tables", "json"])
def test_a_reader_gone_still_leaves_the_output_file_closed(json_out, tmp_path: Path) -> None:
    trace = tmp_path / "t.jsonl"
    proc = run_with_stdout_closed("I like NLP", "--steps", "50", *json_out, "--output", str(trace))
    assert (proc.returncode, proc.stderr) == (141, "")
    assert events(trace)[-1]["event"] == "interrupted"


@pytest.mark.parametrize(
    "args",
    [
        ["I like NLP", "--steps", "3000", "--json"],
        ["--file", str(CORPUS), "--detail", "full"],
        ["--replay", "{t}"],
    ],
    ids=["json", "tables", "replay"],
)
def test_head_1_ends_a_long_output_with_141(args, tmp_path: Path) -> None:
    """Outputs far larger than a pipe holds: the reader is sure to go first."""
    trace = tmp_path / "big.jsonl"
    if "{t}" in args:
        big = ["--file", str(CORPUS), "--detail", "full", "--output", str(trace), "--json"]
        subprocess.run(command(*big), env=ENV, stdout=subprocess.DEVNULL, check=True)
    script = " ".join(shlex.quote(a.format(t=trace)) for a in command(*args))
    proc = subprocess.run(
        f'{script} | head -1; echo "${{PIPESTATUS[0]}}" >&2',
        shell=True,
        executable="/bin/bash",
        env=ENV,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.stdout.count("\n") == 1
    assert proc.stderr == "141\n"


def test_each_file_written_gets_a_line_and_so_does_the_end(tmp_path: Path) -> None:
    trace, page, model = tmp_path / "t.jsonl", tmp_path / "t.html", tmp_path / "m.npz"
    files = ["--output", str(trace), "--export", str(page), "--save", str(model)]
    proc = subprocess.run(
        command("I like NLP", "--steps", "3", *files),
        env=ENV,
        capture_output=True,
        text=True,
        check=True,
    )
    losses = [e["loss"] for e in events(trace) if e["event"] == "train_step"]
    after = events(trace)[-1]["loss_after"]
    assert proc.stderr.splitlines() == [
        f"bptt-trace: finished after 3 steps; loss {losses[0]:.4f} → {after:.4f} after 3 updates",
        f"bptt-trace: wrote {trace} (JSON Lines trace, {len(events(trace))} lines)",
        f"bptt-trace: wrote {page} (the tables as a web page)",
        f"bptt-trace: wrote {model} (the model after step 3: |vocab| = 4, H = 4)",
    ]


def test_quiet_says_nothing_on_stderr(tmp_path: Path) -> None:
    trace = tmp_path / "t.jsonl"
    proc = subprocess.run(
        command("I like NLP", "--steps", "3", "--output", str(trace), "--quiet"),
        env=ENV,
        capture_output=True,
        text=True,
        check=True,
    )
    assert proc.stderr == "" and "Backward pass" in proc.stdout and trace.exists()


def sgr_colours(args: list[str], env: dict[str, str]) -> tuple[bool, bool]:
    """Whether the tables carry any escape code, and any colour, with stdout a pipe."""
    out = subprocess.run(
        command("I like NLP", *args), env={**ENV, **env}, capture_output=True, check=True
    ).stdout
    colours = [
        p
        for params in re.findall(rb"\x1b\[([0-9;]*)m", out)
        for p in params.decode().split(";")
        if len(p) >= 2 and p[0] in "349"
    ]
    return b"\x1b[" in out, bool(colours)


def test_color_wins_over_the_environment() -> None:
    assert sgr_colours(["--color", "always"], {"NO_COLOR": "1"}) == (True, True)
    assert sgr_colours(["--color", "never"], {"FORCE_COLOR": "1"}) == (False, False)
    assert sgr_colours(["--color", "auto"], {}) == (False, False)
    assert sgr_colours([], {"FORCE_COLOR": "1"})[1]


@pytest.mark.parametrize(
    ("args", "leave_out"),
    [
        (["--replay", "t.jsonl", "--lr", "5", "--hidden", "9"], "--hidden, --lr"),
        (["--replay", "t.jsonl", "--steps", "3"], "--steps"),
        (["--replay", "t.jsonl", "--detail", "full"], "--detail"),
        (["--replay", "t.jsonl", "--output", "o.jsonl"], "--output"),
        (["I like NLP", "--replay", "t.jsonl"], "a SENTENCE"),
        (["I like NLP", "--load", "m.npz", "--seed", "7"], "--seed"),
        (["I like NLP", "--json", "--precision", "2"], "--precision"),
        (["I like NLP", "--json", "--pause"], "--pause"),
        (["I like NLP", "--json", "--only", "forward"], "--only"),
        (["I like NLP", "--json", "--export", "x.html", "--pause"], "--pause"),
    ],
)
def test_an_option_the_mode_ignores_is_refused(args, leave_out, capsys) -> None:
    assert main(args) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert err.startswith("bptt-trace: error: ") and err.endswith(f"leave out {leave_out}\n")


def test_an_option_at_its_default_value_given_explicitly_still_counts(capsys) -> None:
    assert main(["--replay", "t.jsonl", "--seed", "0"]) == 2
    assert "leave out --seed" in capsys.readouterr().err


def test_options_a_mode_uses_are_accepted(tmp_path: Path, capsys) -> None:
    trace, page = tmp_path / "t.jsonl", tmp_path / "t.html"
    args = ["I like NLP", "--json", "--export", str(page), "--precision", "2", "--quiet"]
    assert main([*args, "--output", str(trace)]) == 0
    assert main(["--replay", str(trace), "--precision", "2", "--color", "never", "--quiet"]) == 0
    assert "+0.0" in capsys.readouterr().out


def help_text() -> str:
    return subprocess.run(
        command("--help"), env={**ENV, "COLUMNS": "80"}, capture_output=True, text=True, check=True
    ).stdout


def test_help_fits_80_columns_and_groups_the_options() -> None:
    from rich.cells import cell_len  # columns on screen: a combining mark (h̃) takes none

    text = help_text()
    assert max(cell_len(line) for line in text.splitlines()) <= 80
    for example in (line.strip() for line in EXAMPLES.splitlines()):
        if example.startswith("bptt-trace "):
            assert any(line.strip() == example for line in text.splitlines()), example
    for panel in ("Input", "Model", "Training", "Output", "Display"):
        assert f"╭─ {panel} ─" in text
    for option, placeholder in (
        ("--lr", "α"),
        ("--clip", "C"),
        ("--truncate", "K"),
        ("--trace-every", "K"),
        ("--steps", "N"),
        ("--output", "FILE"),
    ):
        assert re.search(rf"│ {option} +{placeholder} ", text), option
    for choices in (ACTIVATIONS, LOSS_MODES, DETAILS):
        assert f"<{'|'.join(choices)}>" in text
    assert "the seed" not in text.lower()
    flat = " ".join(text.split())
    assert "--replay takes only --export, --quiet, --precision, --pause, --color" in flat


def test_an_unknown_choice_names_the_choices_without_pydantic_words(capsys) -> None:
    assert main(["I like NLP", "--activation", "gelu"]) == 2
    err = capsys.readouterr().err
    assert "Value error" not in err and err.count("\n") == 1
    assert all(f"'{name}'" in err for name in ACTIVATIONS)


def test_an_unquoted_sentence_is_told_to_quote_it(capsys) -> None:
    assert main(["I", "like", "NLP", "--steps", "3"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert 'quotes: bptt-trace "I like NLP"' in err


@pytest.mark.parametrize(
    ("args", "ending"),
    [
        (["I like NLP", "--steps", "2"], "the run finished after 2 steps"),
        (
            ["a a a a", "--loss", "every", "--lr", "1e308", "--steps", "9"],
            "the run diverged: training diverged at step",
        ),
    ],
)
def test_a_replay_into_a_file_says_how_the_run_ended(args, ending, tmp_path: Path) -> None:
    trace = tmp_path / "t.jsonl"
    main([*args, "--quiet", "--output", str(trace)])
    proc = subprocess.run(
        command("--replay", str(trace)), env=ENV, capture_output=True, text=True, check=True
    )
    assert proc.stderr.startswith(f"bptt-trace: replayed {trace}: {ending}")
    assert proc.stderr.count("\n") == 1


def printed(args: list[str], capsys) -> str:
    capsys.readouterr()
    assert main(args) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("columns", ["0", "-3", "abc", "", " 0"])
def test_a_columns_that_is_no_width_is_ignored(columns: str, monkeypatch, capsys) -> None:
    """COLUMNS=0 drew every table (and --help) zero columns wide: nothing at all."""
    for args in (["I like NLP", "--color", "never"], ["--help"]):
        monkeypatch.delenv("COLUMNS", raising=False)
        unset = printed(args, capsys)
        monkeypatch.setenv("COLUMNS", columns)
        assert printed(args, capsys) == unset and len(unset.splitlines()) > 20
