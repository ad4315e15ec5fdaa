"""The base of every event: its fields, its JSON form, and its arrays summarised at a detail.

A field named in ``spliced`` is a mapping whose items are JSON fields of their own (the
parameters by name, or a cell's per-time-step quantities), so that what a cell declares becomes
fields without a class per cell.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from functools import cache
from typing import Any, ClassVar

import numpy as np

from .summary import Memo, compact


def to_plain(value: Any) -> Any:
    """NumPy arrays and scalars to lists and Python numbers, recursively."""
    if type(value) in PLAIN:  # the most common case first: a number, a string, None
        return value
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        if value.get("summary") is True:
            return value  # summaries are made of plain Python values already
        return {key: to_plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        if value and all(type(item) in PLAIN for item in value):
            return list(value)
        return [to_plain(item) for item in value]
    return value


PLAIN = frozenset((bool, int, float, str, type(None)))


@cache
def field_names(cls: type) -> tuple[str, ...]:
    """The names of a dataclass's fields, in order (looked up once per event type)."""
    return tuple(field.name for field in fields(cls))


@dataclass(frozen=True)
class Event:
    """Base of every event; ``kind`` is the value of the JSON "event" field."""

    kind: ClassVar[str] = ""
    whole: ClassVar[tuple[str, ...]] = ()
    """Fields written whole at every detail (they are bounded by construction)."""
    spliced: ClassVar[str | None] = None
    """The field whose items are written as fields of their own, in its place."""

    def compacted(self, detail: str, memo: Memo | None = None) -> Event:
        """This event with its too-large arrays replaced by summaries (see ``summary``; an
        array summarised in ``memo`` is not summarised again)."""
        changes = {
            name: compact(getattr(self, name), detail, memo)
            for name in field_names(type(self))
            if name not in self.whole
        }
        return replace(self, **changes)

    def to_json(self, detail: str = "auto") -> dict[str, Any]:
        data: dict[str, Any] = {"event": self.kind}
        whole = self.whole
        for name in field_names(type(self)):
            value = getattr(self, name)
            if name not in whole:
                value = compact(value, detail)
            if name == self.spliced:
                data.update((key, to_plain(item)) for key, item in value.items())
            else:
                data[name] = to_plain(value)
        return data
