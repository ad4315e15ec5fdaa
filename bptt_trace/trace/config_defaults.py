"""A trace's config as the run had it: a field the trace leaves out is its default.

A trace writes some config fields only when they matter (``Config.to_json``: the cell when it
is not the vanilla RNN, --init-scale when not 1, …), and older traces lack fields added since,
so that they replay byte for byte. What a run did is the config with every field it omits at
its default (``config.Config``'s), which is what ``--diff`` compares and shows."""

from __future__ import annotations

import dataclasses
from typing import Any

from ..config import Config

DEFAULTS: dict[str, Any] = {
    field.name: field.default
    for field in dataclasses.fields(Config)
    if field.default is not dataclasses.MISSING
}
"""Each config field that has a default, and the default (as the JSON trace would hold it)."""


def effective(config: dict[str, Any]) -> dict[str, Any]:
    """``config`` with every field it leaves out at its default."""
    return {**DEFAULTS, **config}
