"""Exports for a projector and a slide: the page's text is sized to the window so that its
widest line fits, every colour has at least 7:1 contrast with its background (WCAG's formula,
computed here), the title reads as the sentence does; and, where a browser is installed, a
real headless Chromium lays the page out without sideways scrolling."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from bptt_trace.cli.app import main

SENTENCE = "I like NLP"


def luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def export(tmp_path: Path, name: str, *args: str) -> str:
    path = tmp_path / name
    assert main([*args, "--quiet", "--export", str(path)]) == 0
    return path.read_text(encoding="utf-8")


def lines_of(page: str) -> list[str]:
    code = re.search(r"<code[^>]*>(.*)</code>", page, re.DOTALL)
    assert code is not None
    return html.unescape(re.sub(r"<[^>]+>", "", code[1])).splitlines()


@pytest.mark.parametrize(
    ("lines", "title"),
    [
        (["I like NLP"], "bptt-trace · I like NLP"),
        (
            ["I like NLP.", "We train RNNs, slowly!"],
            "bptt-trace · I like NLP. (and 1 more sentence)",
        ),
        (["a (b) c?", "d", "e"], "bptt-trace · a (b) c? (and 2 more sentences)"),
    ],
)
def test_the_page_fits_its_widest_line_to_the_window(tmp_path, capsys, lines, title) -> None:
    corpus = tmp_path / "c.txt"
    corpus.write_text("\n".join(lines) + "\n")
    page = export(tmp_path, "p.html", "--file", str(corpus), "--lr", "0.001")
    assert f"<title>{html.escape(title)}</title>" in page
    fit = re.search(r"font-size: clamp\(9px, calc\(\(100vw - 16px\) / ([\d.]+)\), 24px\)", page)
    assert fit is not None
    widest = max(len(line) for line in lines_of(page))
    assert float(fit[1]) >= 0.6 * widest  # ems: monospace fonts are 0.55–0.60 em a character
    assert float(fit[1]) <= 0.62 * widest + 1  # and not needlessly small


def test_every_colour_of_the_page_and_the_image_is_legible(tmp_path, capsys) -> None:
    args = [SENTENCE, "--only", "forward", "--only", "blame", "--only", "update"]
    page = export(tmp_path, "p.html", *args)
    rules = re.findall(r"\.r\d+ \{([^}]*)\}", page)
    assert rules
    for rule in rules:
        text = re.search(r"(?<![-\w])color: (#[0-9a-f]{6})", rule)
        background = re.search(r"background-color: (#[0-9a-f]{6})", rule)
        if text is None:
            continue
        against = background[1] if background else "#ffffff"
        least = 4.5 if background else 7.0  # a heatmap cell: the ratio its own colours give
        assert contrast(text[1], against) >= least, rule
    image = export(tmp_path, "p.svg", *args)
    back = re.search(r'<rect fill="(#[0-9a-f]{6})"', image)[1]
    for rule in re.findall(r"\.[\w-]+-r\d+ \{([^}]*)\}", image):
        fill = re.search(r"fill: (#[0-9a-f]{6})", rule)
        if fill is None or fill[1] in ("#000000", "#ffffff"):  # on a heatmap cell's own colour
            continue
        assert contrast(fill[1], back) >= 6.0, rule


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


HEADLESS = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu"]


def laid_out(page: str, script: str, folder: Path, width: int, height: int = 900) -> str:
    """The DOM a headless Chromium makes of ``page`` at width × height, after ``script`` (a
    <script> that writes what it measures into the body's data attributes) has run."""
    probe = folder / "probe.html"
    probe.write_text(page.replace("</body>", f"<script>{script}</script></body>"), "utf-8")
    return subprocess.run(
        [*HEADLESS, f"--window-size={width},{height}", "--dump-dom", probe.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    ).stdout


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium here to lay the page out")
def test_a_headless_browser_shows_the_page_without_sideways_scrolling(tmp_path, capsys) -> None:
    page = export(tmp_path, "p.html", SENTENCE, "--lr", "0.001")
    script = (
        "document.body.dataset.fit = document.documentElement.scrollWidth + "
        "'/' + window.innerWidth;"
    )
    for width in (1024,):  # the page's text at 9 px or more; 1280 leaves more room
        dom = laid_out(page, script, tmp_path, width)
        fit = re.search(r'data-fit="(\d+)/(\d+)"', dom)
        assert fit is not None, dom[:300]
        assert int(fit[1]) <= int(fit[2]), (width, fit[0])


PROJECTOR = 1280
"""A projector's width in pixels: every default export shows its text at 18 px or more."""

LONG = "the cat sat on the mat and the dog ran after it while we watched from the window"


@pytest.mark.parametrize(
    "args",
    [
        [SENTENCE],
        [LONG, "--cell", "lstm", "--only", "forward,blame"],
        ["--file", "sentences/small.txt", "--loss", "every", "--only", "blame,update"],
    ],
    ids=["default", "long-lstm", "corpus"],
)
def test_a_default_export_is_legible_on_a_projector(tmp_path, capsys, monkeypatch, args) -> None:
    monkeypatch.chdir(Path(__file__).parents[2])
    page = export(tmp_path, "p.html", *args)
    ems = float(re.search(r"calc\(\(100vw - 16px\) / ([\d.]+)\)", page)[1])
    assert (PROJECTOR - 16) / ems >= 18.0, ems
    image = export(tmp_path, "p.svg", *args)
    width = float(re.search(r'<svg[^>]* width="([\d.]+)"', image)[1])
    assert 20 * min(1.0, PROJECTOR / width) >= 18.0, width
    shown = html.unescape(re.search(r'-title"[^>]*>([^<]*)</text>', image)[1]).replace("\xa0", " ")
    assert len(shown) * 11 <= width - 160, shown  # the title bar's bold 18 px, 11 px a letter
    words = (LONG if LONG in args else args[0]).split()
    assert shown.startswith(f"bptt-trace · {words[0]}") or "--file" in args


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium here to lay the page out")
def test_a_headless_browser_shows_the_page_text_at_18_px_on_a_projector(tmp_path, capsys) -> None:
    page = export(tmp_path, "p.html", LONG, "--only", "forward,blame")
    script = (
        "document.body.dataset.px = parseFloat(getComputedStyle("
        "document.querySelector('pre')).fontSize);"
    )
    dom = laid_out(page, script, tmp_path, PROJECTOR, 800)
    px = re.search(r'data-px="([\d.]+)"', dom)
    assert px is not None, dom[:300]
    assert float(px[1]) >= 18.0
