"""What ``--replay`` checks of an update against its run and itself: ``lr`` is the run's α,
``scale`` the run's clipping of ``grad_norm``, ``grad_norm`` the norm of the gradients event
before it (of the same step and chunk), ``applied`` = scale·∂L/∂θ of that event, and
new = old − lr·applied, entry by entry where the arrays are whole, and where they are summaries
as far as their entries, norms, minima and maxima allow.

The tolerances are those that float64 rounding never exceeds (eps = 2.2e-16, u = eps/2 the
unit roundoff). The writer computes new = old − (lr·scale)·g (three roundings) and applied =
scale·g (one); the check computes old − lr·applied (three): each side is within u·|old| + 3u·
|lr·applied| of the exact value, so |new − (old − lr·applied)| ≤ 4·eps·(|old| + |lr·applied|),
plus a few subnormal units for products that underflow. A sum of N squares is within N·eps of
its value in any order, its root within half that: grad_norm is held to (N + 8)·eps relative
(twice that from summaries' norms), plus √N·2⁻⁵³⁷ for squares that underflow.
"""

from __future__ import annotations

import math
import sys
from typing import Any

import numpy as np

from .summary import is_summary

EPS = sys.float_info.epsilon
TINY = 8 * math.ulp(0.0)
REDO = "the trace was edited or damaged; write it again with --json"


class UpdateLedger:
    """The last gradients event, to check the update that follows it."""

    def __init__(self) -> None:
        self.gradients: dict[str, Any] | None = None

    def problem(self, data: dict[str, Any], run: dict[str, Any]) -> str | None:
        if data["event"] == "gradients":
            self.gradients = data
            return None
        if data["event"] != "update":
            return None
        problem = update_problem(data, run, self.gradients)
        return None if problem is None else f"{problem}; {REDO}"


def update_problem(
    data: dict[str, Any], run: dict[str, Any], gradients: dict[str, Any] | None
) -> str | None:
    """What is wrong with an update (whose fields passed the schema) against ``run`` and the
    gradients event before it."""
    config = run["config"]
    if data["lr"] != config["lr"]:
        return (
            f"the update's 'lr' is {data['lr']!r}, not the run's α (config 'lr') {config['lr']!r}"
        )
    step, chunk = data["step"], data.get("chunk")
    if gradients is None or (gradients["step"], gradients.get("chunk")) != (step, chunk):
        where = f"step {step}" + (f", chunk {chunk}" if chunk is not None else "")
        return f"the update of {where} has no gradients event of its own before it"
    names = list(data["old"])
    return (
        scale_problem(data, config.get("clip"))
        or applied_problem(data, gradients, names)
        or norm_problem(data, gradients, names)
        or descent_problem(data, names)
    )


def scale_problem(data: dict[str, Any], clip: float | None) -> str | None:
    norm, scale = data["grad_norm"], data["scale"]
    want = clip / norm if clip is not None and norm > clip else 1.0
    if scale == want:
        return None
    why = "the run has no --clip" if clip is None else f"--clip {clip:g}, 'grad_norm' {norm!r}"
    return f"the update's 'scale' is {scale:.6g}, not {want:.6g} ({why})"


def place(name: str, shape: tuple[int, ...], flat: int) -> str:
    return f"{name}[{', '.join(str(i) for i in np.unravel_index(flat, shape))}]"


def entries(value: Any) -> np.ndarray | None:
    return None if is_summary(value) else np.asarray(value, dtype=float)


def edge_entries(value: Any) -> dict[tuple[int, ...], float]:
    """The entries a summary shows whole (its head and tail; of an array, those its summary
    would show), by their place."""
    if not is_summary(value):
        array = np.asarray(value, dtype=float)
        matrix, rows = array.ndim > 1, array.shape[0]
        value = {
            "shape": list(array.shape),
            "head": (array[:2, :5] if matrix else array[:5]).tolist(),
            "tail": (array[-2:, :5] if matrix else array[-5:]).tolist()
            if rows > (2 if matrix else 5)
            else [],
        }
    shape, found = value["shape"], {}
    for part, start in (("head", 0), ("tail", max(0, shape[0] - (2 if len(shape) > 1 else 5)))):
        rows = value[part] if len(shape) > 1 else [value[part]]
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                found[(start + i, j) if len(shape) > 1 else (start + j,)] = float(v)
    return found


def facts(value: Any) -> tuple[float, float, float]:
    """Norm, min and max of an array or summary."""
    if is_summary(value):
        return float(value["norm"]), float(value["min"]), float(value["max"])
    array = np.asarray(value, dtype=float)
    return norm_of(array), float(array.min()), float(array.max())


def norm_of(array: np.ndarray) -> float:
    top = float(np.max(np.abs(array), initial=0.0))
    if top == 0:
        return 0.0
    scaled = array.ravel() / top
    return top * math.sqrt(float(np.dot(scaled, scaled)))


def applied_problem(
    data: dict[str, Any], gradients: dict[str, Any], names: list[str]
) -> str | None:
    """applied = scale·∂L/∂θ, within 2·eps of each entry."""
    for name in names:
        off = mismatch(name, data["applied"][name], gradients[name], data["scale"], 2 * EPS, TINY)
        if off is not None:
            return (
                f"the update's 'applied' {name} is not scale·{name!r} of the gradients event "
                f"before it ({off})"
            )
    return None


