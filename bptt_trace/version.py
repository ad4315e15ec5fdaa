"""The version, read once from the installed package's metadata (pyproject.toml has it)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("bptt-trace")
except PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0+unknown"
