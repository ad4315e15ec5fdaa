"""``--replay`` and ``--diff``: read a saved trace back, line by line, checked against the
schema, within bounds that no file can talk its way past.

The file is streamed a line at a time (never held whole) up to ``MAX_TRACE_BYTES``, and before
a line is parsed, what its parse would hold is bounded from a count of its bytes
(``held_bytes``): the events of a trace are held until it is shown, and JSON's containers cost
far more than their text (``[],`` is 3 bytes and a list of about 60). A line, or the lines up to
it, past ``MAX_TRACE_MEMORY`` is refused with its number before it is parsed. A trace this tool
writes is bounded at 3.2 to 4 bytes a byte of its text (and holds about 1.5), so that every
one of up to 192 MiB is read (most up to the byte cap); hostile lines (``[],`` repeated: 25
bytes a byte) are refused at once, before they fill the memory.
"""

from __future__ import annotations

import json
import shlex
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from ..errors import InputError
from ..trace.events import Event, from_json
from ..trace.order import TraceOrder
from ..trace.parameter_chain import ParameterChain
from ..trace.schema import validate
from ..trace.update_checks import UpdateLedger
from .inputs import fix, open_input, reason
from .tokens import check_tokens

MAX_TRACE_BYTES = 256 << 20
"""Largest trace ``--replay`` reads (256 MiB): every event of it is held in memory."""

MAX_TRACE_MEMORY = 768 << 20
"""Most memory the parsed events of one trace may hold, as ``held_bytes`` bounds it."""

CONTAINER_BYTES = 128
"""A list or dict that JSON makes, at most, with its pointer (measured: 64 to 100 bytes)."""
ELEMENT_BYTES = 48
"""A value after a ``,`` or ``:``, at most: a float is 24 bytes and its pointer 8, with the
list's spare room; a string's text is counted by the line's length (and a large int's digits)."""
QUOTE_BYTES = 24
"""Half of a string object's own size (49 bytes and its text), for each of its two quotes."""

DIGITS = getattr(sys, "get_int_max_str_digits", lambda: 4300)()
"""The most digits Python reads into an integer (a number past them is no trace's)."""

WANTED = "a trace written with --json or --output"


def held_bytes(line: bytes) -> int:
    """An upper bound of the memory ``json.loads(line)`` holds, from counts of its bytes: every
    object JSON makes starts at a ``[``, ``{``, ``,``, ``:`` or ``"``, or is the line's only one."""
    containers = line.count(b"[") + line.count(b"{")
    elements = line.count(b",") + line.count(b":")
    return (
        CONTAINER_BYTES * containers
        + ELEMENT_BYTES * (elements + 1)
        + QUOTE_BYTES * line.count(b'"')
        + len(line)
    )


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def read_trace(path: Path, option: str = "--replay") -> list[Event]:
    """Every event of the trace at ``path`` (``-``: stdin), or InputError naming the line;
    ``option`` the one that named the file (``--replay``, ``--diff``), as messages say."""
    where = f"{option} -" if str(path) == "-" else f"{option} {path}"
    with open_input(path, option, WANTED) as handle:
        try:
            return parse_lines(lines_of(handle, where), where)
        except OSError as err:  # EISDIR on some systems, EIO on a bad disk
            raise InputError(f"{where}: cannot be read ({reason(err)}); {fix(err)}") from None


def parse_lines(lines: Iterator[tuple[int, bytes, bool]], where: str) -> list[Event]:
    events: list[Event] = []
    run: dict[str, Any] | None = None
    order = TraceOrder()
    ledger = UpdateLedger()  # an update against its run and the gradients before it
    chain = ParameterChain()  # an update's old against the parameters before it
    held = 0
    blank: InputError | None = None  # a blank line is an error only if a line follows it
    for number, raw, cut in lines:
        held += held_bytes(raw)
        if held > MAX_TRACE_MEMORY:
            raise InputError(
                f"{where}: line {number}: holding the trace up to this line would take about "
                f"{held / 2**20:,.0f} MiB of memory, more than the limit of "
                f"{MAX_TRACE_MEMORY >> 20:,} MiB (a trace written by bptt-trace takes 3 to 4 "
                "bytes a byte of its text); give a shorter trace written with --json or --output"
            )
        try:
            text = raw.decode("utf-8")
            parsed = json.loads(text, parse_constant=_no_constants)
        except RecursionError:
            raise InputError(f"{where}: line {number} nests JSON too deeply") from None
        except (UnicodeDecodeError, ValueError) as err:
            if cut:
                raise InputError(
                    f"{where}: line {number} is cut off (the trace ends "
                    "mid-line); the lines before it are whole"
                ) from None
            problem = InputError(f"{where}: line {number} is not JSON ({err})")
            if "integer string conversion" in str(err):  # Python's advice is not for our users
                problem = InputError(
                    f"{where}: line {number} holds a number of more than {DIGITS:,} digits, "
                    f"which no trace has; give {WANTED}"
                )
            if raw.strip() or blank is not None:
                raise (blank or problem) from None
            blank = problem
            continue
        if blank is not None:
            raise blank
        problem = validate(parsed, run) or (
            (order.problem(parsed, run) or ledger.problem(parsed, run) or chain.problem(parsed))
            if run
            else None
        )
        if problem is not None:
            raise InputError(f"{where}: line {number}: {problem}")
        if parsed["event"] == "run":
            if run is not None:
                raise InputError(f"{where}: line {number}: {several_runs(where)}")
            run = parsed
            check_tokens(parsed["vocab"], f"{where}: line {number}: run event vocab")
        events.append(from_json(parsed))
    if not events:
        raise InputError(f"{where}: is empty; give {WANTED}")
    problem = order.end_problem()
    if problem is not None:
        raise InputError(f"{where}: {problem}")
    return events


def several_runs(where: str) -> str:
    """What a second run event means, and how to replay each run of the file."""
    option, _, name = where.partition(" ")
    how = "split it at each run line"
    if name != "-":
        how += f" (csplit -z -f run- {shlex.quote(name)} '/^{{\"event\":\"run\"/' '{{*}}')"
    return (
        "a second run event: the file holds several runs one after another (--compare-cells "
        f"--json writes one a cell), and {option} reads one run a file; {how} and give each "
        f"part to {option}"
    )


def lines_of(handle: BinaryIO, where: str) -> Iterator[tuple[int, bytes, bool]]:
    """Each line's number, its bytes (without the newline) and whether it is cut (the file
    ends without a newline), reading at most MAX_TRACE_BYTES in all."""
    total = 0
    number = 0
    while True:
        line = handle.readline(MAX_TRACE_BYTES + 1 - total)
        if not line:
            return
        total += len(line)
        if total > MAX_TRACE_BYTES:
            raise InputError(
                f"{where}: is larger than {MAX_TRACE_BYTES:,} bytes, the limit for this input; "
                "give a smaller file"
            )
        number += 1
        cut = not line.endswith(b"\n")
        yield number, line[:-1] if not cut else line, cut
