"""The loss that ``--check`` differentiates, and how much rounding it carries.

``probe`` is L(θ) at a point, bucket by bucket as ``bptt.loss_only`` computes it, with the side
of its kinks each unit is on at every real time step (so that a finite difference whose stencil
crosses one can be told). σ, the rounding error of one L(θ), is at least u·S (``loss_size``: S
= L + (1/B)·Σ max|oₜ| over the outputs, the size of the numbers L is made of), and more where
the network amplifies its own rounding (saturated units beside amplifying ones, at large
weights): ``measured_noise`` measures it, for the entries of one parameter, by Moré and Wild's
ECnoise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import interrupt
from .batch import output_chunks
from .cells.declaration import Cell, Params
from .corpus import Corpus, corpus_forward
from .output import dims, log_softmax, logits

NOISE_STEP = 1e-10
NOISE_POINTS = 12
NOISE_ORDERS = (4, 5, 6)
NOISE_DIRECTIONS = 2
NOISE_SEED = 0
"""The seed of the random directions along which σ is measured."""


@dataclass(frozen=True)
class Probe:
    """The loss at a point, and which side of its kinks every unit is on (None: no kinks)."""

    loss: float
    sides: np.ndarray | None


def probe(cell: Cell, p: Params, corpus: Corpus) -> Probe:
    """L(θ) (as ``bptt.loss_only``, bucket by bucket) and the kink sides of the real time
    steps."""
    fw = corpus_forward(cell, p, corpus)
    total, sides = 0.0, []
    for batch, h, kept in zip(corpus.batches, fw.h.parts, fw.cache.parts, strict=True):
        for s, t in output_chunks(batch, dims(p)["V"]):
            log_y_hat = log_softmax(logits(p, h[s, t]))
            total -= log_y_hat[np.arange(s.size), batch.y[s, t]].sum()
        sides.append(cell.kink_sides(kept[batch.mask]))
    kinks = None if sides[0] is None else np.concatenate(sides)
    return Probe(float(total / corpus.size), kinks)


def loss_size(p: Params, corpus: Corpus, h: list[np.ndarray], loss: float) -> float:
    """S = L + (1/B)·Σ max|oₜ|: the size of the numbers that L is computed from."""
    largest = sum(
        float(np.abs(logits(p, states[s, t])).max(axis=1).sum())
        for batch, states in zip(corpus.batches, h, strict=True)
        for s, t in output_chunks(batch, dims(p)["V"])
    )
    return abs(loss) + largest / corpus.size


def measured_noise(
    cell: Cell,
    p: Params,
    batch: Corpus,
    centre: Probe,
    name: str,
    indices: list[tuple],
    rng: np.random.Generator,
) -> float:
    """σ, the rounding error of L(θ) as the checked entries of ``name`` move (0 when no move
    could be measured). Moré and Wild's ECnoise: L at NOISE_POINTS points NOISE_STEP apart
    along a random ±1 direction of those entries. Each point moves the pre-activations by
    thousands of units in their last place, so that its rounding is new, and by so little that
    L's own k-th derivative times NOISE_STEPᵏ is far below it: the k-th differences Δᵏ are
    rounding alone, and σ² = (k!)²/(2k)!·mean((Δᵏ)²). The largest over the orders NOISE_ORDERS
    and NOISE_DIRECTIONS directions; one that crosses a kink or leaves the floats is not used.
    Rounding grows along the time steps where the network amplifies (large weights, units
    between saturation and the linear range): there it is a thousand times u·L."""
    where = tuple(np.array(indices).T)
    largest = 0.0
    for _ in range(NOISE_DIRECTIONS):
        signs = rng.choice([-1.0, 1.0], size=len(indices))
        losses = []
        for k in range(NOISE_POINTS):
            interrupt.poll(0)  # a loss of the whole corpus: a stop may be due
            moved = p[name].copy()
            moved[where] += (k * NOISE_STEP) * signs
            q = probe(cell, {**p, name: moved}, batch)
            if centre.sides is not None and not np.array_equal(q.sides, centre.sides):
                break
            losses.append(q.loss)
        if len(losses) < NOISE_POINTS or not all(map(math.isfinite, losses)):
            continue
        for order in NOISE_ORDERS:
            d = np.diff(np.array(losses), order)
            share = math.factorial(order) ** 2 / math.factorial(2 * order)
            largest = max(largest, math.sqrt(share * float(np.mean(d * d))))
    return largest
