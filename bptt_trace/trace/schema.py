"""The trace's schema in code: every event's fields, their types and their shapes.

docs/schema.md describes the same events in prose; this module is what ``--replay`` checks a
trace against, line by line. Shapes are in the letters of the run event: V = |vocab|,
H = config.hidden, T = the length of the event's sentence.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from .events import SCHEMA

Check = Callable[[Any, dict[str, int]], str | None]
"""A check takes a value and the sizes V, H, T, and names what is wrong (None when fine)."""


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def integer(x: Any, dims: dict[str, int]) -> str | None:
    ok = isinstance(x, int) and not isinstance(x, bool) and x >= 0
    return None if ok else "a whole number ≥ 0"


def number(x: Any, dims: dict[str, int]) -> str | None:
    return None if _is_number(x) else "a finite number"


def string(x: Any, dims: dict[str, int]) -> str | None:
    return None if isinstance(x, str) else "a string"


def boolean(x: Any, dims: dict[str, int]) -> str | None:
    return None if isinstance(x, bool) else "true or false"


def obj(x: Any, dims: dict[str, int]) -> str | None:
    return None if isinstance(x, dict) else "an object"


def summary_problem(x: dict[str, Any], shape: list[int | None]) -> str | None:
    """What is wrong with a summary of an array of ``shape`` (None: any size there)."""
    got = x.get("shape")
    if (
        not isinstance(got, list)
        or len(got) != len(shape)
        or any(
            not isinstance(g, int) or (want is not None and g != want)
            for g, want in zip(got, shape, strict=False)
        )
    ):
        return f"a summary of shape {shape}"
    if not all(_is_number(x.get(key)) for key in ("norm", "min", "max")):
        return "a summary with a finite norm, min and max"
    largest = x.get("largest")
    if not isinstance(largest, list) or not all(
        isinstance(entry, list)
        and len(entry) == len(shape) + 1
        and all(_is_number(v) for v in entry)
        for entry in largest
    ):
        return "a summary whose largest entries are [index…, value] lists"
    return None


def vector(n: str | None) -> Check:
    """A list of finite numbers, of length dims[n] (any length when n is None), or a summary."""

    def check(x: Any, dims: dict[str, int]) -> str | None:
        if isinstance(x, dict) and x.get("summary") is True:
            return summary_problem(x, [dims[n] if n is not None else None])
        size = f"{dims[n]} " if n is not None else ""
        if not isinstance(x, list) or not all(_is_number(v) for v in x):
            return f"a list of {size}finite numbers"
        if n is not None and len(x) != dims[n]:
            return f"a list of {dims[n]} numbers ({n}), not {len(x)}"
        return None

    return check


def matrix(rows: str | None, cols: str | None) -> Check:
    """A list of ``rows`` rows, each a list of ``cols`` finite numbers."""
    row_check = vector(cols)

    def check(x: Any, dims: dict[str, int]) -> str | None:
        if isinstance(x, dict) and x.get("summary") is True:
            return summary_problem(x, [dims.get(rows or ""), dims.get(cols or "")])
        shape = f"{rows or 'n'}×{cols or 'm'}"
        if not isinstance(x, list) or (rows is not None and len(x) != dims[rows]):
            return f"a {shape} matrix (a list of rows)"
        for row in x:
            if row_check(row, dims) is not None:
                return (
                    f"a {shape} matrix whose rows are lists of {dims.get(cols or '', 'm')} numbers"
                )
        return None

    return check


def optional(inner: Check) -> Check:
    def check(x: Any, dims: dict[str, int]) -> str | None:
        return None if x is None else inner(x, dims)

    return check


def list_of(inner: Check) -> Check:
    def check(x: Any, dims: dict[str, int]) -> str | None:
        if not isinstance(x, list):
            return "a list"
        for item in x:
            problem = inner(item, dims)
            if problem is not None:
                return f"a list, each {problem}"
        return None

    return check


def params_of(shape: dict[str, Check]) -> Check:
    """An object with the five parameters, in their shapes."""

    def check(x: Any, dims: dict[str, int]) -> str | None:
        if not isinstance(x, dict):
            return "an object of the five parameters"
        for name, inner in shape.items():
            if name not in x:
                return f"an object of the five parameters (it lacks {name})"
            problem = inner(x[name], dims)
            if problem is not None:
                return f"an object whose {name} is {problem}"
        return None

    return check


def pair(x: Any, dims: dict[str, int]) -> str | None:
    ok = isinstance(x, list) and len(x) == 2 and isinstance(x[0], str) and _is_number(x[1])
    return None if ok else "a [token, probability] pair"


PARAMS: dict[str, Check] = {
    "W": matrix("V", "H"),
    "W_h": matrix("H", "H"),
    "b": vector("H"),
    "V": matrix("H", "V"),
    "b_output": vector("V"),
}
WHERE: dict[str, Check] = {"step": integer, "sentence": integer}
SCALARS_PER_PARAM = {name: number for name in PARAMS}

FIELDS: dict[str, dict[str, Check]] = {
    "run": {
        "schema": integer,
        "version": string,
        "vocab": list_of(string),
        "sentences": list_of(list_of(string)),
        "config": obj,
    },
    "params": {"step": integer, **PARAMS},
    "forward": {
        **WHERE,
        "t": integer,
        "token": string,
        "token_index": integer,
        "x_W": vector("H"),
        "h_prev_W_h": vector("H"),
        "b": vector("H"),
        "a": vector("H"),
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
        "f_prime": vector("H"),
        "da": vector("H"),
        "h_prev": vector("H"),
        "dW_h": matrix("H", "H"),
        "sum_W": optional(matrix("V", "H")),
        "sum_W_h": optional(matrix("H", "H")),
        "sum_b": optional(vector("H")),
        "cut": boolean,
    },
    "blame": {
        **WHERE,
        "horizon": integer,
        "losses": list_of(integer),
        "matrix": matrix(None, "T"),
        "shares": params_of({name: vector("T") for name in PARAMS}),
    },
    "loss_gradients": {
        **WHERE,
        "losses": list_of(integer),
        **{name: list_of(PARAMS[name]) for name in PARAMS},
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
    },
    "check": {
        "step": integer,
        "tolerance": number,
        "checked": obj,
        "total": obj,
        "max_error": params_of(SCALARS_PER_PARAM),
        "truncation_error": optional(params_of(SCALARS_PER_PARAM)),
        "passed": boolean,
    },
    "gradients": {"step": integer, "loss": number, **PARAMS},
    "update": {
        "step": integer,
        "lr": number,
        "grad_norm": number,
        "scale": number,
        "old": params_of(PARAMS),
        "applied": params_of(PARAMS),
        "new": params_of(PARAMS),
    },
    "train_step": {"step": integer, "loss": number, "grad_norm": number},
    "predictions": {
        **WHERE,
        "tokens": list_of(string),
        "top": list_of(list_of(pair)),
        "targets": list_of(optional(string)),
    },
    "end": {"step": integer, "loss": number},
    "diverged": {"step": integer, "quantity": string, "message": string},
    "interrupted": {"step": integer},
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
    if kind not in FIELDS:
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
    for name, check in FIELDS[kind].items():
        if name not in data:
            return f"{kind} event lacks the field {name!r}"
        problem = check(data[name], dims)
        if problem is not None:
            return f"{kind} event: {name!r} should be {problem}"
    extra = sorted(set(data) - set(FIELDS[kind]) - {"event"})
    if extra:
        return f"{kind} event has unknown fields: {', '.join(extra)}"
    if kind == "run":
        return run_problem(data)
    return ranges(kind, data, dims)


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


def sizes(run: dict[str, Any], data: dict[str, Any]) -> dict[str, int] | str:
    """V, H and (for events of one sentence) T, from the run event."""
    vocab, sentences, config = run.get("vocab"), run.get("sentences"), run.get("config")
    if not isinstance(vocab, list) or not isinstance(config, dict):
        return "run event: 'vocab' should be a list and 'config' an object"
    for key, check in CONFIG.items():
        if key not in config or check(config[key], {}) is not None:
            return f"run event: config {key!r} should be {check(None, {})}"
    if config["activation"] not in ("tanh", "sigmoid", "relu"):
        return "run event: config 'activation' should be tanh, sigmoid or relu"
    if config["loss"] not in ("last", "every") or config["hidden"] < 1:
        return "run event: config 'loss' should be last or every, and 'hidden' ≥ 1"
    dims = {"V": len(vocab), "H": config["hidden"]}
    sentence = data.get("sentence")
    if "sentence" in data and isinstance(sentences, list):
        if not isinstance(sentence, int) or not 0 <= sentence < len(sentences):
            return f"{data.get('event')} event: 'sentence' should index the run's sentences"
        if isinstance(sentences[sentence], list):
            dims["T"] = len(sentences[sentence])
    return dims
