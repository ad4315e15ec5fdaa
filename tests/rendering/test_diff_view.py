"""The --diff view at fixed widths (COLUMNS, stdout not a terminal): from 60 columns every
number stays whole on its line (the places wrap between their phrases, or go below the
quantity; nothing is cropped, no '…'), and sentences count from 1, as in the tables.

What must show comes from the traces and from the --json result: each quantity's largest
differences as the view formats them (2 decimals, scientific), and each place: the line, step,
t, the entry, and the sentence of the event at that line in the first trace, plus one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bptt_trace.cli.app import main

WIDTHS = [60, 66, 80, 100, 160]


@pytest.fixture(scope="module")
def traces(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two traces of two sentences that differ in numbers and in structure (full against
    truncated BPTT, at another learning rate)."""
    folder = tmp_path_factory.mktemp("diff_view")
    corpus = folder / "corpus.txt"
    corpus.write_text("the cat sat on the mat\nthe dog sat\n")
    base = ["--file", str(corpus), "--steps", "2", "--loss", "every"]
    for name, extra in (("a.jsonl", []), ("b.jsonl", ["--truncate", "1", "--lr", "0.2"])):
        assert main([*base, *extra, "--output", str(folder / name)]) == 0
    return folder


def shown(folder: Path, width: int, monkeypatch, capsys, *extra: str) -> str:
    monkeypatch.chdir(folder)  # short names: the file names are part of the places
    monkeypatch.setenv("COLUMNS", str(width))
    capsys.readouterr()
    assert main(["--diff", "a.jsonl", "b.jsonl", *extra]) == 1
    return capsys.readouterr().out


def phrases(place: dict, trace: list[dict]) -> list[str]:
    """The phrases a place must show whole, worked out from the trace itself."""
    event = trace[place["line"] - 1]
    out = [f"line {place['line']}"]
    out += [f"step {event['step']}"] if "step" in event else []
    out += [f"sentence {event['sentence'] + 1}"] if "sentence" in event else []
    out += [f"t {event['t']}"] if "t" in event else []
    return out


@pytest.mark.parametrize("width", WIDTHS)
def test_every_number_whole_and_sentences_from_1(width, traces, monkeypatch, capsys) -> None:
    result = json.loads(shown(traces, width, monkeypatch, capsys, "--json"))
    text = shown(traces, width, monkeypatch, capsys)
    lines = text.splitlines()
    assert all(len(line) <= width for line in lines), width
    assert "…" not in text and "sentence 0" not in text
    trace = [json.loads(line) for line in (traces / "a.jsonl").read_text().splitlines()]
    parting = [q for q in result["quantities"] if q["first"] is not None]
    assert len(parting) > 20 and any(q["structure"] for q in parting)
    starts = [
        n for n, line in enumerate(lines) for q in parting if line.startswith(f" {q['quantity']} ")
    ]
    assert len(starts) == len(parting), "each quantity that parts has its row"
    for q, start, end in zip(parting, starts, [*starts[1:], len(lines)], strict=True):
        block = lines[start:end]
        if q["numbers"]:
            assert f" {q['max_abs']:.2e}" in block[0] and f" {q['max_rel']:.2e}" in block[0], q
        for phrase in phrases(q["first"], trace):
            assert any(phrase in line for line in block), (phrase, block)
        if q["first"]["entry"]:
            index = "".join(f"[{i}]" if isinstance(i, int) else i for i in q["first"]["entry"])
            assert any(f"entry {index}" in line for line in block), (index, block)
        if q["first"].get("structure"):
            for side, name in (("in_first", "a.jsonl"), ("in_second", "b.jsonl")):
                assert any(f"{q['first'][side]} in {name}" in line for line in block), block
