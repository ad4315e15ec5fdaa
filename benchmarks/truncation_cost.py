"""The cost of a truncation scheme on a traced step: the same step with and without one, at
(T, H) = (256, 128), as a ratio measured in one process (CPU time, so that other work on the
machine does not count).

    python benchmarks/truncation_cost.py                # every scheme, --loss last and every
    python benchmarks/truncation_cost.py --rounds 5 --cell lstm

A traced step is every event of one step (--steps 1), each turned into its JSON form, as
``--json`` writes them: the forward, output and backward events, the blame and Jacobian norms,
and under a scheme its windows and the ``truncation`` event (the true gradient beside, the
kept terms and the bias against every K = 1 … 256). "no event" is the same step with the
truncation event left out: the scheme's own cost (its windows), the rest is the event's.
Exit 1 when a ratio is above 2.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # one core, as the tests run
os.environ.setdefault("OMP_NUM_THREADS", "1")

from bptt_trace.config import Config
from bptt_trace.trace import traced_step as traced_step_module
from bptt_trace.trace.loop import run

T, H = 256, 128
LIMIT = 2.0

SCHEMES: dict[str, dict[str, object]] = {
    "--truncate 35": {"truncate": 35},
    "--chunks 35": {"chunks": 35},
    "--chunks 35 --update-every sequence": {"chunks": 35, "update_every": "sequence"},
    "--tbptt 5:35": {"tbptt": (5, 35)},
    "--chunks 8": {"chunks": 8},
    "--tbptt 8:32": {"tbptt": (8, 32)},
    "--chunks 1": {"chunks": 1},  # 256 windows, each an update and its events
    "--tbptt 1:256": {"tbptt": (1, 256)},  # 256 windows of up to 256 steps: O(T²) steps
}


def sentence() -> list[str]:
    """256 tokens of sentences/long.txt's words, repeated."""
    words = "the cat that the dog that the man owned chased sat on the mat".split()
    return [words[i % len(words)] for i in range(T)]


def traced_step(
    loss: str, scheme: dict[str, object], cell: str = "rnn", event: bool = True
) -> float:
    """CPU seconds of one traced step's events as JSON (without the truncation event when
    ``event`` is False: the scheme's own cost)."""
    config = Config(hidden=H, loss=loss, steps=1, cell=cell, **scheme)  # type: ignore[arg-type]
    emit = traced_step_module.truncation_events
    if not event:
        traced_step_module.truncation_events = lambda *args: iter(())  # type: ignore[assignment]
    try:
        start = time.process_time()
        for e in run([sentence()], config):
            e.to_json()
        return time.process_time() - start
    finally:
        traced_step_module.truncation_events = emit


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cell", default="rnn", choices=("rnn", "lstm", "gru"))
    parser.add_argument("--only", nargs="*", help="the schemes to run (their names above)")
    args = parser.parse_args()
    worst = 0.0
    print(
        f"{args.cell}, T = {T}, H = {H}; CPU seconds, medians of {args.rounds} rounds (each "
        "round runs the three in turn); ratio: the median of the rounds' ratios with/without"
    )
    print(f"{'loss':6} {'scheme':38} {'without':>8} {'no event':>8} {'with':>8} {'ratio':>6}")
    for loss in ("last", "every"):
        for name, scheme in SCHEMES.items():
            if args.only and name not in args.only:
                continue
            times: list[tuple[float, float, float]] = []
            for _ in range(args.rounds):  # in turn, so that a busy moment hits all three
                times.append(
                    (
                        traced_step(loss, {}, args.cell),
                        traced_step(loss, scheme, args.cell, event=False),
                        traced_step(loss, scheme, args.cell),
                    )
                )
            a, b, c = (statistics.median(t[i] for t in times) for i in range(3))
            ratio = statistics.median(t[2] / t[0] for t in times)
            worst = max(worst, ratio)
            print(f"{loss:6} {name:38} {a:8.2f} {b:8.2f} {c:8.2f} {ratio:6.2f}", flush=True)
    load = os.getloadavg()[0]
    print(f"worst ratio {worst:.2f} (limit {LIMIT:g}); load average {load:.1f} on 2 cores")
    return 0 if worst <= LIMIT else 1


if __name__ == "__main__":
    sys.exit(main())
