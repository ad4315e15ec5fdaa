"""Cost growth of one traced step: time and peak memory against H, and against T_max with a
fixed number of tokens. Each point runs in a fresh process (this file with its arguments), so
that its peak resident memory (ru_maxrss) is its own.

    python benchmarks/bench.py --section growth   # measures and splices into BENCHMARKS.md
    python benchmarks/growth.py                   # measures and prints the section
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time

HIDDEN = (64, 128, 256, 512, 1024, 2048)
"""H of the first table, on one sentence of SENTENCE tokens."""
SENTENCE = 20
TOKENS = 2048
T_MAX = (8, 32, 128, 512, 2048)
"""T_max of the second table: TOKENS tokens in sentences of T_max tokens each, at H = 64."""
GROWTH_TITLE = "Cost growth of a traced step"
TIMEOUT = 600
"""A point that takes longer is left out of the table, and says so."""


def point(H: int, T: int, B: int) -> dict[str, float]:
    """One traced step, every event made (``bptt_trace.run``, one step), in this process."""
    from bptt_trace import Config, run

    corpus = [[f"w{(i * 7 + t) % 50}" for t in range(T)] for i in range(B)]
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in run(corpus, Config(hidden=H, steps=1)):
        pass
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # MB (Linux: kB)
    return {"seconds": wall, "cpu": cpu, "peak_mb": peak}


def measured(H: int, T: int, B: int) -> dict[str, float] | None:
    try:
        out = subprocess.run(
            [sys.executable, __file__, str(H), str(T), str(B)],
            capture_output=True,
            text=True,
            check=True,
            timeout=TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        return None
    return json.loads(out.stdout)


def row(label: list[str], m: dict[str, float] | None, last: float | None) -> str:
    if m is None:
        return f"| {' | '.join(label)} | over {TIMEOUT} s | | | |"
    grow = f"{m['cpu'] / last:.2f}" if last else ""
    figures = f"{m['cpu']:.2f} | {m['seconds']:.2f} | {grow} | {m['peak_mb']:.0f}"
    return f"| {' | '.join(label)} | {figures} |"


def growth_lines() -> list[str]:
    """The cost-growth section of BENCHMARKS.md, measured now."""
    lines = [
        f"## {GROWTH_TITLE}",
        "",
        "Made by `python benchmarks/bench.py --section growth` (or the whole benchmark): one "
        "traced step (`bptt_trace.run`, one step: forward, BPTT, every event of the trace, "
        "the Jacobian norms), each point in a fresh process, peak memory its ru_maxrss. CPU "
        "seconds are the process's own (the wall time is longer when the machine is shared); "
        "× CPU is the ratio to the row above. By H on one sentence of "
        f"{SENTENCE} tokens; by T_max with {TOKENS:,} tokens in sentences of T_max tokens "
        "(2,048 / T_max of them) at H = 64.",
        "",
        "| H | CPU (s) | wall (s) | × CPU | peak memory (MB) |",
        "| --- | --- | --- | --- | --- |",
    ]
    last = None
    for H in HIDDEN:
        m = measured(H, SENTENCE, 1)
        lines.append(row([str(H)], m, last))
        last = m["cpu"] if m else None
        print(lines[-1], flush=True)
    lines += ["", "| T_max | sentences | CPU (s) | wall (s) | × CPU | peak memory (MB) |"]
    lines.append("| --- | --- | --- | --- | --- | --- |")
    last = None
    for T in T_MAX:
        m = measured(64, T, TOKENS // T)
        lines.append(row([str(T), str(TOKENS // T)], m, last))
        last = m["cpu"] if m else None
        print(lines[-1], flush=True)
    load = os.getloadavg()[0]
    lines += ["", f"Load average at the end: {load:.1f} on {os.cpu_count()} cores."]
    return [*lines, ""]


if __name__ == "__main__":
    if len(sys.argv) == 4:
        print(json.dumps(point(*map(int, sys.argv[1:]))))
    else:
        print("\n".join(growth_lines()))
