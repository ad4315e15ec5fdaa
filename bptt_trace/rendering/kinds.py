"""The kinds of a table's columns (see ``tables``), apart so that ``layouts`` needs no more."""

from __future__ import annotations

from typing import Any, Protocol

from rich.table import Column

LABEL, TOKEN, VALUES = "label", "token", "values"


class NotedTableLike(Protocol):
    """What the layouts read of a NotedTable (``tables.NotedTable``)."""

    kinds: list[str]
    columns: list[Column]
    rows: list[Any]
    box: Any

    def __init__(self, *args: Any, **kwargs: Any) -> None: ...

    def add_kind(self, heading: str, kind: str) -> None: ...

    def add_row(self, *cells: Any) -> None: ...

    def add_section(self) -> None: ...

    def fits(self, console: Any, options: Any) -> bool: ...
