"""The JSON Schema (draft 2020-12) of a trace line, generated from the schema in code.

Every event's fields come from ``schema.event_fields`` and each field's rule from its check's
``spec`` (``checks``), so that this schema and ``--replay`` cannot drift apart. JSON Schema
cannot relate one line to another, nor an array's length to another field: the sizes V and H
are fixed only when given (``sizes``), and T (a sentence's length) is left free. The order of
the lines (the run event first) is checked by ``$defs/trace``, a whole trace as an array.
"""

from __future__ import annotations

from typing import Any

from ..config import ACTIVATIONS, LOSS_MODES
from ..core.cells import CELLS
from .checks import MAX_INTEGER, Check
from .events import SCHEMA
from .schema import CONFIG, OPTIONAL_CONFIG, cell_of, event_fields
from .summary import DETAILS

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def trace_line_schema(
    cell: str | None = None, sizes: dict[str, int] | None = None
) -> dict[str, Any]:
    """A trace line of any cell (or of ``cell`` alone), any activation (their fields are the
    same); with ``sizes`` (V, H) the arrays' lengths are fixed too.

    An event whose fields are the same for every cell is ``$defs/event-KIND``; one whose fields
    depend on the cell (the forward and backward terms, the parameters) is
    ``$defs/event-KIND-CELL`` for each, and ``$defs/event-KIND`` accepts any of them. A line
    cannot say which cell its trace is of; ``$defs/trace`` can: the run event's cell decides
    the fields of every line after it (``$defs/trace-CELL``)."""
    dims = sizes or {}
    names = [cell] if cell is not None else list(CELLS)
    per_cell = {
        name: {
            kind: event_schema(kind, checks, dims)
            for kind, checks in event_fields(
                cell_of(name if name != "rnn" else None, ACTIVATIONS[0])
            ).items()
        }
        for name in names
    }
    kinds = list(per_cell[names[0]])
    defs: dict[str, Any] = {}
    own: dict[str, dict[str, str]] = {name: {} for name in names}  # cell -> kind -> $ref
    for kind in kinds:
        versions = [per_cell[name][kind] for name in names]
        if all(version == versions[0] for version in versions):
            defs[f"event-{kind}"] = versions[0]
            for name in names:
                own[name][kind] = f"#/$defs/event-{kind}"
            continue
        for name, version in zip(names, versions, strict=True):
            defs[f"event-{kind}-{name}"] = version
            own[name][kind] = f"#/$defs/event-{kind}-{name}"
        defs[f"event-{kind}"] = {"anyOf": [{"$ref": own[name][kind]} for name in names]}
    defs["line"] = {"oneOf": [{"$ref": f"#/$defs/event-{kind}"} for kind in kinds]}
    for name in names:
        defs[f"line-{name}"] = {"oneOf": [{"$ref": own[name][kind]} for kind in kinds]}
        defs[f"trace-{name}"] = {
            "description": f"A whole trace of the {name} cell, its lines as an array.",
            "type": "array",
            "prefixItems": [{"allOf": [{"$ref": own[name]["run"]}, of_cell(name)]}],
            "items": {"$ref": f"#/$defs/line-{name}"},
        }
    defs["trace"] = {
        "description": "A whole trace, its lines as an array: the run event first, whose "
        "config's cell decides the fields of the lines after it.",
        "anyOf": [{"$ref": f"#/$defs/trace-{name}"} for name in names],
    }
    return {
        "$schema": DIALECT,
        "title": "bptt-trace trace line",
        "description": "One line of a JSON Lines trace of bptt-trace (schema "
        f"{SCHEMA}), of the cells {', '.join(names)}; see docs/schema.md. Sizes: "
        + (", ".join(f"{k} = {v}" for k, v in dims.items()) or "free")
        + ".",
        "$ref": "#/$defs/line",
        "$defs": defs,
    }


def of_cell(name: str) -> dict[str, Any]:
    """A run event of the cell ``name`` (a trace of the vanilla RNN may leave the cell out)."""
    config: dict[str, Any] = {"properties": {"cell": {"const": name}}}
    if name != "rnn":
        config["required"] = ["cell"]
    return {"properties": {"config": config}}


def event_schema(kind: str, checks: dict[str, Check], dims: dict[str, int]) -> dict[str, Any]:
    properties = {name: rule(check, dims) for name, check in checks.items()}
    if kind == "run":
        properties["schema"] = {"const": SCHEMA}
        properties["vocab"]["uniqueItems"] = True
        properties["config"] = config_schema()
    return {
        "type": "object",
        "properties": {"event": {"const": kind}, **properties},
        "required": ["event", *checks],
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
