"""The numeric options checked: each number that cannot make a run is refused with one line
that names it and a value that works (``checks.prepare`` calls ``check_numbers`` first)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..config import MAX_K, MAX_PRECISION
from ..errors import InputError, shortened


@dataclass(frozen=True)
class Numbers:
    lr: float
    seed: int
    hidden: int
    steps: int
    precision: int
    trace_every: int | None
    truncate: int | None
    clip: float | None
    init_scale: float = 1.0


def check_numbers(n: Numbers) -> None:
    """Refuse numbers that cannot make a run."""
    if n.seed < 0:
        raise InputError(f"--seed must be a whole number 0 or more, not {n.seed}; try --seed 0")
    if not math.isfinite(n.lr) or n.lr <= 0:
        raise InputError(f"--lr must be a finite number above 0, not {n.lr}; try --lr 0.1")
    if n.hidden < 1:
        raise InputError(f"--hidden must be at least 1, not {n.hidden}; try --hidden 4")
    if n.steps < 1:
        raise InputError(f"--steps must be at least 1, not {n.steps}; try --steps 100")
    if n.precision < 0 or n.precision > MAX_PRECISION:
        raise InputError(
            f"--precision must be from 0 to {MAX_PRECISION} decimals, not {n.precision}"
        )
    if n.trace_every is not None and n.trace_every < 1:
        raise InputError(f"--trace-every must be at least 1, not {n.trace_every}")
    if n.truncate is not None and n.truncate < 1:
        raise InputError(
            f"--truncate must be at least 1 step, not {n.truncate}; leave it out for full BPTT"
        )
    if n.truncate is not None and n.truncate > MAX_K:
        raise InputError(too_far("--truncate", n.truncate))
    if n.clip is not None and (not math.isfinite(n.clip) or n.clip <= 0):
        raise InputError(f"--clip must be a finite number above 0, not {n.clip}; try --clip 1")
    if not math.isfinite(n.init_scale) or n.init_scale <= 0:
        raise InputError(
            f"--init-scale must be a finite number above 0, not {n.init_scale}; "
            "try --init-scale 3 (1 leaves the weights as drawn)"
        )


def too_far(option: str, value: int | str) -> str:
    """The refusal of a K past ``MAX_K`` (the value shown at most 40 characters long)."""
    shown = shortened(str(value))
    return (
        f"{option} {shown}: K is at most {MAX_K:,} steps; a K at least as long as the "
        "sentence is full BPTT, which is what leaving the option out gives"
    )
