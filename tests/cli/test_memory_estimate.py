"""The memory estimate is a limit that holds both ways, under a 2 GB address-space cap: the
largest run it admits finishes (with the summaries and with --detail full's whole arrays),
and the smallest run it refuses is refused at once (exit 2, one line naming the estimate and
what to change), before its arrays are made: never a MemoryError.

The boundary is found from the estimate (``run_bytes`` against ``MAX_RUN_BYTES``); what is
tested is what the real run does on either side of it."""

from __future__ import annotations

import resource
import subprocess
from pathlib import Path
from typing import Any

import pytest
from clitools import assert_refused, memory_cap, run_cli

from bptt_trace.cli.checks import MAX_RUN_BYTES
from bptt_trace.core.cells import make_cell
from bptt_trace.core.cells.declaration import Cell
from bptt_trace.core.footprint import run_bytes
from bptt_trace.core.model import parameter_count

WORDS = "I like NLP"
VOCAB, LENGTHS = 4, [3]  # I, like, NLP, <eos>; one sentence of 3 tokens

CELLS = {
    "rnn": ["--cell", "rnn"],
    "lstm": ["--cell", "lstm"],
    "gru": ["--cell", "gru"],
    "gru-ra": ["--cell", "gru", "--reset-after"],
}


def cell_of(name: str) -> Cell:
    return make_cell({"cell": name.removesuffix("-ra"), "reset_after": name.endswith("-ra")})


def largest_admitted(name: str, detail: str) -> int:
    """The largest --hidden the estimate admits for three words (it grows with H)."""
    cell = cell_of(name)

    def fits(H: int) -> bool:
        return sum(run_bytes(cell, VOCAB, H, LENGTHS, detail=detail).values()) <= MAX_RUN_BYTES

    low, high = 1, 20_000
    assert fits(low) and not fits(high)
    while high - low > 1:
        mid = (low + high) // 2
        low, high = (mid, high) if fits(mid) else (low, mid)
    return low


def child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def capped(args: list[str], **options: Any) -> tuple[subprocess.CompletedProcess[bytes], float]:
    """The run under the 2 GB cap, and the CPU seconds it took."""
    before = child_cpu()
    proc = run_cli([WORDS, *args, "--json", "--quiet"], preexec=memory_cap(), **options)
    return proc, child_cpu() - before


def finished(args: list[str], tmp_path: Path) -> None:
    """The run under the cap ends as a run does: exit 0, its trace whole (to a file: a trace
    of --detail full at this size is hundreds of megabytes), no MemoryError."""
    trace = tmp_path / "trace.jsonl"
    with trace.open("wb") as out:
        proc, _ = capped(args, stdout=out)
    err = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 0, (proc.returncode, err[-2000:])
    assert "MemoryError" not in err and "Traceback" not in err, err[-2000:]
    with trace.open("rb") as written:
        written.seek(max(0, trace.stat().st_size - 400))
        assert b'"event":"end"' in written.read()


def test_the_largest_run_admitted_with_detail_full_finishes_under_the_cap(tmp_path: Path) -> None:
    """--detail full's whole arrays (about 0.25 kB a parameter as lists and JSON text) at the
    largest H the estimate admits on three words: H = 2,077 (4.3 million parameters)."""
    H = largest_admitted("rnn", "full")
    finished(["--hidden", str(H), "--detail", "full"], tmp_path)


def test_the_readmes_hidden_5000_is_admitted_and_finishes_under_the_cap(tmp_path: Path) -> None:
    """25 million parameters (peak about 1.1 GB): admitted, and it fits; the largest H admitted
    there is somewhat larger."""
    assert largest_admitted("rnn", "auto") >= 5000
    finished(["--hidden", "5000"], tmp_path)


@pytest.mark.parametrize("detail", ["auto", "full"])
@pytest.mark.parametrize("name", list(CELLS))
def test_the_smallest_run_refused_is_refused_at_once(name: str, detail: str) -> None:
    """One unit of H past the limit: exit 2, one line naming the estimate, the limit and what
    to change, and no more CPU than starting up takes (the run itself would take seconds: over
    four million parameters, a gigabyte and a half)."""
    H = largest_admitted(name, detail) + 1
    proc, cpu = capped([*CELLS[name], "--hidden", str(H), "--detail", detail])
    fix = "--detail full" if detail == "full" else "--hidden"
    line = assert_refused(proc, "would hold about", "limit of 1.5 GB", fix)
    assert "MemoryError" not in line
    estimate = float(line.split("about ")[1].split(" GB")[0])
    assert estimate >= MAX_RUN_BYTES / 1e9
    assert parameter_count(cell_of(name), VOCAB, H) > 4_000_000  # a run of seconds, not this
    assert cpu < 5.0, cpu  # start-up is well under a second of CPU; a safety margin of 10×


@pytest.mark.parametrize("name", list(CELLS))
def test_the_issues_detail_full_at_hidden_1000_is_refused_at_once_with_tables(name: str) -> None:
    """With the tables shown, --detail full lays out each backward row's H × H products as
    text (about 450 bytes an entry): at H = 1,000 that is gigabytes, once a MemoryError; now one
    line that names the tables and the fixes, at start-up's cost. With --json alone the same
    run is estimated without them."""
    before = child_cpu()
    args = [WORDS, *CELLS[name], "--hidden", "1000", "--detail", "full"]
    proc = run_cli(args, preexec=memory_cap())
    cpu = child_cpu() - before
    assert_refused(proc, "would hold about", "tables", "--json", "leave out --detail full")
    assert cpu < 5.0, cpu
    cell = cell_of(name)
    alone = run_bytes(cell, VOCAB, 1000, LENGTHS, detail="full")
    shown = run_bytes(cell, VOCAB, 1000, LENGTHS, detail="full", tables=True)
    assert "tables" not in alone and sum(shown.values()) > MAX_RUN_BYTES
