"""The schema of a run's config in code: the fields every trace's run event has, and those it
has only when they matter (``schema.sizes`` checks them, ``json_schema`` writes them)."""

from __future__ import annotations

from typing import Any

from ..config import UPDATE_EVERY
from .checks import Check, boolean, described, integer, number, optional, string

CONFIG: dict[str, Check] = {
    "hidden": integer,
    "lr": number,
    "seed": integer,
    "activation": string,
    "loss": string,
    "target": string,
    "steps": integer,
}


def positive(x: Any, dims: dict[str, int]) -> str | None:
    return None if number(x, dims) is None and x > 0 else "a finite number above 0"


def loaded_model(x: Any, dims: dict[str, int]) -> str | None:
    ok = (
        isinstance(x, dict)
        and set(x) == {"path", "updates"}
        and isinstance(x["path"], str)
        and optional(integer)(x["updates"], dims) is None
    )
    return None if ok else 'an object {"path": a string, "updates": a whole number or null}'


described(positive, "positive")
described(loaded_model, "loaded_model")


def whole_count(x: Any, dims: dict[str, int]) -> str | None:
    return None if integer(x, dims) is None and x >= 1 else "a whole number ≥ 1"


def scheme_pair(x: Any, dims: dict[str, int]) -> str | None:
    ok = isinstance(x, list) and len(x) == 2 and all(integer(k, dims) is None for k in x)
    return None if ok and 1 <= x[0] <= x[1] else "a pair [K1, K2] of whole numbers, 1 ≤ K1 ≤ K2"


def update_every(x: Any, dims: dict[str, int]) -> str | None:
    return None if x in UPDATE_EVERY else f"one of {', '.join(UPDATE_EVERY)}"


described(whole_count, "whole_count")
described(scheme_pair, "scheme_pair")
described(update_every, "update_every")

OPTIONAL_CONFIG: dict[str, Check] = {
    "chunks": whole_count,
    "tbptt": scheme_pair,
    "update_every": update_every,
    "init_scale": positive,
    "loaded": loaded_model,
    "reset_after": boolean,
}
"""Config fields a trace has only when they matter: --chunks, --tbptt (K1, K2) and
--update-every with a windowed scheme, --init-scale when not 1, --load's origin, --reset-after
(the GRU's reset gate after the product) when given."""
