"""Traces as files: replay equals the live run, validation errors, export, colours, --pause."""

import json
import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bptt_trace.cli.app import main

ROOT = Path(__file__).parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "100"}
ENV.pop("NO_COLOR", None)
ENV.pop("FORCE_COLOR", None)


def cli(args: list[str], capsys) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    "args",
    [
        ["I like NLP"],
        ["I like NLP", "--steps", "30", "--trace-every", "10"],
        [
            "--file",
            str(ROOT / "sentences" / "small.txt"),
            "--steps",
            "5",
            "--loss",
            "every",
            "--check",
            "--truncate",
            "2",
            "--clip",
            "0.5",
        ],
    ],
)
def test_replay_renders_exactly_the_live_tables(args, tmp_path: Path, capsys) -> None:
    trace = tmp_path / "t.jsonl"
    code, live, _ = cli([*args, "--output", str(trace)], capsys)
    assert code == 0
    code, replayed, _ = cli(["--replay", str(trace)], capsys)
    assert code == 0
    assert replayed == live


def test_replay_of_a_diverged_run_says_how_it_ended(tmp_path: Path, capsys) -> None:
    trace = tmp_path / "t.jsonl"
    code, live, _ = cli(
        ["a a a a", "--loss", "every", "--lr", "1e308", "--steps", "9", "--output", str(trace)],
        capsys,
    )
    assert code == 1
    code, replayed, _ = cli(["--replay", str(trace)], capsys)
    assert code == 0 and replayed == live
    assert "✗ training diverged at step" in replayed


def test_replay_of_a_trace_cut_between_lines_shows_what_it_has(tmp_path: Path, capsys) -> None:
    trace = tmp_path / "t.jsonl"
    cli(["I like NLP", "--output", str(trace)], capsys)
    lines = trace.read_text().splitlines(keepends=True)
    trace.write_text("".join(lines[:6]))
    code, out, _ = cli(["--replay", str(trace)], capsys)
    assert code == 0
    assert "Forward pass" in out
    assert out.rstrip().endswith("The trace ends without a closing event: it was cut off.")


def test_replay_reads_stdin(tmp_path: Path) -> None:
    trace = tmp_path / "t.jsonl"
    subprocess.run(
        [sys.executable, "-m", "bptt_trace", "I like NLP", "--output", str(trace)],
        env=ENV,
        capture_output=True,
        check=True,
    )
    proc = subprocess.run(
        [sys.executable, "-m", "bptt_trace", "--replay", "-"],
        input=trace.read_bytes(),
        env=ENV,
        capture_output=True,
        check=False,
    )
    assert proc.returncode == 0 and b"Backward pass (BPTT)" in proc.stdout


