"""The parts of the JSON Schema that every cell's form shares or tells apart: one event's rule
picked by its "event" field, the array rules written once, and what a run event says of its
cell (``json_schema.trace_line_schema`` assembles them)."""

from __future__ import annotations

import json
from typing import Any

from ..config import ACTIVATIONS
from ..core.cells.declaration import Cell
from .schema_events import cell_of


def by_kind(refs: dict[str, str]) -> dict[str, Any]:
    """One of the events: its "event" field says which, and only that event's rule is tried."""
    return {
        "type": "object",
        "properties": {"event": {"enum": list(refs)}},
        "required": ["event"],
        "allOf": [
            {"if": {"properties": {"event": {"const": kind}}}, "then": {"$ref": ref}}
            for kind, ref in refs.items()
        ],
    }


def shared_arrays(defs: dict[str, Any]) -> dict[str, Any]:
    """The rule of each array field (its numbers or their summary) once, as ``$defs/array-…``
    named by its shape, each field a reference to it: the same few shapes recur in every event
    of every cell (the schema is a sixth of the size, and checked as much faster)."""
    named: dict[str, str] = {}
    shared: dict[str, Any] = {}

    def walk(node: Any) -> Any:
        if isinstance(node, list):
            return [walk(item) for item in node]
        if not isinstance(node, dict):
            return node
        options = node.get("anyOf")
        summary = options[1].get("properties", {}) if isinstance(options, list) else {}
        if len(options or ()) == 2 and summary.get("summary") == {"const": True}:
            key = json.dumps(node, sort_keys=True)
            if key not in named:
                axes = summary["shape"]["prefixItems"]
                shape = "x".join(str(axis.get("const", "n")) for axis in axes)
                named[key] = f"array-{shape}" + (
                    f"-{len(shared)}" if f"array-{shape}" in shared else ""
                )
                shared[named[key]] = node
            return {"$ref": f"#/$defs/{named[key]}"}
        return {name: walk(value) for name, value in node.items()}

    walked = walk(defs)
    return {**shared, **walked}


def form_label(config: dict[str, Any]) -> str:
    """A cell's form by name: ``rnn``, ``lstm``, ``gru``, ``gru-reset-after``, a registered one."""
    return config["cell"] + ("-reset-after" if config.get("reset_after") else "")


def form_cell(config: dict[str, Any]) -> Cell:
    name = config["cell"]
    return cell_of(name if name != "rnn" else None, ACTIVATIONS[0], bool(config.get("reset_after")))


def run_of(config: dict[str, Any]) -> dict[str, Any]:
    """What a run event's config says of a trace of this form: its cell (absent for the vanilla
    RNN) and whether the GRU's reset gate is after the product."""
    reset_after = bool(config.get("reset_after"))
    rule: dict[str, Any] = {
        "properties": {"cell": {"const": config["cell"]}, "reset_after": {"const": reset_after}}
    }
    if config["cell"] != "rnn":
        rule["required"] = ["cell", *(["reset_after"] if reset_after else [])]
    return {"properties": {"config": rule}}
