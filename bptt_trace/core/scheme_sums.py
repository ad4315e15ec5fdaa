"""Many schemes' cell gradients at once, from their deltas, and their distance to full BPTT.

A scheme's gradient is Σₜ of each time step's contribution (``Row``, ``Outer``, ``Total``)
built from its deltas. With the deltas of n schemes as one (T, n, width) array, a group of
schemes is summed in a few matrix products (``group_sums``): an ``Outer`` as one product
over t, a ``Row`` (xₜᵀ·key, one-hot xₜ) as a product with the one-hot rows of the tokens the
sentence uses, kept only for those rows (``GroupSums.rows``). ``distances`` reads every
scheme of a group against full BPTT's gradient without forming one scheme's dict at a time.
With one loss (``--loss last``), ``one_loss``: full BPTT's gradient less a running sum of the
states each scheme cuts, O(T) contributions for every scheme together.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from . import interrupt
from .bptt import summed
from .cells.declaration import Cell, Outer, Params, Row, Total

SUMS_BYTES = 32 * 2**20
"""The schemes' sums held at once (each as large as the cell's matrices)."""


@dataclass(frozen=True)
class GroupSums:
    """The cell gradients of m schemes: ``sums[name]`` is (m, *shape) for ``Outer`` and
    ``Total`` parameters, and (m, len(rows), width) for ``Row`` ones, whose other rows (tokens
    the sentence does not use) are zero; ``vocab`` rows in all."""

    sums: dict[str, np.ndarray]
    rows: np.ndarray
    vocab: int

    def scheme(self, i: int, cell: Cell) -> dict[str, np.ndarray]:
        """Scheme i's gradients as full arrays."""
        grads: dict[str, np.ndarray] = {}
        for spec in cell.params:
            value = self.sums[spec.name][i]
            if isinstance(spec.grad, Row):
                whole = np.zeros((self.vocab, value.shape[1]))
                whole[self.rows] = value
                value = whole
            grads[spec.name] = value
        return grads


