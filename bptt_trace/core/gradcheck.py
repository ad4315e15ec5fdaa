"""``--check``: BPTT gradients against central finite differences of the loss, in float64.

    n(ε) = (L(θ − 2ε) − L(θ + 2ε) + 8·(L(θ + ε) − L(θ − ε))) / 12ε

(the five-point central stencil, error of order ε⁴) for every entry of a parameter, or a
random sample of ``MAX_ENTRIES`` entries of a larger one. An entry's error at a step ε is

    max(|g − n| − noise(ε), 0) / max(|g| + |n| + noise(ε), FLOOR),   noise(ε) = ROUNDING·σ/ε

σ being the rounding error of one L(θ): at least u·S (u float64's machine epsilon, S = L +
(1/B)·Σ max|oₜ| over the outputs, the size of the numbers the loss is made of), and more where
the network amplifies its own rounding (saturated units beside amplifying ones, at large
weights), which ``loss_noise`` measures for each parameter. Whenever n is within noise(ε) of the
exact derivative, the error is at most g's own relative distance from it: a gradient within
TOLERANCE of the exact one never fails.

The steps ``STEPS`` are tried from the largest until one agrees (error ≤ TOLERANCE): a large
step misjudges a loss that curves sharply (large weights), a small one magnifies rounding.
The ``FINER`` steps follow only while the last two differences disagree beyond their noise,
so that an entry of a smooth loss that disagrees at every step of ``STEPS`` fails there.
A step whose stencil crosses a kink of the activation (a ReLU pre-activation of any unit at any
time step changes side between the stencil's points) is not used; an entry whose every step
crosses one, or whose loss leaves the floats at a stencil point, is skipped and counted, not
compared. The entry's error is the smallest over the steps used.

With truncation the truncated gradient is not the gradient of L: the full BPTT gradient is
checked, and the truncated one's distance from it is reported as the truncation error.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import interrupt
from .batch import Batch
from .cells.declaration import Cell, Params
from .corpus import Corpus, corpus_forward
from .corpus import corpus_backward as backward  # BPTT over the corpus' buckets
from .loss_noise import NOISE_SEED, Probe, loss_size, measured_noise, probe
from .norms import norm
from .truncation import Scheme
from .windowed import scheme_gradients

STEPS = (1e-3, 1e-4, 1e-5, 1e-6)
FINER = (1e-7, 1e-8)
TOLERANCE = 1e-6
MAX_ENTRIES = 200
FLOOR = 1e-6
ROUNDING = 10.0
"""noise(ε) = ROUNDING·σ/ε: 200 times the largest rounding error measured over random RNNs
(σ = u·S there); 3.6 times the largest, 2.8·σ/ε, over 262 differences of the saturated network
of issue 25 (σ measured, 700 to 1000 times u·S) at ε = 1e-7 and 1e-8, against mpmath."""


@dataclass(frozen=True)
class CheckResult:
    checked: dict[str, int]
    total: dict[str, int]
    max_error: dict[str, float]
    skipped: dict[str, int]
    truncation_error: dict[str, float] | None
    raw_error: dict[str, float]
    """The largest |g − n| / max(|g| + |n|, FLOOR) of the entries, without the noise: how far
    apart the numbers are, rounding included (``max_error`` leaves the rounding out)."""

    @property
    def passed(self) -> bool:
        return all(err <= TOLERANCE for err in self.max_error.values())


def raw_error(g: float, n: float) -> float:
    """|g − n| relative, rounding and all: ``relative_error`` without its noise."""
    return abs(g - n) / max(abs(g) + abs(n), FLOOR)


def relative_error(g: float, n: float, noise: float) -> float:
    """|g − n| less the differences' own error ``noise``, relative: whenever n is within
    ``noise`` of the exact derivative d, this is at most |g − d| / max(|g| + |d|, FLOOR), so
    that a gradient within TOLERANCE of the exact one never fails."""
    return max(abs(g - n) - noise, 0.0) / max(abs(g) + abs(n) + noise, FLOOR)


def entry_error(
    cell: Cell,
    p: Params,
    batch: Corpus,
    centre: Probe,
    sigma: float,
    name: str,
    idx: tuple,
    g: float,
) -> tuple[float, float] | None:
    """The smallest error of entry ``idx`` of ``name`` over the steps that cross no kink
    (stopping at the first that agrees), with the raw error at that step; None when every step
    crosses one. Past STEPS, the
    FINER steps are tried while the last two differences disagree by more than their noise
    (the loss curves too sharply for the steps so far)."""

    def at(delta: float) -> Probe:
        moved = dict(p)
        moved[name] = p[name].copy()
        moved[name][idx] += delta
        return probe(cell, moved, batch)

    best: tuple[float, float] | None = None
    used: list[tuple[float, float]] = []  # the differences so far, each with its noise
    for eps in STEPS + FINER:
        if eps in FINER and not unsettled(used):
            break
        interrupt.poll(0)  # four losses of the whole corpus: a stop may be due
        points = [at(k * eps) for k in (-2, -1, 1, 2)]
        if not all(math.isfinite(q.loss) for q in points):
            continue
        if centre.sides is not None and any(
            not np.array_equal(q.sides, centre.sides) for q in points
        ):
            continue  # the stencil crosses a kink: no derivative to compare with
        far, near = points[0].loss - points[3].loss, points[2].loss - points[1].loss
        numeric = (far + 8 * near) / (12 * eps)
        noise = ROUNDING * sigma / eps
        used.append((numeric, noise))
        error = (relative_error(g, numeric, noise), raw_error(g, numeric))
        best = error if best is None else min(best, error)
        if best[0] <= TOLERANCE:
            break
    return best


def unsettled(used: list[tuple[float, float]]) -> bool:
    """Whether the last two differences (each with its noise) disagree beyond their noise:
    the larger step's truncation error still shows."""
    if len(used) < 2:
        return False
    (before, before_noise), (last, last_noise) = used[-2:]
    return abs(last - before) > before_noise + last_noise


