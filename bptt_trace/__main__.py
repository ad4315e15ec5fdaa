"""python -m bptt_trace, and the bptt-trace console script.

Signals are handled from this module's first lines: importing the package costs only the
package's ``__init__`` (no NumPy, Typer or package metadata), so that a Ctrl-C while the
rest is imported is a quiet exit 130, not a traceback. Only the interpreter's own start-up
comes before. Once the command has its exit code, signals are only noted, so that the exit
itself cannot be cut into a traceback. The exit code is settled with stdout's fate last
(``files.stdio.settle``): 141 when its reader went away, 2 with one line when it was full.
"""

import signal
import sys
from types import FrameType

from .cli.stop import SIGNALS, StartUpInterrupt, early_signals, interrupted_at_start_up


def _noted(signum: int, frame: FrameType | None) -> None:
    """A signal once the command has its exit code."""


def only_noted() -> None:
    """Signals the caller does not ignore are noted and nothing more."""
    for sig in SIGNALS:
        if signal.getsignal(sig) is not signal.SIG_IGN:
            signal.signal(sig, _noted)


def main() -> None:
    """Signals first (a Ctrl-C while the imports run is a quiet exit 130), then the rest."""
    code: int | None = None
    try:
        early_signals()  # (inside: a signal while the handlers are set is a quiet exit too)
        try:
            from .cli.app import run_guarded

            code = run_guarded()
        except SystemExit as leaving:  # Click or Rich leaving on their own (a closed pipe)
            code = leaving.code if isinstance(leaving.code, int) else 1
        except OSError:  # stdout failing where nothing caught it: settled below
            from .files.stdio import stdout_failure

            if stdout_failure() is None:
                raise
            code = 1
        finally:
            only_noted()  # from here on a signal changes nothing: the command is over
    except (StartUpInterrupt, KeyboardInterrupt):
        if code is None:  # before the command ended: nothing was written
            code = interrupted_at_start_up("--quiet" in sys.argv[1:])
    from .files.stdio import settle

    sys.exit(settle(code if code is not None else 130))


early_signals()  # the module's last statement: a signal from here on is caught in main()

if __name__ == "__main__":
    main()
