"""The memory estimate against reality: for each run of a table (every cell × --detail auto and
full × a few sizes), the estimate of what the run holds at its peak
(``bptt_trace.core.footprint.run_bytes``, the figure the command line refuses by) plus the
resident memory of Python, NumPy and the package alone (the base, measured once: the peak of
a process that imports what a run imports and runs nothing), set against the peak resident
memory (ru_maxrss) of the same run in a fresh process.

    python benchmarks/estimate.py            # prints a Markdown table; exit 1 if an estimate
                                             # is below its peak or more than 1.5 times above
    python benchmarks/estimate.py lstm 1000  # only the runs whose label holds every word given

The rule (``LOW`` ≤ (base + estimate) / peak ≤ ``HIGH``) is the one the command line relies on:
a run it admits fits, and a run that fits is not refused for much less than it holds. Peaks
are memory, not time: the runs are made one at a time, each small enough for a shared machine.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from bptt_trace.config import EOS
from bptt_trace.core.cells import make_cell
from bptt_trace.core.footprint import run_bytes
from bptt_trace.core.tokens import build_vocab, tokenize

LOW, HIGH = 1.0, 1.5


@dataclass(frozen=True)
class Run:
    cell: str
    detail: str
    hidden: int
    lines: list[str] = field(default_factory=list)
    what: str = ""
    tables: bool = False  # the tables to stdout (/dev/null) instead of --json

    @property
    def label(self) -> str:
        shown = " tables" if self.tables else ""
        return f"{self.cell} {self.detail} H={self.hidden} {self.what}{shown}"

    def args(self, path: Path) -> list[str]:
        gru_ra = ["--cell", "gru", "--reset-after"]
        cell = gru_ra if self.cell == "gru-ra" else ["--cell", self.cell]
        return [
            "--file",
            str(path),
            *cell,
            "--hidden",
            str(self.hidden),
            "--detail",
            self.detail,
            *([] if self.tables else ["--json"]),
            "--quiet",
        ]


def words(T: int, offset: int = 0, distinct: int | None = None) -> str:
    """One sentence of T tokens (``distinct`` of them, all by default)."""
    return " ".join(f"w{(offset + t) % (distinct or T)}" for t in range(T))


CORPUS = [words(20, i, 50) for i in range(100)]  # 2,000 tokens, 20 a line, 50 distinct
LONG = [words(300, 0, 100)]  # one sentence of 300 tokens
RAGGED = ["a"] * 25_000 + [words(25_000, 0, 100)]  # the README's ragged corpus
CELLS = ("rnn", "lstm", "gru", "gru-ra")


def table() -> list[Run]:
    runs: list[Run] = []
    for cell in CELLS:
        for detail in ("auto", "full"):
            for hidden in (64, 256, 1000):
                runs.append(Run(cell, detail, hidden, [words(3)], "T=3"))
            runs.append(Run(cell, detail, 64, LONG, "T=300"))
            runs.append(Run(cell, detail, 256, [words(30)], "T=30"))
            runs.append(Run(cell, detail, 64, CORPUS, "100 × 20 tokens"))
    runs.append(Run("rnn", "auto", 64, RAGGED, "25,000 × 1 + 1 × 25,000 tokens"))
    runs.append(Run("rnn", "auto", 64, ["a b c d e"] * 10_000, "10,000 × 5 tokens"))
    runs.append(Run("rnn", "auto", 5000, [words(3)], "T=3"))
    runs.append(Run("rnn", "full", 2000, [words(3)], "T=3"))
    runs.append(Run("rnn", "full", 256, LONG, "T=300"))  # a block of 256 outer products whole
    runs.append(Run("lstm", "full", 256, LONG, "T=300"))
    for cell, hidden, T in (("rnn", 256, 3), ("rnn", 128, 20), ("lstm", 128, 10)):
        runs.append(Run(cell, "full", hidden, [words(T)], f"T={T}", tables=True))
    runs.append(Run("gru", "full", 64, CORPUS[:10], "10 × 20 tokens", tables=True))
    runs.append(Run("rnn", "auto", 1000, [words(3)], "T=3", tables=True))
    runs.append(Run("lstm", "auto", 2000, [words(3)], "T=3"))
    runs.append(Run("gru", "auto", 2000, [words(3)], "T=3"))
    return runs


PEAK = """
import atexit, resource, runpy, sys
import bptt_trace.cli.checks  # measured whatever the estimate says: the limit lifted here
bptt_trace.cli.checks.MAX_RUN_BYTES = 1 << 62
resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))  # a safety net on a shared machine
atexit.register(lambda: sys.stderr.write(
    f"peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}\\n"))
