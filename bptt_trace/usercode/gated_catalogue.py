"""The catalogue of classic hand-written BPTT mistakes of the LSTM and the GRU, by identifier:
those inside the cell (``gated_mistakes``), then those every cell can make (the output's
gradient, truncation, '=' for '+=', accumulators not reset, clipping, a bias left out)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from .catalogue import BY_ID, Mistake
from .gated_mistakes import GatedContext, GatedKnobs, gated_backprop
from .variants import (
    Variant,
    clipped,
    kept_choices,
    kept_words,
    ratio_counts,
    skipped,
    truncated,
)

INSIDE: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    "lstm": (
        (
            "cell-path-missing",
            "the cell path is left out: ∂L/∂cₜ₋₁ lacks fₜ ⊙ ∂L/∂cₜ",
            "∂L/∂cₜ = ∂L/∂cₜ₊₁ ⊙ fₜ₊₁ + ∂L/∂hₜ ⊙ oₜ ⊙ (1 − tanh²(cₜ))",
            "∂L/∂cₜ = ∂L/∂hₜ ⊙ oₜ ⊙ (1 − tanh²(cₜ)) (from hₜ only)",
        ),
        (
            "tanh-c-derivative-missing",
            "the derivative of tanh is left out on the way from hₜ to cₜ",
            "∂L/∂cₜ from hₜ = ∂L/∂hₜ ⊙ oₜ ⊙ (1 − tanh²(cₜ))",
            "∂L/∂cₜ from hₜ = ∂L/∂hₜ ⊙ oₜ",
        ),
        (
            "gate-derivative-missing",
            "σ′ is taken as 1 in the gates i, f, o",
            "∂L/∂a_i = ∂L/∂cₜ ⊙ gₜ ⊙ iₜ(1 − iₜ), and so for f and o",
            "∂L/∂a_i = ∂L/∂cₜ ⊙ gₜ, and so for f and o",
        ),
        (
            "hidden-path-missing",
            "nothing flows into hₜ₋₁ through the gates",
            "∂L/∂hₜ₋₁ = Σ_gates ∂L/∂a_gate·Wʰ_gateᵀ",
            "∂L/∂hₜ₋₁ = 0 (only the cell path carries the gradient back)",
        ),
        (
            "forget-gate-gradient-missing",
            "the forget gate gets no gradient",
            "∂L/∂a_f = ∂L/∂cₜ ⊙ cₜ₋₁ ⊙ fₜ(1 − fₜ)",
            "∂L/∂a_f = 0",
        ),
    ),
    "gru": (
        (
            "reset-path-missing",
            "no gradient goes through the reset gate rₜ",
            "∂L/∂a_r = ∂L/∂rₜ ⊙ rₜ(1 − rₜ)",
            "∂L/∂a_r = 0",
        ),
        (
            "update-gate-derivative-missing",
            "σ′ is left out of the update gate's gradient",
            "∂L/∂a_z = ∂L/∂hₜ ⊙ (hₜ₋₁ − h̃ₜ) ⊙ zₜ(1 − zₜ)",
            "∂L/∂a_z = ∂L/∂hₜ ⊙ (hₜ₋₁ − h̃ₜ)",
        ),
        (
            "gate-derivative-missing",
            "σ′ is taken as 1 in the gates z and r",
            "∂L/∂a_z = … ⊙ zₜ(1 − zₜ), ∂L/∂a_r = … ⊙ rₜ(1 − rₜ)",
            "∂L/∂a_z and ∂L/∂a_r without σ′",
        ),
        (
            "hidden-path-missing",
            "nothing flows into hₜ₋₁ through the gates' matrices",
            "∂L/∂hₜ₋₁ = ∂L/∂hₜ ⊙ zₜ + the flows through Wʰ_z, Wʰ_r and Wʰ_n",
            "∂L/∂hₜ₋₁ = ∂L/∂hₜ ⊙ zₜ",
        ),
    ),
}
"""(id, what goes wrong, the equation as it should be, as the mistake has it) per cell."""


def inside(id_: str, implied: str) -> Callable[..., list[Variant]]:
    return lambda ctx, user: [Variant(id_, GatedKnobs(cell_mistake=id_), implied)]


def truncation(ctx: GatedContext, user: Mapping[str, np.ndarray]) -> list[Variant]:
    return truncated(ctx.batch.T, GatedKnobs)


def kept_step(ctx: GatedContext, user: Mapping[str, np.ndarray]) -> list[Variant]:
    """Each sentence's first step, or its own last (never a padded one)."""
    return [
        Variant(
            "overwrite-not-accumulate",
            GatedKnobs(kept_step=which),
            f"the cell's gradients = {kept_words(ctx.batch.lengths, which)} contribution only",
            {"kept_step": which},
        )
        for which in kept_choices(ctx.batch.lengths)
    ]


