"""The JSON Lines writer of the event stream: one object a line, written whole and flushed.

Floats are written with Python's shortest round-trip repr, so they read back bit for bit.
NaN and Infinity are never written: the training loop stops before they reach an event,
and ``allow_nan=False`` makes any that slipped through an error instead of bad JSON.
"""

from __future__ import annotations

import json
import math
from typing import Any, TextIO

from ..trace.events import Event

ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))
"""One encoder for every line (``json.dumps`` with options makes a new one each call)."""


def dumps(event: Event, detail: str = "auto") -> str:
    """One event as one line of JSON (without the newline); large arrays as ``detail`` says."""
    return ENCODER.encode(event.to_json(detail))


class JsonlWriter:
    """Writes each event as one line to every stream it holds, flushing after each."""

    def __init__(self, *streams: TextIO, detail: str = "auto") -> None:
        self.streams = streams
        self.detail = detail

    def write(self, event: Event) -> None:
        if not self.streams:
            return
        line = dumps(event, self.detail) + "\n"
        for stream in self.streams:
            stream.write(line)
            stream.flush()


def json_document(data: Any) -> str:
    """One JSON document (``--diff --json``, ``--compare --json``) as one line of strict JSON.

    The only place such documents are made, so that none holds ``Infinity`` or ``NaN``
    (which are not JSON): a number that is not finite is written as ``null``, and the
    top-level object's ``non_finite`` field says which were and what they were, by their
    path (``{"quantities/3/max_rel": "Infinity"}``). ``allow_nan=False`` then makes any
    slip an error rather than bad JSON."""
    found: dict[str, str] = {}
    clean = _finite(data, "", found)
    if found and isinstance(clean, dict):
        clean["non_finite"] = found
    return DOCUMENT.encode(clean)


DOCUMENT = json.JSONEncoder(ensure_ascii=False, allow_nan=False)


def _finite(value: Any, path: str, found: dict[str, str]) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        found[path or "/"] = (
            "NaN" if math.isnan(value) else ("-Infinity" if value < 0 else "Infinity")
        )
        return None
    if isinstance(value, dict):
        return {k: _finite(v, f"{path}/{k}".lstrip("/"), found) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v, f"{path}/{i}".lstrip("/"), found) for i, v in enumerate(value)]
    return value
