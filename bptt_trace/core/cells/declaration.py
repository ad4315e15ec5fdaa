"""What a recurrent cell declares, once: its parameters, the quantities the trace shows, its math.

Everything else follows from the declaration: initialisation, the size estimate, shape checks
on load, the events and their JSON, the schema, the update tables, the formula panel, the
per-loss gradients and the gradient check.

Shapes are written in the letters ``V`` (the vocabulary size |vocab|) and ``H`` (the hidden
size). Row vectors throughout: a batch of B states is a (B, H) array.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

if TYPE_CHECKING:  # the declaration reads without NumPy (--schema does not load it)
    import numpy as np

Params = dict[str, "np.ndarray"]
"""The parameters by name, in the order of their declaration."""


@dataclass(frozen=True)
class Row:
    """Time step t adds its quantity ``key`` to the row of xₜ's token: xₜᵀ·key (one-hot xₜ)."""

    key: str


@dataclass(frozen=True)
class Outer:
    """Time step t adds the outer product ``left``ᵀ·``right``."""

    left: str
    right: str


@dataclass(frozen=True)
class Total:
    """Time step t adds its quantity ``key`` itself."""

    key: str


Contribution = Row | Outer | Total


@dataclass(frozen=True)
class Param:
    """One parameter: its JSON name, its symbol in the tables, its shape, how it starts (drawn
    from a normal distribution, zeros, or a constant) and how each time step contributes to its
    gradient (the contribution names per-step quantities: ``h_prev`` = hₜ₋₁, ``h`` = hₜ,
    ``do`` = ∂L/∂oₜ, or one of the cell's ``step_values``)."""

    name: str
    symbol: str
    shape: tuple[str, ...]
    init: Literal["normal", "zeros"] | float
    grad: Contribution

    def shape_in(self, dims: Mapping[str, int]) -> tuple[int, ...]:
        return tuple(dims[letter] for letter in self.shape)


@dataclass(frozen=True)
class Term:
    """A per-time-step quantity that the trace shows: its JSON name and its table label, in which
    ``{t}`` stands for the subscript t, ``{p}`` for t − 1 and ``{n}`` for t + 1; ``result``
    marks a row that is a result (shown in bold) rather than a factor."""

    key: str
    label: str
    result: bool = False


