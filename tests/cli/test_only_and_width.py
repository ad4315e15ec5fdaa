"""--only names the views to show (terminal, --export, --pause); --width lays everything out
for N columns; an export fits its content otherwise; the HTML page has a <title> and the SVG
image a width, a height and no address but its XML namespace."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from pty_screen import Session, run_on_pty

from bptt_trace.cli.app import main

SENTENCE = "I like NLP"
HEADINGS = {
    "forward": "Forward pass · step 1",
    "output": "Output and loss · step 1",
    "backward": "Backward pass (BPTT) · step 1",
    "contributions": "Contributions of each time step, running sums",
    "blame": "Blame matrix",
    "update": "W ← W − α·∂L/∂W   (α = 0.1)",
    "formulas": "The update rule, with this step's numbers",
}


def test_only_shows_the_views_it_names_and_the_closing_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main([SENTENCE, "--only", "backward", "--only", "update", "--width", "70"]) == 0
    out = capsys.readouterr().out
    for view, heading in HEADINGS.items():
        assert (heading in out) == (view in ("backward", "update")), view
    assert "╭─ bptt-trace" not in out  # the model's header shows without --only only
    assert "✓ finished after 1 step:" in out
    assert max(len(line) for line in out.splitlines()) <= 70


@pytest.mark.parametrize("view", list(HEADINGS))
def test_each_heading_is_its_views_own(view: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Each view alone shows its heading (so that the test above, which looks for the headings
    of the views left out, cannot pass on a heading no view prints)."""
    assert main([SENTENCE, "--only", view, "--width", "100"]) == 0
    out = capsys.readouterr().out
    assert [v for v, heading in HEADINGS.items() if heading in out] == [view]


def test_width_lays_out_every_table_for_that_many_columns(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main([SENTENCE, "--width", "120"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert max(len(line) for line in lines) == 120  # the header's panel spans it
    assert main([SENTENCE, "--width", "50"]) == 0
    assert max(len(line) for line in capsys.readouterr().out.splitlines()) == 50


def test_pause_pages_only_the_views_shown() -> None:
    def enter(session: Session) -> bytes | None:
        asked = session.output.count(b"Enter: next")
        return b"\n" if asked > len(session.sent) else None

    session = run_on_pty([SENTENCE, "--pause", "--only", "forward"], enter)
    assert session.code == 0
    prompts = [line for line in session.lines() if "Enter: next" in line]
    assert [p.split("──")[1].strip() for p in prompts] == [
        f"step 1 · forward t = {t} of 3" for t in (1, 2, 3)
    ]


def export(tmp_path: Path, name: str, *args: str) -> str:
    path = tmp_path / name
    assert main([SENTENCE, "--quiet", "--export", str(path), *args]) == 0
    return path.read_text(encoding="utf-8")


def test_html_export_has_a_title_and_only_its_views(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = export(tmp_path, "t.html", "--only", "output")
    assert "<title>bptt-trace · I like NLP</title>" in page
    assert "Output and loss" in page and "Forward pass" not in page
    assert "Forward pass" not in capsys.readouterr().out  # the terminal shows the same views


def test_svg_export_has_its_size_and_no_address_to_fetch(tmp_path: Path) -> None:
    image = export(tmp_path, "t.svg", "--width", "90")
    head = re.match(r'<svg [^>]*width="([\d.]+)" height="([\d.]+)" viewBox="0 0 \1 \2"', image)
    assert head is not None, image[:200]
    addresses = re.findall(r"https?://[^\s\"')]+", image)
    assert addresses == ["http://www.w3.org/2000/svg"]  # the namespace, nothing to load
    assert "@font-face" not in image
    assert set(re.findall(r"url\((.)", image)) == {"#"}  # its own clip paths only
    assert "<title>" not in image or "bptt-trace · I like NLP" in image
    narrow = re.match(r'<svg [^>]*width="([\d.]+)"', export(tmp_path, "n.svg", "--width", "60"))
    assert narrow is not None and float(narrow[1]) < float(head[1])


def test_a_text_export_fits_its_content_unless_width_says(tmp_path: Path) -> None:
    wide = export(tmp_path, "w.txt", "--hidden", "16").splitlines()
    assert max(len(line) for line in wide) > 100  # the H = 16 vectors on one line each
    assert not any(line.lstrip().startswith("[9] ") for line in wide)
    told = export(tmp_path, "n.txt", "--hidden", "16", "--width", "80").splitlines()
    assert max(len(line) for line in told) == 80
    assert any("[9] " in line or "[7] " in line for line in told)  # wrapped, with indices


def test_json_takes_only_with_an_export_only_and_width_always(
    refused: Callable[[list[str]], str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert "leave out --only" in refused([SENTENCE, "--json", "--only", "forward"])
    capsys.readouterr()
    assert main([SENTENCE, "--json"]) == 0
    bare = capsys.readouterr().out
    assert main([SENTENCE, "--json", "--width", "90"]) == 0  # how it looks: harmless
    assert capsys.readouterr().out == bare
    assert "--width" in refused([SENTENCE, "--width", "10"])
    assert "--only" in refused([SENTENCE, "--only", "everything"])
    path = tmp_path / "t.txt"
    assert main([SENTENCE, "--json", "--export", str(path), "--only", "forward"]) == 0
    assert "Forward pass" in path.read_text() and "Backward pass" not in path.read_text()


def test_replay_takes_width_and_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    trace = tmp_path / "t.jsonl"
    assert main([SENTENCE, "--json", "--output", str(trace)]) == 0
    capsys.readouterr()
    assert main(["--replay", str(trace), "--only", "forward", "--width", "60"]) == 0
    out = capsys.readouterr().out
    assert "Forward pass" in out and "Backward pass" not in out
    assert max(len(line) for line in out.splitlines()) <= 60
