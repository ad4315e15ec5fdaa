"""python -m bptt_trace, and the bptt-trace console script."""

import sys

from .cli.stop import StartUpInterrupt, early_signals, interrupted_at_start_up


def main() -> None:
    """Signals first (a Ctrl-C while the imports run is a quiet exit 130), then the rest."""
    early_signals()
    try:
        from .cli.app import run_guarded

        code = run_guarded()
    except (StartUpInterrupt, KeyboardInterrupt):  # before the run began: nothing written
        code = interrupted_at_start_up("--quiet" in sys.argv[1:])
    sys.exit(code)


if __name__ == "__main__":
    main()
