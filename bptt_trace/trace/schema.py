"""The trace's schema in code: what ``--replay`` checks a trace against, line by line.

Each event's fields and their checks are ``schema_events``'s, the run config's
``schema_config``'s (both from the cells' declarations, without NumPy); this module checks one
parsed line against them, its sizes against the run event, and then the fields against each
other and the run (``consistency``). docs/schema.md describes the same events in prose.
"""

from __future__ import annotations

from typing import Any

from ..config import ACTIVATIONS, LOSS_MODES
from ..core.cells import CELLS
from .consistency import config_problem, event_problem
from .events import EVENT_TYPES
from .schema_config import CONFIG, OPTIONAL_CONFIG
from .schema_events import LATER, OMITTED, SCHEMA, cell_of, event_fields

__all__ = ["CONFIG", "OMITTED", "OPTIONAL_CONFIG", "cell_of", "event_fields", "validate"]


def validate(data: Any, run: dict[str, Any] | None) -> str | None:
    """What is wrong with one parsed line of a trace (None when it is a valid event).

    ``run`` is the trace's run event (None for the first line, which must be one).
    """
    if not isinstance(data, dict):
        return "not a JSON object"
    kind = data.get("event")
    if not isinstance(kind, str):
        return 'no "event" field'
    if kind not in EVENT_TYPES:
        return f"unknown event type {kind!r}"
    if run is None and kind != "run":
        return f"the first line must be the run event, not {kind!r}"
    if kind == "run" and data.get("schema") != SCHEMA:
        return (
            f"unknown schema version {data.get('schema')!r} (this bptt-trace reads schema {SCHEMA})"
        )
    source = data if kind == "run" else run
    assert source is not None
    dims = sizes(source, data)
    if isinstance(dims, str):
        return dims
    config = source["config"]
    cell = cell_of(config.get("cell"), config["activation"], config.get("reset_after") is True)
    fields = event_fields(cell)
    for name, default in LATER.get(kind, {}).items():  # a trace written before the field was
        if name not in data:
            data[name] = default(data) if callable(default) else default
    for name, check in fields[kind].items():
        if name not in data:
            return f"{kind} event lacks the field {name!r}"
        problem = check(data[name], dims)
        if problem is not None:
            return f"{kind} event: {name!r} should be {problem}"
    extra = sorted(set(data) - set(fields[kind]) - {"event"})
    if extra:
        return f"{kind} event has unknown fields: {', '.join(extra)}"
    if kind == "run":
        return run_problem(data) or config_problem(data["config"])
    return ranges(kind, data, dims) or event_problem(kind, data, source)


def run_problem(run: dict[str, Any]) -> str | None:
    """A run event's sentences and target must be made of its vocabulary's tokens."""
    vocab = set(run["vocab"])
    if len(vocab) != len(run["vocab"]):
        return "run event: 'vocab' lists a token twice"
    if not run["sentences"] or not all(run["sentences"]):
        return "run event: 'sentences' should hold at least one non-empty sentence"
    for sentence in run["sentences"]:
        for token in sentence:
            if token not in vocab:
                return f"run event: the token {token!r} is not in 'vocab'"
    if run["config"]["target"] not in vocab:
        return "run event: config 'target' is not in 'vocab'"
    return None


def ranges(kind: str, data: dict[str, Any], dims: dict[str, int]) -> str | None:
    """Indices inside the run's sizes: t within the sentence, token indices within vocab."""
    t = data.get("t")
    if t is not None and "T" in dims and not 1 <= t <= dims["T"]:
        return f"{kind} event: t = {t} is outside its sentence's 1 … {dims['T']}"
    for name in ("token_index", "target_index"):
        if name in data and data[name] >= dims["V"]:
            return f"{kind} event: {name} {data[name]} is outside the vocabulary"
    if kind == "blame" and len(data["losses"]) != len(data["matrix"]):
        return "blame event: 'matrix' should have one row per entry of 'losses'"
    return None


def sizes(run: dict[str, Any], data: dict[str, Any]) -> dict[str, int] | str:
    """V, H and (for events of one sentence) T, from the run event."""
    vocab, sentences, config = run.get("vocab"), run.get("sentences"), run.get("config")
    if not isinstance(vocab, list) or not isinstance(config, dict):
        return "run event: 'vocab' should be a list and 'config' an object"
    for key, check in CONFIG.items():
        if key not in config or check(config[key], {}) is not None:
            return f"run event: config {key!r} should be {check(None, {})}"
    for key, check in OPTIONAL_CONFIG.items():
        if key in config and check(config[key], {}) is not None:
            return f"run event: config {key!r} should be {check(None, {})}"
    for key, choices in (("activation", ACTIVATIONS), ("loss", LOSS_MODES), ("cell", CELLS)):
        value = config.get(key, "rnn")
        if not isinstance(value, str) or value not in choices:
            return f"run event: config {key!r} should be one of {', '.join(choices)}"
    if config["hidden"] < 1:
        return "run event: config 'hidden' should be ≥ 1"
    dims = {"V": len(vocab), "H": config["hidden"]}
    sentence = data.get("sentence")
    if "sentence" in data and isinstance(sentences, list):
        if not isinstance(sentence, int) or not 0 <= sentence < len(sentences):
            return f"{data.get('event')} event: 'sentence' should index the run's sentences"
        if isinstance(sentences[sentence], list):
            dims["T"] = len(sentences[sentence])
    return dims
