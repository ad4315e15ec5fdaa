"""A model: a recurrent cell and the output layer, and the parameters both declare.

Parameters are a mapping from name to array in declaration order: the cell's, then V and
b_output. Initialisation, the size estimate and the shape checks follow from the declarations.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from .cells.declaration import Cell, Param, Params, count, initial
from .output import OUTPUT_PARAMS

if TYPE_CHECKING:  # NumPy is imported where the math runs, not with the declaration
    import numpy as np


def declared(cell: Cell) -> tuple[Param, ...]:
    """Every parameter of a model with this cell: the cell's, then the output layer's."""
    return (*cell.params, *OUTPUT_PARAMS)


def init_params(
    cell: Cell, vocab_size: int, hidden: int, rng: np.random.Generator, scale: float = 1.0
) -> Params:
    """The initial parameters, every weight multiplied by ``scale``: see
    ``cells.declaration.initial``."""
    return initial(declared(cell), {"V": vocab_size, "H": hidden}, rng, scale)


def parameter_count(cell: Cell, vocab_size: int, hidden: int) -> int:
    return count(declared(cell), {"V": vocab_size, "H": hidden})


def shape_problem(cell: Cell, arrays: Mapping[str, np.ndarray], vocab_size: int) -> str | None:
    """What is wrong with ``arrays`` as parameters of ``cell`` over a vocabulary of this size:
    a missing one, a shape that does not fit, non-float or non-finite values (None if fine)."""
    import numpy as np

    missing = [spec.name for spec in declared(cell) if spec.name not in arrays]
    if missing:
        return f"it lacks {', '.join(missing)}"
    V = arrays["V"]
    hidden = V.shape[0] if V.ndim == 2 else -1
    dims = {"V": vocab_size, "H": hidden}
    for spec in declared(cell):
        array, shape = arrays[spec.name], spec.shape_in(dims)
        if array.shape != shape or array.dtype.kind != "f":
            return f"{spec.name} has shape {array.shape} ({array.dtype}), expected {shape} floats"
        if not np.isfinite(array).all():
            return f"{spec.name} holds NaN or infinite values"
    return None
