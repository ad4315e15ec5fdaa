"""A pytest plugin: the CPU seconds of every test, its own process's and those of the runs it
waited for (subprocesses, pseudo-terminals), which a shared machine does not inflate the way
it does wall time. A folder at a time, in one process:

    PYTHONPATH=benchmarks pytest -p cpu_per_test -p no:cacheprovider -n 0 tests/cli

prints the 15 costliest tests at the end, and appends every test's line (name, CPU s of the
process, CPU s of its children, wall s) to the file CPU_PER_TEST names, if set.
"""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Iterator

import pytest

COSTS: list[tuple[str, float, float, float]] = []


def cpu() -> tuple[float, float]:
    """CPU seconds so far of this process and of its children that were waited for."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    own, children = cpu()
    began = time.monotonic()
    yield
    own_after, children_after = cpu()
    COSTS.append(
        (item.nodeid, own_after - own, children_after - children, time.monotonic() - began)
    )


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not COSTS:
        return
    terminalreporter.section("CPU seconds per test (own + children)")
    for name, own, children, _ in sorted(COSTS, key=lambda c: -(c[1] + c[2]))[:15]:
        terminalreporter.write_line(f"{own + children:7.2f}  {name}")
    total = sum(own + children for _, own, children, _ in COSTS)
    terminalreporter.write_line(f"{total:7.2f}  in all, {len(COSTS)} tests")
    path = os.environ.get("CPU_PER_TEST")
    if path:
        with open(path, "a", encoding="utf-8") as out:
            for name, own, children, wall in COSTS:
                out.write(f"{name}\t{own:.2f}\t{children:.2f}\t{wall:.2f}\n")
