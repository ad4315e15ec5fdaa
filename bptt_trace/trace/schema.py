"""The trace's schema in code: every event's fields, their types and their shapes.

docs/schema.md describes the same events in prose; this module is what ``--replay`` checks a
trace against, line by line. Shapes are in the letters of the run event: V = |vocab|,
H = config.hidden, T = the length of the event's sentence.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from ..config import ACTIVATIONS, LOSS_MODES, UPDATE_EVERY
from ..core.cells import CELLS, make_cell
from ..core.cells.declaration import Cell, Outer
from ..core.model import declared
from .checks import (
    Check,
    boolean,
    described,
    integer,
    list_of,
    matrix,
    number,
    obj,
    optional,
    pair,
    params_of,
    string,
    vector,
)
from .consistency import config_problem, event_problem
from .events import EVENT_TYPES, SCHEMA
from .truncation_event import truncation_fields

WHERE: dict[str, Check] = {"step": integer, "sentence": integer}

WINDOW_FIELDS: dict[str, Check] = {
    "chunk": optional(integer),
    "window": optional(list_of(integer)),
    "carried_state": optional(vector("H")),
    "carried_state_now": optional(vector("H")),
}
"""A gradients event's fields under a windowed scheme's update after each window, written
only then (``events.ChunkedEvent``)."""


def shape_check(shape: tuple[str, ...]) -> Check:
    """The check of an array whose shape is given in the letters V and H."""
    return matrix(*shape) if len(shape) == 2 else vector(shape[0])


def per_step(cell: Cell) -> dict[str, Check]:
    """The checks of a cell's per-time-step quantities in the backward event."""
    terms = {term.key: vector("H") for term in cell.backward_terms}
    outers = {f"d{s.name}": matrix("H", "H") for s in cell.params if isinstance(s.grad, Outer)}
    sums = {f"sum_{s.name}": optional(shape_check(s.shape)) for s in cell.params}
    return {**terms, "h_prev": vector("H"), **outers, **sums}


@cache
def event_fields(cell: Cell) -> dict[str, dict[str, Check]]:
    """Every event's fields and their checks, for a trace of ``cell``."""
    specs = declared(cell)
    params = {spec.name: shape_check(spec.shape) for spec in specs}
    scalars = {spec.name: number for spec in specs}
    return {
        "run": {
            "schema": integer,
            "version": string,
            "vocab": list_of(string),
            "sentences": list_of(list_of(string)),
            "config": obj,
        },
        "params": {"step": integer, **params},
        "forward": {
            **WHERE,
            "t": integer,
            "token": string,
            "token_index": integer,
            **{term.key: vector("H") for term in cell.forward_terms},
            "h": vector("H"),
        },
        "output": {
            **WHERE,
            "t": integer,
            "o": vector("V"),
            "y_hat": vector("V"),
            "target": string,
            "target_index": integer,
            "loss": number,
            "dL_do": vector("V"),
        },
        "backward": {
            **WHERE,
            "t": integer,
            "token": string,
            "token_index": integer,
            "dh_from_output": optional(vector("H")),
            "dh_from_next": optional(vector("H")),
            "dh": vector("H"),
            **per_step(cell),
            "cut": boolean,
        },
        "blame": {
            **WHERE,
            "horizon": integer,
            "losses": list_of(integer),
            "matrix": matrix(None, "T"),
            **({cell.extra_blame[1]: matrix(None, "T")} if cell.extra_blame else {}),
            "shares": params_of({name: vector("T") for name in params}),
        },
        "gates": {
            **WHERE,
            "carry": string,
            "products": vector("T"),
            "saturation": obj,
        },
        "loss_gradients": {
            **WHERE,
            "losses": list_of(integer),
            **{name: list_of(check) for name, check in params.items()},
        },
        "jacobians": {
            **WHERE,
            "first": integer,
            "norms": vector(None),
            "sigma_max": number,
            "spectral_radius": number,
            "verdict": string,
            "end_to_end": number,
            "rate": number,
            "cause": optional(string),
        },
        "check": {
            "step": integer,
            "tolerance": number,
            "checked": obj,
            "total": obj,
            "max_error": params_of(scalars),
            "skipped": params_of({spec.name: integer for spec in specs}),
            "truncation_error": optional(params_of(scalars)),
            "passed": boolean,
        },
        "gradients": {"step": integer, "loss": number, **params, **WINDOW_FIELDS},
        "update": {
            "step": integer,
            "lr": number,
            "grad_norm": number,
            "scale": number,
            "old": params_of(params),
            "applied": params_of(params),
            "new": params_of(params),
            "chunk": optional(integer),
        },
        "train_step": {"step": integer, "loss": number, "grad_norm": number},
        "predictions": {
            **WHERE,
            "tokens": list_of(string),
            "top": list_of(list_of(pair)),
            "targets": list_of(optional(string)),
        },
        "end": {
            "step": integer,
            "loss": number,
            "warning": optional(string),
            "loss_after": optional(number),
        },
        "diverged": {"step": integer, "quantity": string, "message": string},
        "interrupted": {"step": integer},
        "truncation": truncation_fields(list(params)),
    }


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


