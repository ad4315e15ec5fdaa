"""The exercise's hints: 1 the formula, 2 the numbers that go into it, 3 the first entry worked
out: which entries of the inputs make it, those numbers as the tables show them put in, the
terms, and their sum.

The working is found from the numbers alone: the first entry is tried against the few ways a
rule combines its inputs (a sum, an elementwise product, a vector times a matrix or its
transpose, an outer product, the update θ − α·g, the gates' a·b + c·d and (1 − z)·n + z·h)
and the one that gives it exactly (to float64 rounding) is shown. A rule that is none of them
(an activation of one input, a gate's longer chain) gets its inputs' first entries beside the
value."""

from __future__ import annotations

from collections.abc import Callable
from itertools import permutations

import numpy as np

from ..trace.diagnosis import title
from ..trace.exercise import Blank, Numbers, spell

MOST_TERMS = 8
"""A dot product of more terms shows its first MOST_TERMS − 1 and its last, the rest as …"""

Fmt = Callable[[float], str]


def hint(blank: Blank, level: int, precision: int, numbers: Numbers | None = None) -> list[str]:
    """Hint ``level`` (1 to 3) of the blank."""

    if level == 1:
        return [f"hint 1: {spell(blank.rule.formula, blank.t)}"]
    if level == 2:
        lines = ["hint 2: the numbers that go into it:"]
        for inp, t, value in blank.inputs:
            lines += rows(f"  {spell(inp.label, t)} = ", value, precision)
        return lines
    return worked(blank, precision, numbers)


def rows(name: str, value: np.ndarray, precision: int) -> list[str]:
    """``name`` and the value, a matrix a row a line (under the first row)."""
    from ..rendering.theme import fmt

    lines = []
    for i, row in enumerate(np.atleast_2d(np.asarray(value, dtype=float))):
        shown = " ".join(fmt(x, precision) for x in row)
        lines.append(f"{name if i == 0 else ' ' * len(name)}[{shown}]")
    return lines


def close(a: float, b: float) -> bool:
    return bool(np.isclose(a, b, rtol=1e-9, atol=1e-300))


def worked(blank: Blank, precision: int, numbers: Numbers | None = None) -> list[str]:
    """Hint 3: the first entry of the blank, worked out."""
    from ..rendering.theme import fmt

    def num(x: float) -> str:
        return f"({fmt(x, precision)})"

    target = float(np.ravel(blank.value)[0])
    first = "[1, 1]" if blank.value.ndim == 2 else "[1]"
    head = f"hint 3: the first entry {first} of {title(blank)}"
    steps = working(blank, numbers, num)
    if steps is None:
        elementwise = all(np.shape(value) == blank.value.shape for _, _, value in blank.inputs)
        parts = [  # entry by entry: the first entries that make the first entry
            f"{spell(inp.label, t)}[1] = {fmt(np.ravel(value)[0], precision)}"
            for inp, t, value in blank.inputs
        ]
        where = f" (from {', '.join(parts)})" if parts and elementwise else ""
        return [f"hint 3: the first entry of {title(blank)} is {fmt(target, precision)}{where}"]
    symbols, put_in, terms = steps
    lines = [f"{head} = {symbols}", f"  = {put_in}"]
    if terms is not None:
        lines.append(f"  = {' + '.join(num(x) for x in terms)}")
    said = fmt(target, precision)
    as_written = written(lines[-1][4:])
    unrounded = as_written is not None and fmt(as_written, precision) != said
    lines.append(f"  = {said}" + (" (worked from the unrounded numbers)" if unrounded else ""))
    return lines


def written(expression: str) -> float | None:
    """What a line of the working comes to with its numbers as written (rounded), or None if
    it is not plain arithmetic: 0.0293 × 0.9273 printed as = +0.0271 beside its 0.02717."""
    import ast

    text = expression.replace("×", "*").replace("−", "-").replace("·", "*")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        return None

    def value(node: ast.AST) -> float:
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            return float(node.value)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.UAdd | ast.USub):
            inner = value(node.operand)
            return inner if isinstance(node.op, ast.UAdd) else -inner
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub | ast.Mult):
            a, b = value(node.left), value(node.right)
            return (
                a + b
                if isinstance(node.op, ast.Add)
                else a - b
                if isinstance(node.op, ast.Sub)
                else a * b
            )
        raise ValueError(node)

    try:
        return value(tree.body)
    except ValueError:
        return None


Working = tuple[str, str, list[float] | None]
"""The entries in symbols, the numbers put in, and the terms (None: one term)."""


