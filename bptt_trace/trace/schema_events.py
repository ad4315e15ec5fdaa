"""The schema's events in code: every event's fields, their checks and their shapes, from the
cell's declaration (``core.cells``), without NumPy (``--schema`` reads them and nothing more).

Shapes are in the letters of the run event: V = |vocab|, H = config.hidden, T = the length of
the event's sentence. ``schema.validate`` checks a line against them, ``json_schema`` writes
them as a JSON Schema.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from ..core.cells import make_cell
from ..core.cells.declaration import Cell, Outer
from ..core.model import declared
from .checks import (
    Check,
    boolean,
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

SCHEMA = 1
"""The version of the events' fields (a run event's "schema")."""

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
            "raw_error": optional(params_of(scalars)),
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


def truncation_fields(names: list[str]) -> dict[str, Check]:
    """The truncation event's fields and their checks (``trace.truncation_event``)."""
    return {
        "step": integer,
        "sentence": integer,
        "scheme": string,
        "k1": integer,
        "k2": integer,
        "losses": list_of(integer),
        "reach": list_of(integer),
        "metrics": params_of(dict.fromkeys(names, obj)),
        "bias": optional(list_of(obj)),
    }


LATER: dict[str, dict[str, Any]] = {
    "gradients": dict.fromkeys(WINDOW_FIELDS),
    "update": {"chunk": None},
    "jacobians": {"cause": None},
    "end": {"warning": None, "loss_after": None},
    "check": {
        "skipped": lambda data: dict.fromkeys(data.get("checked") or {}, 0),
        "raw_error": None,
    },
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
