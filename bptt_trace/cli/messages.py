"""Messages to the user on stderr: one line each. A leaf: nothing below the command line
imports it; of the package it imports only the rendering layer's ``plural``.

``print`` looks ``sys.stderr`` up at each call, so that while the progress bar shows, a
message goes above it. A closed stderr loses the message, and nothing else.
"""

from __future__ import annotations

import sys

from ..rendering.theme import plural  # one plural, for the tables and the messages


def _line(text: str) -> None:
    try:
        print(f"bptt-trace: {text}", file=sys.stderr, flush=True)
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
