"""What a run holds in memory at its peak, estimated from its sizes before anything is made.

The peak is the first traced step: every bucket's forward and BPTT arrays at once, the
parameters and their copies, and the fixed-size chunks in which the rest is computed. Each
part in bytes (float64: 8 bytes an entry), with N tokens in buckets of P padded positions
(``corpus.buckets_of``), state width S, cache width C and delta width D (the cell's), H:

    parameters   PARAMETER_COPIES × 8 × (number of parameters): θ, ∂L/∂θ, the new θ, the
                 clipped step, the gated cells' stacked matrices, the events' summaries of
                 each and their temporaries
    forward      P × 8 × (S + C): the states and caches; with --check once more (the probes)
    backward     P × (8 × (H + S + D + 1) + 19): ∂L/∂hₜ from the output, ∂L/∂sₜ from t+1, the
                 deltas, ‖∂L/∂oₜ‖, the cut marks and the token arrays; with --truncate K the
                 ages of one bucket, n × K × (S + D) × 8 × 2; and the per-token values the
                 gradients are summed from, of one bucket, 8 × (C + D + 4·H) a token
    work         the chunks: logits and the tables' summaries (WORK_ARRAYS arrays of a chunk
                 of ``batch.CHUNK_ENTRIES`` entries, or of N × (|vocab| + S) if fewer), the
                 exact Jacobian norms (``jacobians.EXACT_CHUNK`` entries, or HORIZON × S² if
                 fewer, three times: the products, their scaled copy, J·Jᵀ), the chains of the
                 iterative norms and the blame matrices (``flow.HORIZON`` and
                 ``flow.MAX_LOSSES`` rows of the longest sentence)

    events       with ``--detail full`` only: FULL_EVENT_BYTES × (number of parameters), the
                 whole arrays of the update and gradient events as nested lists and JSON text

``benchmarks/estimate.py`` sets this against the peak resident memory of real runs.
"""

from __future__ import annotations

import numpy as np

from .batch import CHUNK_ENTRIES
from .cells.declaration import Cell
from .corpus import SMALL_BUCKET, buckets_of
from .flow import HORIZON, MAX_LOSSES
from .jacobians import EXACT_CHUNK
from .model import parameter_count

PARAMETER_COPIES = 14
"""Measured: the resident memory of a traced step grows by 12 to 13 times the parameters' bytes
at --hidden 1000 to 3000 (θ, ∂L/∂θ, the new θ, the stacked gates, the events' summaries and
their temporaries); one more for a margin."""

FULL_EVENT_BYTES = 320
"""Measured (BENCHMARKS.md, "The memory estimate by cell and detail"): ``--detail full`` adds
220 to 265 bytes a parameter to the peak (rnn, lstm, gru at H = 256 and 1,000, 3 and 30 steps:
the events' whole arrays as Python lists and JSON text); with a margin of 1.2."""

WORK_ARRAYS = 10
"""The logits of a chunk and the tables' summaries of a block of time steps: about ten arrays
of a chunk's size at once."""


def run_bytes(
    cell: Cell,
    vocab_size: int,
    hidden: int,
    lengths: list[int],
    truncate: int | None = None,
    check: bool = False,
    detail: str = "auto",
) -> dict[str, int]:
    """The estimate by part, in bytes: parameters, forward, backward, work, and with
    ``detail`` "full" the events (see above)."""
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
    chunk = min(CHUNK_ENTRIES, N * (vocab_size + S))
    jacobians = min(EXACT_CHUNK, min(T, HORIZON) * S * S)
    count = parameter_count(cell, vocab_size, hidden)
    events = {"events": FULL_EVENT_BYTES * count} if detail == "full" else {}
    return {
        "parameters": PARAMETER_COPIES * 8 * count,
        "forward": (2 if check else 1) * positions * 8 * (S + C),
        "backward": positions * (8 * (H + S + D + 1) + 19)
        + ages * (S + D) * 16
        + bucket_tokens * 8 * (C + D + 4 * H),
        "work": 8 * (WORK_ARRAYS * chunk + 3 * jacobians + 4 * HORIZON * S + 2 * MAX_LOSSES * T),
        **events,
    }
