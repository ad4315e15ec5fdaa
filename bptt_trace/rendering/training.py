"""After training: the loss curve (the predictions before and after: ``predictions``)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rich.text import Text

from .predictions import TopColumn as TopColumn  # re-exported
from .predictions import predictions_table as predictions_table  # re-exported
from .theme import fmt_loss, plural

PLOT_MAX = 120
"""The loss curve is at most this many columns wide."""

LOG_DECADES = 2.0
"""The loss axis is logarithmic when the largest loss is more than 10² times the smallest."""

MARK, BAR = "●", "│"


@dataclass(frozen=True)
class Bin:
    """The losses of the steps drawn in one column: lowest, mean and highest."""

    low: float
    mean: float
    high: float
    count: int

    @staticmethod
    def of(values: Sequence[float]) -> Bin | None:
        finite = [v for v in values if math.isfinite(v)]
        if not finite:
            return None
        scale = max(abs(v) for v in finite) or 1.0  # the mean of ±1.7e308 must not overflow
        mean = math.fsum(v / scale for v in finite) / len(finite) * scale
        return Bin(min(finite), mean, max(finite), len(finite))


@dataclass(frozen=True)
class Axis:
    """The loss axis: ``position`` is 0 at ``bottom`` and 1 at ``top``, linear or log10."""

    top: float
    bottom: float
    log: bool

    @staticmethod
    def of(losses: Sequence[float]) -> Axis:
        finite = [v for v in losses if math.isfinite(v)] or [0.0]
        top, bottom = max(finite), min(finite)
        positive = [v for v in finite if v > 0]
        if bottom >= 0 and positive and math.log10(top / min(positive)) > LOG_DECADES:
            return Axis(top, min(positive), True)
        return Axis(top, bottom, False)

    @property
    def flat(self) -> bool:
        return self.top == self.bottom

    def position(self, v: float) -> float:
        if self.flat:
            return 0.5
        if self.log:
            low, high = math.log10(self.bottom), math.log10(self.top)
            return (math.log10(max(v, self.bottom)) - low) / (high - low)
        scale = max(abs(self.top), abs(self.bottom))  # no top − bottom: it may overflow
        return (v / scale - self.bottom / scale) / (self.top / scale - self.bottom / scale)

    def value(self, position: float) -> float:
        """The loss at ``position``, always within [bottom, top]: near the largest float a
        power of ten or a product rounded up would leave the floats (OverflowError, inf)."""
        if self.flat or position >= 1.0:
            return self.top
        if position <= 0.0:
            return self.bottom
        if self.log:
            low, high = math.log10(self.bottom), math.log10(self.top)
            try:
                found = 10 ** (low + position * (high - low))
            except OverflowError:  # log10(top) rounded up past the largest float's
                return self.top
        else:
            scale = max(abs(self.top), abs(self.bottom))
            b, t = self.bottom / scale, self.top / scale
            found = min(b + position * (t - b), 1.0) * scale
        return min(max(found, self.bottom), self.top)


class LossCurve:
    """The loss at each training step, one column per step or per run of steps.

    A column covering several steps draws their range, lowest to highest (│), and marks their
    mean (●); the axis is logarithmic when the loss spans more than two decades.
    """

    def __init__(
        self, steps: Sequence[int], losses: Sequence[float], height: int = 10, precision: int = 4
    ) -> None:
        self.steps = list(steps)
        self.losses = [float(v) for v in losses]
        self.height = max(2, height)
        self.precision = precision

    def bins(self, width: int) -> list[Bin | None]:
        """The steps on ``width`` columns: runs of steps a column, or spread out if fewer."""
        n = len(self.losses)
        if n <= 1:
            return [Bin.of(self.losses)] if n else []
        if n <= width:
            columns: list[Bin | None] = [None] * width
            for i, v in enumerate(self.losses):
                columns[round(i * (width - 1) / (n - 1))] = Bin.of([v])
            return columns
        return [Bin.of(self.losses[c * n // width : (c + 1) * n // width]) for c in range(width)]

    def row(self, axis: Axis, v: float) -> int:
        """The row (0 at the top) that draws the loss ``v``."""
        return round((1 - axis.position(v)) * (self.height - 1))

    def tick_rows(self, axis: Axis) -> list[int]:
        middle = (self.height - 1) // 2
        return [middle] if axis.flat else [0, middle, self.height - 1]

    def __rich_console__(self, console: Any, options: Any) -> Any:
        if not self.losses:
            return
        axis = Axis.of(self.losses)
        h = self.height
        ticks = {
            r: fmt_loss(axis.value(1 - r / (h - 1)), self.precision) for r in self.tick_rows(axis)
        }
        label = max(len(t) for t in ticks.values())
        width = max(1, min(options.max_width - label - 2, PLOT_MAX))
        bins = self.bins(width if len(self.losses) > 1 else 1)
        grid = [[" "] * len(bins) for _ in range(h)]
        for c, b in enumerate(bins):
            if b is None:
                continue
            top, mean, bottom = (self.row(axis, v) for v in (b.high, b.mean, b.low))
            for r in range(top, bottom + 1):
                grid[r][c] = MARK if r == mean else BAR
        first, last = self.steps[0], self.steps[-1]
        yield Text(
            f"Loss curve · the loss L at each training step, {first}–{last}"
            if first != last
            else f"Loss curve · the loss L at training step {first}",
            "title",
        )
        yield Text("loss (log scale)" if axis.log else "loss", "note")
        for r in range(h):
            tick = ticks.get(r, "")
            line = Text(f"{tick:>{label}} {'┤' if tick else '│'}", "note")
            for ch in grid[r]:
                line.append(ch, "curve.mean" if ch == MARK else "curve.range")
            yield line
        yield Text(f"{'':>{label}} └" + "─" * len(bins), "note")
        yield from self.step_labels(label + 2, len(bins))
        yield from self.notes(axis, bins)

    def step_labels(self, indent: int, width: int) -> list[Text]:
        """The first and last step under the ends of the axis, and the axis's name."""
        first, last, name = str(self.steps[0]), str(self.steps[-1]), "training step"
        pad = " " * indent
        if len(self.losses) == 1 or first == last:
            return [Text(f"{pad}{first} ({name})", "note")]
        if width >= len(first) + len(name) + len(last) + 4:
            inner = width - len(first) - len(last)
            return [Text(f"{pad}{first}{name:^{inner}}{last}", "note")]
        ends = f"{first}{last:>{max(width - len(first), len(last) + 1)}}"
        return [Text(pad + ends, "note"), Text(f"{pad}{name:^{len(ends)}}", "note")]

    def notes(self, axis: Axis, bins: Sequence[Bin | None]) -> list[Text]:
        counts = [b.count for b in bins if b is not None]
        notes = []
        if counts and max(counts) > 1:
            many = (
                f"{min(counts)}" if min(counts) == max(counts) else f"{min(counts)}–{max(counts)}"
            )
            notes.append(
                f"Each column covers {many} consecutive steps: {BAR} spans their lowest to highest "
                f"loss, {MARK} marks their mean."
            )
        zeros = sum(1 for v in self.losses if v == 0)
        if axis.log and zeros:
            were = "is" if zeros == 1 else "are"
            notes.append(
                f"{plural(zeros, 'step')} with a loss of exactly 0 {were} drawn on the bottom line."
            )
        return [Text(" ".join(notes), "note")] if notes else []
