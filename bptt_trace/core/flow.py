"""How the gradient flows across time: the blame matrix, per-loss gradients, Jacobian norms.

For one sentence, with the gradient of each loss Lₛ followed back on its own:

    ∂Lₛ/∂hₛ   = (ŷₛ − yₛ)·Vᵀ
    ∂Lₛ/∂hₖ₋₁ = (∂Lₛ/∂hₖ ⊙ f′(aₖ))·Wʰᵀ          for k = s … 2 (at most K steps with --truncate)
    blame[s, k] = ‖∂Lₛ/∂hₖ‖₂

and, for the vanishing/exploding diagnosis, the Jacobians of h_T with respect to earlier states:

    ∂hⱼ/∂hⱼ₋₁ = diag(f′(aⱼ))·Wʰᵀ,   ∂h_T/∂hₖ = ∂h_T/∂h_{T−1} ⋯ ∂hₖ₊₁/∂hₖ

whose spectral norms (largest singular values) say how much of a gradient at h_T reaches hₖ.
These are computed only for traced steps, per sentence, and are the sentence's own losses
(not divided by the number of sentences).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .batch import Batch
from .bptt import Forward
from .output import log_softmax, logits
from .params import Params

MAX_LOSSES = 64
"""At most this many losses (the last ones) get a blame row, so long sentences stay cheap."""

HORIZON = 256
"""Each loss, and h_T for the Jacobians, is followed back at most this many steps."""

VANISHING = 1e-2
EXPLODING = 1e2
"""‖∂h_T/∂h₁‖ below VANISHING is called vanishing, above EXPLODING exploding."""


@dataclass(frozen=True)
class LossFlow:
    """One sentence's losses followed back separately.

    losses: (S,) the time steps s that have a loss
    blame:  (S, T) ‖∂Lₛ/∂hₖ‖, zero for k > s and past the truncation
    grads:  per parameter, (S, *shape): the gradient of each Lₛ alone
    """

    losses: np.ndarray
    blame: np.ndarray
    grads: dict[str, np.ndarray]


def loss_flow(
    p: Params,
    batch: Batch,
    fw: Forward,
    f_prime: np.ndarray,
    sentence: int,
    truncate: int | None,
    with_grads: bool,
) -> LossFlow:
    """Follow the gradient of each loss of ``sentence`` back on its own."""
    T = int(batch.mask[sentence].sum())
    x = batch.x[sentence, :T]
    h = fw.h[sentence]
    steps = np.flatnonzero(batch.out[sentence, :T]) + 1
    steps = steps[-MAX_LOSSES:]
    K = T if truncate is None else min(truncate, T)
    blame = np.zeros((steps.size, T))
    grads = {}
    if with_grads:
        grads = {
            "W": np.zeros((steps.size, *p.W.shape)),
            "W_h": np.zeros((steps.size, *p.W_h.shape)),
            "b": np.zeros((steps.size, *p.b.shape)),
            "V": np.zeros((steps.size, *p.V.shape)),
            "b_output": np.zeros((steps.size, *p.b_output.shape)),
        }
    # every loss at once: row r of dh is ∂L_{steps[r]}/∂hₖ as k walks back from T
    y_hat = np.exp(log_softmax(logits(p, h[steps])))
    do = y_hat
    do[np.arange(steps.size), batch.y[sentence, steps - 1]] -= 1.0  # ∂Lₛ/∂oₛ = ŷₛ − yₛ
    if with_grads:
        grads["V"][:] = h[steps][:, :, None] * do[:, None, :]  # hₛᵀ(ŷₛ − yₛ)
        grads["b_output"][:] = do
    start = do @ p.V.T  # ∂Lₛ/∂hₛ, entering the flow at k = s
    dh = np.zeros((steps.size, p.hidden))
    reach = np.maximum(steps - min(K, HORIZON), 0)  # loss s reaches back to k = reach + 1
    # The losses are in time order, so at each k the rows still flowing are a range: from the
    # first loss with s ≥ k (the others have not entered) to the first one with reach ≥ k
    # (that one and the later ones were cut by the truncation or the horizon).
    ks = np.arange(T, 0, -1)
    entered, cut = np.searchsorted(steps, ks), np.searchsorted(reach, ks)
    for k, a, c in zip(ks.tolist(), entered.tolist(), cut.tolist(), strict=True):
        if a < steps.size and steps[a] == k:
            dh[a] = start[a]  # Lₖ enters the flow at hₖ
        if a >= c:
            continue
        blame[a:c, k - 1] = np.sqrt(np.einsum("ij,ij->i", dh[a:c], dh[a:c]))  # ‖∂Lₛ/∂hₖ‖
        da = dh[a:c] * f_prime[sentence, k]  # backprop through f
        if with_grads:
            grads["W"][a:c, x[k - 1]] += da
            grads["W_h"][a:c] += h[k - 1][None, :, None] * da[:, None, :]
            grads["b"][a:c] += da
        dh[a:c] = da @ p.W_h.T  # backprop through W_h to h_{k-1}
    return LossFlow(losses=steps, blame=blame, grads=grads)


@dataclass(frozen=True)
class Diagnosis:
    """jacobian_norms[k - first] = ‖∂h_T/∂hₖ‖₂ for k = first … T (first = 1 unless T is
    longer than HORIZON); Wʰ's largest singular value and spectral radius; the verdict and the
    number behind it (‖∂h_T/∂h_first‖)."""

    first: int
    jacobian_norms: np.ndarray
    sigma_max: float
    spectral_radius: float
    verdict: str
    end_to_end: float
    rate: float


def spectrum(W_h: np.ndarray) -> tuple[float, float]:
    """Wʰ's largest singular value and its spectral radius (largest |eigenvalue|)."""
    return float(np.linalg.norm(W_h, 2)), float(np.max(np.abs(np.linalg.eigvals(W_h))))


