"""The width the tables are laid out for when stdout is not a terminal: the width of the
terminal the user sits at, if there is one (``bptt-trace … | less -R``, ``| head``)."""

from __future__ import annotations

import os
import sys
from typing import Any


def stdout_size() -> dict[str, Any]:
    """Off a terminal (a pipe, a file), the width of the terminal the user sits at when
    stderr or stdin is one, so that ``| less -R`` and ``| head`` get lines that fit it; else
    100 columns. COLUMNS (and --width) still win."""
    if sys.stdout.isatty() or os.environ.get("COLUMNS"):
        return {}
    columns = user_terminal_columns()
    return {"width": columns if columns is not None else 100}


def user_terminal_columns() -> int | None:
    """The width of stderr's terminal, else stdin's (None: neither is one, as under cron, a
    CI runner or a test's capture).

    Not the controlling terminal's (/dev/tty): a run whose three streams are all elsewhere
    (``… < in > out 2> err``) is laid out the same wherever it is started, a test suite's
    runs included."""
    for fd in (2, 0):
        try:
            if os.isatty(fd):
                return os.get_terminal_size(fd).columns or None
        except OSError:
            continue
    return None
