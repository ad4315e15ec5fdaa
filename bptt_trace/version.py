"""The version, read once from the installed package's metadata (pyproject.toml has it).

The metadata is found where ``importlib.metadata`` finds it, the ``bptt_trace-….dist-info``
folder of the first ``sys.path`` entry that has one, and its ``Version:`` header is read
directly: importing ``importlib.metadata`` (with the email parser, zipfile and csv it loads)
costs every run's start-up more than all the rest of reading the version. Whatever is unusual
(no such folder, two in one place, another spelling, an egg, a zip, no header) is left to
``importlib.metadata``.
"""

from __future__ import annotations

import os
import sys

OURS = ("bptt_trace-", "bptt-trace-")
"""How our metadata folders begin (``importlib.metadata`` matches the name either way)."""


def from_dist_info() -> str | None:
    """The ``Version:`` of the first folder on ``sys.path`` with one dist-info of ours, or None
    when it takes ``importlib.metadata`` to say."""
    for entry in sys.path:
        try:
            names = [n for n in os.listdir(entry or ".") if n.lower().startswith(OURS)]
        except OSError:  # not a folder (a zip), or gone
            continue
        found = [n for n in names if n.startswith(OURS[0]) and n.endswith(".dist-info")]
        if len(names) > 1 or names != found:  # two, an egg, another spelling: not ours to pick
            return None
        if found:
            return metadata_version(os.path.join(entry or ".", found[0], "METADATA"))
    return None


def metadata_version(path: str) -> str | None:
    """The ``Version:`` header of a METADATA file (its headers end at the first blank line)."""
    try:
        with open(path, encoding="utf-8") as metadata:
            for line in metadata:
                if not line.strip():
                    break
                if line.startswith("Version:"):
                    return line.partition(":")[2].strip() or None
    except (OSError, UnicodeDecodeError):
        pass
    return None


def installed_version() -> str:
    found = from_dist_info()
    if found is not None:
        return found
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("bptt-trace")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "0+unknown"


__version__ = installed_version()