def mismatch(
    name: str, value: Any, reference: Any, factor: float, rel: float, tiny: float
) -> str | None:
    """Where ``value`` (parameter ``name``) is not factor·``reference``: off by more than
    rel·|factor·reference| + tiny at an entry, or where either is a summary, at an entry both
    show, or in a norm by more than (N + 8)·rel of it (N entries; rel·|…| for the minima and
    maxima). rel = tiny = 0 asks for equality; None when they agree."""
    v, r = entries(value), entries(reference)
    if v is not None and r is not None:
        with np.errstate(all="ignore"):  # an edited number may overflow: it is refused
            want = factor * r
            off = np.abs(v - want)
            bad = ~(off <= rel * np.abs(want) + tiny)
        if not bad.any():
            return None
        i = int(np.argmax(np.where(bad, off, -1.0)))
        return f"{place(name, v.shape, i)} off by {off.flat[i]:.2g}"
    shown_v, shown_r = edge_entries(value), edge_entries(reference)
    (nv, low_v, high_v), (nr, low_r, high_r) = facts(value), facts(reference)
    size = math.prod(value["shape"] if v is None else v.shape)
    close = [(shown_v.get(k, math.nan), factor * x, rel) for k, x in shown_r.items()] + [
        (nv, factor * nr, (size + 8) * rel),
        (low_v, factor * low_r, rel),
        (high_v, factor * high_r, rel),
    ]
    if set(shown_v) == set(shown_r) and all(
        abs(x - y) <= tol * abs(y) + tiny for x, y, tol in close
    ):
        return None
    return "their summaries' entries, norms, minima or maxima differ"


def norm_problem(data: dict[str, Any], gradients: dict[str, Any], names: list[str]) -> str | None:
    """grad_norm = ‖∂L/∂θ‖ over every parameter."""
    norms, size, summaries = [], 0, False
    for name in names:
        value = gradients[name]
        summaries = summaries or is_summary(value)
        norms.append(facts(value)[0])
        size += math.prod(value["shape"]) if is_summary(value) else np.asarray(value).size
    total = norm_of(np.array(norms))
    tolerance = (size + 8) * EPS * (2 if summaries else 1) * total + math.sqrt(size) * 2.0**-537
    if abs(data["grad_norm"] - total) <= tolerance:
        return None
    return (
        f"the update's 'grad_norm' is {data['grad_norm']:.6g}, not the norm of the gradients "
        f"event before it, {total:.6g}"
    )


def descent_problem(data: dict[str, Any], names: list[str]) -> str | None:
    """new = old − lr·applied, within 4·eps·(|old| + |lr·applied|) of each entry."""
    lr = data["lr"]
    for name in names:
        old, applied, new = (data[key][name] for key in ("old", "applied", "new"))
        o, a, n = entries(old), entries(applied), entries(new)
        if len({o is None, a is None, n is None}) > 1:
            return f"the update's 'old', 'applied' and 'new' {name} are not written alike"
        if o is not None and a is not None and n is not None:
            with np.errstate(all="ignore"):
                step = lr * a
                want = o - step
                off = np.abs(n - want)
                bad = ~(off <= 4 * EPS * np.abs(o) + 4 * EPS * np.abs(step) + TINY)
            if bad.any():
                i = int(np.argmax(bad))
                return (
                    f"the update's 'new' is not 'old' − lr·'applied' "
                    f"({place(name, o.shape, i)} off by {float(off.flat[i]):.2g})"
                )
            continue
        problem = summary_descent(old, applied, new, lr)
        if problem is not None:
            return f"the update's 'new' {name} is not 'old' − lr·'applied' ({problem})"
    return None


def summary_descent(old: Any, applied: Any, new: Any, lr: float) -> str | None:
    """What summaries of old, applied and new allow: their shown entries, and old = new +
    lr·applied for the norms (each at most the other two), minima and maxima."""
    shown = [edge_entries(v) for v in (old, applied, new)]
    if not shown[0].keys() == shown[1].keys() == shown[2].keys():
        return "their summaries show different entries"
    for k, o in shown[0].items():
        step = lr * shown[1][k]
        if not abs(shown[2][k] - (o - step)) <= 4 * EPS * (abs(o) + abs(step)) + TINY:
            return f"the entry at {list(k)} off by {abs(shown[2][k] - (o - step)):.2g}"
    (no, lo, ho), (na, la, ha), (nn, ln, hn) = (facts(v) for v in (old, applied, new))
    na, la, ha = lr * na, lr * la, lr * ha
    size = math.prod(old["shape"] if is_summary(old) else np.shape(old))
    slack = (size + 8) * 2 * EPS * (no + na + nn) + TINY
    edge = 4 * EPS * (max(abs(lo), abs(ho)) + max(abs(la), abs(ha))) + TINY
    norms = no <= na + nn + slack and na <= no + nn + slack and nn <= no + na + slack
    if not norms:
        return "their norms"
    bounds = (
        ho <= hn + ha + edge
        and lo >= ln + la - edge
        and hn <= ho - la + edge
        and ln >= lo - ha - edge
        and ha <= ho - ln + edge
        and la >= lo - hn - edge
    )
    return None if bounds else "their minima and maxima"
