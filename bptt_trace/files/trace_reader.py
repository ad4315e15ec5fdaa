"""``--replay``: read a saved trace back, line by line, checked against the schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..trace.events import Event, from_json
from ..trace.schema import validate
from .inputs import read_bytes


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def read_trace(path: Path) -> list[Event]:
    """Every event of the trace at ``path`` (``-``: stdin), or InputError naming the line."""
    where = "--replay -" if str(path) == "-" else f"--replay {path}"
    data = read_bytes(path, "--replay", "a trace written with --json or --output")
    if not data.strip():
        raise InputError(f"{where}: is empty; give a trace written with --json or --output")
    lines = data.split(b"\n")
    cut = lines[-1] != b""  # a whole trace ends with a newline
    if not cut:
        lines.pop()
    events: list[Event] = []
    run: dict[str, Any] | None = None
    for number, raw in enumerate(lines, start=1):
        last = number == len(lines)
        try:
            text = raw.decode("utf-8")
            parsed = json.loads(text, parse_constant=_no_constants)
        except (UnicodeDecodeError, ValueError) as err:
            if last and cut:
                raise InputError(
                    f"{where}: line {number} is cut off (the trace ends "
                    "mid-line); the lines before it are whole"
                ) from None
            raise InputError(f"{where}: line {number} is not JSON ({err})") from None
        problem = validate(parsed, run)
        if problem is not None:
            raise InputError(f"{where}: line {number}: {problem}")
        if parsed["event"] == "run":
            if run is not None:
                raise InputError(f"{where}: line {number}: a second run event")
            run = parsed
        events.append(from_json(parsed))
    return events
