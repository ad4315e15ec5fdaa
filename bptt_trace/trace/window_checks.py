"""The checks of a windowed scheme's events (``--chunks``, ``--tbptt`` updating after each
window): a window's gradients and update event against the run (``consistency``)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from ..core.truncation import Scheme, Window, scheme_of, windows
from .summary import is_summary


def chunk_problem(data: dict[str, Any], run: dict[str, Any]) -> str | None:
    """A window's event: only under --update-every chunk, its index ≥ 1."""
    if data.get("chunk") is None:
        return None
    if run["config"].get("update_every") != "chunk" or data["chunk"] < 1:
        return "'chunk' (≥ 1) belongs to a run with --chunks or --tbptt updating every chunk"
    return None


def window_problem(data: dict[str, Any], run: dict[str, Any]) -> str | None:
    """A gradients event's window fields: all or none, the window inside 1 … T, the carried
    state and its recomputation together."""
    window = data.get("window")
    if (data.get("chunk") is None) != (window is None):
        return "'chunk' and 'window' go together"
    if data.get("chunk") is None:
        if data.get("carried_state") is not None or data.get("carried_state_now") is not None:
            return "'carried_state' and 'carried_state_now' belong to a window's event"
        return None
    if (data["carried_state"] is None) != (data["carried_state_now"] is None):
        return "'carried_state' and 'carried_state_now' go together"
    return chunk_problem(data, run) or window_mismatch(data, run) or staleness_problem(data)


def staleness(then: Sequence[float], now: Sequence[float]) -> float:
    """‖now − then‖, the carried state's staleness (as the tables show it), in Python's
    floats: without NumPy's warnings, and without overflow short of a distance beyond the
    floats (``math.hypot`` scales); inf only then."""
    return math.hypot(*(float(b) - float(a) for a, b in zip(then, now, strict=True)))


def staleness_problem(data: dict[str, Any]) -> str | None:
    """The carried state and its recomputation (whole vectors) are a finite distance apart,
    as the tables show it."""
    then, now = data["carried_state"], data["carried_state_now"]
    if then is None or is_summary(then) or is_summary(now) or math.isfinite(staleness(then, now)):
        return None
    return (
        "'carried_state' and 'carried_state_now' should be a finite distance apart (their "
        "staleness ‖carried_state_now − carried_state‖ is beyond the floats)"
    )


@lru_cache(maxsize=1)
def scheme_windows(scheme: Scheme, T: int) -> tuple[Window, ...]:
    """The scheme's windows over 1 … T, listed once for all the window events of a trace."""
    return tuple(windows(scheme, T))


def window_mismatch(data: dict[str, Any], run: dict[str, Any]) -> str | None:
    """The window must be the scheme's window number ``chunk`` over the run's T."""
    scheme = scheme_of(run["config"])
    T = max(len(sentence) for sentence in run["sentences"])
    runs = scheme_windows(scheme, T) if scheme is not None else ()
    if not 1 <= data["chunk"] <= len(runs):
        return f"'chunk' should be a window of the run's scheme, 1 … {len(runs)}"
    w = runs[data["chunk"] - 1]
    if data["window"] != [w.start, w.first_loss, w.end]:
        return (
            f"'window' of chunk {data['chunk']} should be [{w.start}, {w.first_loss}, {w.end}] "
            f"([start, first loss, end] of {scheme.flag() if scheme else 'the scheme'} at T = {T})"
        )
    return None
