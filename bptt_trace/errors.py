"""The one error type of bad input, importable from every layer.

``InputError`` carries one line that names the problem and the fix; the command line prints
it on stderr and exits 2.
"""

from __future__ import annotations


class InputError(ValueError):
    """Bad input from the user: the message names the problem and the fix."""


def shortened(text: str, most: int = 40) -> str:
    """``text`` for a one-line message: whole up to ``most`` characters, else its first 20,
    an ellipsis and its length (a value from a file may be megabytes long)."""
    return text if len(text) <= most else f"{text[:20]}… ({len(text)} characters)"


def quoted(text: str, most: int = 40) -> str:
    """``repr(text)``, shortened as ``shortened`` does: 'kkkkkkkkkkkkkkkkkkkk'… (60000
    characters)."""
    return repr(text) if len(text) <= most else f"{text[:20]!r}… ({len(text)} characters)"
