"""An exercise: cells of one view of a traced step hidden as blanks (A, B, …), each computable
from numbers that are shown, chosen the same way every time from the trace's events.

The exercise reads only events (a live run's or a replayed trace's alike, so that a trace
replayed gives the exercise of its run): the first traced step, its first sentence. A blank
is a field of an event (``field``, as the JSON trace names it) at a time step; its value is
the trace's own. Blanks are drawn with the run's seed: ``--blanks N`` and ``--seed`` vary them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.cells import make_cell
from ..core.cells.declaration import Cell
from ..core.jacobians import subscript
from ..errors import InputError
from .events import BackwardEvent, Event, ForwardEvent, RunEvent, UpdateEvent
from .exercise_gated import gated_rules
from .exercise_params import param_rules, update_rules
from .exercise_places import Place, follows, shown_in, shown_places
from .exercise_rules import Input, Rule, cell_rules
from .summary import is_summary

VIEWS = ("forward", "backward", "contributions", "update")
MAX_ENTRIES = 64
"""A blank holds at most this many numbers (a learner types them)."""


class Numbers:
    """The numbers of the first traced step of the first sentence, by where the trace has them."""

    def __init__(self, events: Iterable[Event]) -> None:
        self.run: RunEvent | None = None
        self.forward: dict[int, ForwardEvent] = {}
        self.backward: dict[int, BackwardEvent] = {}
        self.update: UpdateEvent | None = None
        step = None
        for e in events:
            if isinstance(e, RunEvent) and self.run is None:
                self.run = e
            elif isinstance(e, ForwardEvent | BackwardEvent) and e.sentence == 0:
                step = e.step if step is None else step
                if e.step == step:
                    target = self.forward if isinstance(e, ForwardEvent) else self.backward
                    target[e.t] = e  # type: ignore[assignment]
            elif isinstance(e, UpdateEvent) and e.step == step and self.update is None:
                self.update = e
        if self.run is None or not self.backward or self.update is None:
            raise InputError(
                "the trace holds no whole traced step to make an exercise of; replay a trace "
                "that got through its first update"
            )
        self.step = step or 1
        self.config: Mapping[str, Any] = self.run.config
        self.cell: Cell = make_cell(self.config)
        self.T = max(self.forward)
        self.tokens = [self.forward[t].token for t in sorted(self.forward)]

    def get(self, where: str, t: int, key: str) -> np.ndarray:
        """The number; KeyError when the trace has none there (or only a summary)."""
        value: Any
        if where == "lr":
            return np.asarray(self.update.lr if self.update else 0.0)
        if where in ("old", "applied", "new", "param"):
            value = getattr(self.update, "old" if where == "param" else where)[key]
        elif where == "forward":
            e = self.forward[t]
            value = e.h if key == "h" else e.terms[key]
        else:
            b = self.backward[t]
            value = getattr(b, key) if key.startswith("dh") else b.terms[key]
        if value is None or is_summary(value):
            raise KeyError(key)
        return np.asarray(value, dtype=float)


def spell(template: str, t: int, **more: str) -> str:
    """A rule's template at time step t: {t}, {p}, {n} the subscripts of t, t − 1, t + 1;
    {k} and {next} the numbers t and t + 1."""
    return template.format(
        t=subscript(t), p=subscript(t - 1), n=subscript(t + 1), k=t, next=t + 1, **more
    )


@dataclass(frozen=True, eq=False)
class Blank:
    id: str
    rule: Rule
    t: int
    value: np.ndarray
    inputs: tuple[tuple[Input, int, np.ndarray], ...]
    """Each input, its own time step and its value."""
    twins: tuple[Place, ...] = ()
    """Other places of the view that show the same number (alike to the shown decimals): hidden
    with it, under its name."""

    @property
    def place(self) -> Place:
        return (self.rule.where, self.t, self.rule.param or self.field)

    @property
    def hides(self) -> tuple[Place, ...]:
        return (self.place, *self.twins)

    @property
    def field(self) -> str:
        return self.rule.field


@dataclass(frozen=True, eq=False)
class Exercise:
    view: str
    numbers: Numbers
    blanks: tuple[Blank, ...]
    asked: int = 0
    """The blanks asked for (--blanks): more than ``blanks`` when the view has fewer numbers
    that can be hidden at once (each computable from those shown, none another's input)."""

    def given(self) -> list[tuple[Input, int, np.ndarray]]:
        """The inputs of the blanks that the view's tables do not show, each once."""
        seen: dict[tuple[str, int, str], tuple[Input, int, np.ndarray]] = {}
        for blank in self.blanks:
            for inp, t, value in blank.inputs:
                if not shown_in(self.view, inp):
                    seen.setdefault((inp.where, t, inp.key), (inp, t, value))
        return list(seen.values())


def rules_of(numbers: Numbers) -> list[Rule]:
    cell, config = numbers.cell, numbers.config
    update = numbers.update
    names = [(spec.name, spec.symbol) for spec in cell.params]
    names += [("V", "V"), ("b_output", "b_output")]
    names = [(n, s) for n, s in names if update is not None and n in update.old]
    return [
        *cell_rules(cell.name, str(config.get("activation", "tanh"))),
        *gated_rules(cell),
        *param_rules(cell),
        *update_rules(names),
    ]


def candidates(numbers: Numbers, view: str, rules: list[Rule], precision: int) -> list[Blank]:
    """Every blank the view could have: its inputs all in the trace, its value not all zero
    and not readable from one of its inputs (within 5 units of the shown decimals)."""
    floor = 0.5 * 10.0**-precision
    shown = shown_places(numbers, view)
    found = []
    times = [0] if view == "update" else sorted(numbers.forward)
    for rule in rules:
        if rule.view != view:
            continue
        for t in times:
            try:
                value = numbers.get(rule.where, t, rule.param or rule.field)
                inputs = tuple(
                    (inp, t + inp.dt, numbers.get(inp.where, t + inp.dt, inp.key))
                    for inp in rule.inputs
                )
            except KeyError:
                continue
            if value.size > MAX_ENTRIES or np.all(np.abs(value) <= 10 * floor):
                continue
            if not follows(rule, numbers, t, value):
                continue
            if any(v.shape == value.shape and np.all(np.abs(v - value) <= 10 * floor)
                   for _, _, v in inputs):  # fmt: skip
                continue
            near = [
                (place, other)
                for place, other in shown
                if place != (rule.where, t, rule.param or rule.field)
                and other.shape == value.shape
                and np.all(np.abs(other - value) <= 10 * floor)
            ]
            alike = np.round(value, precision)  # (as the tables print it)
            twins = tuple(
                place for place, other in near if np.array_equal(np.round(other, precision), alike)
            )
            if len(twins) < len(near):  # another number shown nearly as its own: read off, or
                continue  # taken for it (the LSTM's new b_o beside a hidden new b_i)
            found.append(Blank("", rule, t, value, inputs, twins))
    return found


def choose(numbers: Numbers, view: str, count: int, precision: int = 4) -> Exercise:
    """``count`` blanks of the view (fewer if it has fewer), drawn with the run's seed; none is
    an input of another; for the LSTM's backward pass one is ∂L/∂cₜ when it has one."""
    if view not in VIEWS:
        raise InputError(f"--exercise {view}: the views are {', '.join(VIEWS)}")
    rules = rules_of(numbers)
    pool = candidates(numbers, view, rules, precision)
    if not pool:
        raise InputError(
            f"--exercise {view}: this run has no number there to hide that the others give "
            f"(at most {MAX_ENTRIES} entries, not all zero); try another view, seed or --hidden"
        )
    seed = int(numbers.config.get("seed", 0) or 0)
    rng = np.random.default_rng([abs(seed), VIEWS.index(view), 23])
    order = [pool[k] for k in rng.permutation(len(pool))]
    order.sort(key=lambda c: c.field != "dc")  # stable: ∂L/∂cₜ first, if any
    chosen: list[Blank] = []
    for strict in (True, False):
        for c in order:
            if len(chosen) >= count or any(c is o for o in chosen):
                continue
            if strict and any(o.field == c.field for o in chosen):
                continue
            if not any(depends(c, o) or depends(o, c) for o in chosen):
                chosen.append(c)
    rows = {id(rule): k for k, rule in enumerate(rules)}
    backwards = view in ("backward", "contributions")
    chosen.sort(key=lambda c: (-c.t if backwards else c.t, rows[id(c.rule)]))
    named = tuple(
        Blank(label_id(k), c.rule, c.t, c.value, c.inputs, c.twins) for k, c in enumerate(chosen)
    )
    return Exercise(view, numbers, named, count)


def depends(a: Blank, b: Blank) -> bool:
    """Whether ``b`` hides one of ``a``'s inputs (or the same number)."""
    needed = {*a.hides, *((inp.where, t, inp.key) for inp, t, _ in a.inputs)}
    return any(place in needed for place in b.hides)


def label_id(k: int) -> str:
    return chr(ord("A") + k) if k < 26 else f"A{k - 25}"
