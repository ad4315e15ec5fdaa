"""What a run holds in memory at its peak, estimated from its sizes before anything is made.

The peak is the first traced step: every bucket's forward and BPTT arrays at once, the
parameters and their copies, and the fixed-size chunks in which the rest is computed. Each
part in bytes (float64: 8 bytes an entry), with N tokens in buckets of P padded positions
(``corpus.buckets_of``), state width S, cache width C and delta width D (the cell's), H, and
the model's n parameters (the largest single one of n₁ entries):

    parameters   8 × (3·n + n_stacked + TEMPORARIES·n₁): θ, ∂L/∂θ and the new θ, held through
                 the traced step; the gated cells' gates side by side (``cell.prepare``: one
                 more copy of the cell's own parameters, n_stacked); and the temporaries of one
                 parameter at a time (a bucket's gradient added to the total, the summaries'
                 |θ|, partition and masks)
    forward      P × 8 × (S + C): the states and caches; with --check once more (the probes)
    backward     P × (8 × (H + S + D + 1) + 19): ∂L/∂hₜ from the output, ∂L/∂sₜ from t+1, the
                 deltas, ‖∂L/∂oₜ‖, the cut marks and the token arrays; with --truncate K the
                 ages of one bucket, n × K × (S + D) × 8 × 2; and the per-token values the
                 gradients are summed from, of one bucket, 8 × (C + D + 4·H) a token;
                 with --chunks K or --tbptt K1:K2 (a window of w = K or K2 steps) a window's
                 forward and backward pass, 8 × (2·S + C + H + D + 1) a position of w + 1
                 steps in every bucket, the latest state of every position (8 × S), and
                 16·n in the parameters (the step's summed gradient, the next θ)
    work         the chunks: logits and the tables' summaries (WORK_ARRAYS arrays of a chunk
                 of ``batch.CHUNK_ENTRIES`` entries, or of N × (|vocab| + S) if fewer); the
                 Jacobian norms of the longest sentence over m = min(T, ``horizon(S)``) steps:
                 exact (``exact_is_cheaper``), a chunk of up to ``EXACT_CHUNK`` entries of
                 products held EXACT_COPIES times (the products, their finite copy, the scaled
                 copy, J·Jᵀ and the eigenvalue solver's copy), or else the chains' vectors
                 (m × S and ``BLOCK`` × S, a few of each) and Lanczos' bidiagonal matrices; the
                 blame matrices (``flow.HORIZON`` and ``flow.MAX_LOSSES`` rows)

    python       RUN_OBJECTS: the Python objects of a traced step (its events, their dicts and
                 lists, the encoder's text) beyond the base, at any size

    events       with ``--detail full`` only: FULL_EVENT_BYTES × n, the update event's three
                 whole arrays of every parameter (θ, the step, the new θ) as Python lists and
                 JSON text (Python's objects: their memory stays the process's once used); and
                 in the work part, the larger of the above and the backward events of a block
                 of time steps (up to ``ROWS_AT_ONCE``): each step's outer products lᵀ·r whole
                 (those of the block before are still bound while a block's are made: up to
                 2 × ROWS_AT_ONCE steps' at once), with the running sums of the cell's
                 parameters and their copy (NumPy's arrays, made after the chunks and before
                 the Jacobian norms, and freed in between)
    tables       with ``--detail full`` when tables are shown (not ``--json`` alone): the
                 backward rows shown (SHOWN_STEPS of a sentence at most), each with every outer
                 product lᵀ·r and the running sums of the cell's parameters whole: those of one
                 sentence laid out at TABLE_ENTRY bytes an entry, and every sentence's kept
                 (8 bytes an entry) for the step's views

Set against the peak resident memory of real runs (``benchmarks/estimate.py``: every cell,
both details, H from 64 to 5,000, T from 3 to 300, a corpus), the base of Python, NumPy and
the package (about 54 MiB) plus this estimate is within 1× to 1.5× of the measured peak.
"""

from __future__ import annotations

import math

import numpy as np

from .batch import CHUNK_ENTRIES
from .cells.declaration import Cell, Outer
from .chain_norms import BLOCK, MAX_ITERATIONS
from .corpus import SMALL_BUCKET, buckets_of
from .flow import HORIZON, MAX_LOSSES
from .jacobians import EXACT_CHUNK, exact_is_cheaper, horizon
from .model import declared

TEMPORARIES = 3
"""Arrays of one parameter's size made and dropped during the traced step (measured: the
vanilla RNN at H = 1,000 to 5,000, where Wʰ is nearly all of θ, peaks at 5.2 to 5.9 times
the parameters' bytes: θ, ∂L/∂θ, the new θ, and about three more of Wʰ)."""

EXACT_COPIES = 5
"""The exact Jacobian norms hold a chunk of products about five times (see above)."""

LIST_ENTRY = 32
"""A float in a Python list: the float object (24 bytes) and its pointer (8)."""

JSON_ENTRY = 26
"""A float64 as JSON text: up to 24 characters ("-1.2345678901234567e-05") and ", "."""

FULL_EVENT_BYTES = 3 * (LIST_ENTRY + 2 * JSON_ENTRY)
"""The update event under ``--detail full``: three whole arrays a parameter (θ, the step
applied, the new θ), each as a Python list, its JSON text and that text's encoded copy
(252 bytes a parameter; measured 230 to 235 beyond the parameters' copies)."""

ROWS_AT_ONCE = 256
"""``trace.summary.ROWS_AT_ONCE``: the time steps of one block of backward events."""

