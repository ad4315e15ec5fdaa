"""The catalogue of classic hand-written BPTT mistakes of the vanilla RNN, by stable identifier.

Each entry says what goes wrong, the equation as it should be and as the mistake has it, and
which switches of ``mistakes.Knobs`` make it. An entry with a number to find (K, C, n, which
step) lists its variants, some read off the user's gradients.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .mistakes import Context, Knobs, backprop
from .variants import (
    Variant,
    clipped,
    kept_choices,
    kept_words,
    ratio_counts,
    skipped,
    truncated,
)


@dataclass(frozen=True)
class Mistake:
    id: str
    explanation: str
    should: str
    variants: Callable[[Context, Mapping[str, np.ndarray]], list[Variant]]


def one(id_: str, implied: str, **knobs: Any) -> Callable[..., list[Variant]]:
    return lambda ctx, user: [Variant(id_, Knobs(**knobs), implied)]


def time_shift(ctx: Context, user: Mapping[str, np.ndarray]) -> list[Variant]:
    return [
        Variant(
            "derivative-time-shift",
            Knobs(derivative=way),
            f"∂L/∂aₜ = ∂L/∂hₜ ⊙ f′(a{sub})",
            {"shift": way},
        )
        for way, sub in (("before", "ₜ₋₁"), ("after", "ₜ₊₁"))
    ]


def kept_step(ctx: Context, user: Mapping[str, np.ndarray]) -> list[Variant]:
    """Each sentence's first step, or its own last (never a padded one: on a ragged corpus each
    sentence stops at its own T)."""
    return [
        Variant(
            "overwrite-not-accumulate",
            Knobs(kept_step=which),
            f"∂L/∂W, ∂L/∂Wʰ, ∂L/∂b = {kept_words(ctx.batch.lengths, which)} contribution only",
            {"kept_step": which},
        )
        for which in kept_choices(ctx.batch.lengths)
    ]


def skipped_step(which: str) -> Callable[[Context, Mapping[str, np.ndarray]], list[Variant]]:
    return lambda ctx, user: skipped(ctx.batch.lengths, ctx.batch.out, which, Knobs)


FIRST_STEP = (
    "the first time step's contributions are missing (does your loop stop at t = 2?)",
    "∂L/∂θ = Σₜ (time step t's contribution), t = T down to 1",
)
LAST_STEP = (
    "the last time step's contributions are missing (does your loop start at t = T − 1?)",
    "∂L/∂θ = Σₜ (time step t's contribution), t = T down to 1",
)


def runs(ctx: Context, user: Mapping[str, np.ndarray]) -> list[Variant]:
    """n from the user's numbers: how many times ∂L/∂b (cell) is the right one, at least 2."""
    reference = backprop(ctx, Knobs()).grads
    return [
        Variant(
            "not-reset",
            Knobs(runs=n),
            f"∂L/∂W, ∂L/∂Wʰ, ∂L/∂b = {n} × their sum over t (carried over {n} runs)",
            {"runs": n},
        )
        for n in ratio_counts(user, reference, ("W", "W_h", "b"))
    ]


def truncation(ctx: Context, user: Mapping[str, np.ndarray]) -> list[Variant]:
    return truncated(ctx.batch.T, Knobs)


def clip(ctx: Context, user: Mapping[str, np.ndarray]) -> list[Variant]:
    return [v for v in clipped(ctx.p, user, Knobs) if v.id.startswith("elementwise")]


def norm_clip(ctx: Context, user: Mapping[str, np.ndarray]) -> list[Variant]:
    return [v for v in clipped(ctx.p, user, Knobs) if v.id.startswith("norm")]


NORM_CLIP = (
    "the gradients are clipped by their global norm (torch.nn.utils.clip_grad_norm_): "
    "compare them before clipping"
)


def zero_biases(ctx: Context, user: Mapping[str, np.ndarray]) -> list[Variant]:
    return [
        Variant(
            "bias-gradient-missing",
            Knobs(zero_grads=names),
            " and ".join(f"∂L/∂{n} = 0" for n in names),
            {"missing": list(names)},
        )
        for names in (("b",), ("b_output",), ("b", "b_output"))
    ]


