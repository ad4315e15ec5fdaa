"""The suite's own conditions, which every other test relies on: a run it starts uses one BLAS
thread (the workers are the parallelism; more threads on busy cores spin, and a scale test's
CPU time grew ninefold), and can be stopped by the signals the tests send (none is blocked or
ignored, whatever the process that started pytest passed on); and no test measures wall
time through hypothesis' deadline."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from clitools import ENV
from hypothesis import settings
from pty_screen import clean_env, run_on_pty

SIGNALS = {"SIGINT": 2, "SIGTERM": 15, "SIGHUP": 1}
PROBE = (
    "import os; s = dict(l.split(':\\t') for l in open('/proc/self/status').read().splitlines()"
    " if ':\\t' in l); print(os.environ.get('OPENBLAS_NUM_THREADS'), s['SigBlk'], s['SigIgn'])"
)


def stoppable(line: str) -> None:
    threads, blocked, ignored = line.split()
    assert threads == "1"
    for name, number in SIGNALS.items():
        bit = 1 << (number - 1)
        assert not int(blocked, 16) & bit, f"{name} blocked"
        assert not int(ignored, 16) & bit, f"{name} ignored"


def test_a_run_through_a_pipe_has_one_blas_thread_and_every_signal() -> None:
    for env in (ENV, clean_env()):
        out = subprocess.run(
            [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True
        ).stdout
        stoppable(out)


def test_a_run_on_the_pseudo_terminal_has_one_blas_thread_and_every_signal() -> None:
    session = run_on_pty(["-c", PROBE], program=[sys.executable])
    assert session.code == 0
    stoppable(session.lines()[-1])


def test_no_property_test_has_a_wall_clock_deadline() -> None:
    """Hypothesis' default deadline fails an example that takes over 200 ms of wall time: on a
    machine shared with other work any example can. The profile the suite loads has none, and
    no test sets one of its own (every deadline= in the tests is deadline=None)."""
    assert settings.default.deadline is None
    tests = Path(__file__).parent
    for path in sorted(tests.rglob("*.py")):
        for line in path.read_text(encoding="utf-8").splitlines():
            for value in re.findall(r"\bdeadline=([^,)\s]+)", line):
                assert value == "None", (str(path.relative_to(tests)), line.strip())
