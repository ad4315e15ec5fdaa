"""The exercise's rules of the parameters: each time step's outer-product contribution with hₜ₋₁,
each running sum, and each parameter's update (see ``exercise_rules``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..core.cells.declaration import Cell, Outer, Total
from .exercise_rules import Input, Mistake, Rule


def param_rules(cell: Cell) -> list[Rule]:
    """Each contribution that is an outer product with hₜ₋₁, each running sum, each update."""
    rules = []
    for spec in cell.params:
        grad, sym = spec.grad, spec.symbol
        if isinstance(grad, Outer) and grad.left == "h_prev":
            right = grad.right
            delta = cell.symbols.get(right, right)  # with its {t}: ∂L/∂a₃
            rules.append(
                Rule("contributions", f"d{spec.name}", "backward",
                     f"time step {{k}}'s contribution to ∂L/∂{sym}", f"h{{p}}ᵀ·{delta}",
                     (Input("backward", 0, "h_prev", "h{p}"), Input("backward", 0, right, delta)),
                     outer("h_prev", right),
                     (Mistake("h_for_h_prev", "you used h{t} where h{p} goes: the contribution "
                              f"to ∂L/∂{sym} is h{{p}}ᵀ·{delta}",
                              lambda g, t, r=right: np.outer(g("forward", t, "h"),
                                                             g("backward", t, r))),))
            )  # fmt: skip
        if isinstance(grad, Outer | Total):
            part = f"d{spec.name}" if isinstance(grad, Outer) else grad.key
            rules.append(
                Rule("contributions", f"sum_{spec.name}", "backward",
                     f"the running sum of ∂L/∂{sym} after time step {{k}}",
                     f"(the running sum after time step {{next}}) + (time step {{k}}'s "
                     f"contribution to ∂L/∂{sym})",
                     (Input("backward", 1, f"sum_{spec.name}", "the sum after time step {k}"),
                      Input("backward", 0, part, "time step {k}'s contribution")),
                     added(f"sum_{spec.name}", part),
                     (Mistake("no_running_sum", "you left out the running sum so far: each "
                              "time step adds its contribution to the sum after time step {next}",
                              lambda g, t, p=part: g("backward", t, p)),))
            )  # fmt: skip
    return rules


def update_rules(names: Sequence[tuple[str, str]]) -> list[Rule]:
    return [
        Rule("update", "new", "new", f"new {sym}", f"new {sym} = old {sym} − α·∂L/∂{sym}",
             (Input("old", 0, name, f"old {sym}"), Input("applied", 0, name, f"∂L/∂{sym}")),
             lambda g, t, n=name: g("old", 0, n) - g("lr", 0, "") * g("applied", 0, n),
             (Mistake("plus", "you added α·∂L/∂θ: the update goes against the gradient, "
                      "θ − α·∂L/∂θ", lambda g, t, n=name: g("old", 0, n) + g("lr", 0, "")
                      * g("applied", 0, n)),
              Mistake("no_lr", "you left out the learning rate α",
                      lambda g, t, n=name: g("old", 0, n) - g("applied", 0, n))),
             param=name)
        for name, sym in names
    ]  # fmt: skip


def outer(left: str, right: str) -> Any:
    return lambda g, t: np.outer(g("backward", t, left), g("backward", t, right))


def added(total: str, part: str) -> Any:
    return lambda g, t: g("backward", t + 1, total) + g("backward", t, part)
