"""The command line: options in, events out to the Rich tables and the JSON Lines writer.

Exit codes: 0 done, 1 training diverged (or --check failed), 2 bad input, 130 interrupted
(Ctrl-C or SIGTERM), 141 the reader of stdout went away.
"""

import os
import sys
from typing import Annotated, Any

import typer
from typer.core import TyperCommand

from ..config import (
    DEFAULT_FORGET_BIAS,
    DEFAULT_HIDDEN,
    DEFAULT_INIT_SCALE,
    DEFAULT_LR,
    DEFAULT_PRECISION,
    EOS,
)
from . import check_options as c
from . import display_options as d
from . import options as o
from .help_text import EPILOG, HELP
from .help_text import EXAMPLES as EXAMPLES  # the README's test reads them here
from .messages import error
from .modes import EXERCISE_TRIGGERS
from .uses import given_parameters


class ReaderGone(Exception):
    """The reader of stdout went away during --version (Typer would exit with status 1)."""


class Command(TyperCommand):
    def format_help(self, ctx: Any, formatter: Any) -> None:
        """Our screen (help_screen), not Typer's Rich help: that costs more than NumPy."""
        from .help_screen import help_screen

        formatter.write(help_screen(self, ctx))


app = typer.Typer(
    add_completion=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        from ..version import __version__  # the package metadata: read only when asked

        try:
            print(f"bptt-trace {__version__}", flush=True)
        except BrokenPipeError:  # Typer would exit 1
            raise ReaderGone from None
        raise typer.Exit()


@app.command(
    cls=Command,
    help=HELP,
    epilog=EPILOG,
    no_args_is_help=False,
    context_settings={"allow_extra_args": True, "help_option_names": ["-h", "--help"]},
)
def trace_command(
    ctx: typer.Context,
    sentence: o.Sentence = None,
    file: o.File = None,
    target: o.Target = EOS,
    replay: o.Replay = None,
    cell: o.Cell = "rnn",
    hidden: o.Hidden = DEFAULT_HIDDEN,
    activation: o.Act = "tanh",
    forget_bias: o.ForgetBias = DEFAULT_FORGET_BIAS,
    reset_after: o.ResetAfter = False,
    compare_cells: o.CompareCells = False,
    seed: o.Seed = 0,
    init_scale: o.InitScale = DEFAULT_INIT_SCALE,
    load: o.Load = None,
    lr: o.Lr = DEFAULT_LR,
    steps: o.Steps = 1,
    loss: o.Loss = "last",
    truncate: o.Truncate = None,
    chunks: o.Chunks = None,
    tbptt: o.Tbptt = None,
    update_every: o.UpdateEveryChoice = None,
    clip: o.Clip = None,
    check: o.Check = False,
    json_out: o.Json = False,
    output: o.Output = None,
    save: o.Save = None,
    export: o.Export = None,
    trace_every: o.TraceEvery = None,
    detail: o.DetailLevel = "auto",
    precision: d.Precision = DEFAULT_PRECISION,
    pause: d.Pause = False,
    quiet: d.Quiet = False,
    color: d.Color = "auto",
    init: c.Init = None,
    layout: c.LayoutChoice = "rows",
    compare: c.Compare = None,
    grads_transposed: c.GradsTransposed = False,
    diff: c.Diff = None,
    tolerance: c.Tolerance = 1e-9,
    schema: c.Schema = False,
    width: d.Width = None,
    only: d.Only = None,
    exercise: c.Exercise = None,
    blanks: c.Blanks = 3,
    answers: c.Answers = None,
    exercise_key: c.ExerciseKey = None,
    no_pager: d.NoPager = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            "-V",
            callback=_version,
            is_eager=True,
            help="Show the version.",
            metavar="",
        ),
    ] = False,
) -> None:
    """The command; its help is HELP."""
    if ctx.args:
        words = " ".join([sentence or "", *ctx.args])
        error(
            f"{len(ctx.args) + 1} arguments where one SENTENCE goes; put the sentence in "
            f'quotes: bptt-trace "{words}"'
        )
        raise typer.Exit(2)
    given = tuple(shown for _, shown in given_parameters(ctx))  # in --help's order
    if compare is not None or diff is not None or schema:  # check rather than trace
        from .compare import from_options

        values = dict(locals())
        values["hidden"] = hidden if "--hidden" in given else None
        values["activation"] = activation if "--activation" in given else None
        raise typer.Exit(from_options(values))
    from .request import Request  # a run's modules: not imported by --schema, --diff, --compare
    from .run import execute

    request = Request(
        sentence=sentence,
        lr=lr,
        hidden=hidden if "--hidden" in given else None,
        seed=seed,
        steps=steps,
        trace_every=trace_every,
        target=target,
        activation=activation if "--activation" in given else None,
        loss=loss,
        truncate=truncate,
        clip=clip,
        file=file,
        json_out=json_out,
        output=output,
        save=save,
        load=load,
        precision=precision,
        check=check,
        replay=replay,
        export=export,
        pause=pause,
        detail=detail,
        quiet=quiet,
        color=color,
        given=given,
        init=init,
        layout=layout,
        cell=cell if "--cell" in given else None,
        forget_bias=forget_bias if "--forget-bias" in given else None,
        reset_after=reset_after,
        init_scale=init_scale,
        compare_cells=compare_cells,
        width=width,
        only=tuple(only or ()),
        chunks=chunks,
        tbptt=tbptt,
        update_every=update_every,
        no_pager=no_pager,
    )
    if any(name in given for name in EXERCISE_TRIGGERS):  # issue 23: exercise mode
        from .exercise import ExerciseOptions, exercise_mode

        view = exercise if exercise is not None else "backward"
        chosen = tolerance if "--tolerance" in given else None
        options = ExerciseOptions(view, blanks, answers, exercise_key, chosen)
        raise typer.Exit(exercise_mode(request, options))
    raise typer.Exit(execute(request))


def sane_terminal_size() -> None:
    """COLUMNS or LINES that is not a positive whole number (COLUMNS=0, COLUMNS=abc) is
    dropped, as if unset: Rich would draw every table, and --help, zero columns wide."""
    for name in ("COLUMNS", "LINES"):
        value = os.environ.get(name)
        if value is not None and not (value.strip().isdigit() and int(value) > 0):
            del os.environ[name]


def main(argv: list[str] | None = None) -> int:
    """Run the command line and return its exit code (errors are one line on stderr)."""
    from typer.exceptions import TyperException

    sane_terminal_size()
    try:
        code: Any = app(args=argv, prog_name="bptt-trace", standalone_mode=False)
    except ReaderGone:
        return 141
    except TyperException as err:
        message = err.format_message().replace("Value error, ", "")
        error(f"{message} (see bptt-trace --help)")
        return getattr(err, "exit_code", 2)
    except typer.Abort:
        return 130
    except MemoryError:  # the estimates refuse what they know to be too large; past them:
        error(
            "ran out of memory; use a smaller --hidden, fewer or shorter sentences, or leave "
            "out --detail full"
        )
        return 2
    return code if isinstance(code, int) else 0


def run() -> None:
    """The command line as a program (``bptt_trace.__main__`` also handles signals first)."""
    sys.exit(run_guarded())


def run_guarded() -> int:
    """The command line with closed standard streams guarded and a broken pipe noted."""
    from ..files.stdio import guard_standard_streams

    closed_stdout = guard_standard_streams()  # /dev/null on closed fds 0-2; stdout: refused
    if closed_stdout:
        error(closed_stdout)
        return 2
    code = main()
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        code = 141
    if code == 141:
        # The reader went away: silence the interpreter's final flush of stdout.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    return code
