"""The JSON Lines reader of the event stream: one object a line, written whole and flushed.

Floats are written with Python's shortest round-trip repr, so they read back bit for bit.
NaN and Infinity are never written: the training loop stops before they reach an event,
and ``allow_nan=False`` makes any that slipped through an error instead of bad JSON.
"""

from __future__ import annotations

import json
from typing import TextIO

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
