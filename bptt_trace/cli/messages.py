"""Messages to the user on stderr: one line each. A leaf: nothing below the command line
imports it; of the package it imports only the rendering layer's ``plural`` and ``visible``.

Every line is escaped where it is printed: a message may quote what a file holds (a key of an
.npz, a token, a path), and no character of it reaches the terminal as a control sequence
(ESC, C1 controls, bidi overrides: ``theme.visible``), nor a newline that would make two lines
of one.

``print`` looks ``sys.stderr`` up at each call, so that while the progress bar shows, a
message goes above it. A closed stderr loses the message, and nothing else.
"""

from __future__ import annotations

import sys

from ..rendering.plain import plural, visible  # one plural, one escape, tables and messages


def one_line(text: str) -> str:
    """``text`` as it may be shown: every unsafe character escaped, the newline too."""
    return visible(text).replace("\n", "\\n")


def _line(text: str) -> None:
    try:
        print(f"bptt-trace: {one_line(text)}", file=sys.stderr, flush=True)
    except (OSError, ValueError):  # stderr is closed, or its terminal is gone
        pass


def error(message: str) -> None:
    """Bad input, or how a run failed."""
    _line(f"error: {message}")


def warning(message: str) -> None:
    _line(f"warning: {message}")


def status(message: str) -> None:
    """How a run ended, or a file it wrote (not under --quiet)."""
    _line(message)


__all__ = ["error", "plural", "status", "warning"]
