"""A wrong gradient to check the checks with: the engine's BPTT with one entry moved."""

from __future__ import annotations

import numpy as np

from bptt_trace.core import gradcheck
from bptt_trace.core.bptt import Backward


def largest_entry_off(monkeypatch, name: str) -> None:
    """The BPTT gradient of ``name`` with its largest entry 1e-5 (relative) off."""
    real = gradcheck.backward

    def off(cell, p, batch, fw, truncate=None, record=True) -> Backward:
        bw = real(cell, p, batch, fw, truncate, record)
        if truncate is None:
            grad = bw.grads[name]
            grad[np.unravel_index(np.argmax(np.abs(grad)), grad.shape)] *= 1 + 1e-5
        return bw

    monkeypatch.setattr(gradcheck, "backward", off)
