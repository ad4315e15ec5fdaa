"""Messages to the user on stderr: one line each. A leaf: nothing below the command line
imports it, and it imports nothing of the package."""

from __future__ import annotations

import sys


def error(message: str) -> None:
    """One line on stderr."""
    print(f"bptt-trace: error: {message}", file=sys.stderr)
