"""The command line: options in, events out to the Rich tables and the JSON Lines writer.

Exit codes: 0 done, 1 training diverged, 2 bad input, 130 interrupted (Ctrl-C),
141 the reader of stdout went away.
"""

import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from ..version import __version__
from .messages import error

EXAMPLES = """\
Examples:

\b
  One round of BPTT on the seed's sentence, at the seed's learning rate:
    bptt-trace "I like NLP" --lr 0.001
  Train for 200 steps, then see the loss curve and the predictions:
    bptt-trace "I like NLP" --steps 200
  The whole trace as JSON Lines, then shown again later, and as a web page:
    bptt-trace "I like NLP" --json > trace.jsonl
    bptt-trace --replay trace.jsonl --export trace.html
  A corpus, every output, a gradient check, and a saved model:
    bptt-trace --file sentences/small.txt --loss every --check --steps 100 --save model.npz

\b
Exit codes: 0 done, 1 diverged (or --check failed), 2 bad input,
130 interrupted (Ctrl-C), 141 the reader of stdout went away.
"""

DEFAULT_LR = 0.1
DEFAULT_HIDDEN = 4


class Act(str, Enum):
    tanh = "tanh"
    sigmoid = "sigmoid"
    relu = "relu"


class Detail(str, Enum):
    auto = "auto"
    full = "full"
    summary = "summary"


class Layout(str, Enum):
    rows = "rows"
    torch = "torch"
    keras = "keras"


class Loss(str, Enum):
    last = "last"
    every = "every"


app = typer.Typer(
    add_completion=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        print(f"bptt-trace {__version__}")
        raise typer.Exit()


@app.command(epilog=EXAMPLES, no_args_is_help=False)
def trace_command(
    sentence: Annotated[
        str | None, typer.Argument(help='The sentence to trace, e.g. "I like NLP".')
    ] = None,
    lr: Annotated[
        float, typer.Option("--lr", help="Learning rate α of gradient descent.")
    ] = DEFAULT_LR,
    hidden: Annotated[
        int | None,
        typer.Option(
            "--hidden",
            help=f"Hidden size H [default: {DEFAULT_HIDDEN}, or the loaded model's].",
            show_default=False,
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the random initial W, Wʰ and V.")] = 0,
    steps: Annotated[int, typer.Option(help="Training steps (parameter updates).")] = 1,
    trace_every: Annotated[
        int | None,
        typer.Option(help="Also trace every K-th step in full (the first and last always are)."),
    ] = None,
    target: Annotated[
        str | None,
        typer.Option(
            help="The token the last step should predict [default: <eos>]; added "
            "to the vocabulary if new.",
            show_default=False,
        ),
    ] = None,
    activation: Annotated[
        Act | None,
        typer.Option(help="The activation f [default: tanh].", show_default=False),
    ] = None,
    loss: Annotated[
        Loss,
        typer.Option(
            help="last: one output at the last step (many-to-one); every: "
            "an output at every step, L = Σₜ Lₜ."
        ),
    ] = Loss.last,
    truncate: Annotated[
        int | None, typer.Option(help="Truncated BPTT: each loss flows back K steps at most.")
    ] = None,
    clip: Annotated[
        float | None, typer.Option(help="Scale the gradient to a global norm of at most C.")
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file", help="Read one sentence a line from FILE ('-': stdin).", dir_okay=True
        ),
    ] = None,
    json_out: Annotated[
        bool, typer.Option("--json", help="Write the trace as JSON Lines to stdout, no tables.")
    ] = False,
    output: Annotated[
        Path | None, typer.Option(help="Write the JSON Lines trace to FILE (tables still show).")
    ] = None,
    save: Annotated[
        Path | None, typer.Option(help="Save the trained model to FILE (.npz).")
    ] = None,
    load: Annotated[Path | None, typer.Option(help="Start from a model saved with --save.")] = None,
    precision: Annotated[int, typer.Option(help="Decimals shown in the tables.")] = 4,
    detail: Annotated[
        Detail,
        typer.Option(
            help="auto: summarise arrays past a display size (64 entries, 1024 for a "
            "matrix); full: every entry, in tables and JSON; summary: summarise all."
        ),
    ] = Detail.auto,
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Check the gradients against finite differences; "
            "exit 1 if any relative error is above 1e-6.",
        ),
    ] = False,
    replay: Annotated[
        Path | None,
        typer.Option(help="Show a saved JSON Lines trace ('-': stdin) without recomputing."),
    ] = None,
    export: Annotated[
        Path | None,
        typer.Option(help="Also save the tables to FILE: .html or .svg (with colours) or .txt."),
    ] = None,
    pause: Annotated[
        bool,
        typer.Option("--pause", help="Wait for Enter after each group of events (q quits)."),
    ] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
    init: Annotated[
        Path | None, typer.Option(help="Start from your own weights (.npz, in --layout).")
    ] = None,
    layout: Annotated[
        Layout,
        typer.Option(help="The layout of --init and --compare: rows (the tables'), torch, keras."),
    ] = Layout.rows,
    compare: Annotated[
        Path | None,
        typer.Option(
            help="Check your gradients (.npz) of --init's weights; exit 1 if they differ."
        ),
    ] = None,
    diff: Annotated[
        tuple[Path, Path] | None,
        typer.Option(help="Compare two traces event by event; exit 1 if they differ."),
    ] = None,
    tolerance: Annotated[float, typer.Option(help="--diff's relative tolerance.")] = 1e-9,
    schema: Annotated[
        bool, typer.Option("--schema", help="Print the JSON Schema of a trace line.")
    ] = False,
) -> None:
    """Trace Backpropagation Through Time on a vanilla RNN, step by step.

    The forward pass aₜ = xₜ·W + hₜ₋₁·Wʰ + b, hₜ = f(aₜ); the output ŷ = softmax(h_T·V +
    b_output) and the loss L = −log ŷ[y]; the backward pass from t = T to 1 with each
    step's contribution and the running sums; and the update θ ← θ − α·∂L/∂θ.
    The default --lr 0.1 learns visibly within 100 steps; the seed's 0.001 works too.
    """
    if compare is not None or diff is not None or schema:
        from .compare import from_options

        raise typer.Exit(from_options(dict(locals())))
    from .checks import Request
    from .run import execute

    request = Request(
        sentence=sentence,
        lr=lr,
        hidden=hidden,
        seed=seed,
        steps=steps,
        trace_every=trace_every,
        target=target,
        activation=activation.value if activation else None,
        loss=loss.value,
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
        detail=detail.value,
        init=init,
        layout=layout.value,
    )
    raise typer.Exit(execute(request))


def main(argv: list[str] | None = None) -> int:
    """Run the command line and return its exit code (errors are one line on stderr)."""
    from typer.exceptions import TyperException

    try:
        code: Any = app(args=argv, prog_name="bptt-trace", standalone_mode=False)
    except TyperException as err:
        error(f"{err.format_message()} (see bptt-trace --help)")
        return getattr(err, "exit_code", 2)
    except typer.Abort:
        return 130
    return code if isinstance(code, int) else 0


def run() -> None:
    """The console script."""
    from ..files.stdio import guard_standard_streams

    closed_stdout = guard_standard_streams()  # /dev/null on closed fds 0-2; stdout: refused
    if closed_stdout:
        error(closed_stdout)
        sys.exit(2)
    code = main()
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        code = 141
    if code == 141:
        # The reader went away: silence the interpreter's final flush of stdout.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    sys.exit(code)
