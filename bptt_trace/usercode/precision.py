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
moves them here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

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


def dtype_of(arrays: Mapping[str, np.ndarray]) -> str:
    """The narrowest float dtype among the user's arrays."""
    sizes = [a.dtype.itemsize for a in arrays.values() if a.dtype.kind == "f"]
    return {2: "float16", 4: "float32"}.get(min(sizes, default=8), "float64")


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
) -> float:
    """The verdict's tolerance: the floor, or the rounding noise measured at ``p``, whichever
    is larger. ``numbers`` gives the trace's quantities at other parameters (the noise of the
    weights' rounding); ``output_noise(u, rng)`` the quantities that an error of u·(ŷ + y) with
    random signs in ∂L/∂oₜ = ŷₜ − yₜ alone brings (the cancellation: ŷ is rounded at its own
    size, near 1, while ŷ − y may be far smaller)."""
    if dtype == "float64":
        return FLOAT64_TOLERANCE
    u = ROUNDOFF[dtype]
    rng = np.random.default_rng(0)  # the same tolerance for the same input, every run
    noise = 0.0
    for _ in range(2):
        moved = {k: v * (1.0 + u * rng.choice((-1.0, 1.0), v.shape)) for k, v in p.items()}
        again = numbers(moved)
        noise = max(noise, *(relative(again[n], computed[n]) for n in computed))
        error = output_noise(u, rng)
        noise = max(noise, *(scaled(error[n], computed[n]) for n in computed if n in error))
    return max(floor(dtype, T), NOISE_FACTOR * noise)


def scaled(error: np.ndarray, computed: np.ndarray) -> float:
    """The largest |error| relative to the largest |entry| of the computed array."""
    top = float(np.abs(computed).max(initial=0.0))
    worst = float(np.abs(error).max(initial=0.0))
    return 0.0 if worst == 0.0 else worst / top if top > 0.0 else 1.0
