"""The --help screen (and -h), drawn without Rich.

Typer's Rich help imports ``rich.markdown`` (markdown_it), ``rich.traceback`` (pygments) and
more, and lays its panels out with Rich tables: more CPU than ``import numpy`` for a page of
text. This screen is drawn from the same Click command Typer builds: its parameters in their
order, each one's ``rich_help_panel``, names, placeholder or choices, help and default as
Typer shows them, under the same panel titles in the same order, framed as Typer frames them
(box-drawing characters), wrapped to the width of the terminal. Nothing here lists an option.

Colour only on a terminal, without NO_COLOR: bold names and titles, dim frames, plain ANSI.
"""

from __future__ import annotations

import os
import re
import sys
import unicodedata
from typing import Any

from ..rendering.screen_size import user_terminal_columns

ARGUMENTS, OPTIONS = "Arguments", "Options"
"""Typer's titles of the panels of arguments and options that name none."""
MIN_WIDTH, MAX_WIDTH, OFF_TERMINAL = 60, 200, 80
MIN_HELP = 30
"""The narrowest help column beside the names; narrower, a panel puts the help below them."""
TAG = re.compile(r"(\\*)\[([a-z#/@][^[]*?)]")
"""A tag of Rich's markup, with the backslashes before it (Rich's own pattern)."""
BOLD, DIM = "1", "2"


def screen_width() -> int:
    """COLUMNS, else the width of stdout's terminal, else of the terminal the user sits at
    (stderr's, stdin's: ``bptt-trace --help | less``), else 80; within 60 to 200 columns."""
    columns = os.environ.get("COLUMNS", "").strip()
    width = int(columns) if columns.isdigit() and int(columns) > 0 else terminal_columns()
    return min(max(width or OFF_TERMINAL, MIN_WIDTH), MAX_WIDTH)


def terminal_columns() -> int | None:
    """stdout's terminal's width, else that of the terminal the user sits at (a pipe)."""
    try:
        if os.isatty(1):
            return os.get_terminal_size(1).columns or None
    except OSError:
        pass
    return user_terminal_columns()


def colour_wanted() -> bool:
    """On a terminal, unless NO_COLOR is set (to anything but nothing)."""
    try:
        on_terminal = sys.stdout.isatty()
    except (AttributeError, ValueError, OSError):
        return False
    return on_terminal and not os.environ.get("NO_COLOR")


def cells(text: str) -> int:
    """Columns ``text`` takes on a terminal: a combining mark none, a wide character two."""
    if text.isascii():
        return len(text)
    return sum(
        0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        for ch in text
    )


def plain(markup: str) -> str:
    """Rich markup as Rich shows it: a tag dropped, an escaped one (``\\[y]``) kept as text."""

    def shown(match: re.Match[str]) -> str:
        backslashes, escaped = divmod(len(match.group(1)), 2)
        return "\\" * backslashes + (f"[{match.group(2)}]" if escaped else "")

    return TAG.sub(shown, markup)


def wrap(text: str, width: int) -> list[str]:
    """``text``'s lines, each wrapped at spaces to ``width`` columns (a word wider than that
    broken, never cut off); an empty line stays."""
    width = max(width, 2)
    lines: list[str] = []
    for line in text.split("\n"):
        current, used = "", 0  # the line so far, and its columns
        for word in line.split():
            size = cells(word)
            while size > width:  # only a word wider than the whole column
                if current:
                    lines.append(current)
                    current, used = "", 0
                cut = len(word)
                while cut > 1 and cells(word[:cut]) > width:
                    cut -= 1
                lines.append(word[:cut])
                word = word[cut:]
                size = cells(word)
            if current and used + 1 + size <= width:
                current, used = f"{current} {word}", used + 1 + size
            else:
                lines += [current] if current else []
                current, used = word, size
        lines.append(current)
    return lines


def hanging(text: str, width: int, indent: int = 2) -> list[str]:
    """A line of text wrapped to ``width``, the lines after the first indented by ``indent``."""
    first, *rest = wrap(text, width) or [""]
    more = wrap(" ".join(rest), width - indent) if rest else []
    return [first, *(" " * indent + line for line in more)]


class Painter:
    """ANSI styles, or none: the text's width is always measured without them."""

    def __init__(self, on: bool) -> None:
        self.on = on

    def __call__(self, text: str, style: str) -> str:
        return f"\x1b[{style}m{text}\x1b[0m" if self.on and text else text


def padded(text: str, width: int) -> str:
    return text + " " * (width - cells(text))


def parameter_help(param: Any, ctx: Any) -> str:
    """The help text as Typer's Rich help shows it: paragraphs a line each, then the default
    (Typer's own choice of whether and how) and whether the parameter is required."""
    paragraphs = (param.help or "").split("\n\n")
    words = [plain(" ".join(p.split())) for p in paragraphs if p.strip()]
    if hasattr(param, "_extract_default_help_str"):  # Typer's parameters
        default = param._extract_default_help_str(ctx=ctx)
        as_text = isinstance(param.show_default, str)
        if as_text or (default is not None and (param.show_default or ctx.show_default)):
            shown = param._get_default_string(
                ctx=ctx, show_default_is_str=as_text, default_value=default
            )
            if shown:
                words.append(f"[default: {shown}]")
    if param.required:
        words.append("[required]")
    return "\n".join(words)


