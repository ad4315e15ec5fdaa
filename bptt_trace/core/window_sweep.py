"""A windowed scheme's backward pass at FIXED parameters, every window in one sweep back.

At fixed p a window's states are the forward pass's (it runs from the state the forward pass
has at its start − 1), so its backward pass is BPTT over its own time steps, of its own
losses only, from its end back to its start. Running the windows one after another costs a
Python loop over K2 time steps for each of T/K1 windows; here the windows that cover time
step k are one array (window, sentence, state), taken back together, one step at a time:

    ∂L_w/∂sₖ = (from step k+1 inside window w) + (∂Lₖ/∂hₖ if loss k is one of w's)
    delta_w,k = the cell's delta of ∂L_w/∂sₖ,   ∂L_w/∂sₖ₋₁ = to_previous(delta_w,k)  (k > start_w)

and the per-time-step arrays are the sums over the windows, as the tables show them. The
windows covering k are a range (their starts and ends rise together), at most ``most_windows``
of them, held in that many slots: the memory of one window per slot, not of every window.
Every loss lies in exactly one window, so the outputs (L, ∂L/∂oₜ, ∂L/∂V, ∂L/∂b_output) are
full BPTT's; the cell's gradient is linear in the deltas, so the sum of the windows' is the
gradient of the summed deltas.
"""

from __future__ import annotations

import numpy as np

from . import interrupt
from .batch import Batch
from .bptt import Backward, Forward, cell_gradients, outputs
from .cells.declaration import Cell, Params
from .output import dims
from .truncation import Scheme, scheme_bounds


def most_windows(starts: np.ndarray, ends: np.ndarray, T: int) -> int:
    """The most windows covering one time step of 1 … T (1 if none), from the windows' starts
    and ends (``truncation.scheme_bounds``), each nondecreasing in the order they run."""
    ks = np.arange(1, T + 1)
    covering = np.searchsorted(starts, ks, side="right") - np.searchsorted(ends, ks)
    return max(1, int(covering.max(initial=1)))


def windows_backward(
    cell: Cell,
    p: Params,
    batch: Batch,
    fw: Forward,
    scheme: Scheme,
    axis: int,
    sentences: int,
    record: bool = True,
) -> Backward:
    """The summed ``Backward`` of the scheme's windows over a time axis of ``axis`` steps
    (each loss of ``batch`` in exactly one of them: window w's are those after window w−1's
    end up to its own) over one padded
    ``batch`` and its forward pass ``fw`` at p, with the 1/``sentences`` of the corpus's mean.
    ``cut`` is all False: the flows stop at the windows' starts."""
    q, H = cell.prepare(p), dims(p)["H"]
    sentence_loss, dh_from_output, output_grads, do_norm = outputs(p, batch, fw, record, sentences)
    B, T1 = batch.x.shape[0], batch.T + 1
    from_next = np.zeros((B, T1, fw.state.shape[2]))
    delta = np.zeros((B, T1, cell.delta_width(H)))
    starts, ends = scheme_bounds(scheme, axis)
    slots = most_windows(starts, ends, batch.T)
    ds = np.zeros((slots, B, fw.state.shape[2]))  # window w's ∂L_w/∂sₖ in slot w % slots
    ks = np.arange(batch.T + 1)
    first = np.searchsorted(ends, ks)  # the first window ending at k or later: loss k's
    stop = np.searchsorted(starts, ks, side="right")  # the windows starting at k or earlier
    entered = len(ends)  # windows from here on have entered the sweep (their slots in use)
    for k in range(batch.T, 0, -1):
        interrupt.poll()
        a, b = int(first[k]), int(stop[k])
        if a >= b:
            continue  # no window covers k
        if a < entered:  # windows a … entered − 1 enter at their ends: nothing from k+1 yet
            ds[np.arange(a, min(entered, b)) % slots] = 0.0
            entered = a
        where = np.arange(a, b) % slots
        flowing = ds[where]  # (windows, B, S): from step k+1 inside each window
        from_next[:, k] = flowing.sum(axis=0)
        flowing[0, :, :H] += dh_from_output[:, k]  # loss k is window a's
        each = cell.delta(q, flowing, fw.cache[:, k], fw.state[:, k])  # into the cell
        delta[:, k] = each.sum(axis=0)
        ds[where] = cell.to_previous(q, each, fw.cache[:, k])  # ... and on to sₖ₋₁
    return Backward(
        loss=float(sentence_loss.sum() * (1.0 / sentences)),
        sentence_loss=sentence_loss,
        grads={**cell_gradients(cell, q, batch, fw, delta, dims(p)["V"]), **output_grads},
        dh_from_output=dh_from_output,
        from_next=from_next,
        delta=delta,
        cut=np.zeros((B, T1), dtype=bool),
        do_norm=do_norm,
    )