def group_sums(
    cell: Cell,
    q: Params,
    x: np.ndarray,
    cache: np.ndarray,
    h_prev: np.ndarray,
    d: np.ndarray,
    vocab: int,
) -> Iterator[GroupSums]:
    """The cell gradients of the schemes whose deltas ``d`` (T, n, width) of t = 1 … T are
    given, a group at a time (as many as fit in ``SUMS_BYTES``), in order."""
    T, n = d.shape[:2]
    values = cell.step_values(q, cache[:, None], h_prev[:, None], d)
    if not all(
        v.ndim == 3 and v.shape[:1] == (T,) and v.shape[1] in (1, n) for v in values.values()
    ):  # a cell whose values do not carry the schemes' axis: one scheme at a time
        everything = np.arange(vocab)
        for i in range(n):
            each = cell.step_values(q, cache, h_prev, d[:, i])
            sums = {s.name: summed(s.grad, each, x, vocab)[None] for s in cell.params}
            yield GroupSums(sums, everything, vocab)
        return
    rows, which = np.unique(x, return_inverse=True)
    onehot = np.zeros((rows.size, T))
    onehot[np.ravel(which), np.arange(T)] = 1.0  # (tokens used, T)
    size = sum(
        rows.size * q[spec.name].shape[1] if isinstance(spec.grad, Row) else q[spec.name].size
        for spec in cell.params
    )
    group = max(1, SUMS_BYTES // (8 * max(size, 1)))
    for first in range(0, n, group):
        chosen = slice(first, min(first + group, n))
        m = chosen.stop - chosen.start
        part = {key: v if v.shape[1] == 1 else v[:, chosen] for key, v in values.items()}
        sums: dict[str, np.ndarray] = {}
        for spec in cell.params:
            interrupt.poll(0)  # a parameter's sums: one product over t
            rule = spec.grad
            if isinstance(rule, Outer):
                sums[spec.name] = outer_sums(part[rule.left], part[rule.right], m)
            elif isinstance(rule, Total):
                total = part[rule.key].sum(axis=0)
                sums[spec.name] = np.broadcast_to(total, (m, total.shape[1]))
            elif isinstance(rule, Row):
                value = part[rule.key]  # (T, 1 or m, w): Σₜ xₜᵀ·value, the used rows only
                flat = (onehot @ value.reshape(T, -1)).reshape(rows.size, value.shape[1], -1)
                sums[spec.name] = np.broadcast_to(np.moveaxis(flat, 1, 0), (m, *flat[:, 0].shape))
        yield GroupSums(sums, rows, vocab)


def outer_sums(left: np.ndarray, right: np.ndarray, n: int) -> np.ndarray:
    """Σₜ leftₜᵀ·rightₜ for each of n schemes, (n, l, r), from sides of (T, 1 or n, ·): a side
    that is the same for every scheme makes their sums one matrix product."""
    T, l_, r = left.shape[0], left.shape[2], right.shape[2]
    if left.shape[1] == 1 and right.shape[1] == n:  # laid out as (n, r, l): a scheme's rows
        flat = right.reshape(T, n * r).T @ left[:, 0]  # (n·r, l), scheme by scheme
        return flat.reshape(n, r, l_).transpose(0, 2, 1)
    if left.shape[1] == n and right.shape[1] == 1:
        flat = right[:, 0].T @ left.reshape(T, n * l_)  # (r, n·l)
        return np.moveaxis(flat.reshape(r, n, l_), 0, 2)
    if left.shape[1] == n:
        return np.matmul(left.transpose(1, 2, 0), right.transpose(1, 0, 2))
    return np.broadcast_to(left[:, 0].T @ right[:, 0], (n, l_, r))


@dataclass
class Distances:
    """For each of n schemes, against full BPTT's gradient f over every parameter as one
    vector: Σg², Σg·f, Σ(g − f)², the entries whose signs agree, and the entries counted."""

    gg: np.ndarray
    gf: np.ndarray
    dd: np.ndarray
    agree: np.ndarray
    count: int = 0

    @classmethod
    def zeros(cls, n: int) -> Distances:
        return cls(*(np.zeros(n) for _ in range(4)))

    def add(self, g: np.ndarray, f: np.ndarray, hidden: int = 0) -> None:
        """Add a parameter's entries: ``g`` (m, k) of the schemes, ``f`` (k,) of full BPTT;
        ``hidden`` more entries zero in both (they agree). A look for a stop between the
        passes over ``g`` (m schemes of a parameter: 16M entries each at H = 4000)."""
        self.gg += np.einsum("ij,ij->i", g, g)
        interrupt.poll(0)
        self.gf += g @ f
        interrupt.poll(0)
        d = g - f
        interrupt.poll(0)
        self.dd += np.einsum("ij,ij->i", d, d)
        interrupt.poll(0)
        np.sign(g, out=d)
        interrupt.poll(0)
        d -= np.sign(f)  # 0 where the signs agree
        interrupt.poll(0)
        self.agree += f.size - np.count_nonzero(d, axis=1) + hidden
        self.count = self.count + f.size + hidden

    def add_same(self, f: np.ndarray) -> None:
        """Add a parameter every scheme keeps whole (its gradient is full BPTT's)."""
        ff = float(np.dot(np.ravel(f), np.ravel(f)))
        self.gg += ff
        self.gf += ff
        self.agree += f.size
        self.count += f.size


def distances(group: GroupSums, full: GroupSums, cell: Cell) -> Distances:
    """``Distances`` of the schemes of ``group`` against scheme 0 of ``full`` (full BPTT's),
    over the cell's parameters (the output layer's, which every scheme keeps, left out)."""
    m = next(iter(group.sums.values())).shape[0]
    out = Distances.zeros(m)
    for spec in cell.params:
        interrupt.poll()  # a parameter: a unit of work
        g, f = group.sums[spec.name], full.sums[spec.name][0]
        hidden = (group.vocab - group.rows.size) * f.shape[1] if isinstance(spec.grad, Row) else 0
        if g.ndim == 3 and not g.flags.c_contiguous and g.transpose(0, 2, 1).flags.c_contiguous:
            g, f = g.transpose(0, 2, 1), f.T  # (read in the order the sums were laid out)
        out.add(g.reshape(m, -1), np.ravel(f), hidden)
    return out


def one_loss(
    cell: Cell,
    q: Params,
    sentence: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    lo: np.ndarray,
    dh: np.ndarray,
) -> Iterator[dict[str, np.ndarray]]:
    """The gradient of each scheme when the sentence has one loss (at s, ``--loss last``):
    full BPTT's less the contributions of the states before lo, for each lo in ascending
    order, from the loss's one flow back (``dh`` = ∂Lₛ/∂hₛ): O(T) contributions in all, not
    O(T) per scheme."""
    x, _, losses, state, cache = sentence
    s, H = int(losses[0]), len(dh)
    ds = np.zeros(state.shape[1])
    ds[:H] = dh
    deltas = np.zeros((s + 1, cell.delta_width(H)))
    for k in range(s, 0, -1):
        interrupt.poll()
        deltas[k] = cell.delta(q, ds[None], cache[k], state[k])[0]
        ds = cell.to_previous(q, deltas[k][None], cache[k])[0]
    values = cell.step_values(q, cache[1 : s + 1], state[:s, :H], deltas[1:])

    def add(total: dict[str, np.ndarray], k: int) -> None:  # time step k's contributions
        for spec in cell.params:
            interrupt.poll(0)  # a parameter's contribution: an outer product at most
            rule = spec.grad
            if isinstance(rule, Row):
                total[spec.name][x[k]] += values[rule.key][k - 1]
            elif isinstance(rule, Outer):
                total[spec.name] += np.outer(values[rule.left][k - 1], values[rule.right][k - 1])
            else:
                total[spec.name] += values[rule.key][k - 1]

    def zeros() -> dict[str, np.ndarray]:
        return {spec.name: np.zeros_like(q[spec.name]) for spec in cell.params}

    full, before = zeros(), zeros()  # before: the contributions of k < lo
    for k in range(1, s + 1):
        add(full, k)
    done = 1
    for first in lo.tolist():
        while done < first:
            add(before, done)
            done += 1
        interrupt.poll()  # a scheme: a unit of work
        yield {name: full[name] - before[name] for name in full}
