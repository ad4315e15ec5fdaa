"""A traced step stays within a few screens: --pause pages fit the terminal (a taller page in
screenfuls, each with its prompt), a backward page is titled with the whole path the gradient
took; under --detail auto the tables show a step's first sentence and one line says what was
left out and how to see it, --detail full shows every traced sentence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pty_screen import ROWS, Session, run_on_pty
from rich.console import Console
from rich.text import Text

from bptt_trace.cli.app import main
from bptt_trace.rendering.pages import screenfuls, whole_path
from bptt_trace.rendering.tables import noted_table
from bptt_trace.trace.events import RunEvent

CORPUS = Path(__file__).parents[2] / "sentences" / "small.txt"


def answer_every_prompt(session: Session) -> bytes | None:
    if session.output.count(b"Enter: next") > len(session.sent):
        return b"\n"
    return None


def test_every_pause_page_fits_the_terminal_and_says_where_it_is(tmp_path: Path) -> None:
    export = tmp_path / "pages.txt"
    args = ["I like NLP", "--pause", "--quiet", "--export", str(export)]
    session = run_on_pty(args, answer_every_prompt)
    assert session.code == 0
    screen = session.lines()
    at = [i for i, line in enumerate(screen) if "Enter: next" in line]
    shown = [b - a - 1 for a, b in zip([-1, *at], at, strict=False)]  # lines above a prompt
    assert max(shown) <= ROWS - 1, shown
    places = [screen[i].split(" ── ")[0].lstrip("─ ") for i in at]
    parts = [p for p in places if " · part " in p]
    assert parts, "the update (and the backward pages) are taller than 24 rows"
    for place in parts:  # a piece's prompt says which piece; the page's last names the page
        name, _, piece = place.partition(" · part ")
        number, total = map(int, piece.split(" of "))
        assert places[places.index(place) + total - number] == name, place
    assert places[-1] == "step 1 · update"
    continued = [i for i, line in enumerate(screen) if line.endswith("(continued)")]
    assert continued  # the contributions and the update go on past a screenful
    assert all("Enter: next" in screen[i - 1] for i in continued)  # atop the next screenful
    titles = [line for line in screen if line.startswith("Backward pass")]
    assert [t.split(" · ")[-1] for t in titles] == [
        "ŷ → o → h₃",
        "ŷ → o → h₃ → h₂",
        "ŷ → o → h₃ → h₂ → h₁",
    ]
    text = export.read_text(encoding="utf-8")  # the export has every page whole, once
    assert text.count("Backward pass (BPTT)") == 3
    assert " · part " not in text and "Enter: next" not in text


def run_event(*lengths: int) -> RunEvent:
    sentences = [[f"w{i}" for i in range(n)] for n in lengths]
    return RunEvent(1, "0", [], sentences, {"loss": "last"})


class Backward:  # the fields a backward page's title reads
    kind = "backward"

    def __init__(self, sentence: int, t: int) -> None:
        self.sentence, self.t, self.step = sentence, t, 1


@pytest.mark.parametrize(
    ("lengths", "sentence", "t", "path"),
    [
        ((3,), 0, 3, "ŷ → o → h₃"),
        ((3,), 0, 1, "ŷ → o → h₃ → h₂ → h₁"),
        ((2, 12), 1, 1, "ŷ → o → h₁₂ → h₁₁ → … → h₂ → h₁"),
        ((2, 12), 1, 9, "ŷ → o → h₁₂ → h₁₁ → h₁₀ → h₉"),
    ],
)
def test_a_backward_page_is_titled_with_the_whole_path(
    lengths: tuple[int, ...], sentence: int, t: int, path: str
) -> None:
    table = noted_table(
        f"Backward pass (BPTT) · step 1 · sentence {sentence + 1} · ŷ → o → h₉", "t"
    )
    whole_path([table], Backward(sentence, t), run_event(*lengths))  # type: ignore[arg-type]
    assert isinstance(table.heading, Text)
    assert (
        table.heading.plain == f"Backward pass (BPTT) · step 1 · sentence {sentence + 1} · {path}"
    )


def test_screenfuls_cut_only_what_is_taller_than_the_screen() -> None:
    console = Console(width=40, file=None, force_terminal=False)
    short = [Text("\n".join(f"line {i}" for i in range(5)))]
    assert screenfuls(short, console, 10) == [short]  # a page that fits stays as it is
    tall = [Text("\n".join(f"line {i}" for i in range(25)))]
    pieces = screenfuls(tall, console, 10)
    assert len(pieces) == 3
    with console.capture() as captured:
        for piece in pieces:
            console.print(*piece)
    assert captured.get().splitlines() == [f"line {i}" for i in range(25)]  # none lost


def corpus_run(capsys: pytest.CaptureFixture[str], tmp_path: Path, *extra: str) -> tuple:
    trace = tmp_path / "trace.jsonl"
    code = main(["--file", str(CORPUS), "--output", str(trace), "--quiet", *extra])
    out = capsys.readouterr().out
    assert code == 0
    events = [json.loads(line) for line in trace.read_text(encoding="utf-8").splitlines()]
    traced = sorted({e["sentence"] for e in events if e["event"] == "backward"})
    return out, traced


def test_detail_auto_shows_the_first_sentence_and_says_what_it_left_out(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out, traced = corpus_run(capsys, tmp_path)
    assert len(traced) > 1
    assert "Forward pass · step 1 · sentence 1" in out
    for s in traced[1:]:
        for view in ("Forward pass", "Backward pass (BPTT)", "Blame matrix"):
            assert f"{view} · step 1 · sentence {s + 1}" not in out
    notes = [line for line in out.splitlines() if line.startswith("Not shown")]
    assert len(notes) == 1
    paragraph = " ".join(out.split("Not shown", 1)[1].split("\n\n")[0].split())
    assert f"sentences 2–{traced[-1] + 1} (of the {len(traced)} traced)" in paragraph
    assert "--detail full shows them all" in paragraph


def test_detail_full_shows_every_traced_sentence(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out, traced = corpus_run(capsys, tmp_path, "--detail", "full")
    for s in traced:
        assert f"Backward pass (BPTT) · step 1 · sentence {s + 1}" in out
    assert "Not shown" not in out


LONG = CORPUS.with_name("long.txt").read_text(encoding="utf-8").splitlines()[-1]


def backward_rows(out: str, tokens: list[str]) -> list[int]:
    """The time steps of the backward table's rows (a row starts with t and xₜ)."""
    table = out.split("Backward pass (BPTT)", 1)[1].split("Contributions", 1)[0]
    rows = []
    for line in table.splitlines():
        words = line.split()
        if len(words) > 1 and words[0].isdigit() and words[1] == tokens[int(words[0]) - 1]:
            rows.append(int(words[0]))
    return rows


