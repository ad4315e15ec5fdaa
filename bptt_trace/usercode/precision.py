"""How closely a user's gradients can agree with the trace's: the precision of their dtype.

float64 gradients are judged at 1e-9, relative to the largest |entry| of either array. A
shorter float (float32, PyTorch's default; float16) rounds every operation of the user's
computation, so that their numbers are the exact ones plus rounding noise. The noise is
largest where a gradient is a sum of terms that nearly cancel (a trained network: ŷ − y small
beside its parts), so a fixed tolerance relative to the largest entry fails correct gradients.
The tolerance is therefore the larger of a floor (about 80 ulps of the largest entry for up to
10 time steps, a tenth of that per step beyond) and the noise measured on this input:
``NOISE_FACTOR`` times the change of the trace's own numbers when every weight is moved by
one unit roundoff of the dtype (random signs, twice), which is how far rounding of that size
moves them here. A quantity the trace computes as exactly zero (a dead unit, logits tied by a
symmetric V: no flow at all) is not measured relative to itself, where any change is 100 %.
The tolerance never exceeds ``CAP``: where rounding moves a quantity further, the check cannot
tell a right answer from a wrong one at that precision, and says so (``Rounding.beyond``)
rather than letting every number match (all-zero gradients matched at a tolerance of 8).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from ..core.cells.declaration import Params
from .fit import relative

FLOAT64_TOLERANCE = 1e-9
"""float64 gradients: relative to the largest |entry| of either array."""
SHORT_TOLERANCE = {"float32": 1e-5, "float16": 1e-2}
"""The floor for float32 (float16) gradients: about 80 (10) ulps of the largest entry (2⁻²³ ≈
1.2e-7, 2⁻¹⁰ ≈ 9.8e-4) for up to 10 time steps, and a tenth of that per step beyond."""
ROUNDOFF = {"float32": 2.0**-24, "float16": 2.0**-11}
NOISE_FACTOR = 8
"""The measured noise times this: it predicts torch's float32 error within 0.4–2.1×
(``benchmarks/float32_noise.py``, BENCHMARKS.md), so 8× leaves room."""
CAP = {"float32": 1e-2, "float16": 1e-1}
"""The loosest verdict: 3× the largest float32 tolerance measured on trained networks (8 × 4e-4,
BENCHMARKS.md); at 1e-2 a gradient off by 1 % still differs, all-zero ones (1.0) and a flipped
sign (2.0) always do."""


@dataclass(frozen=True)
class Rounding:
    """The verdict's tolerance, and what rounding at the user's dtype was measured to do here:
    ``noise`` (NOISE_FACTOR × the largest relative change, 0 for float64) on ``worst``."""

    tolerance: float
    noise: float = 0.0
    worst: str | None = None

    @property
    def beyond(self) -> bool:
        """Rounding moves ``worst`` further than the tolerance, held at its cap."""
        return self.noise > self.tolerance


def dtype_of(arrays: Mapping[str, np.ndarray]) -> str:
    """The narrowest float dtype among the user's arrays."""
    sizes = [a.dtype.itemsize for a in arrays.values() if a.dtype.kind == "f"]
    return {2: "float16", 4: "float32"}.get(min(sizes, default=8), "float64")


def mixed_widths(arrays: Mapping[str, np.ndarray]) -> str | None:
    """What mixes float widths among the user's arrays, or None: one narrow array would loosen
    the verdict on all of them. A scalar (the loss) may be wider than the gradients (a Python
    float from ``loss.item()`` is float64), never narrower."""
    widths: dict[int, list[str]] = {}
    for name, a in arrays.items():
        if a.dtype.kind == "f" and a.ndim > 0:
            widths.setdefault(a.dtype.itemsize, []).append(name)
    narrowest = min(widths, default=8)
    for name, a in arrays.items():
        if a.dtype.kind == "f" and a.ndim == 0 and a.dtype.itemsize < narrowest:
            widths.setdefault(a.dtype.itemsize, []).append(name)
    if len(widths) < 2:
        return None
    said = ", ".join(
        f"{', '.join(names)} float{8 * size}" for size, names in sorted(widths.items())
    )
    return f"the gradients mix float widths ({said})"


def floor(dtype: str, T: int) -> float:
    if dtype == "float64":
        return FLOAT64_TOLERANCE
    return SHORT_TOLERANCE[dtype] * max(1.0, T / 10)


def tolerance(
    dtype: str,
    T: int,
    p: Params,
    numbers: Callable[[Params], Mapping[str, np.ndarray]],
    computed: Mapping[str, np.ndarray],
    output_noise: Callable[[float, np.random.Generator], Mapping[str, np.ndarray]],
) -> Rounding:
    """The verdict's tolerance: the floor, or the rounding noise measured at ``p``, whichever
    is larger. ``numbers`` gives the trace's quantities at other parameters (the noise of the
    weights' rounding); ``output_noise(u, rng)`` the quantities that an error of u·(ŷ + y) with
    random signs in ∂L/∂oₜ = ŷₜ − yₜ alone brings (the cancellation: ŷ is rounded at its own
    size, near 1, while ŷ − y may be far smaller)."""
    if dtype == "float64":
        return Rounding(FLOAT64_TOLERANCE)
    u = ROUNDOFF[dtype]
    rng = np.random.default_rng(0)  # the same tolerance for the same input, every run
    measured = [n for n in computed if np.any(computed[n])]  # (exact zeros: no flow to move)
    noise, worst = 0.0, None
    for _ in range(2):
        moved = {k: v * (1.0 + u * rng.choice((-1.0, 1.0), v.shape)) for k, v in p.items()}
        again, error = numbers(moved), output_noise(u, rng)
        for n in measured:
            here = relative(again[n], computed[n])
            if n in error:
                here = max(here, scaled(error[n], computed[n]))
            if here > noise:
                noise, worst = here, n
    bound = max(floor(dtype, T), NOISE_FACTOR * noise)
    return Rounding(min(bound, CAP[dtype]), NOISE_FACTOR * noise, worst)


def scaled(error: np.ndarray, computed: np.ndarray) -> float:
    """The largest |error| relative to the largest |entry| of the computed array."""
    top = float(np.abs(computed).max(initial=0.0))
    worst = float(np.abs(error).max(initial=0.0))
    return 0.0 if worst == 0.0 else worst / top if top > 0.0 else 1.0
