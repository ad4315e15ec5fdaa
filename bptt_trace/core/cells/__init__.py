"""The recurrent cells, one file a cell, found by name (a cell of one's own is registered)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .declaration import Cell
from .gru import GRU
from .lstm import LSTM
from .rnn import VanillaRNN

CELLS: dict[str, type[Cell]] = {cell.name: cell for cell in (VanillaRNN, LSTM, GRU)}


def register(cell: type[Cell]) -> type[Cell]:
    """Make ``cell`` known by its name (usable as a class decorator)."""
    CELLS[cell.name] = cell
    return cell


def make_cell(config: Mapping[str, Any]) -> Cell:
    """The cell that a run's configuration names (``cell``, the vanilla RNN when absent)."""
    return CELLS[config.get("cell", "rnn")].configured(config)


FORMS: tuple[dict[str, Any], ...] = ({"cell": "gru", "reset_after": True},)
"""Configurations whose cell declares other parameters than its cell's defaults do: the GRU
with its reset gate after the product (bʰ_n)."""


def form_configs() -> list[dict[str, Any]]:
    """The configuration of every known cell with its defaults (registered ones too), then
    ``FORMS``: one for each set of parameters and per-step fields a trace or model may have."""
    return [*({"cell": name} for name in CELLS), *FORMS]


def every_form() -> list[Cell]:
    """A cell of each of ``form_configs``: all the parameters a model file may hold are theirs."""
    return [make_cell(config) for config in form_configs()]
