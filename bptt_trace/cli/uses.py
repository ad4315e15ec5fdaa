"""Which mode uses which option: one table, from which every mode's refusal of the options it
would ignore follows (README: "an option the chosen mode ignores" is bad input, exit 2).

The names are the command's parameter names (``app.trace_command``'s arguments). To let a
mode use a new option, add its name to the mode's row here; an option no row names is
refused by every mode in the table. ``tests/cli/test_option_uses.py`` enumerates every
option of the command against every mode.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .modes import LOOKS_OPTIONS

INPUT = ("sentence", "file", "target")
"""The input, as for a trace."""

LOOKS = tuple(flag.removeprefix("--").replace("-", "_") for flag in LOOKS_OPTIONS)
"""How the output looks (--quiet, --color, --width, --no-pager): every mode takes them."""

USES: dict[str, frozenset[str]] = {
    "--schema": frozenset({"schema", *INPUT, "hidden", *LOOKS}),
    "--diff": frozenset({"diff", "tolerance", "json_out", *LOOKS}),
    "--compare": frozenset(
        {
            "compare",
            *INPUT,
            "init",
            "layout",
            "cell",
            "reset_after",  # the GRU's form, when the option exists
            "grads_transposed",  # when the option exists
            "activation",
            "loss",
            "json_out",
            "truncate",  # the scheme the gradients are checked as (usercode.schemes)
            "chunks",
            "tbptt",
            *LOOKS,
        }
    ),
}
"""The options each checking mode uses; every other option given with it is refused."""

MODE_OPTIONS = {"schema": "--schema", "diff": "--diff", "compare": "--compare"}
"""The parameter of each mode in the table."""


def given_parameters(ctx: Any) -> list[tuple[str, str]]:
    """(parameter name, how the user spelled it) of every option the user gave, at its
    default value or not (Click's parameter source), in --help's order."""
    found = []
    for param in ctx.command.params:
        source = ctx.get_parameter_source(param.name) if param.name else None
        if source is not None and source.name in ("COMMANDLINE", "ENVIRONMENT", "PROMPT"):
            shown = param.opts[0] if param.param_type_name == "option" else "a SENTENCE"
            found.append((param.name, shown))
    return found


def ignored(mode: str, given: Iterable[tuple[str, str]]) -> list[str]:
    """The options given that ``mode`` does not use (other modes are not counted: giving two
    modes is its own refusal)."""
    uses = USES[mode]
    return [shown for name, shown in given if name not in uses and name not in MODE_OPTIONS]
