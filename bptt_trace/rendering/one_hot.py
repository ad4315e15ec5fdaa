"""The one-hot inputs folded to the width without hiding a 1: the columns of the tokens the
table lists are kept first (then the first token's, and as many of the last ones as fit), the
others fold into ⋯ columns named below; a row whose own column had to fold anyway (too many
tokens for the width) shows its 1 in the ⋯ column that stands for it."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.console import Console, ConsoleOptions
from rich.table import Table
from rich.text import Text

from .folding import GAP, Folded, Steps, width_of
from .gaps import runs, with_gaps


def gap_ranges(steps: Steps, n: int) -> dict[int, tuple[int, int]]:
    """For each ⋯ column of ``steps`` (by its position), the columns (from, to) it stands for."""
    out: dict[int, tuple[int, int]] = {}
    for p, k in enumerate(steps):
        if k is None:
            before = next((s for s in reversed(steps[:p]) if s is not None), -1)
            after = next((s for s in steps[p + 1 :] if s is not None), n)
            out[p] = (before + 1, after - 1)
    return out


def one_hot_cells(steps: Steps, folded: dict[int, tuple[int, int]], j: int) -> list[Text]:
    """A one-hot row with its 1 at column ``j``: 1 in j's column, or in the ⋯ column standing
    for j; 0 in the others, ⋯ in the other gaps."""
    cells = []
    for p, k in enumerate(steps):
        if k is None:
            low, high = folded[p]
            cells.append(Text("1", "bold") if low <= j <= high else Text(GAP, "note"))
        else:
            cells.append(Text("1", "bold") if k == j else Text("0", "dim"))
    return cells


class OneHot(Folded):
    """A ``Folded`` one-hot table whose kept columns are ``listed`` (the tokens of its rows)
    first: the most of them that fit, then of the others."""

    def __init__(
        self,
        build: Callable[[Steps], Table],
        n: int,
        name: Callable[[int], str],
        listed: Sequence[int],
    ) -> None:
        super().__init__(build, n, name)
        order = [0, *range(n - 1, 0, -1)]  # the first, then the last ones back: as Folded
        wanted = set(listed)
        self.listed = wanted
        self.priority = [j for j in order if j in wanted] + [j for j in order if j not in wanted]

    def steps(self, console: Console, options: ConsoleOptions) -> Steps:
        """Every column if they fit; else the most of ``priority`` that fit, ⋯ between."""
        room = options.max_width
        every: Steps = list(range(self.n))
        if width_of(self.table(every), console, options) <= room:
            return every
        width = self.widths(console, options)
        for m in range(len(self.priority), 1, -1):
            steps = with_gaps(sorted(self.priority[:m]), 0, self.n - 1)
            if width(steps) <= room:
                return steps
        return with_gaps(self.priority[:1], 0, self.n - 1)

    def note(self, steps: Steps) -> Text | None:
        if None not in steps:
            return None
        kept = [k for k in steps if k is not None]
        gaps = runs(kept, 0, self.n - 1)
        names = ", ".join(
            self.name(a) if a == b else f"{self.name(a)}…{self.name(b)}" for a, b in gaps
        )
        count = sum(b - a + 1 for a, b in gaps)
        hidden = any(a <= j <= b for j in self.listed for a, b in gaps)
        ones = f"; a row whose token is folded shows its 1 in the {GAP} column" if hidden else ""
        return Text(
            f"{GAP} {names} folded ({count} of {self.n} columns){ones}; a wider --width, or "
            "--export with a larger --width, shows more; the JSON trace has them all.",
            "note",
        )
