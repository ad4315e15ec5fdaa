"""The words of --help around the options: what the command does, examples, the rule on
ignored options, stopping and the exit codes (``app`` gives them to Typer)."""

from .modes import IGNORED_RULE

EXAMPLES = """\
Examples:
  One update of every parameter, at a small learning rate α:
    bptt-trace "I like NLP" --lr 0.001
  Train for 200 steps, then see the loss curve and the predictions:
    bptt-trace "I like NLP" --steps 200
  An output at every time step, and a gradient check:
    bptt-trace "I like NLP" --loss every --check
  The trace as JSON Lines; shown again later, and as a web page:
    bptt-trace "I like NLP" --json > trace.jsonl
    bptt-trace --replay trace.jsonl --export trace.html
  Train on a corpus and save the model; trace the saved model:
    bptt-trace --file sentences/small.txt --steps 100 --save model.npz
    bptt-trace "I like NLP" --load model.npz"""

HELP = (
    "Trace Backpropagation Through Time on a vanilla RNN, an LSTM or a GRU, step by step."
    "\n\n"
    "For the vanilla RNN: the forward pass aₜ = xₜ·W + hₜ₋₁·Wʰ + b, hₜ = f(aₜ); the output "
    "ŷ = softmax(h_T·V + b_output) and the loss L = −log ŷ\\[y]; the backward pass from "
    "time step t = T down to 1, with each time step's contribution and the running sums; "
    "and the update θ ← θ − α·∂L/∂θ of every parameter. The default --lr 0.1 learns "
    "visibly within 100 steps."
)

EPILOG = "\n\n".join(
    (
        EXAMPLES,
        IGNORED_RULE,
        "Ctrl-C (or SIGTERM) stops after the current step, a second one at once; the trace "
        "still ends with an interrupted event, and --save saves the last parameters. Under "
        "--pause, Ctrl-C stops at once.",
        "Exit codes: 0 done, 1 --compare or --diff found a difference, training diverged or "
        "--check failed, 2 bad input, 130 interrupted, "
        "141 the reader of stdout went away.",
    )
)
