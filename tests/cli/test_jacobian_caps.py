"""Wide states under a 2 GB address-space cap: the Jacobian norms of a traced step never hold
a stack of Jacobians (nor one S×S product past a small state), so the run finishes cleanly."""

import json

from clitools import memory_cap, run_cli


def test_three_words_at_hidden_2048_finish_under_the_cap() -> None:
    """2048 units: exact norms would form 2048×2048 products and their eigenvalues; the chains
    of one and two steps go by Lanczos instead, Wʰ's spectrum from a Krylov space."""
    proc = run_cli(["I like NLP", "--hidden", "2048", "--json", "--quiet"], preexec=memory_cap())
    assert proc.returncode == 0, proc.stderr.decode()[-500:]
    events = [json.loads(line) for line in proc.stdout.splitlines()]
    jacobians = next(e for e in events if e["event"] == "jacobians")
    norms = jacobians["norms"]
    assert len(norms) == 3 and norms[-1] == 1.0  # ∂h₃/∂h₃ = I
    assert all(0 < n < float("inf") for n in norms)


def test_300_tokens_at_hidden_1000_finish_under_the_cap() -> None:
    """The hardening issue's input: 300 time steps of 1,000 units once held a (255, H, H) stack
    and then took over 10 minutes of Lanczos; the norms now follow h_T back horizon(1000) = 32
    steps, so the run finishes within the cap (5.5 s of CPU with one BLAS thread)."""
    sentence = " ".join(f"w{i % 40}" for i in range(300))
    proc = run_cli([sentence, "--hidden", "1000", "--json", "--quiet"], preexec=memory_cap())
    assert proc.returncode == 0, proc.stderr.decode()[-500:]
    events = [json.loads(line) for line in proc.stdout.splitlines()]
    jacobians = next(e for e in events if e["event"] == "jacobians")
    assert jacobians["first"] == 300 - 32 + 1 and len(jacobians["norms"]) == 32
    assert all(0 < n < float("inf") for n in jacobians["norms"])
    assert events[-1]["event"] == "end"
