"""Closed standard streams (``<&-``, ``>&-``, ``2>&-``).

Python starts with ``sys.stdin``/``sys.stdout``/``sys.stderr`` set to None when the file
descriptor is closed, and the next file the program opens takes that number: a model file
would then receive what was meant for stdout. ``guard_standard_streams`` puts /dev/null
on every closed one of the three, so that no file of ours can take their place, and
remembers which were closed.
"""

from __future__ import annotations

import os
import sys

CLOSED: set[int] = set()
"""The standard file descriptors (0, 1, 2) that were closed when the program started."""


def guard_standard_streams() -> str | None:
    """Put /dev/null on closed fds 0, 1 and 2; a one-line problem when stdout was closed."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            CLOSED.add(fd)
    for fd in sorted(CLOSED):  # the lowest free number first, so each lands on its own
        null = os.open(os.devnull, os.O_RDWR)
        if null != fd:
            os.dup2(null, fd)
            os.close(null)
    if 0 in CLOSED:
        sys.stdin = open(0, encoding="utf-8", closefd=False)
    if 1 in CLOSED:
        sys.stdout = open(1, "w", encoding="utf-8", closefd=False)
    if 2 in CLOSED:
        sys.stderr = open(2, "w", encoding="utf-8", closefd=False)
    if 1 in CLOSED:
        return (
            "stdout is closed, and the tables (or --json) go there; send it to a file "
            "or to /dev/null (> /dev/null) instead of closing it"
        )
    return None


def stdin_closed() -> bool:
    """Whether stdin was closed when the program started (it now reads as empty)."""
    return 0 in CLOSED
