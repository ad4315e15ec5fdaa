"""bptt-trace: watch Backpropagation Through Time on a vanilla RNN, an LSTM or a GRU, step by
step.

The Python API, for notebooks and for checking your own BPTT code::

    from bptt_trace import Config, trace_sentence, render
    events = list(trace_sentence("I like NLP", Config(lr=0.001)))
    render(events)                      # the same tables as the command line
    grads = next(e for e in events if e.kind == "gradients")
    grads.grads["W_h"], grads.to_json()  # ∂L/∂Wʰ as an array; the event's JSON form

    from bptt_trace import compare      # your own BPTT's gradients against the trace's
    result = compare(my_weights, my_grads, "I like NLP", layout="torch")
    result.verdict, result.named, result.to_json()   # the same result as --compare --json

    from bptt_trace import load_model   # a model saved with --save, traced on a sentence
    model = load_model("model.npz")
    render(trace_sentence("I like NLP", model.config, params=model.params, vocab=model.vocab))

docs/api.ipynb walks through all of it.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing itself is not imported: the program's first line comes sooner
if TYPE_CHECKING:
    from typing import Any

__all__ = [
    "Config",
    "Model",
    "__version__",
    "compare",
    "load_model",
    "render",
    "run",
    "trace_sentence",
]


def __getattr__(name: str) -> Any:
    # Imported on first use, so that `bptt-trace --help` does not load NumPy, and the
    # program's first line (bptt_trace.__main__) comes before the package metadata's imports.
    if name == "__version__":
        from .version import __version__

        return __version__
    if name in ("Config", "run"):
        from .trace import loop

        return getattr(loop, name)
    if name in ("Model", "load_model", "trace_sentence"):
        from . import api

        return getattr(api, name)
    if name == "compare":
        from .files.user_bptt import compare_arrays

        return compare_arrays
    if name == "render":
        from .rendering.renderer import render

        return render
    raise AttributeError(f"module 'bptt_trace' has no attribute {name!r}")


def __dir__() -> list[str]:
    # What a notebook's tab completion offers: the API, though it is imported on first use.
    return sorted(__all__)  # not the module's own helpers (TYPE_CHECKING, annotations)