def broken(lines: list[str], n: int, change) -> list[str]:
    data = json.loads(lines[n - 1])
    change(data)
    return [*lines[: n - 1], json.dumps(data), *lines[n:]]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda ls: [*ls[:3], "{not json", *ls[4:]], "line 4 is not JSON"),
        (
            lambda ls: broken(ls, 1, lambda d: d.update(schema=2)),
            "line 1: unknown schema version 2",
        ),
        (
            lambda ls: broken(ls, 2, lambda d: d.pop("W_h")),
            "line 2: params event lacks the field 'W_h'",
        ),
        (
            lambda ls: broken(ls, 4, lambda d: d.update(t="one")),
            "line 4: forward event: 't' should be a whole number ≥ 0",
        ),
        (
            lambda ls: broken(ls, 4, lambda d: d.update(h=[0.1, 0.2])),
            "line 4: forward event: 'h' should be a list of 4 numbers (H), not 2",
        ),
        (
            lambda ls: broken(ls, 2, lambda d: d.update(W=[[1.0] * 4] * 3)),
            "line 2: params event: 'W' should be a |vocab|×H matrix",
        ),
        (
            lambda ls: broken(ls, 4, lambda d: d.update(event="teleport")),
            "line 4: unknown event type 'teleport'",
        ),
        (lambda ls: ls[1:], "line 1: the first line must be the run event"),
        (lambda ls: [*ls[:-1], ls[-1].replace("1.5", "NaN", 1)], "is not JSON"),
    ],
)
def test_replay_refuses_a_bad_trace_naming_the_line(mutate, message, tmp_path, capsys) -> None:
    good = tmp_path / "good.jsonl"
    cli(["I like NLP", "--output", str(good)], capsys)
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(mutate(good.read_text().splitlines())) + "\n")
    code, out, err = cli(["--replay", str(bad)], capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err, err


def test_replay_refuses_a_cut_last_line(tmp_path: Path, capsys) -> None:
    good = tmp_path / "good.jsonl"
    cli(["I like NLP", "--output", str(good)], capsys)
    data = good.read_bytes()
    lines = data.count(b"\n")
    (tmp_path / "cut.jsonl").write_bytes(data[:-40])
    code, _, err = cli(["--replay", str(tmp_path / "cut.jsonl")], capsys)
    assert code == 2 and f"line {lines} is cut off" in err


def test_replay_conflicts_with_a_sentence(capsys) -> None:
    code, _, err = cli(["I like NLP", "--replay", "t.jsonl"], capsys)
    assert code == 2 and "leave out a SENTENCE" in err


@pytest.mark.parametrize("suffix", [".html", ".svg", ".txt"])
def test_export_saves_the_tables(suffix: str, tmp_path: Path, capsys) -> None:
    target = tmp_path / f"trace{suffix}"
    code, out, _ = cli(["I like NLP", "--export", str(target), "--width", "100"], capsys)
    assert code == 0
    content = target.read_text()
    assert (
        "Backward pass (BPTT)" in content.replace("&#160;", " ").replace("\u00a0", " ")
        or "Backward" in content
    )
    if suffix == ".html":
        assert "<html" in content and "color" in content
        assert "Forward pass" in content
    if suffix == ".txt":
        assert content == out  # the same tables at the same --width, as plain text


def test_export_of_a_replay(tmp_path: Path, capsys) -> None:
    trace, page = tmp_path / "t.jsonl", tmp_path / "t.html"
    cli(["I like NLP", "--json"], capsys)
    cli(["I like NLP", "--output", str(trace)], capsys)
    assert main(["--replay", str(trace), "--export", str(page)]) == 0
    assert "Forward pass" in page.read_text()


def test_export_needs_a_known_suffix(capsys) -> None:
    code, _, err = cli(["I like NLP", "--export", "trace.pdf"], capsys)
    assert code == 2 and ".html, .svg or .txt" in err


def run_env(extra: dict[str, str]) -> bytes:
    env = {**ENV, **extra}
    return subprocess.run(
        [sys.executable, "-m", "bptt_trace", "I like NLP"], env=env, capture_output=True, check=True
    ).stdout


def colours(output: bytes) -> set[str]:
    """The colour codes (foreground or background) among the SGR escape sequences."""
    codes = set()
    for params in re.findall(rb"\x1b\[([0-9;]*)m", output):
        codes.update(p for p in params.decode().split(";") if len(p) >= 2 and p[0] in "349")
    return codes


def test_no_colour_in_a_pipe_and_with_no_color_but_with_force_color() -> None:
    assert b"\x1b[" not in run_env({})
    assert colours(run_env({"FORCE_COLOR": "1"}))
    assert not colours(run_env({"FORCE_COLOR": "1", "NO_COLOR": "1"}))


def test_tail_can_follow_the_trace_line_by_line(tmp_path: Path) -> None:
    trace = tmp_path / "t.jsonl"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bptt_trace",
            "I like NLP",
            "--steps",
            "100000",
            "--output",
            str(trace),
        ],
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and (
            not trace.exists() or trace.read_text().count("train_step") < 50
        ):
            time.sleep(0.05)
        data = trace.read_text()
        assert data.endswith("\n")  # whole lines only, flushed as they happen
        for line in data.splitlines():
            json.loads(line)
    finally:
        proc.kill()
        proc.wait()


def drive_pause(answers: list[str], args: list[str]) -> tuple[int, str]:
    """Run bptt-trace --pause in a pseudo-terminal, answering each prompt in turn."""
    pid, fd = pty.fork()
    if pid == 0:
        os.environ.update(ENV)
        os.execv(sys.executable, [sys.executable, "-m", "bptt_trace", *args, "--pause"])
    output = b""
    prompts = 0
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
            while output.count(b"Enter: next") > prompts and prompts < len(answers):
                os.write(fd, answers[prompts].encode())
                prompts += 1
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), output.decode("utf-8", "replace")


def test_pause_walks_through_one_round_to_the_end() -> None:
    code, out = drive_pause(["\n"] * 100, ["I like NLP"])
    assert code == 0
    assert out.count("Enter: next") >= 9  # 3 forward, output, 3 backward, flow, update …
    assert "finished after 1 step" in out


def test_pause_stops_at_q() -> None:
    code, out = drive_pause(["\n", "q\n"], ["I like NLP"])
    assert code == 0
    assert out.count("Enter: next") == 2
    assert "Backward pass" not in out


def test_pause_is_ignored_without_a_terminal() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bptt_trace", "I like NLP", "--pause"],
        env=ENV,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert proc.returncode == 0
    warning = "bptt-trace: warning: --pause is ignored: stdin is not a terminal"
    assert proc.stderr.splitlines()[0] == warning
    assert "Backward pass" in proc.stdout


@pytest.mark.parametrize("name", ["trace-0.1.0.jsonl", "corpus-truncated-clipped-0.1.0.jsonl"])
def test_a_trace_written_by_the_first_version_still_replays(name: str, capsys) -> None:
    """Traces written before the redesign and before later fields (jacobians.cause,
    end.warning, check.skipped) were added replay as they are."""
    path = Path(__file__).parent / "data" / name
    assert main(["--replay", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Backward pass (BPTT)" in out and "finished after 1 step" in out
