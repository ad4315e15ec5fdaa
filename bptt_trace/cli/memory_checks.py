"""The run's memory estimate, checked before anything is allocated: a run past
MAX_RUN_BYTES is refused in one line that names its largest part and what to change."""

from __future__ import annotations

from ..core.cells.declaration import Cell
from ..core.model import parameter_count
from ..errors import InputError

MAX_RUN_BYTES = 1_500_000_000
"""The most a run may be estimated to hold at its peak (``core.footprint``): with Python,
NumPy and their libraries (about 0.2 GB of address space) it stays under 2 GB."""


def check_size(
    cells: list[Cell],
    vocab_size: int,
    hidden: int,
    lengths: list[int],
    truncate: int | None = None,
    check: bool = False,
    detail: str = "auto",
    tables: bool = False,
    window: int | None = None,
) -> None:
    """Refuse, from an estimate of everything the run holds at its peak (``run_bytes``: with
    ``--detail full``, its whole arrays in the events, and in the tables when ``tables`` are
    shown or recorded) and before allocating anything, a run that would not fit in memory; one
    line names the estimate, its largest part and what to change. With several cells, the
    largest."""
    from ..core.footprint import run_bytes

    parts = max(
        (
            run_bytes(c, vocab_size, hidden, lengths, truncate, check, detail, tables, window)
            for c in cells
        ),
        key=lambda p: sum(p.values()),
    )
    total = sum(parts.values())
    if total <= MAX_RUN_BYTES:
        return
    largest = max(parts, key=parts.__getitem__)
    gb = f"{gigabytes(parts[largest])} GB"
    if largest == "tables":
        why = f"--detail full's whole arrays in the tables' rows, {gb}"
        fix = "leave out --detail full (summaries), or add --json, or use a smaller --hidden"
    elif largest == "events":
        count = max(parameter_count(c, vocab_size, hidden) for c in cells)
        why = f"--detail full's whole arrays of {count:,} parameters in the events, {gb}"
        fix = f"leave out --detail full (summaries), or use a smaller --hidden (now {hidden})"
    elif largest == "parameters":
        count = max(parameter_count(c, vocab_size, hidden) for c in cells)
        why = f"{count:,} parameters and their copies, {gb}"
        fix = f"use a smaller --hidden (now {hidden}) or a corpus of fewer distinct tokens"
    else:
        tokens, longest = sum(lengths), max(lengths)
        why = (
            f"the {largest} pass over {tokens:,} tokens in sentences of up to {longest:,} at "
            f"--hidden {hidden}, {gb}"
        )
        shorter = ", or a smaller --truncate" if truncate is not None else ""
        shorter = ", or shorter windows (--chunks, --tbptt)" if window is not None else shorter
        fix = f"use a smaller --hidden, or fewer or shorter sentences{shorter}"
    raise InputError(
        f"this run would hold about {gigabytes(total)} GB of memory at once, more than the "
        f"limit of {MAX_RUN_BYTES / 1e9:.1f} GB (largest part: {why}); {fix}"
    )


def gigabytes(size: float) -> str:
    """``size`` bytes in GB, to one decimal (past a million GB, as 4.8e+32)."""
    return f"{size / 1e9:,.1f}" if size < 1e15 else f"{size / 1e9:.1e}"
