"""``--replay``: read a saved trace back, line by line, checked against the schema."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..trace.events import Event, from_json
from ..trace.order import TraceOrder
from ..trace.schema import validate
from .inputs import read_bytes
from .tokens import check_tokens

MAX_TRACE_BYTES = 256 << 20
"""Largest trace ``--replay`` reads (256 MiB): every event of it is held in memory."""


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def read_trace(path: Path) -> list[Event]:
    """Every event of the trace at ``path`` (``-``: stdin), or InputError naming the line."""
    where = "--replay -" if str(path) == "-" else f"--replay {path}"
    data = read_bytes(
        path, "--replay", "a trace written with --json or --output", limit=MAX_TRACE_BYTES
    )
    if not data.strip():
        raise InputError(f"{where}: is empty; give a trace written with --json or --output")
    events: list[Event] = []
    run: dict[str, Any] | None = None
    order = TraceOrder()
    for number, (raw, last, cut) in enumerate(split_lines(data), start=1):
        try:
            text = raw.decode("utf-8")
            parsed = json.loads(text, parse_constant=_no_constants)
        except RecursionError:
            raise InputError(f"{where}: line {number} nests JSON too deeply") from None
        except (UnicodeDecodeError, ValueError) as err:
            if last and cut:
                raise InputError(
                    f"{where}: line {number} is cut off (the trace ends "
                    "mid-line); the lines before it are whole"
                ) from None
            raise InputError(f"{where}: line {number} is not JSON ({err})") from None
        problem = validate(parsed, run) or (order.problem(parsed) if run else None)
        if problem is not None:
            raise InputError(f"{where}: line {number}: {problem}")
        if parsed["event"] == "run":
            if run is not None:
                raise InputError(f"{where}: line {number}: a second run event")
            run = parsed
            check_tokens(parsed["vocab"], f"{where}: line {number}: run event vocab")
        events.append(from_json(parsed))
    problem = order.end_problem()
    if problem is not None:
        raise InputError(f"{where}: {problem}")
    return events


def split_lines(data: bytes) -> Iterator[tuple[bytes, bool, bool]]:
    """Each line of ``data`` (without its newline), whether it is the last, and whether the
    data is cut (a whole trace ends with a newline); one line at a time, no copy of all."""
    start = 0
    while start < len(data):
        end = data.find(b"\n", start)
        if end < 0:
            yield data[start:], True, True
            return
        yield data[start:end], end + 1 == len(data), False
        start = end + 1
