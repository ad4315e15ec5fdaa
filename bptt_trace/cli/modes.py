"""One rule for options a mode ignores: they are refused, not silently dropped; but the options
of how the output looks (``LOOKS_OPTIONS``) are harmless to every mode, and every mode takes them.

The modes: --replay (shows a saved trace), --load (starts from a saved model), --json (no
tables); the checking modes' table is ``uses``, exercise mode's own refusals ``exercise``.
``Request.given`` holds the options the user gave, from Click's parameter source, so that an
option given at its default value counts as given.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .request import Request

TABLE_OPTIONS = ("--precision", "--pause", "--color", "--width", "--only", "--no-pager")
"""The Display panel's options but --quiet: used by the tables."""

LOOKS_OPTIONS = ("--quiet", "--color", "--width", "--no-pager")
"""How the output looks on a terminal, never what it says: harmless to every mode, so every
mode takes them, and applies those that concern what it shows (--diff and --compare lay their
tables out at --width, in --color, and --diff pages unless --no-pager; JSON has no colour or
width, and never goes through the pager)."""

SHOWN_OPTIONS = tuple(name for name in TABLE_OPTIONS if name not in LOOKS_OPTIONS)
"""What the tables show, and when (--precision, --pause, --only): refused where no tables of a
trace are drawn, where dropping them would mislead (a JSON trace is in full precision, every
view of it, and nothing pauses)."""

NEW_MODEL_OPTIONS = ("--seed", "--init-scale")
"""Used to draw a new model only: --load takes the parameters from the model (--hidden and
--activation may be given with it, and must then be the model's)."""

OWN_WEIGHTS_OPTIONS = ("--init-scale",)
"""Used to draw the weights only: --init gives them (--seed still picks what the gradient
check samples)."""

REPLAY_OPTIONS = ("--replay", "--export", "--quiet", *TABLE_OPTIONS)
"""All that --replay uses to show a saved trace as it was run (besides an exercise's)."""

EXERCISE_TRIGGERS = ("--exercise", "--blanks", "--answers", "--exercise-key")
"""Any of these makes a run, or a --replay, an exercise (--blanks alone: of the backward pass)."""

EXERCISE_OPTIONS = (*EXERCISE_TRIGGERS, "--tolerance")
"""The options of exercise mode (taken out before the trace's own refusal rules)."""

EXERCISE_TAKES = (*EXERCISE_OPTIONS, "--json")
"""What exercise mode takes besides a trace's options, a --replay's included: its own, and
--json (the exercise, or the grades, as JSON). --export is a trace's, and the exercise's sheet."""

CHECKING_OPTIONS = ("--tolerance", "--grads-transposed")
"""Options only --diff and --compare use."""


def listed(names: tuple[str, ...] | list[str], last: str = "and") -> str:
    """Names in words: a, b and c (or ``last``)."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} {last} {names[-1]}"


REPLAY_RULE = (
    f"--replay takes only {listed(REPLAY_OPTIONS[1:])}, and for an exercise of the saved "
    f"trace {listed(EXERCISE_TAKES)}"
)
"""What --replay takes, in words, from the declarations above (--help and the README say it)."""

IGNORED_RULE = (
    "An option that the chosen mode would ignore is refused, not silently dropped: "
    f"{REPLAY_RULE}; --load takes no "
    f"{', '.join(NEW_MODEL_OPTIONS)} (the model has its parameters); --init takes no "
    f"{', '.join(OWN_WEIGHTS_OPTIONS)} (it gives the weights); --json takes no "
    f"{listed([n for n in SHOWN_OPTIONS if n != '--pause'], 'or')} unless --export saves the "
    "tables, and no --pause; a trace takes no --tolerance or --grads-transposed, nor --layout "
    "without --init; --schema, --diff and --compare each take only the options they use. "
    f"{listed(LOOKS_OPTIONS)} change only how the output looks: every mode takes them."
)
"""The rule, as --help's epilog states it."""


def ignored_options(req: Request) -> str | None:
    """The one-line refusal of the options given that the chosen mode ignores, if any."""
    given = req.given
    no_tables = SHOWN_OPTIONS if req.export is None else ("--pause",)
    checking = [name for name in given if name in CHECKING_OPTIONS]
    rules = (
        (
            bool(checking),
            "a trace has no use for the options of --compare and --diff",
            checking,
        ),
        (
            req.init is None and "--layout" in given,
            "--layout is the layout of --init's (and --compare's) files",
            ["--layout"],
        ),
        (
            req.replay is not None,
            "--replay shows a saved trace as it was run",
            [name for name in given if name not in REPLAY_OPTIONS],
        ),
        (
            req.load is not None,
            "--load takes the parameters from the model",
            [name for name in given if name in NEW_MODEL_OPTIONS],
        ),
        (
            req.init is not None,
            "--init gives the weights",
            [name for name in given if name in OWN_WEIGHTS_OPTIONS],
        ),
        (
            req.json_out,
            "--json shows no tables",
            [name for name in given if name in no_tables],
        ),
    )
    for applies, why, names in rules:
        if applies and names:
            return f"{why}; leave out {', '.join(names)}"
    return None
