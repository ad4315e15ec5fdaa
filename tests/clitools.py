"""Running bptt-trace as a separate process, the way a user does, for the file-safety tests."""

from __future__ import annotations

import ctypes
import os
import resource
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "100"}
ENV.pop("NO_COLOR", None)
ENV.pop("FORCE_COLOR", None)
GIB = 1 << 30
PR_CAPBSET_DROP = 24


def run_cli(
    args: list[str], preexec: Callable[[], None] | None = None, **options: Any
) -> subprocess.CompletedProcess[bytes]:
    """``python -m bptt_trace ARGS`` with its exit code, stdout and stderr as bytes."""
    options.setdefault("stdin", subprocess.DEVNULL)
    options.setdefault("stdout", subprocess.PIPE)
    options.setdefault("stderr", subprocess.PIPE)
    return subprocess.run(
        [sys.executable, "-m", "bptt_trace", *args],
        env=ENV,
        preexec_fn=preexec,
        timeout=300,  # a hang fails the test instead of the suite; no test measures time
        check=False,
        **options,
    )


def memory_cap(limit: int = 2 * GIB) -> Callable[[], None]:
    """A preexec_fn that caps the child's address space: a MemoryError would show."""

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return cap


def without_root_powers() -> None:
    """A preexec_fn under which permissions apply even to root: the child loses the
    capabilities that bypass them (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH). It stays root, so
    that it can still run this Python (installed under /root)."""
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):
        if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def assert_refused(proc: subprocess.CompletedProcess[bytes], *words: str) -> str:
    """Exit 2, nothing on stdout (unless it was not captured), one line on stderr naming the
    problem; the line."""
    err = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 2, (proc.returncode, err)
    assert not proc.stdout, proc.stdout[:200]
    assert err.count("\n") == 1 and err.startswith("bptt-trace: error: "), err
    assert "Traceback" not in err
    for word in words:
        assert word in err, (word, err)
    return err


def loaded_modules(argv: list[str]) -> tuple[int, list[str]]:
    """The exit code of ``bptt-trace argv`` in a fresh interpreter, and the modules it loaded
    (its output thrown away)."""
    probe = (
        "import sys\n"
        f"sys.argv = ['bptt-trace', *{argv!r}]\n"
        "from bptt_trace.__main__ import main\n"
        "try:\n    main()\n"
        "except SystemExit as end:\n    code = end.code\n"
        "print('LOADED', code, ' '.join(sorted(sys.modules)), file=sys.stderr)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    last = proc.stderr.splitlines()[-1] if proc.stderr else ""
    assert last.startswith("LOADED "), proc.stderr
    _, code, *modules = last.split()
    return int(code), modules
