"""An image (``--export x.svg``) on a 1280 × 800 projector. A browser shows an <svg> that has
an explicit width at that width, unscaled, so a default image must fit 1280 pixels less the
window's vertical scrollbar (17 px in Windows' browsers, 15 in Chromium on Linux) at its own
20 px text: at most 1263 px wide, its viewBox as wide (drawn 1:1), whatever the run. Where
Chromium is installed, a real headless Chromium opens the image at 1280 × 800 without
sideways scrolling and with every text, the title bar's included, at 18 px or more."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from exercise.exercise_tools import run

from bptt_trace.cli.app import main

PROJECTOR, SCROLLBAR = 1280, 17
ROOM = PROJECTOR - SCROLLBAR
"""The pixels a page taller than the window has across: 1263."""

LONG = "the cat sat on the mat and the dog ran after it while we watched from the window"

RUNS = {
    "default": ["I like NLP"],
    "long-lstm": [LONG, "--cell", "lstm"],
    "long-gru-every": [LONG, "--cell", "gru", "--loss", "every", "--only", "blame,update"],
    "corpus": ["--file", "sentences/small.txt", "--loss", "every"],
}


def image(tmp_path: Path, args: list[str]) -> str:
    path = tmp_path / "x.svg"
    assert main([*args, "--quiet", "--export", str(path)]) == 0
    return path.read_text(encoding="utf-8")


def size(svg: str) -> tuple[float, float]:
    """The image's width attribute and its viewBox's width."""
    tag = re.search(r"<svg[^>]*>", svg)
    assert tag is not None
    width = re.search(r' width="([\d.]+)"', tag[0])
    box = re.search(r' viewBox="0 0 ([\d.]+) [\d.]+"', tag[0])
    assert width is not None and box is not None, tag[0]
    return float(width[1]), float(box[1])


@pytest.mark.parametrize("args", RUNS.values(), ids=RUNS.keys())
def test_a_default_image_fits_a_projector_beside_its_scrollbar(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch, args: list[str]
) -> None:
    monkeypatch.chdir(Path(__file__).parents[2])
    width, box = size(image(tmp_path, args))
    assert width <= ROOM, width
    assert box == width  # drawn unscaled: its 20 px text is 20 px


def test_an_exercise_sheet_as_an_image_fits_a_projector_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = tmp_path / "sheet.svg"
    args = [LONG, "--cell", "lstm", "--exercise", "backward", "--export", str(sheet)]
    assert run(capsys, *args).code == 0
    width, box = size(sheet.read_text(encoding="utf-8"))
    assert width <= ROOM and box == width


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

PROBE = """<script>
const root = document.documentElement;
window.scrollTo(100000, 0);
const sizes = Array.from(document.querySelectorAll('text')).map(
  t => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a);
root.setAttribute('data-scrolled', String(window.scrollX));
root.setAttribute('data-texts', String(sizes.length));
root.setAttribute('data-smallest', String(Math.min(...sizes)));
</script>"""
"""Scrolls as far right as the image lets a user, and measures each text as drawn: its font
size times the scale from the image's units to the screen's pixels."""


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium here to show the image")
@pytest.mark.parametrize("name", ["default", "long-gru-every"])
def test_a_headless_browser_shows_the_image_whole_and_legible_at_1280_by_800(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch, name: str
) -> None:
    monkeypatch.chdir(Path(__file__).parents[2])
    probe = tmp_path / "probe.svg"
    probe.write_text(image(tmp_path, RUNS[name]).replace("</svg>", f"{PROBE}</svg>"), "utf-8")
    dom = subprocess.run(
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu",
         f"--window-size={PROJECTOR},800", "--dump-dom", probe.as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    ).stdout  # fmt: skip
    found = {k: float(v) for k, v in re.findall(r'data-(\w+)="([^"]*)"', dom)}
    assert {"scrolled", "texts", "smallest"} <= found.keys(), dom[:300]
    assert found["scrolled"] == 0  # nothing to the right of the window
    assert found["texts"] > 10
    assert found["smallest"] >= 18.0 - 1e-3, found  # the title bar's 18 px, to rounding
