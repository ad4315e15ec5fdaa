"""bptt-trace: watch Backpropagation Through Time on a vanilla RNN, step by step.

The Python API, for notebooks and for checking your own BPTT code::

    from bptt_trace import Config, trace_sentence, render
    events = list(trace_sentence("I like NLP", Config(lr=0.001)))
    render(events)                      # the same tables as the command line
    grads = next(e for e in events if e.kind == "gradients")
    grads.grads["W_h"], grads.to_json()  # ∂L/∂Wʰ as an array; the event's JSON form

    from bptt_trace import compare      # your own BPTT's gradients against the trace's
    result = compare(my_weights, my_grads, "I like NLP", layout="torch")
    result.verdict, result.named, result.to_json()   # the same result as --compare --json
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing itself is not imported: the program's first line comes sooner
if TYPE_CHECKING:
    from typing import Any

__all__ = ["Config", "__version__", "compare", "render", "run", "trace_sentence"]


def __getattr__(name: str) -> Any:
    # Imported on first use, so that `bptt-trace --help` does not load NumPy, and the
    # program's first line (bptt_trace.__main__) comes before the package metadata's imports.
    if name == "__version__":
        from .version import __version__

        return __version__
    if name in ("Config", "run", "trace_sentence"):
        from .trace import loop

        return getattr(loop, name)
    if name == "compare":
        from .files.user_bptt import compare_arrays

        return compare_arrays
    if name == "render":
        from .rendering.renderer import render

        return render
    raise AttributeError(name)
