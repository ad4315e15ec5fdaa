"""The JSON Schema (draft 2020-12) of a trace line, generated from the schema in code.

Every event's fields come from ``schema.event_fields`` and each field's rule from its check's
``spec`` (``checks``), so that this schema and ``--replay`` cannot drift apart. JSON Schema
cannot relate one line to another, nor an array's length to another field: the sizes V and H
are fixed only when given (``sizes``), and T (a sentence's length) is left free. The order of
the lines (the run event first) is checked by ``$defs/trace``, a whole trace as an array. One
schema covers every cell's form (``core.cells.form_configs``): an event whose fields differ from
form to form has a rule for each, and ``$defs/trace`` holds a trace to the form of its run event.
"""

from __future__ import annotations

from typing import Any

from ..config import ACTIVATIONS, DETAILS, LOSS_MODES, UPDATE_EVERY
from ..core.cells import CELLS, form_configs
from .checks import MAX_INTEGER, Check
from .json_forms import by_kind, form_cell, form_label, run_of, shared_arrays
from .schema_config import CONFIG, OPTIONAL_CONFIG
from .schema_events import OMITTED, SCHEMA, event_fields

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def trace_line_schema(
    cell: str | None = None, sizes: dict[str, int] | None = None, reset_after: bool = False
) -> dict[str, Any]:
    """A trace line of ``cell`` (any activation: their fields are the same; the GRU in the form
    ``reset_after`` names), or of any known cell when ``cell`` is None; with ``sizes`` (V, H)
    the arrays' lengths are fixed too. An event whose fields differ from cell to cell is one
    of its forms (``event-forward-gru``, …); ``$defs/trace`` ties a whole trace to the cell its
    run event names."""
    dims = sizes or {}
    configs = form_configs() if cell is None else [{"cell": cell, "reset_after": reset_after}]
    forms = {form_label(config): config for config in configs}
    events = {
        label: {
            kind: event_schema(kind, checks, dims)
            for kind, checks in event_fields(form_cell(config)).items()
        }
        for label, config in forms.items()
    }
    defs: dict[str, Any] = {}
    refs: dict[str, dict[str, str]] = {label: {} for label in forms}  # the def of each kind
    for kind in next(iter(events.values())):
        variants = {label: kinds[kind] for label, kinds in events.items()}
        if all(v == next(iter(variants.values())) for v in variants.values()):
            defs[f"event-{kind}"] = next(iter(variants.values()))
            for label in forms:
                refs[label][kind] = f"#/$defs/event-{kind}"
            continue
        for label, variant in variants.items():
            defs[f"event-{kind}-{label}"] = variant
            refs[label][kind] = f"#/$defs/event-{kind}-{label}"
        defs[f"event-{kind}"] = {"anyOf": [{"$ref": ref[kind]} for ref in refs.values()]}
    defs = shared_arrays(defs)
    defs["line"] = by_kind({kind: f"#/$defs/event-{kind}" for kind in refs[label]})
    whole = [
        {
            "type": "array",
            "prefixItems": [{"allOf": [{"$ref": "#/$defs/event-run"}, run_of(forms[label])]}],
            "items": by_kind(refs[label]),
        }
        for label in forms
    ]
    defs["trace"] = {
        "description": "A whole trace, its lines as an array: the run event first, every line "
        "of the cell its config names.",
        **(whole[0] if len(whole) == 1 else {"anyOf": whole}),
    }
    return {
        "$schema": DIALECT,
        "title": "bptt-trace trace line",
        "description": "One line of a JSON Lines trace of bptt-trace (schema "
        f"{SCHEMA}); see docs/schema.md. Sizes: "
        + (", ".join(f"{k} = {v}" for k, v in dims.items()) or "free")
        + ".",
        "$ref": "#/$defs/line",
        "$defs": defs,
    }


def event_schema(kind: str, checks: dict[str, Check], dims: dict[str, int]) -> dict[str, Any]:
    properties = {name: rule(check, dims) for name, check in checks.items()}
    if kind == "run":
        properties["schema"] = {"const": SCHEMA}
        properties["vocab"]["uniqueItems"] = True
        properties["config"] = config_schema()
    return {
        "type": "object",
        "properties": {"event": {"const": kind}, **properties},
        "required": ["event", *(name for name in checks if name not in OMITTED.get(kind, ()))],
        "additionalProperties": False,
    }