def diagnose(
    p: Params, f_prime_row: np.ndarray, T: int, W_h_spectrum: tuple[float, float] | None = None
) -> Diagnosis:
    """Vanishing, exploding or stable: from the product of the Jacobians diag(f′(aⱼ))·Wʰᵀ.

    ``W_h_spectrum`` is ``spectrum(p.W_h)`` when the caller has it already (one per step).
    """
    H = p.hidden
    first = max(1, T - HORIZON + 1)
    n = T - first + 1
    jacobians = np.empty((n, H, H))  # jacobians[k - first] = ∂h_T/∂hₖ
    jacobians[n - 1] = np.eye(H)  # ∂h_T/∂h_T
    W_h_T = np.ascontiguousarray(p.W_h.T)
    for k in range(T - 1, first - 1, -1):
        # ∂h_T/∂hₖ = ∂h_T/∂hₖ₊₁ · diag(f′(aₖ₊₁))·Wʰᵀ, the diagonal as a scaling of columns
        np.matmul(jacobians[k - first + 1] * f_prime_row[k + 1], W_h_T, out=jacobians[k - first])
    # ‖J‖₂ = √λ_max(J·Jᵀ): one batched symmetric eigenvalue call instead of T SVDs; the
    # last is ∂h_T/∂h_T = I, of norm 1
    gram = jacobians[:-1] @ jacobians[:-1].transpose(0, 2, 1)
    norms = np.sqrt(np.maximum(np.linalg.eigvalsh(gram)[:, -1], 0.0))
    norms = np.append(norms, 1.0)
    end = float(norms[0])
    rate = end ** (1.0 / (n - 1)) if n > 1 and end > 0 else 1.0
    if n < 2:
        verdict = "stable"
    elif end < VANISHING:
        verdict = "vanishing"
    elif end > EXPLODING:
        verdict = "exploding"
    else:
        verdict = "stable"
    sigma_max, spectral_radius = W_h_spectrum or spectrum(p.W_h)
    return Diagnosis(
        first=first,
        jacobian_norms=norms,
        sigma_max=sigma_max,
        spectral_radius=spectral_radius,
        verdict=verdict,
        end_to_end=end,
        rate=float(rate),
    )