def columns_of(param: Any, ctx: Any) -> tuple[str, str, str, str]:
    """A parameter's long names, short names, placeholder (its choices, its range) and help."""
    if param.param_type_name == "argument":
        return param.metavar or param.name or "", "", "", parameter_help(param, ctx)
    long = ",".join(name for name in param.opts if name.startswith("--"))
    short = ",".join(name for name in param.opts if not name.startswith("--"))
    if param.secondary_opts:
        long += "/" + ",".join(param.secondary_opts)
    metavar = param.make_metavar(ctx=ctx)
    metavar = "" if "bool" in metavar.lower() else metavar
    describe = getattr(param.type, "_describe_range", None)
    if describe is not None and not (param.count and param.type.min == 0):
        metavar = f"{metavar} [{describe()}]".strip()
    return long, short, metavar, parameter_help(param, ctx)


def panels(command: Any, ctx: Any) -> dict[str, list[tuple[str, str, str, str]]]:
    """The parameters shown, by panel, in Typer's order: arguments first, then options; in
    each, the unnamed panel first, then the named ones in the order they first appear."""
    arguments: dict[str, list[Any]] = {ARGUMENTS: []}
    options: dict[str, list[Any]] = {OPTIONS: []}
    for param in command.get_params(ctx):
        if getattr(param, "hidden", False):
            continue
        is_argument = param.param_type_name == "argument"
        named = getattr(param, "rich_help_panel", None) or (ARGUMENTS if is_argument else OPTIONS)
        (arguments if is_argument else options).setdefault(named, []).append(param)
    return {
        title: [columns_of(param, ctx) for param in params]
        for title, params in (*arguments.items(), *options.items())
        if params
    }


def beside(text: str, width: int) -> list[str]:
    """A parameter's help in a column: on one line with its default when both fit (as
    Typer's columns put them), else each part from a new line."""
    one = wrap(text.replace("\n", " "), width)
    return one if len(one) == 1 else wrap(text, width)


def panel(
    title: str, rows: list[tuple[str, str, str, str]], width: int, paint: Painter
) -> list[str]:
    """One panel framed as Typer frames it: names, placeholders and help side by side when
    the help keeps MIN_HELP columns, else each help below its names."""
    inner = width - 4
    widths = [max(cells(row[i]) for row in rows) for i in range(3)]
    left = sum(w + 2 for w in widths[1:] if w) + widths[0]
    body: list[str] = []
    for names, short, metavar, text in rows:
        head = [(names, BOLD), (short, BOLD), (metavar, DIM)]
        if inner - left - 2 >= MIN_HELP:
            cols = [paint(padded(t, w), s) for (t, s), w in zip(head, widths, strict=True) if w]
            helps = beside(text, inner - left - 2)
            body.append("  ".join(cols) + "  " + helps[0])
            body += [" " * (left + 2) + line for line in helps[1:]]
        else:
            shown = " ".join(t for t, _ in head if t)
            if cells(shown) <= inner:
                body.append(" ".join(paint(t, s) for t, s in head if t))
            else:  # a placeholder too long for any line: its words wrapped
                body += [paint(line, BOLD) for line in hanging(shown, inner)]
            body += ["    " + line for line in beside(text, inner - 4)] if text else []
    rule = "─" * (width - 5 - cells(title))
    lines = [paint("╭─ ", DIM) + paint(title, BOLD) + paint(f" {rule}╮", DIM)]
    for line in body:
        visible = re.sub(r"\x1b\[[0-9;]*m", "", line)
        lines.append(
            paint("│", DIM) + " " + line + " " * (inner - cells(visible)) + " " + paint("│", DIM)
        )
    return [*lines, paint("╰" + "─" * (width - 2) + "╯", DIM)]


def prose(text: str, width: int) -> list[str]:
    """Help or epilog text, a space in from the edge: its own line breaks kept, a long line
    wrapped (an indented one, such as an example's command, with its indent and two more)."""
    lines: list[str] = []
    for line in plain(text).split("\n"):
        indent = len(line) - len(line.lstrip(" "))
        if not line.strip():
            lines.append("")
            continue
        wrapped = hanging(line.strip(), width - 2 - indent, 2 if indent else 0)
        lines += [" " * (1 + indent) + part for part in wrapped]
    return lines


def help_screen(
    command: Any, ctx: Any, width: int | None = None, colour: bool | None = None
) -> str:
    """The whole screen of ``bptt-trace --help``, lines of at most ``width`` columns."""
    width = screen_width() if width is None else width
    paint = Painter(colour_wanted() if colour is None else colour)
    usage = f"{ctx.command_path} {' '.join(command.collect_usage_pieces(ctx))}"
    lines = [""] + [" " + line for line in hanging(f"Usage: {usage}", width - 2, 7)] + [""]
    lines[1] = lines[1].replace("Usage:", paint("Usage:", BOLD), 1)
    if command.help:
        first, _, rest = command.help.partition("\n\n")
        lines += [paint(line, BOLD) for line in prose(" ".join(first.split()), width)]
        lines += ["", *prose(rest, width), ""] if rest else [""]
    for title, rows in panels(command, ctx).items():
        lines += panel(title, rows, width, paint)
    if command.epilog:
        lines += ["", *prose(command.epilog, width), ""]
    return "\n".join(lines) + "\n"