sys.argv = ["bptt-trace", *sys.argv[1:]]
runpy.run_module("bptt_trace", run_name="__main__")
"""

BASE = ["a", "--hidden", "1"]
"""The base: a run of one word at H = 1 holds nothing but Python, NumPy, the package and the
modules a run imports (Typer's pydantic, numpy.random: about 18 MB more than the package's
own import)."""

ENV = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def peak_mb(code: str, args: list[str]) -> float:
    """Peak resident memory of a fresh Python running ``code`` with ARGS, in MiB."""
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
        check=False,
    )
    if done.returncode != 0 or "peak " not in done.stderr:
        raise SystemExit(f"{args}: exit {done.returncode}: {done.stderr[-500:]}")
    return int(done.stderr.split("peak ")[-1]) / 1024  # Linux: kB


def estimate_parts(run: Run) -> dict[str, int]:
    corpus = [tokenize(line) for line in run.lines]
    name = "gru" if run.cell == "gru-ra" else run.cell
    cell = make_cell({"cell": name, "reset_after": run.cell == "gru-ra"})
    vocab = len(build_vocab(corpus, EOS))
    lengths = [len(s) for s in corpus]
    return run_bytes(cell, vocab, run.hidden, lengths, detail=run.detail, tables=run.tables)


def main(only: list[str], cache: Path | None = None) -> int:
    """With ``cache`` (``--peaks FILE``), peaks measured before are read from FILE and new
    ones added to it: the estimate can be set against them again without measuring again."""
    known = json.loads(cache.read_text()) if cache is not None and cache.exists() else {}
    if "base" not in known:
        known["base"] = peak_mb(PEAK, [*BASE, "--json", "--quiet"])
    base = known["base"]
    print(f"base (Python, NumPy and the package imported): {base:.0f} MiB", flush=True)
    header = (
        "| cell | detail | H | corpus | peak RSS (MiB) | base + estimate (MiB) | ratio "
        "| largest part |"
    )
    rows, bad = [header, "| --- | --- | --- | --- | --- | --- | --- | --- |"], []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "corpus.txt"
        for run in table():
            if not all(word in run.label.split() for word in only):
                continue
            parts = estimate_parts(run)
            path.write_text("\n".join(run.lines) + "\n")
            if run.label not in known:
                known[run.label] = peak_mb(PEAK, run.args(path))
                if cache is not None:
                    cache.write_text(json.dumps(known, indent=1))
            measured = known[run.label]
            estimate = base + sum(parts.values()) / 2**20
            ratio = estimate / measured
            if not LOW <= ratio <= HIGH:
                bad.append(run.label)
            largest = max(parts, key=parts.__getitem__)
            cell = "gru --reset-after" if run.cell == "gru-ra" else run.cell
            cell += " (tables)" if run.tables else ""
            rows.append(
                f"| {cell} | {run.detail} | {run.hidden:,} | {run.what} | {measured:.0f} "
                f"| {estimate:.0f} | {ratio:.2f} | {largest} |"
            )
            shown = " ".join(f"{k}={v / 2**20:.1f}" for k, v in parts.items())
            print(rows[-1], shown, flush=True)
    print(f"\nbase: {base:.0f} MiB\n")
    print("\n".join(rows))
    if bad:
        print(f"\noutside {LOW}× to {HIGH}×: {', '.join(bad)}", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    args = sys.argv[1:]
    peaks = None
    if "--peaks" in args:
        at = args.index("--peaks")
        peaks, args = Path(args[at + 1]), args[:at] + args[at + 2 :]
    sys.exit(main(args, peaks))