@pytest.mark.parametrize(
    ("detail", "edge"), [("auto", 3), ("summary", 3), ("full", 6)], ids=["auto", "summary", "full"]
)
def test_a_long_sentences_tables_show_its_ends(
    detail: str, edge: int, capsys: pytest.CaptureFixture[str]
) -> None:
    tokens = LONG.split()
    T = len(tokens)
    assert T == 36
    code = main([LONG, "--quiet", "--detail", detail, "--only", "backward", "--width", "120"])
    out = capsys.readouterr().out
    assert code == 0
    ends = [*range(T, T - edge, -1), *range(edge, 0, -1)]
    assert backward_rows(out, tokens) == ends
    note = " ".join(out.split())
    gap = f"t = {edge + 1} … {T - edge}: {T - 2 * edge} time steps not shown"
    assert f"{gap} (the first and last {edge} are)" in note


def test_a_sentence_of_12_shows_every_time_step(capsys: pytest.CaptureFixture[str]) -> None:
    tokens = "one two three four five six seven eight nine ten eleven twelve".split()
    assert main([" ".join(tokens), "--quiet", "--only", "backward", "--width", "120"]) == 0
    out = capsys.readouterr().out
    assert backward_rows(out, tokens) == list(range(12, 0, -1))
    assert "not shown" not in out


@pytest.mark.parametrize(
    ("only", "noted"), [("blame", True), ("forward", True), ("jacobians", False), ("update", False)]
)
def test_the_note_comes_with_the_views_it_speaks_of(
    only: str, noted: bool, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """--only that names a view of each sentence still says which sentences it hides; one
    that shows no such view has nothing hidden to speak of."""
    out, _ = corpus_run(capsys, tmp_path, "--only", only)
    assert ("Not shown, to keep a step" in out) == noted
