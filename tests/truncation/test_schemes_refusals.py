"""The schemes' refusals: one line on stderr naming the problem and the fix, exit 2, nothing
on stdout and nothing written (the ``refused`` fixture checks the form)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bptt_trace.cli.app import main

S = "I like NLP"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--chunks", "0"], ["--chunks must be at least 1", "give K ≥ 1"]),
        (["--chunks", "-3"], ["--chunks must be at least 1"]),
        (["--tbptt", "4:2"], ["K1 must not exceed K2", "--tbptt 2:4"]),
        (["--tbptt", "0:2"], ["K1 must be at least 1", "--tbptt 1:2"]),
        (["--tbptt", "0:0"], ["K1 must be at least 1", "--tbptt 1:1"]),
        (["--tbptt", "x"], ["--tbptt takes K1:K2", "'x'"]),
        (["--tbptt", "2"], ["--tbptt takes K1:K2"]),
        (["--tbptt", "1:2:3"], ["--tbptt takes K1:K2"]),
        (["--tbptt", "\x1b[31m1:2"], ["--tbptt takes K1:K2", "\\x1b"]),
        (["--chunks", "2", "--tbptt", "2:3"], ["--chunks and --tbptt", "give one of them"]),
        (["--truncate", "2", "--chunks", "3"], ["--truncate and --chunks"]),
        (["--truncate", "2", "--tbptt", "1:3"], ["--truncate and --tbptt"]),
        (["--update-every", "chunk"], ["--update-every chunk", "add --chunks K"]),
        (["--update-every", "sequence", "--truncate", "2"], ["--update-every sequence"]),
        # a view of a scheme, in a run that has none: it would show nothing
        (["--only", "truncation"], ["--only truncation", "add --truncate K, --chunks K"]),
        (["--only", "forward,truncation"], ["--only truncation", "--tbptt K1:K2"]),
        # K past any sentence (and past a C long: it must not reach NumPy's integers)
        *(
            ([option, value], [f"{option} {value[:20]}", "at most 1,000,000", "full BPTT"])
            for option in ("--truncate", "--chunks")
            for value in ("1000001", str(2**63), "9" * 30)
        ),
        *(
            (["--tbptt", pair], [f"--tbptt {pair[:20]}", "at most 1,000,000"])
            for pair in ("2:1000001", f"1:{2**63}", f"{'9' * 25}:{'9' * 30}")
        ),
    ],
)
def test_bad_schemes_are_refused_in_one_line(
    refused: Callable[..., str], args: list[str], words: list[str]
) -> None:
    message = refused([S, *args], *words)
    assert "\x1b" not in message  # nothing given reaches the terminal as a control sequence


@pytest.mark.parametrize(
    "scheme", [["--chunks", "2"], ["--tbptt", "1:2"], ["--update-every", "chunk"]]
)
def test_a_scheme_with_replay_is_refused(
    refused: Callable[..., str],
    scheme: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    trace = tmp_path / "t.jsonl"
    assert main([S, "--chunks", "2", "--output", str(trace), "--quiet", "--color", "never"]) == 0
    capsys.readouterr()
    before = trace.read_bytes()
    refused(["--replay", str(trace), *scheme], "--replay shows a saved trace", scheme[0])
    assert trace.read_bytes() == before


def test_a_refused_scheme_leaves_an_existing_output_alone(
    refused: Callable[..., str], tmp_path: Path
) -> None:
    target = tmp_path / "trace.jsonl"
    target.write_text("precious\n")
    refused([S, "--tbptt", "3:1", "--output", str(target)], "K1 must not exceed K2")
    assert target.read_text() == "precious\n"