CATALOGUE: tuple[Mistake, ...] = (
    Mistake(
        "missing-dh-next",
        "the flow from time step t+1 is left out of ∂L/∂hₜ",
        "∂L/∂hₜ = (ŷₜ − yₜ)·Vᵀ + ∂L/∂aₜ₊₁·Wʰᵀ",
        one("missing-dh-next", "∂L/∂hₜ = (ŷₜ − yₜ)·Vᵀ (from the output only)", from_next=False),
    ),
    Mistake(
        "h-t-for-h-prev",
        "hₜ stands where hₜ₋₁ belongs in the contribution to ∂L/∂Wʰ",
        "∂L/∂Wʰ += hₜ₋₁ᵀ·∂L/∂aₜ",
        one("h-t-for-h-prev", "∂L/∂Wʰ += hₜᵀ·∂L/∂aₜ", h_in_dW_h="current"),
    ),
    Mistake(
        "derivative-time-shift",
        "f′ is taken at the step before or after t",
        "∂L/∂aₜ = ∂L/∂hₜ ⊙ f′(aₜ)",
        time_shift,
    ),
    Mistake(
        "derivative-missing",
        "the derivative of f is left out",
        "∂L/∂aₜ = ∂L/∂hₜ ⊙ f′(aₜ)",
        one("derivative-missing", "∂L/∂aₜ = ∂L/∂hₜ", derivative="missing"),
    ),
    Mistake(
        "derivative-of-pre-activation",
        "f′ is written in hₜ but computed from aₜ (for tanh: 1 − aₜ² instead of 1 − hₜ²)",
        "∂L/∂aₜ = ∂L/∂hₜ ⊙ f′(aₜ), in hₜ",
        one(
            "derivative-of-pre-activation",
            "f′ evaluated with aₜ in place of hₜ",
            derivative="pre-activation",
        ),
    ),
    Mistake(
        "derivative-applied-twice",
        "f′ multiplies ∂L/∂hₜ twice",
        "∂L/∂aₜ = ∂L/∂hₜ ⊙ f′(aₜ)",
        one("derivative-applied-twice", "∂L/∂aₜ = ∂L/∂hₜ ⊙ f′(aₜ) ⊙ f′(aₜ)", derivative="twice"),
    ),
    Mistake(
        "overwrite-not-accumulate",
        "'=' where '+=' belongs: a cell gradient keeps only one step's contribution "
        "(of each sentence: its first or its own last)",
        "∂L/∂θ = Σₜ (time step t's contribution)",
        kept_step,
    ),
    Mistake("first-step-missing", *FIRST_STEP, skipped_step("first")),
    Mistake("last-step-missing", *LAST_STEP, skipped_step("last")),
    Mistake(
        "not-reset",
        "the cell's gradient accumulators are not reset between runs: "
        "they hold the gradient of n runs",
        "∂L/∂θ ← 0 before each run",
        runs,
    ),
    Mistake(
        "transposed-recurrence",
        "the flow to time step t−1 goes through Wʰ, not Wʰᵀ",
        "∂L/∂hₜ₋₁ = ∂L/∂aₜ·Wʰᵀ",
        one("transposed-recurrence", "∂L/∂hₜ₋₁ = ∂L/∂aₜ·Wʰ", recurrence_transposed=False),
    ),
    Mistake(
        "initial-state-wrap",
        "hₜ₋₁ at t = 1 is read as h_T (index t − 1 = −1 wraps around)",
        "∂L/∂Wʰ += h₀ᵀ·∂L/∂a₁ = 0 at t = 1",
        one("initial-state-wrap", "∂L/∂Wʰ += h_Tᵀ·∂L/∂a₁ at t = 1", h_in_dW_h="wrap"),
    ),
    Mistake(
        "softmax-missing-minus-one",
        "the − 1 at the target is left out of the softmax gradient",
        "∂L/∂oₜ = ŷₜ − yₜ",
        one("softmax-missing-minus-one", "∂L/∂oₜ = ŷₜ", minus_one=False),
    ),
    Mistake(
        "sign-flipped",
        "the gradient entering the recurrence from the output has the "
        "wrong sign (∂L/∂V and ∂L/∂b_output have the right one)",
        "∂L/∂hₜ from the output = (ŷₜ − yₜ)·Vᵀ",
        one("sign-flipped", "∂L/∂hₜ from the output = (yₜ − ŷₜ)·Vᵀ", output_sign=-1.0),
    ),
    Mistake(
        "truncated-K",
        "truncated BPTT: each loss flows back through at most K time steps",
        "full BPTT: each loss flows back to t = 1",
        truncation,
    ),
    Mistake(
        "elementwise-clip-C",
        "every entry of the gradients is clipped to [−C, C]",
        "the gradients unclipped",
        clip,
    ),
    Mistake("norm-clip-C", NORM_CLIP, "the gradients unclipped", norm_clip),
    Mistake(
        "bias-gradient-missing",
        "a bias gradient is left at zero",
        "∂L/∂b = Σₜ ∂L/∂aₜ, ∂L/∂b_output = Σₜ (ŷₜ − yₜ)",
        zero_biases,
    ),
    Mistake(
        "padding-leak",
        "shorter sentences run on through their padding (xₜ = 0) and "
        "their outputs are read there (the last one at T)",
        "a sentence stops at its last token",
        one("padding-leak", "padded steps contribute", padding_leak=True),
    ),
)

BY_ID: dict[str, Mistake] = {mistake.id: mistake for mistake in CATALOGUE}
