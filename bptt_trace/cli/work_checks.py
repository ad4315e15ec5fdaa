"""A truncated run's work, estimated before anything is computed: --chunks and --tbptt re-run
each window's time steps from its carried state, so that --tbptt K1:K2 runs about T·K2/K1
time steps a step where full BPTT runs T. A run estimated past ``WORK_BUDGET`` is refused at
once, in one line naming the estimate and what to change. --truncate K (``truncate_work``)
follows each of the K latest losses back at every time step: T·K (loss, time step) pairs.

The estimate counts, per step, the time steps the windows run in each bucket of sentences
(``core.truncation.window_positions``), each weighted by the cell's cost there: m·(B·H² +
PER_POSITION) under --update-every chunk (a window run a time step at a time, B the bucket's
sentences, m the cell's delta width in H: 1 for the RNN, 5 for the LSTM, 4 for the GRU), and
under --update-every sequence (every window swept back together, one time step at a time)
m·B·(H² + PER_ROW) per window's time step plus m·PER_POSITION per time step of the bucket.
Measured on 2 cores (benchmarks in the commit message): 2.5 to 15 ns of CPU a unit.
"""

from __future__ import annotations

from ..core.cells.declaration import Cell
from ..core.truncation import Scheme, window_positions
from ..errors import InputError

WORK_BUDGET = 10**11
"""The most work a windowed run may be estimated at (about a quarter of an hour of CPU):
--chunks K at the 50,000-token limit, at the largest --hidden the memory limit admits there
(285), is 4.2·10⁹ a step; --tbptt 1:50000 there is 2.6·10¹²."""

PER_POSITION = 2048
"""The Python work of one time step of a window, in units of a product's multiply-adds."""

PER_ROW = 64
"""The elementwise work of one sentence's time step in the sweep of --update-every sequence."""

TRUNCATE_BUDGET = 10**13
"""The most multiply-adds a --truncate run may be estimated at (about a quarter of an hour of
CPU: its products are whole matrices, (K, H)·(H, H) at every time step, 0.06 to 0.08 ns a
multiply-add on one core at H = 64 and 128, measured with --steps 2 against --steps 4)."""

PER_PAIR = 512
"""The elementwise work of one (loss, time step) pair of --truncate, in multiply-adds (about
40 ns a pair at H = 4, where the products are nothing)."""


def scheme_work(
    cell: Cell,
    hidden: int,
    buckets: list[tuple[int, int]],
    scheme: Scheme,
    steps: int,
    update_every: str,
    first: int,
    traced: int = 1,
) -> int:
    """The estimated work of ``steps`` steps under ``scheme``, ``traced`` of them traced;
    ``buckets`` (sentences, longest sentence) as ``core.corpus.buckets_of`` makes them. Every
    step of --update-every sequence, and every traced step, sweeps the windows back together;
    under --update-every chunk a step runs its windows one by one, from the one holding the
    ``first`` loss (1 for --loss every; the shortest sentence's length for --loss last): a
    window without a loss is not run until one has been."""
    m = max(1, cell.delta_width(hidden) // hidden)
    T = max(longest for _, longest in buckets)
    longest = [t for _, t in buckets]
    runs = window_positions(scheme, T, longest)
    sweep = sum(
        n * m * rows * (hidden**2 + PER_ROW) + t * m * PER_POSITION
        for n, (rows, t) in zip(runs, buckets, strict=True)
    )
    if update_every != "chunk":
        return steps * sweep
    runs = window_positions(scheme, T, longest, first)
    each = sum(
        n * m * (rows * hidden**2 + PER_POSITION)
        for n, (rows, _) in zip(runs, buckets, strict=True)
    )
    return steps * each + traced * sweep


def truncate_work(
    cell: Cell, hidden: int, buckets: list[tuple[int, int]], k: int, steps: int
) -> int:
    """The multiply-adds of ``steps`` steps of --truncate k: in a bucket of B sentences of up
    to T_b tokens, ``bptt.truncated_bptt`` carries the min(k, T_b) latest losses' flows at each
    of its T_b time steps, m·B·(H² + PER_PAIR) each (m: the cell's delta width in H)."""
    m = max(1, cell.delta_width(hidden) // hidden)
    return steps * sum(t * min(k, t) * m * rows * (hidden**2 + PER_PAIR) for rows, t in buckets)


def traced_steps(steps: int, every: int | None) -> int:
    """How many of ``steps`` steps are traced: the first, the last and every ``every``-th
    (``Config.traced``)."""
    if every is None:
        return min(steps, 2)
    extra = (every > 1) + (steps % every != 0 and steps > 1)
    return steps // every + extra


def check_work(
    cells: list[Cell],
    hidden: int,
    lengths: list[int],
    scheme: Scheme | None,
    steps: int,
    update_every: str | None,
    loss: str,
    trace_every: int | None = None,
) -> None:
    """Refuse a truncated run estimated past its budget (with several cells, the largest),
    in one line: the estimate, the time steps a step runs, and the fix."""
    if scheme is None:
        return
    import numpy as np

    from ..core.corpus import SMALL_BUCKET, buckets_of

    sizes = np.array(lengths, dtype=np.intp)
    buckets = [(int(b.size), int(sizes[b].max())) for b in buckets_of(sizes, SMALL_BUCKET)]
    said = "step" if steps == 1 else "steps"
    if scheme.kind == "truncate":
        work = max(truncate_work(c, hidden, buckets, scheme.k1, steps) for c in cells)
        if work <= TRUNCATE_BUDGET:
            return
        T = max(lengths)
        raise InputError(
            f"{scheme.flag()} would follow {min(scheme.k1, T):,} losses back at each of "
            f"{T:,} time steps: about {work:.2e} multiply-adds in {steps:,} {said}, past the "
            f"limit of {TRUNCATE_BUDGET:.2e} (about a quarter of an hour); use a smaller K, a "
            "smaller --hidden, shorter sentences or fewer --steps"
        )
    mode, traced = update_every or "chunk", traced_steps(steps, trace_every)
    first = 1 if loss == "every" else min(lengths)  # the first loss of any sentence
    work = max(scheme_work(c, hidden, buckets, scheme, steps, mode, first, traced) for c in cells)
    if work <= WORK_BUDGET:
        return
    T = max(lengths)
    rerun = sum(window_positions(scheme, T, [T]))
    fix = (
        f"a larger K1 or a smaller K2 (now {scheme.k1}:{scheme.k2})"
        if scheme.kind == "tbptt"
        else "a smaller --hidden or shorter sentences"
    )
    swept = max(scheme_work(c, hidden, buckets, scheme, steps, "sequence", first) for c in cells)
    if mode == "chunk" and swept <= WORK_BUDGET:
        fix += ", or --update-every sequence (the windows swept back together)"
    raise InputError(
        f"{scheme.flag()} would run its windows over {rerun:,} time steps a step where the "
        f"longest sentence has {T:,}: about {work:.2e} units of work in {steps:,} {said}, past "
        f"the limit of {WORK_BUDGET:.2e} (about a quarter of an hour); use {fix}, or fewer "
        "--steps"
    )