def runs(ctx: GatedContext, user: Mapping[str, np.ndarray]) -> list[Variant]:
    reference = gated_backprop(ctx, GatedKnobs()).grads
    names = [spec.name for spec in ctx.cell.params]
    return [
        Variant(
            "not-reset",
            GatedKnobs(runs=n),
            f"the cell's gradients = {n} × their sum over t (carried over {n} runs)",
            {"runs": n},
        )
        for n in ratio_counts(user, reference, names)
    ]


def clip(ctx: GatedContext, user: Mapping[str, np.ndarray]) -> list[Variant]:
    return [v for v in clipped(ctx.p, user, GatedKnobs) if v.id.startswith("elementwise")]


def norm_clip(ctx: GatedContext, user: Mapping[str, np.ndarray]) -> list[Variant]:
    return [v for v in clipped(ctx.p, user, GatedKnobs) if v.id.startswith("norm")]


def zero_biases(ctx: GatedContext, user: Mapping[str, np.ndarray]) -> list[Variant]:
    cell = tuple(spec.name for spec in ctx.cell.params if spec.name.startswith("b"))
    return [
        Variant(
            "bias-gradient-missing",
            GatedKnobs(zero_grads=names),
            " and ".join(f"∂L/∂{n} = 0" for n in names),
            {"missing": list(names)},
        )
        for names in (cell, ("b_output",), (*cell, "b_output"))
    ]


def shared(id_: str, variants: Callable[..., list[Variant]]) -> Mistake:
    """A mistake every cell can make: the vanilla RNN's words, the gated cells' variants."""
    mistake = BY_ID[id_]
    return Mistake(id_, mistake.explanation, mistake.should, variants)


COMMON: tuple[Mistake, ...] = (
    shared(
        "softmax-missing-minus-one",
        lambda ctx, user: [
            Variant("softmax-missing-minus-one", GatedKnobs(minus_one=False), "∂L/∂(logits)ₜ = ŷₜ")
        ],
    ),
    shared(
        "sign-flipped",
        lambda ctx, user: [
            Variant(
                "sign-flipped",
                GatedKnobs(output_sign=-1.0),
                "∂L/∂hₜ from the output = (yₜ − ŷₜ)·Vᵀ",
            )
        ],
    ),
    shared("truncated-K", truncation),
    shared("overwrite-not-accumulate", kept_step),
    shared(
        "first-step-missing",
        lambda ctx, user: skipped(ctx.batch.lengths, ctx.batch.out, "first", GatedKnobs),
    ),
    shared(
        "last-step-missing",
        lambda ctx, user: skipped(ctx.batch.lengths, ctx.batch.out, "last", GatedKnobs),
    ),
    shared("not-reset", runs),
    shared("elementwise-clip-C", clip),
    shared("norm-clip-C", norm_clip),
    Mistake(
        "bias-gradient-missing",
        "a bias gradient is left at zero",
        "each bias's gradient = Σₜ its gate's ∂L/∂a",
        zero_biases,
    ),
)


def catalogue(cell: str) -> tuple[Mistake, ...]:
    """The mistakes of a gated cell, inside the cell first."""
    own = tuple(
        Mistake(id_, explanation, should, inside(id_, implied))
        for id_, explanation, should, implied in INSIDE[cell]
    )
    return own + COMMON
