"""The width the tables are laid out for when stdout is not a terminal: the width of the
terminal the user sits at, if there is one (``bptt-trace … | less -R``, ``| head``)."""

from __future__ import annotations

import os
import sys
from typing import Any


def stdout_size() -> dict[str, Any]:
    """Off a terminal (a pipe, a file), the width of the terminal the user sits at, when the
    process has one (stderr's, stdin's, or the controlling terminal's), so that
    ``| less -R`` and ``| head`` get lines that fit it; else 100 columns. COLUMNS (and
    --width) still win."""
    if sys.stdout.isatty() or os.environ.get("COLUMNS"):
        return {}
    columns = user_terminal_columns()
    return {"width": columns if columns is not None else 100}


def user_terminal_columns() -> int | None:
    """The width of stderr's or stdin's terminal, else of the controlling terminal (None:
    no terminal, as under cron or a CI runner)."""
    for fd in (2, 0):
        try:
            if os.isatty(fd):
                return os.get_terminal_size(fd).columns or None
        except OSError:
            continue
    try:
        tty = os.open("/dev/tty", os.O_RDONLY | os.O_NOCTTY | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        return os.get_terminal_size(tty).columns or None
    except OSError:
        return None
    finally:
        os.close(tty)