def working(blank: Blank, numbers: Numbers | None, num: Fmt) -> Working | None:
    """How the inputs' entries make the blank's first entry, if it is one of the known ways."""
    target = float(np.ravel(blank.value)[0])
    named = [
        (symbol(spell(inp.label, t)), np.asarray(v, dtype=float)) for inp, t, v in blank.inputs
    ]
    shape = blank.value.shape
    at = "[1, 1]" if blank.value.ndim == 2 else "[1]"
    same = [(name, float(v.flat[0])) for name, v in named if v.shape == shape]
    if len(same) == len(named) and named:
        found = elementwise(same, target, at, num)
        if found is not None:
            return found
        if len(same) == 2 and numbers is not None and numbers.update is not None:
            (old, o), (grad, g) = same
            alpha = float(numbers.update.lr)
            if close(o - alpha * g, target):
                return f"{old}{at} − α·{grad}{at}", f"{num(o)} − {alpha:g} × {num(g)}", None
    vectors = [(n, v) for n, v in named if v.ndim == 1]
    matrices = [(n, v) for n, v in named if v.ndim == 2]
    if blank.value.ndim == 2 and len(vectors) == 2 and not matrices:
        (a, u), (b, w) = vectors
        if close(u[0] * w[0], target):
            return f"{a}[1]·{b}[1]", f"{num(u[0])} × {num(w[0])}", None
    if blank.value.ndim == 1 and matrices and len(matrices) <= len(vectors):
        return products(vectors, matrices, target, num)
    return None


def symbol(label: str) -> str:
    """A label as an entry is taken of it: in brackets when it is words (``(∂L/∂a_z at t =
    2)[j]``)."""
    return f"({label})" if " " in label else label


def elementwise(same: list[tuple[str, float]], target: float, at: str, num: Fmt) -> Working | None:
    """A sum, a product, a·b + c·d, or (1 − z)·n + z·h of the inputs' first entries."""
    names = [f"{name}{at}" for name, _ in same]
    xs = [x for _, x in same]
    if len(xs) > 1 and close(sum(xs), target):
        return " + ".join(names), " + ".join(num(x) for x in xs), None
    if close(float(np.prod(xs)), target):
        return " × ".join(names), " × ".join(num(x) for x in xs), None
    if len(xs) == 4 and close(xs[0] * xs[1] + xs[2] * xs[3], target):
        symbols = f"{names[0]}·{names[1]} + {names[2]}·{names[3]}"
        put_in = f"{num(xs[0])} × {num(xs[1])} + {num(xs[2])} × {num(xs[3])}"
        return symbols, put_in, [xs[0] * xs[1], xs[2] * xs[3]]
    if len(xs) == 3:
        for z, n, h in permutations(range(3)):
            if close((1 - xs[z]) * xs[n] + xs[z] * xs[h], target):
                symbols = f"(1 − {names[z]})·{names[n]} + {names[z]}·{names[h]}"
                put_in = f"(1 − {num(xs[z])}) × {num(xs[n])} + {num(xs[z])} × {num(xs[h])}"
                return symbols, put_in, [(1 - xs[z]) * xs[n], xs[z] * xs[h]]
    return None


def products(
    vectors: list[tuple[str, np.ndarray]],
    matrices: list[tuple[str, np.ndarray]],
    target: float,
    num: Fmt,
) -> Working | None:
    """Σ over the pairs of (vector i)·(matrix i) or ·(matrix i)ᵀ, plus the other vectors' first
    entries: the first entry is a dot product with the matrix's first column (or row)."""
    extra, paired = vectors[: len(vectors) - len(matrices)], vectors[-len(matrices) :]
    for transposed in (False, True):
        lines = [m[0, :] if transposed else m[:, 0] for _, m in matrices]
        if any(len(line) != len(u) for line, (_, u) in zip(lines, paired, strict=True)):
            continue
        total = sum(float(u[0]) for _, u in extra)
        total += sum(float(u @ line) for line, (_, u) in zip(lines, paired, strict=True))
        if not close(total, target):
            continue
        where = "[1, j]" if transposed else "[j, 1]"
        symbols = [f"{name}[1]" for name, _ in extra]
        symbols += [
            f"Σⱼ {u}[j]·{m}{where}" for (u, _), (m, _) in zip(paired, matrices, strict=True)
        ]
        put_in = [num(float(u[0])) for _, u in extra]
        terms = [float(u[0]) for _, u in extra]
        for line, (_, u) in zip(lines, paired, strict=True):
            pairs = [f"{num(a)}×{num(b)}" for a, b in zip(u, line, strict=True)]
            if len(pairs) > MOST_TERMS:
                pairs = [*pairs[: MOST_TERMS - 1], "…", pairs[-1]]
            put_in.append(" + ".join(pairs))
            terms += [float(a * b) for a, b in zip(u, line, strict=True)]
        if len(terms) > MOST_TERMS:
            return " + ".join(symbols), " + ".join(put_in), None
        return " + ".join(symbols), " + ".join(put_in), terms
    return None
