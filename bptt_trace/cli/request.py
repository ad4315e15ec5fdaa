"""The command line's values, as given: one object that the checks, the modes and the run read."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

ColorChoice = Literal["auto", "always", "never"]
"""--color: auto leaves colour to the terminal, NO_COLOR and FORCE_COLOR."""


@dataclass(frozen=True)
class Request:
    """The command line's values, as given; ``given`` names the options the user typed."""

    sentence: str | None
    lr: float
    hidden: int | None
    seed: int
    steps: int
    trace_every: int | None
    target: str | None
    activation: str | None
    loss: str
    truncate: int | None
    clip: float | None
    file: Path | None
    json_out: bool
    output: Path | None
    save: Path | None
    load: Path | None
    precision: int
    check: bool = False
    replay: Path | None = None
    export: Path | None = None
    pause: bool = False
    detail: str = "auto"
    quiet: bool = False
    color: ColorChoice = "auto"
    given: tuple[str, ...] = ()
    init: Path | None = None
    layout: str = "rows"
    cell: str | None = None
    forget_bias: float | None = None
    reset_after: bool = False
    init_scale: float = 1.0
    compare_cells: bool = False
    width: int | None = None
    only: tuple[str, ...] = ()
    chunks: int | None = None
    tbptt: str | None = None
    update_every: str | None = None
    no_pager: bool = False
