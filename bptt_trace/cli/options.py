"""The command's options: each one's type, placeholder, help, and panel in --help.

The choices of --activation, --loss and --detail are the Literal types of ``config``; the
defaults are shown one way, Typer's ``[default: …]``. Help texts say "step" for a training
step (one update) and "time step t" for a position in a sentence. The panels Input, Model,
Training and Output are here; Display in ``display_options``; "Check your own BPTT" and
Exercise in ``check_options``.
"""

from pathlib import Path
from typing import Annotated, Any

import typer

from ..config import Activation, CellName, Detail, LossMode, UpdateEvery

INPUT, MODEL, TRAINING, OUTPUT, DISPLAY = "Input", "Model", "Training", "Output", "Display"
CHECK = "Check your own BPTT"


def option(panel: str, text: str, metavar: str | None = None) -> Any:
    return typer.Option(help=text, metavar=metavar, rich_help_panel=panel)


def flag(panel: str, text: str, name: str) -> Any:
    return typer.Option(name, help=text, rich_help_panel=panel, metavar="")


Sentence = Annotated[
    str | None,
    typer.Argument(
        help='The sentence to trace, in quotes: "I like NLP".',
        metavar="SENTENCE",
        show_default=False,
    ),
]
File = Annotated[
    Path | None, option(INPUT, "Read one sentence a line from FILE ('-': stdin).", "FILE")
]
Target = Annotated[
    str,
    option(
        INPUT, "The token to predict after the sentence; added to the vocabulary if new.", "WORD"
    ),
]
Replay = Annotated[
    Path | None,
    option(INPUT, "Show a saved JSON Lines trace ('-': stdin) again, recomputing nothing.", "FILE"),
]
Cell = Annotated[
    CellName,
    option(MODEL, "The recurrent cell: the vanilla RNN, an LSTM or a GRU (the same tables)."),
]
Hidden = Annotated[int, option(MODEL, "Hidden size H.", "H")]
Act = Annotated[Activation, option(MODEL, "The activation f of the vanilla RNN.")]
ForgetBias = Annotated[
    float,
    option(
        MODEL,
        "The LSTM's initial forget-gate bias b_f: 1 makes fₜ ≈ 0.73 at first, so the cell "
        "path carries gradients back from the start (Keras's unit_forget_bias); 0 makes it 0.5.",
        "F",
    ),
]
ResetAfter = Annotated[
    bool,
    flag(
        MODEL,
        "The GRU as torch's nn.GRU and Keras run it: the reset gate after the recurrent "
        "product, h̃ₜ = tanh(xₜ·W_n + b_n + rₜ ⊙ (hₜ₋₁·Wʰ_n + bʰ_n)); with --cell gru, or "
        "with --compare-cells for its GRU.",
        "--reset-after",
    ),
]
Seed = Annotated[
    int, option(MODEL, "Random seed N of the initial W, Wʰ and V (the biases start at 0).", "N")
]
InitScale = Annotated[
    float,
    option(
        MODEL,
        "Multiply every initial weight (W, Wʰ, V; each gate's) by C > 0, the biases not: "
        "a small C makes gradients vanish; with --activation relu a large C makes them explode "
        "(under tanh a large C saturates f, and they vanish too).",
        "C",
    ),
]
Load = Annotated[
    Path | None,
    option(MODEL, "Start from a model saved with --save (it has H, f and the parameters).", "FILE"),
]
Lr = Annotated[float, option(TRAINING, "Learning rate α of the update θ ← θ − α·∂L/∂θ.", "α")]
Steps = Annotated[
    int, option(TRAINING, "Training steps N, each one update over all the sentences.", "N")
]
Loss = Annotated[
    LossMode,
    option(
        TRAINING,
        "last: one output, at the last time step; every: an output at every time step t, "
        "predicting the next token, L = Σₜ Lₜ.",
    ),
]
Truncate = Annotated[
    int | None,
    option(TRAINING, "Truncated BPTT: each loss flows back through K time steps at most.", "K"),
]
Chunks = Annotated[
    int | None,
    option(
        TRAINING,
        "Chunked BPTT (PyTorch's repackage_hidden): cut time into chunks of K time steps, the "
        "state carried in as a constant, an update after each chunk.",
        "K",
    ),
]
Tbptt = Annotated[
    str | None,
    option(
        TRAINING,
        "TBPTT(K1, K2): every K1 time steps the last K1 losses flow back through the last K2 "
        "time steps (K1 ≤ K2), an update after each window; at the end T, the losses since "
        "the last window.",
        "K1:K2",
    ),
]
UpdateEveryChoice = Annotated[
    UpdateEvery | None,
    option(
        TRAINING,
        "With --chunks or --tbptt: chunk (the default: an update after each window) or "
        "sequence (one update a step, of the windows' summed gradient).",
    ),
]
Clip = Annotated[
    float | None,
    option(TRAINING, "Scale the gradient to a global norm of at most C before the update.", "C"),
]
Check = Annotated[
    bool,
    flag(
        TRAINING,
        "Check the gradients against finite differences; exit 1 if a relative error is above 1e-6.",
        "--check",
    ),
]
Json = Annotated[
    bool, flag(OUTPUT, "Write the trace as JSON Lines to stdout, and no tables.", "--json")
]
Output = Annotated[Path | None, option(OUTPUT, "Also write the JSON Lines trace to FILE.", "FILE")]
Save = Annotated[Path | None, option(OUTPUT, "Save the trained model to FILE (.npz).", "FILE")]
Export = Annotated[
    Path | None,
    option(OUTPUT, "Also save the tables to FILE: .html or .svg (in colour) or .txt.", "FILE"),
]
TraceEvery = Annotated[
    int | None,
    option(OUTPUT, "Also trace every K-th step in full (the first and the last always are).", "K"),
]
DetailLevel = Annotated[
    Detail,
    option(
        OUTPUT,
        "auto: summarise arrays past 64 entries (a matrix past 1,024); full: every entry, in "
        "the tables and the JSON; summary: summarise every matrix.",
    ),
]
CompareCells = Annotated[
    bool,
    flag(
        MODEL,
        "Run the vanilla RNN, the LSTM and the GRU on the same input and compare how far "
        "each one's gradient reaches back (--json: the three traces one after another).",
        "--compare-cells",
    ),
]
