"""The one error type of bad input, importable from every layer.

``InputError`` carries one line that names the problem and the fix; the command line prints
it on stderr and exits 2.
"""

from __future__ import annotations


class InputError(ValueError):
    """Bad input from the user: the message names the problem and the fix."""
