"""The view of ``--diff``: the config and vocabulary differences, then every quantity that
differs, with its largest difference and where the two traces first part: the line, step,
sentence (counted from 1, as in the tables) and t, the entry, and its two sides.

Every cell past the quantity's name is text that wraps at its spaces, so the table's layouts
(``tables``) keep every number whole at any width: beside the name, on rows of their own, or
below it.
"""

from __future__ import annotations

import json
import math
from typing import Any

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.measure import Measurement
from rich.text import Text

from ..trace.diff import Quantity, TraceDiff
from .tables import Values, noted_table

PLACES = ("step", "sentence", "t")

WHERE_MIN = 24
"""The least width of the column of places: narrower, they go below their quantity."""


def diff_view(result: TraceDiff, first: str, second: str) -> RenderableType:
    parts: list[RenderableType] = []
    for key, (a, b) in result.config.items():
        a_json, b_json = (json.dumps(v, ensure_ascii=False) for v in (a, b))  # null, not None
        parts.append(Text(f"config {key}: {a_json} in {first}, {b_json} in {second}"))
    if result.vocab is not None:
        parts.append(Text(vocab_line(*result.vocab, first, second)))
    for kind, (n, m) in result.unpaired.items():
        parts.append(Text(f"{kind} events: {n} in {first}, {m} in {second}"))
    table = noted_table(
        f"Quantities that part beyond {result.tolerance:g} relative",
        "quantity",
        "max |diff|",
        "max rel",
        Values("first parts at"),
        caption=(
            "Events paired by type and order; line numbers are those of the first trace; "
            "sentences count from 1, entries from 0; — : no numbers compared (the field holds "
            "none, or says which event it is: step, sentence, t, chunk and window are compared "
            "as structure)."
        ),
    )
    table.columns[-1].min_width = WHERE_MIN
    for q in result.quantities.values():
        if q.first is not None:
            table.add_row(Text(q.name, "label"), *differences(q), where(q, first, second))
    if table.row_count:
        parts.append(table)
    verdict = "✓ equal within the tolerance" if result.equal else "✗ the traces differ"
    parts.append(Text(verdict, "status.ok" if result.equal else "status.bad"))
    return Group(*parts)


def differences(q: Quantity) -> tuple[str, str]:
    """The largest absolute and relative differences as shown: none for a field without
    numbers, and a difference past the largest float as such."""
    if q.numbers == 0:
        return "—", "—"
    shown = f"{q.max_abs:.2e}" if math.isfinite(q.max_abs) else "> 1.8e+308"
    return shown, f"{q.max_rel:.2e}"


def where(q: Quantity, first: str, second: str) -> Phrases:
    """Where the two first part and how; then, if it comes later, the first difference in
    structure."""
    assert q.first is not None
    phrases = described(q.first, first, second)
    if q.structure is not None and q.structure != q.first:
        phrases[-1] += ";"
        phrases += ["in structure first at", *described(q.structure, first, second)]
    return Phrases(phrases)


def described(at: dict[str, Any], first: str, second: str) -> list[str]:
    """``line 14, step 1, sentence 1, entry W[0][1]``, and a difference in structure in words
    (``: 'cat' in a.jsonl, '<eos>' in b.jsonl``), in phrases that stay whole."""
    places = [f"line {at['line']}"]
    for key in PLACES:
        if key in at:
            places.append(f"{key} {at[key] + 1 if key == 'sentence' else at[key]}")
    if at.get("entry"):
        places.append(f"entry {path_text(at['entry'])}")
    phrases = [f"{p}," for p in places[:-1]] + places[-1:]
    if at.get("structure"):  # the two numbers of a difference in numbers are in the JSON
        phrases[-1] += ":"
        phrases += [f"{at['in_first']} in {first},", f"{at['in_second']} in {second}"]
    return phrases


class Phrases:
    """Phrases laid out as many to a line as fit, each whole where it fits on a line of its
    own (``step 2``, ``entry W[0][1]`` never part); a longer one wraps at its spaces."""

    def __init__(self, phrases: list[str]) -> None:
        self.phrases = phrases

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        widths = [cell_len(p) for p in self.phrases]
        return Measurement(max(widths), sum(widths) + len(widths) - 1)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        line = ""
        for phrase in self.phrases:
            if line and cell_len(line) + 1 + cell_len(phrase) > options.max_width:
                yield Text(line, overflow="fold")
                line = ""
            line = f"{line} {phrase}" if line else phrase
        if line:
            yield Text(line, overflow="fold")


def path_text(path: list[str | int]) -> str:
    """``W[0][1]``: keys by name (quoted if not a plain name), positions in brackets."""
    out = ""
    for step in path:
        if isinstance(step, int):
            out += f"[{step}]"
        elif step.isidentifier():
            out += f".{step}" if out else step
        else:
            out += f"[{step!r}]"
    return out


def vocab_line(a: list[str], b: list[str], first: str, second: str) -> str:
    """How the vocabularies differ: their sizes, and the first token that differs."""
    line = f"vocab: {len(a)} tokens in {first}, {len(b)} in {second}"
    at = next((i for i, (u, v) in enumerate(zip(a, b, strict=False)) if u != v), None)
    if at is not None:
        line += f"; token {at} is {a[at]!r} in {first}, {b[at]!r} in {second}"
    return line