def config_schema() -> dict[str, Any]:
    """The run's config: the fields ``schema.sizes`` requires, the choices it allows."""
    properties = {name: rule(check, {}) for name, check in CONFIG.items()}
    properties["hidden"] = {"type": "integer", "minimum": 1}
    choices = {"activation": ACTIVATIONS, "loss": LOSS_MODES, "cell": tuple(CELLS)}
    for name, allowed in choices.items():
        properties[name] = {"enum": list(allowed)}
    count = {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_INTEGER}
    properties.update(
        truncate=count,
        trace_every=count,
        clip={"type": ["number", "null"], "exclusiveMinimum": 0},
        forget_bias={"type": ["number", "null"]},
        detail={"enum": list(DETAILS)},
        check={"type": "boolean"},
    )
    properties["lr"] = {"type": "number", "exclusiveMinimum": 0}
    for name in OPTIONAL_CONFIG:  # present only when they matter
        properties[name] = dict(OPTIONAL_RULES[name])
    return {"type": "object", "properties": properties, "required": list(CONFIG)}


OPTIONAL_RULES: dict[str, dict[str, Any]] = {
    "chunks": {
        "description": "--chunks K: chunks of K time steps, the state carried in as a constant "
        "(absent: no such scheme)",
        "type": "integer",
        "minimum": 1,
        "maximum": MAX_INTEGER,
    },
    "tbptt": {
        "description": "--tbptt K1:K2 as [K1, K2], 1 ≤ K1 ≤ K2 (absent: no such scheme)",
        "type": "array",
        "prefixItems": [{"type": "integer", "minimum": 1, "maximum": MAX_INTEGER}] * 2,
        "minItems": 2,
        "maxItems": 2,
    },
    "update_every": {
        "description": "--update-every with --chunks or --tbptt: an update after each window "
        "(chunk) or one a step (sequence); absent without those schemes",
        "enum": list(UPDATE_EVERY),
    },
    "reset_after": {
        "description": "--reset-after: the GRU's reset gate after the recurrent product, as "
        "torch's nn.GRU (absent: before it)",
        "type": "boolean",
    },
    "init_scale": {
        "description": "--init-scale: every initial weight multiplied by it (absent: 1)",
        "type": "number",
        "exclusiveMinimum": 0,
    },
    "loaded": {
        "description": "--load: the model file's path (control characters escaped) and the "
        "updates it had had (null when its file does not say)",
        "type": "object",
        "properties": {
            "path": {"type": "string"},
            "updates": {"anyOf": [{"type": "null"}, {"type": "integer", "minimum": 0}]},
        },
        "required": ["path", "updates"],
        "additionalProperties": False,
    },
}
"""The JSON Schema of each of ``schema.OPTIONAL_CONFIG``'s checks."""


BASE = {
    "integer": {"type": "integer", "minimum": 0, "maximum": MAX_INTEGER},
    "number": {"type": "number"},
    "string": {"type": "string"},
    "boolean": {"type": "boolean"},
    "obj": {"type": "object"},
    "pair": {
        "type": "array",
        "prefixItems": [{"type": "string"}, {"type": "number"}],
        "minItems": 2,
        "maxItems": 2,
    },
}


def rule(check: Check, dims: dict[str, int]) -> dict[str, Any]:
    """The JSON Schema of one check."""
    kind, *args = check.spec  # type: ignore[attr-defined]
    if kind in BASE:
        return dict(BASE[kind])
    if kind == "vector":
        return {"anyOf": [numbers(args[0], dims), summary([args[0]], dims)]}
    if kind == "matrix":
        rows, cols = args
        whole = {**sized(rows, dims), "type": "array", "items": numbers(cols, dims)}
        return {"anyOf": [whole, summary([rows, cols], dims)]}
    if kind == "optional":
        return {"anyOf": [{"type": "null"}, rule(args[0], dims)]}
    if kind == "list_of":
        return {"type": "array", "items": rule(args[0], dims)}
    if kind == "params_of":
        inner = {name: rule(c, dims) for name, c in args[0].items()}
        return {"type": "object", "properties": inner, "required": list(inner)}
    raise ValueError(f"no JSON Schema for the check {kind!r}")


def sized(letter: str | None, dims: dict[str, int]) -> dict[str, int]:
    n = dims.get(letter or "")
    return {} if n is None else {"minItems": n, "maxItems": n}


def numbers(letter: str | None, dims: dict[str, int]) -> dict[str, Any]:
    return {"type": "array", "items": {"type": "number"}, **sized(letter, dims)}


def summary(shape: list[str | None], dims: dict[str, int]) -> dict[str, Any]:
    """A summary of a large array (``summary``): its shape, norm, range, largest entries."""
    axes = [{"const": dims[a]} if a in dims else {"type": "integer"} for a in shape]
    entry = {
        "type": "array",
        "items": {"type": "number"},
        "minItems": len(shape) + 1,
        "maxItems": len(shape) + 1,
    }
    return {
        "type": "object",
        "properties": {
            "summary": {"const": True},
            "shape": {
                "type": "array",
                "prefixItems": axes,
                "minItems": len(shape),
                "maxItems": len(shape),
            },
            "norm": {"type": "number"},
            "min": {"type": "number"},
            "max": {"type": "number"},
            "largest": {"type": "array", "items": entry},
        },
        "required": ["summary", "shape", "norm", "min", "max", "largest"],
    }
