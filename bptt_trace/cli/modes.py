"""One rule for options a mode ignores: they are refused, not silently dropped.

The modes: --replay (shows a saved trace), --load (starts from a saved model), --json (no
tables). ``Request.given`` holds the options the user gave, from Click's parameter source,
so that an option given at its default value counts as given.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .request import Request

TABLE_OPTIONS = ("--precision", "--pause", "--color", "--width", "--only", "--no-pager")
"""Used by the tables only; --json shows none (but --export records them at --precision)."""

NEW_MODEL_OPTIONS = ("--seed", "--init-scale")
"""Used to draw a new model only: --load takes the parameters from the model (--hidden and
--activation may be given with it, and must then be the model's)."""

OWN_WEIGHTS_OPTIONS = ("--init-scale",)
"""Used to draw the weights only: --init gives them (--seed still picks what the gradient
check samples)."""

REPLAY_OPTIONS = ("--replay", "--export", "--quiet", *TABLE_OPTIONS)
"""All that --replay uses: it shows a saved trace as it was run."""

CHECKING_OPTIONS = ("--tolerance", "--grads-transposed")
"""Options only --diff and --compare use."""

IGNORED_RULE = (
    "An option that the chosen mode would ignore is refused, not silently dropped: "
    f"--replay takes only {', '.join(REPLAY_OPTIONS[1:])}; --load takes no "
    f"{', '.join(NEW_MODEL_OPTIONS)} (the model has its parameters); --init takes no "
    f"{', '.join(OWN_WEIGHTS_OPTIONS)} (it gives the weights); --json takes no --pause or "
    "--color (nor --no-pager), nor --precision, --width or --only unless --export saves the "
    "tables; a trace "
    "takes no --tolerance or --grads-transposed, nor --layout without --init; --schema, --diff "
    "and --compare each take only the options they use."
)
"""The rule, as --help's epilog states it."""


def ignored_options(req: Request) -> str | None:
    """The one-line refusal of the options given that the chosen mode ignores, if any."""
    given = req.given
    no_tables = TABLE_OPTIONS if req.export is None else ("--pause", "--color", "--no-pager")
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
