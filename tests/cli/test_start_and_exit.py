"""The program's first and last moments: signals are handled before anything heavy is
imported, and once the command has its exit code a signal changes nothing.

Neither test waits for a moment in time: the first looks at what importing the entry point
did (modules and handlers), the second sends the signal from inside the exit path itself."""

from __future__ import annotations

import subprocess
import sys

from clitools import ENV

HEAVY = ("numpy", "typer", "click", "rich", "importlib.metadata", "json", "typing")
"""Modules whose import would leave a window before the start-up handlers (each takes
milliseconds to tens of milliseconds)."""


def child(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        env=ENV,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_signals_are_handled_before_anything_heavy_is_imported() -> None:
    done = child(
        "import signal, sys\n"
        f"heavy = {HEAVY!r}\n"
        "before = {m for m in heavy if m in sys.modules}\n"
        "import bptt_trace.__main__\n"
        "print(signal.getsignal(signal.SIGINT).__name__)\n"
        "print(sorted(m for m in heavy if m in sys.modules and m not in before))\n"
    )
    assert done.returncode == 0, done.stderr
    handler, imported = done.stdout.splitlines()
    assert handler == "_stop_at_once"
    assert imported == "[]"


def test_a_signal_once_the_exit_code_is_known_changes_nothing() -> None:
    done = child(
        "import os, signal, sys\n"
        "import bptt_trace.__main__ as entry\n"
        "import bptt_trace.cli.app as app\n"
        "import bptt_trace.files.stdio as stdio\n"
        "app.run_guarded = lambda: 3\n"
        "settle = stdio.settle\n"
        "def signalled(code):\n"
        "    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):\n"
        "        os.kill(os.getpid(), sig)\n"
        "    return settle(code)\n"
        "stdio.settle = signalled\n"
        "sys.argv = ['bptt-trace']\n"
        "entry.main()\n"
    )
    assert (done.returncode, done.stderr) == (3, "")


def test_a_signal_at_start_up_is_a_quiet_130() -> None:
    done = child(
        "import os, signal, sys\n"
        "import bptt_trace.__main__ as entry\n"
        "import bptt_trace.cli.app as app\n"
        "def interrupted():\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"
        "    return 0\n"
        "app.run_guarded = interrupted\n"
        "sys.argv = ['bptt-trace']\n"
        "entry.main()\n"
    )
    assert done.returncode == 130
    assert done.stderr == "bptt-trace: interrupted before the first step; nothing was written\n"
