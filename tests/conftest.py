"""Shared fixtures. The test folders mirror the package's layers; ``oracles`` holds the
independent computations every layer's tests compare against (``pythonpath`` in pyproject)."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable

# One BLAS thread, in this process and in every run it starts (they inherit the environment),
# set before NumPy is first imported. The suite's parallelism is its workers (-n 2 on 2 cores);
# OpenBLAS's own threads on top of them spin for work on cores that are busy: on a shared
# machine a --hidden 1000 run took 48 s of CPU and 201 s instead of 5.5 s and 21 s.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"

# The runs the suite starts on a pseudo-terminal write their tables straight to it, as
# --no-pager does, unless a test sets PAGER itself (tests/cli/test_screen_pager.py): a pager
# would wait there for keys no test types.
os.environ["PAGER"] = "cat"

import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402

from bptt_trace.cli.app import main  # noqa: E402

# The tests that send Ctrl-C play a user at a terminal, where SIGINT is handled. Started from a
# background job (a CI runner's shell, `pytest &`), this process would inherit SIGINT ignored and
# pass that on to every run it starts, which then rightly keeps ignoring it (as under nohup):
# handle it here, so that the runs start with the default, as from a terminal.
signal.signal(signal.SIGINT, signal.default_int_handler)
# SIGTERM and SIGHUP, ignored under `nohup pytest` or a runner that ignores them, take their
# default back for the same reason: every run the suite starts can be stopped by them.
for _ignored in (signal.SIGTERM, signal.SIGHUP):
    if signal.getsignal(_ignored) is signal.SIG_IGN:
        signal.signal(_ignored, signal.SIG_DFL)
# Likewise a blocked signal (the mask is inherited through fork and exec) would stay pending in
# every run, and a test that sends it would wait for nothing: unblock those the tool handles.
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM, signal.SIGHUP})

# Property tests draw the same examples on every run, so that CI is repeatable; to explore
# new ones, run with BPTT_TRACE_EXPLORE=1 (a fresh random seed each run). No deadline: by
# default hypothesis fails an example that takes over 200 ms of wall time, which a loaded
# machine gives any example (tests/test_suite_environment.py).
settings.register_profile("repeatable", derandomize=True, deadline=None)
settings.register_profile("explore", derandomize=False, deadline=None)
settings.load_profile("explore" if os.environ.get("BPTT_TRACE_EXPLORE") else "repeatable")


@pytest.fixture
def refused(capsys: pytest.CaptureFixture[str]) -> Callable[..., str]:
    """Run the command line on arguments that must be refused as bad input, and return the
    message: exit 2, nothing on stdout, one line on stderr that starts like every error, no
    traceback; and each of ``words`` in it."""

    def refuse(args: list[str], *words: str) -> str:
        capsys.readouterr()
        code = main(args)
        out, err = capsys.readouterr()
        assert code == 2, (args, code, err)
        assert out == "", out
        assert err.count("\n") == 1 and err.startswith("bptt-trace: error: "), err
        assert "Traceback" not in err
        for word in words:
            assert word in err, (word, err)
        return err

    return refuse
