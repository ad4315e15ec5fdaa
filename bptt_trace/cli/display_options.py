"""The Display panel's options in --help: how the tables are shown (decimals, --pause, colour,
width, the views, the pager). ``options`` has the others' panels and the way options are made."""

from typing import Annotated

import typer

from ..rendering.view_names import VIEWS
from .options import DISPLAY, flag, option
from .request import ColorChoice

Precision = Annotated[int, option(DISPLAY, "N decimals in the tables.", "N")]
Pause = Annotated[
    bool, flag(DISPLAY, "Wait for Enter after each table, time step by time step.", "--pause")
]
Quiet = Annotated[
    bool,
    flag(DISPLAY, "No progress bar, and no line on how the run ended or what it wrote.", "--quiet"),
]
Color = Annotated[
    ColorChoice,
    option(
        DISPLAY,
        "Colour in the tables; auto: on a terminal, unless NO_COLOR is set or FORCE_COLOR is.",
    ),
]
WIDTH_MIN, WIDTH_MAX = 40, 1000
Width = Annotated[
    int | None,
    typer.Option(
        help="Lay the tables out for N columns, on the terminal and in --export (default: the "
        "terminal's width; an export as wide as its widest table needs).",
        metavar="N",
        rich_help_panel=DISPLAY,
        min=WIDTH_MIN,
        max=WIDTH_MAX,
    ),
]


def views_named(values: list[str] | None) -> list[str] | None:
    """--only's values, each a view or a comma-separated list of them (as ruff's --select):
    ``--only forward,backward`` is ``--only forward --only backward``."""
    if values is None:
        return None
    names = [name.strip() for value in values for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in VIEWS]
    if unknown or not names:
        what = f"{unknown[0]!r} is not a view" if unknown else "no view named"
        raise typer.BadParameter(f"{what}; choose from {', '.join(VIEWS)}", param_hint="--only")
    return list(dict.fromkeys(names))


Only = Annotated[
    list[str] | None,
    typer.Option(
        help=f"Show only these views ({', '.join(VIEWS)}), comma-separated or repeated: "
        "--only forward,backward. On the terminal, in --export and under --pause.",
        metavar="VIEW,…",
        rich_help_panel=DISPLAY,
        callback=views_named,
    ),
]

NoPager = Annotated[
    bool,
    flag(
        DISPLAY,
        "Write the tables straight to the terminal, never through the pager ($PAGER, else "
        "less with LESS=FRX) that takes them when they are longer than the screen.",
        "--no-pager",
    ),
]