@interrupt.phased("gradcheck")
def check_gradients(
    cell: Cell,
    p: Params,
    sentences: Batch | Corpus,
    scheme: Scheme | None,
    rng: np.random.Generator,
) -> CheckResult:
    """Compare the full BPTT gradients with finite differences; report a truncation scheme's
    distance apart (its gradient at p, summed over its windows: it is the derivative of no
    loss, so finite differences cannot check it).
    Polls ``interrupt`` at every entry (its unit of work), step ε and loss of σ's measure."""
    batch = sentences if isinstance(sentences, Corpus) else Corpus.of(sentences)
    fw = corpus_forward(cell, p, batch)
    full = backward(cell, p, batch, fw, None).grads
    centre = probe(cell, p, batch)
    floor = np.finfo(float).eps * loss_size(p, batch, fw.h.parts, centre.loss)
    noise_rng = np.random.default_rng(NOISE_SEED)
    checked, total, max_error, skipped, raw = {}, {}, {}, {}, {}
    for name, value in p.items():
        indices = list(np.ndindex(value.shape))
        if len(indices) > MAX_ENTRIES:
            picks = rng.choice(len(indices), size=MAX_ENTRIES, replace=False)
            indices = [indices[i] for i in sorted(picks.tolist())]
        sigma = max(floor, measured_noise(cell, p, batch, centre, name, indices, noise_rng))
        errors = []
        for idx in indices:
            interrupt.poll()
            errors.append(
                entry_error(cell, p, batch, centre, sigma, name, idx, float(full[name][idx]))
            )
        compared = [e for e in errors if e is not None]
        checked[name], total[name] = len(compared), value.size
        skipped[name] = len(errors) - len(compared)
        max_error[name] = max((e for e, _ in compared), default=0.0)
        raw[name] = max((r for _, r in compared), default=0.0)
    truncation = None
    if scheme is not None:
        cut = scheme_gradients(cell, p, batch, scheme, fw)
        truncation = {name: distance(cut[name], full[name]) for name in p}
    return CheckResult(checked, total, max_error, skipped, truncation, raw)


def distance(truncated: np.ndarray, full: np.ndarray) -> float:
    """‖g_truncated − g‖ / ‖g‖ (over ‖g_truncated‖ when g = 0; 0 when both are)."""
    scale = norm(full) or norm(truncated)
    return norm(truncated - full) / scale if scale > 0 else 0.0