RUN_OBJECTS = 6 << 20
"""Measured: a traced step of a small model (H = 64, three words) peaks 1 to 2 MiB above the
base of a run at H = 1 beyond its arrays (its events as Python objects and text, the
allocators' arenas); three times that, as the base itself varies by about a MiB."""

SHOWN_STEPS = 12
"""``rendering.groups.GROUP_EDGE`` × 2: the backward rows a table shows of each sentence."""

TABLE_ENTRY = 500
"""Measured: under ``--detail full`` the tables hold about 450 bytes for each entry of the
backward rows they show (each row's lᵀ·r and running sums whole: the RNN at H = 128 and 256,
the LSTM at H = 128, T = 3 to 20) while a sentence's table is laid out as Rich text."""

TIED_ARRAYS = 4
"""A traced step's summaries of outer products lᵀ·r whose entries tie (all zero: the time
steps no loss's flow reaches under --truncate, --chunks or --tbptt) look at every entry, a
group of CHUNK_ENTRIES candidates at a time: four arrays of a group at once (measured 31 MB
at H = 256 under --truncate 35 and --chunks 35 on 300 words, --loss last)."""

OUTER_SHOWN = 1024
"""An H × H outer product of more entries is summarised at --detail auto
(``trace.summary.MATRIX_MAX``)."""

WORK_ARRAYS = 5
"""The logits of a chunk, their exponentials, ŷ, ∂L/∂o and a summary's temporary: five arrays
of a chunk's size at once (ten over-estimated a corpus of 2,000 tokens 1.5 times)."""


def run_bytes(
    cell: Cell,
    vocab_size: int,
    hidden: int,
    lengths: list[int],
    truncate: int | None = None,
    check: bool = False,
    detail: str = "auto",
    tables: bool = False,
    window: int | None = None,
) -> dict[str, int]:
    """The estimate by part, in bytes: parameters, forward, backward, work, python, and with
    ``detail`` "full" the events, and the tables when they are shown (``tables``; see
    above). ``window``: the most time steps a window of --chunks K (K) or --tbptt K1:K2 (K2)
    runs (``windowed``), which adds a window's own forward and backward pass, the latest
    state of every position, and two more copies of θ (the step's summed gradient, the next
    θ beside the window's)."""
    S, C, D, H = (
        cell.state_width(hidden),
        cell.cache_width(hidden),
        cell.delta_width(hidden),
        hidden,
    )
    sizes = np.array(lengths, dtype=np.intp)
    buckets = buckets_of(sizes, SMALL_BUCKET)
    longest = [int(sizes[b].max()) for b in buckets]
    positions = sum(b.size * (T + 1) for b, T in zip(buckets, longest, strict=True))
    bucket_tokens = max(int(sizes[b].sum()) for b in buckets)
    ages = (
        max(b.size * min(truncate, T) for b, T in zip(buckets, longest, strict=True))
        if truncate is not None
        else 0
    )
    T, N = max(longest), int(sizes.sum())
    dims = {"V": vocab_size, "H": hidden}
    entries = {spec.name: math.prod(spec.shape_in(dims)) for spec in declared(cell)}
    count = sum(entries.values())
    own = [spec for spec in cell.params]
    square = [spec for spec in own if spec.shape == ("H", "H")]
    stacked = sum(entries[spec.name] for spec in own) if len(square) > 1 else 0
    chunk = min(CHUNK_ENTRIES, N * (vocab_size + S))
    work = 8 * (WORK_ARRAYS * chunk + jacobian_entries(S, T) + 4 * HORIZON * S + 2 * MAX_LOSSES * T)
    summarised = detail == "summary" or (detail == "auto" and H * H > OUTER_SHOWN)
    if (truncate is not None or window is not None) and summarised:
        work = max(work, 8 * (TIED_ARRAYS * CHUNK_ENTRIES + jacobian_entries(S, T)))
    parts = {
        "parameters": 8 * (3 * count + stacked + TEMPORARIES * max(entries.values())),
        "forward": (2 if check else 1) * positions * 8 * (S + C),
        "backward": positions * (8 * (H + S + D + 1) + 19)
        + ages * (S + D) * 16
        + bucket_tokens * 8 * (C + D + 4 * H),
        "work": work,
        "python": RUN_OBJECTS,
    }
    if window is not None:
        steps = sum(b.size * (min(window, T) + 1) for b, T in zip(buckets, longest, strict=True))
        parts["parameters"] += 16 * count
        parts["backward"] += steps * 8 * (2 * S + C + H + D + 1) + positions * 8 * S
    if detail == "full":
        outers = sum(entries[spec.name] for spec in own if isinstance(spec.grad, Outer))
        rows = min(T, 2 * ROWS_AT_ONCE)  # a block's products, and the last block's still bound
        block = rows * outers + 2 * sum(entries[spec.name] for spec in own)
        parts["work"] = max(work, 8 * block)  # made one after the other
        parts["events"] = FULL_EVENT_BYTES * count
        if tables:
            shown = np.minimum(sizes, SHOWN_STEPS)  # the backward rows shown of each sentence
            row = outers + sum(entries[spec.name] for spec in own)
            parts["tables"] = (TABLE_ENTRY * int(shown.max()) + 8 * int(shown.sum())) * row
    return parts


def jacobian_entries(S: int, T: int) -> int:
    """What the Jacobian norms of a sentence of T steps hold at once, in float64 entries."""
    m = min(T, horizon(S))
    if exact_is_cheaper(S, m):
        products = min(max(m - 1, 1), max(1, EXACT_CHUNK // (S * S)))
        return EXACT_COPIES * products * S * S + 2 * S * S
    return 4 * (m + BLOCK) * S + 3 * m * MAX_ITERATIONS * MAX_ITERATIONS