CONFIG: dict[str, Check] = {
    "hidden": integer,
    "lr": number,
    "seed": integer,
    "activation": string,
    "loss": string,
    "target": string,
    "steps": integer,
}


def positive(x: Any, dims: dict[str, int]) -> str | None:
    return None if number(x, dims) is None and x > 0 else "a finite number above 0"


def loaded_model(x: Any, dims: dict[str, int]) -> str | None:
    ok = (
        isinstance(x, dict)
        and set(x) == {"path", "updates"}
        and isinstance(x["path"], str)
        and optional(integer)(x["updates"], dims) is None
    )
    return None if ok else 'an object {"path": a string, "updates": a whole number or null}'


described(positive, "positive")
described(loaded_model, "loaded_model")


def whole_count(x: Any, dims: dict[str, int]) -> str | None:
    return None if integer(x, dims) is None and x >= 1 else "a whole number ≥ 1"


def scheme_pair(x: Any, dims: dict[str, int]) -> str | None:
    ok = isinstance(x, list) and len(x) == 2 and all(integer(k, dims) is None for k in x)
    return None if ok and 1 <= x[0] <= x[1] else "a pair [K1, K2] of whole numbers, 1 ≤ K1 ≤ K2"


def update_every(x: Any, dims: dict[str, int]) -> str | None:
    return None if x in UPDATE_EVERY else f"one of {', '.join(UPDATE_EVERY)}"


described(whole_count, "whole_count")
described(scheme_pair, "scheme_pair")
described(update_every, "update_every")

OPTIONAL_CONFIG: dict[str, Check] = {
    "chunks": whole_count,
    "tbptt": scheme_pair,
    "update_every": update_every,
    "init_scale": positive,
    "loaded": loaded_model,
    "reset_after": boolean,
}
"""Config fields a trace has only when they matter: --chunks, --tbptt (K1, K2) and
--update-every with a windowed scheme, --init-scale when not 1, --load's origin, --reset-after
(the GRU's reset gate after the product) when given."""


LATER: dict[str, dict[str, Any]] = {
    "gradients": dict.fromkeys(WINDOW_FIELDS),
    "update": {"chunk": None},
    "jacobians": {"cause": None},
    "end": {"warning": None, "loss_after": None},
    "check": {"skipped": lambda data: dict.fromkeys(data.get("checked") or {}, 0)},
}
"""Fields added to schema 1 after its first traces, with the value they stand for when a trace
does not have them; ``validate`` fills them in, so that every earlier trace still replays.
The gradients' and update's window fields are written only under a windowed scheme."""

OMITTED: dict[str, tuple[str, ...]] = {"gradients": tuple(WINDOW_FIELDS), "update": ("chunk",)}
"""Fields a trace writes only when they are set (the JSON Schema does not require them)."""


@cache
def cell_of(name: str | None, activation: str, reset_after: bool = False) -> Cell:
    """The cell of a trace's config (one instance per cell, activation and GRU form)."""
    return make_cell({"cell": name or "rnn", "activation": activation, "reset_after": reset_after})


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
