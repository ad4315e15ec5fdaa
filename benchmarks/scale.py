"""The scale runs that once took minutes or gigabytes, each in a fresh process under the
test suite's 2 GB address-space cap and with one BLAS thread: whether it finishes (exit 0, a
whole trace, no MemoryError), its CPU seconds and its peak resident memory.

The test suite proves the limits these runs once broke with less work (tests/trace/
test_summary.py counts the pairs a summary of outer products forms and measures the memory of
a block of saturated states; tests/cli/test_jacobian_caps.py runs 300 tokens at --hidden 1000
under the cap); these are the runs themselves, measured.

    python benchmarks/scale.py             # prints a Markdown table; exit 1 if a run failed
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

CAP = 2 << 30
"""The address-space cap of tests/clitools.memory_cap."""

RUNS: list[tuple[str, list[str], list[str]]] = [
    # (what, the corpus' lines, options)
    (
        "3,000 distinct tokens, H = 1000 (a vocabulary of 3,001: 7 million parameters)",
        [" ".join(f"w{i}" for i in range(3000))],
        ["--hidden", "1000"],
    ),
    (
        "300 tokens, H = 1000 (the Jacobian norms' horizon)",
        [" ".join(f"w{i % 40}" for i in range(300))],
        ["--hidden", "1000"],
    ),
    ("3 words, H = 2048 (Lanczos, a Krylov spectrum)", ["I like NLP"], ["--hidden", "2048"]),
]


PEAK = """
import atexit, resource, runpy, sys
atexit.register(lambda: sys.stderr.write(
    f"peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}\\n"))
sys.argv = ["bptt-trace", *sys.argv[1:]]
runpy.run_module("bptt_trace", run_name="__main__")
"""
"""bptt-trace, with its peak resident memory (kB) as the last line of its stderr."""


def capped() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (CAP, CAP))


def measure(lines: list[str], options: list[str], tmp: Path) -> tuple[bool, float, float, str]:
    """Run ``bptt-trace --file CORPUS OPTIONS --json --quiet`` under the cap: whether it
    finished, its CPU seconds, its peak resident memory in MB, and its stderr's last line."""
    corpus = tmp / "corpus.txt"
    corpus.write_text("\n".join(lines) + "\n")
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        [sys.executable, "-c", PEAK, "--file", str(corpus), *options, "--json", "--quiet"],
        env=env,
        preexec_fn=capped,
        capture_output=True,
        check=False,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    err = done.stderr.decode("utf-8", "replace")
    finished = (
        done.returncode == 0 and "MemoryError" not in err and b'"event":"end"' in done.stdout[-400:]
    )
    *said, peak = err.strip().splitlines() or [""]
    rss = int(peak.split("peak ")[-1]) / 1024 if peak.startswith("peak ") else float("nan")
    return finished, cpu, rss, said[-1] if said else ""


def main() -> int:
    print("| run | finished under 2 GB | CPU s | peak MB |")
    print("| --- | --- | ---: | ---: |")
    failed = 0
    with tempfile.TemporaryDirectory() as folder:
        for what, lines, options in RUNS:
            finished, cpu, peak, last = measure(lines, options, Path(folder))
            failed += not finished
            note = "yes" if finished else f"**no**: {last[:80]}"
            print(f"| {what} | {note} | {cpu:.1f} | {peak:.0f} |", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
