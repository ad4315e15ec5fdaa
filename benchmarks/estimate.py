"""The memory estimate against reality: for a few runs, the estimate of what the run holds at
its peak (``bptt_trace.core.footprint.run_bytes``, the figure the command line refuses by)
plus the resident memory of Python and the package alone, set against the peak resident
memory (ru_maxrss) of the same run in a fresh process.

    python benchmarks/estimate.py        # prints a Markdown table; exit 1 if an estimate is
                                         # below its peak or more than 3 times above it
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from bptt_trace.core.cells import make_cell
from bptt_trace.core.footprint import run_bytes
from bptt_trace.core.tokens import build_vocab, tokenize

RUNS: list[tuple[str, list[str], list[str]]] = [
    # (what, the corpus' lines, options); the first is Python and the package alone
    ("one word", ["a"], []),
    ("3 words, H = 1000", ["I like NLP"], ["--hidden", "1000"]),
    (
        "25,000 × 1 + 1 × 25,000 tokens",
        ["a"] * 25_000 + [" ".join(f"w{i % 100}" for i in range(25_000))],
        [],
    ),
    ("50,000 tokens, 5 a line, H = 64", ["a b c d e"] * 10_000, ["--hidden", "64"]),
    (
        "2,000 tokens, 20 a line, LSTM H = 256, every",
        [" ".join(f"w{(i + t) % 50}" for t in range(20)) for i in range(100)],
        ["--hidden", "256", "--cell", "lstm", "--loss", "every"],
    ),
]


PEAK = """
import atexit, resource, runpy, sys
atexit.register(lambda: sys.stderr.write(
    f"peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}\\n"))
sys.argv = ["bptt-trace", *sys.argv[1:]]
runpy.run_module("bptt_trace", run_name="__main__")
"""


def peak_mb(args: list[str]) -> float:
    """Peak resident memory of ``bptt-trace ARGS --json --quiet``, in its own process, in MB."""
    done = subprocess.run(
        [sys.executable, "-c", PEAK, *args, "--json", "--quiet"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=True,
    )
    return int(done.stderr.split("peak ")[-1]) / 1024  # Linux: kB


def option(args: list[str], name: str, default: str | None) -> str | None:
    return args[args.index(name) + 1] if name in args else default


def main() -> int:
    rows, bad = [], False
    base = None
    with tempfile.TemporaryDirectory() as tmp:
        for what, lines, args in RUNS:
            path = Path(tmp) / "corpus.txt"
            path.write_text("\n".join(lines) + "\n")
            corpus = [tokenize(line) for line in lines]
            cell = make_cell({"cell": option(args, "--cell", "rnn")})
            hidden = int(option(args, "--hidden", "4") or 4)
            parts = run_bytes(cell, len(build_vocab(corpus)), hidden, [len(s) for s in corpus])
            measured = peak_mb(["--file", str(path), *args])
            base = measured if base is None else base  # Python and the package alone
            estimate = base + sum(parts.values()) / 2**20
            ratio = estimate / measured
            bad |= not 1 <= ratio <= 3
            largest = max(parts, key=parts.__getitem__)
            rows.append(f"| {what} | {measured:.0f} | {estimate:.0f} | {ratio:.2f} | {largest} |")
            print(rows[-1], flush=True)
    print("\n| run | peak RSS (MB) | base + estimate (MB) | ratio | largest part |")
    print("| --- | --- | --- | --- | --- |")
    print("\n".join(rows))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