class Cell(ABC):
    """A recurrent cell: the state sₜ from xₜ and sₜ₋₁, and the way back.

    The state is (B, S): hₜ in its first H columns (what the output reads), and whatever else
    the cell carries after it (cₜ for the LSTM). ``step`` returns sₜ and a cache of what the
    way back needs; ``delta`` turns ∂L/∂sₜ into the cell's delta (∂L/∂aₜ for the vanilla RNN)
    and ``to_previous`` carries it on to ∂L/∂sₜ₋₁. Leading axes of the gradient and of the
    cache broadcast, so that several flows can go back at once. ``prepare`` may turn the
    parameters into what ``step`` and the way back use (e.g. gates stacked into one matrix);
    it is called once per pass.
    """

    name: ClassVar[str]
    title: ClassVar[str]
    params: tuple[Param, ...]
    forward_terms: tuple[Term, ...]
    """The rows of the forward table; the last one stands beside hₜ."""
    backward_terms: tuple[Term, ...]
    """The rows of the backward table after ∂L/∂hₜ (total), for ``shown_backward``."""
    symbols: dict[str, str]
    """The table symbol of each per-step quantity the contributions name (``{t}``, ``{p}``)."""
    next_label: ClassVar[str]
    """The label of ∂L/∂hₜ's part from time step t+1 (``{next}``, ``{n}``: t + 1)."""
    backward_note: ClassVar[str]
    contributions_note: ClassVar[str]
    state_symbol: ClassVar[str] = "h"
    """The state's symbols in the vanishing/exploding table, comma-separated: h, or "h,c" for
    the LSTM, whose state (hₜ, cₜ) is both (shown so: no letter of its own for it)."""
    jacobian_note: ClassVar[str] = "∂h_T/∂hₖ = ∏ⱼ ∂hⱼ/∂hⱼ₋₁ for j = T … k+1"
    recurrent: ClassVar[str] = "W_h"
    """The recurrent matrix whose spectrum the vanishing/exploding diagnosis shows."""
    recurrent_note: ClassVar[str] = ""
    """Why that matrix, where the cell has several (a gated cell): words after its symbol."""
    logits: ClassVar[str] = "o"
    """The logits' symbol, oₜ = hₜ·V + b_output, as the derivation writes them; another letter
    where a gate is called o (the LSTM's output gate), so that one symbol means one thing."""

    @classmethod
    def configured(cls, config: Mapping[str, Any]) -> Cell:
        """The cell with the options a run's configuration gives it."""
        return cls()

    @property
    @abstractmethod
    def equations(self) -> tuple[str, ...]:
        """The cell's equations, for the run's header."""

    @property
    def facts(self) -> tuple[str, ...]:
        """Short facts of the cell for the header's first line (e.g. ``f = tanh``)."""
        return ()

    @property
    @abstractmethod
    def state_label(self) -> str:
        """The label of hₜ's column in the forward table."""

    def state_width(self, hidden: int) -> int:
        return hidden

    @abstractmethod
    def cache_width(self, hidden: int) -> int: ...

    @abstractmethod
    def delta_width(self, hidden: int) -> int: ...

    def prepare(self, p: Params) -> Params:
        return p

    @abstractmethod
    def step(self, p: Params, x_t: np.ndarray, s_prev: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """sₜ and the cache, from the token indices xₜ (B,) and sₜ₋₁ (B, S)."""

    @abstractmethod
    def delta(self, p: Params, ds: np.ndarray, cache: np.ndarray, s: np.ndarray) -> np.ndarray:
        """The delta of time step t from ∂L/∂sₜ."""

    @abstractmethod
    def to_previous(self, p: Params, delta: np.ndarray, cache: np.ndarray) -> np.ndarray:
        """∂L/∂sₜ₋₁ (through the cell only) from the delta of time step t."""

    @abstractmethod
    def step_values(
        self, p: Params, cache: np.ndarray, h_prev: np.ndarray, delta: np.ndarray
    ) -> dict[str, np.ndarray]:
        """The per-step quantities that the contributions name, from the delta."""

    @abstractmethod
    def shown_forward(
        self, p: Params, x: np.ndarray, s_prev: np.ndarray, cache: np.ndarray
    ) -> dict[str, np.ndarray]:
        """The forward terms of n time steps: (n, H) each, or (H,) for a term equal at every t."""

    @abstractmethod
    def shown_backward(
        self, p: Params, cache: np.ndarray, s: np.ndarray, ds: np.ndarray, delta: np.ndarray
    ) -> dict[str, np.ndarray]:
        """The backward terms of n time steps, (n, H) each, from ∂L/∂sₜ (total) and the delta."""

    def gates(self, cache: np.ndarray) -> dict[str, np.ndarray]:
        """The gates' values at each time step, (…, H) each, by name (none for an ungated cell)."""
        return {}

    carry: ClassVar[str | None] = None
    """The gate whose product over time carries the gradient back (fₜ, zₜ), if any."""
    extra_blame: ClassVar[tuple[str, str] | None] = None
    """A step value whose norm is a second blame matrix, and its JSON name (∂L/∂cₖ)."""

    def kink_sides(self, cache: np.ndarray) -> np.ndarray | None:
        """Which side of its activation's kinks each cached unit is on (for the gradient check:
        finite differences across a kink mean nothing); None for a cell smooth everywhere."""
        return None


def initial(
    params: tuple[Param, ...],
    dims: Mapping[str, int],
    rng: np.random.Generator,
    scale: float = 1.0,
) -> Params:
    """Each ``normal`` parameter (a weight) drawn from N(0, σ²) with σ = 0.5/√H, in declaration
    order from ``rng`` (so a seed fixes them all), then multiplied by ``scale`` (--init-scale:
    the same draws, scaled, so that one seed gives the same directions at every scale); each
    ``zeros`` parameter 0, each constant that value (biases are not scaled)."""
    import numpy as np

    sigma = 0.5 / np.sqrt(dims["H"])
    return {
        spec.name: scale * rng.normal(0.0, sigma, size=spec.shape_in(dims))
        if spec.init == "normal"
        else np.full(spec.shape_in(dims), 0.0 if spec.init == "zeros" else float(spec.init))
        for spec in params
    }


def count(params: tuple[Param, ...], dims: Mapping[str, int]) -> int:
    """How many numbers the parameters hold."""
    return sum(math.prod(spec.shape_in(dims)) for spec in params)
