"""Shared fixtures. The test folders mirror the package's layers; ``oracles`` holds the
independent computations every layer's tests compare against (``pythonpath`` in pyproject)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bptt_trace.cli.app import main


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
