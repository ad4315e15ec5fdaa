"""The heatmap's shades: one luminance from grey to orange-red (``theme`` re-exports them)."""

from __future__ import annotations

from functools import cache

HEAT = ("#8c8c94", "#9880a8", "#d86080", "#ff4400")
"""The heatmap's anchors, from blames least to blames most: a grey, a mauve, a rose and an
orange-red of rising chroma. ``heat_colour`` runs through them with every shade brought to one
luminance, HEAT_LUMINANCE, so that no cell sinks into the background, dark or light (each has
at least 4:1 contrast with black, with white and with the image's dark grey): the most-blamed
cells stand out by their colour, the most vivid, the same on any background."""

HEAT_LUMINANCE = 0.2
"""The relative luminance (WCAG) of every shade: 5:1 against black and its own black text,
4.2:1 against white."""

HEAT_STEPS = 32
"""Shades along the scale: values a third of a decade apart get different ones."""


def _linear(channel: float) -> float:
    return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4


def _gamma(linear: float) -> float:
    linear = min(1.0, max(0.0, linear))
    return 12.92 * linear if linear <= 0.0031308 else 1.055 * linear ** (1 / 2.4) - 0.055


def heat_colour(u: float) -> str:
    """The heatmap's shade at ``u`` ∈ [0, 1] (0: blames least, 1: most), as #rrggbb: the
    anchors mixed in linear light, then scaled to HEAT_LUMINANCE."""
    return _shade(round(min(1.0, max(0.0, u)) * HEAT_STEPS))


@cache
def _shade(step: int) -> str:
    """The shade of step ``step`` of HEAT_STEPS, worked out once (a heatmap has hundreds of
    cells and HEAT_STEPS + 1 shades)."""
    u = step / HEAT_STEPS
    at = u * (len(HEAT) - 1)
    i = min(int(at), len(HEAT) - 2)
    f = at - i
    ends = [[_linear(int(c[k : k + 2], 16) / 255) for k in (1, 3, 5)] for c in HEAT[i : i + 2]]
    mixed = [(1 - f) * a + f * b for a, b in zip(*ends, strict=True)]
    scale = HEAT_LUMINANCE / (0.2126 * mixed[0] + 0.7152 * mixed[1] + 0.0722 * mixed[2])
    return "#" + "".join(f"{round(_gamma(c * scale) * 255):02x}" for c in mixed)


def heat_style(u: float) -> str:
    """A heatmap cell's style: black text on the shade at ``u``, bold at the very top."""
    return f"{'bold ' if u >= 1 else ''}#000000 on {heat_colour(u)}"
