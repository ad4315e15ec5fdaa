"""Under --chunks and --tbptt the backward table never shows a false equation at a window's
edge: where a loss's window starts at t + 1, the part of ∂L/∂hₜ from step t + 1 says which
losses it leaves out (all of them at a chunk's end, where it is 0); the notes name the scheme,
never --truncate. The windows are worked out here from the issue's rules, not the engine's.
A Config made in code is checked as the command line checks the options."""

from __future__ import annotations

import io

import pytest

from bptt_trace import Config
from bptt_trace.rendering.renderer import TraceRenderer, make_console
from bptt_trace.trace.loop import run


def shown(tokens: list[str], only: str, **options: object) -> str:
    out = io.StringIO()
    console = make_console(file=out, width=160)
    renderer = TraceRenderer(4, only=[only])
    for event in run([tokens], Config(**options)):  # type: ignore[arg-type]
        for part in renderer.feed(event):
            console.print(part)
    for part in renderer.close():
        console.print(part)
    return out.getvalue()


def window_starts(T: int, k1: int, k2: int) -> dict[int, int]:
    """TBPTT(k1, k2): at t = k1, 2k1, … and T the losses (t_prev, t] flow back to t − k2 + 1."""
    ends = [*range(k1, T + 1, k1)]
    ends += [T] if not ends or ends[-1] != T else []
    starts, previous = {}, 0
    for t in ends:
        for s in range(previous + 1, t + 1):
            starts[s] = max(1, t - k2 + 1)
        previous = t
    return starts


@pytest.mark.parametrize(("k1", "k2"), [(2, 2), (2, 4), (1, 3), (3, 5)])
def test_each_cut_at_a_window_edge_names_the_losses_it_leaves_out(k1: int, k2: int) -> None:
    tokens = "a b c d e f g".split()
    T = len(tokens)
    text = shown(tokens, "backward", loss="every", tbptt=(k1, k2))
    starts = window_starts(T, k1, k2)
    for t in range(1, T):
        cut = [s for s in range(t + 1, T + 1) if starts[s] == t + 1]
        if not cut:
            continue
        reaching = [s for s in range(t + 1, T + 1) if starts[s] <= t + 1]
        if len(cut) == len(reaching):  # every loss whose flow reaches hₜ₊₁ stops there
            assert f"cut by --tbptt {k1}:{k2}: h{chr(0x2080 + t)} ends a window" in text, t
        else:
            first = f"L{''.join(chr(0x2080 + int(d)) for d in str(cut[0]))}"
            assert f"less {first}" in text and f"cut by --tbptt {k1}:{k2}" in text, t
    assert "--truncate" not in text


def test_a_chunks_end_says_the_flow_from_the_next_step_is_cut() -> None:
    text = shown(["I", "like", "NLP"], "backward", chunks=2)
    assert "cut by --chunks 2: h₂ ends a window" in text
    blame = shown(["I", "like", "NLP"], "blame", chunks=2)
    assert "where --chunks 2 cut the flow" in blame
    plain = shown(["I", "like", "NLP"], "blame")
    assert "cut the flow" not in plain


@pytest.mark.parametrize("k", [1, 2])
def test_every_chunk_end_is_said_one_way(k: int) -> None:
    """At every chunk's end (t = k, 2k, … < T) the flow from step t + 1 is cut for every loss
    that reaches it: the same words at each, none of the "less Lₛ's part" kind."""
    tokens = "a b c d e f g".split()
    text = shown(tokens, "backward", loss="every", chunks=k)
    for t in range(k, len(tokens), k):
        assert f"cut by --chunks {k}: h{chr(0x2080 + t)} ends a window" in text, t
    assert "less L" not in text


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"chunks": 0}, "chunks must be a whole number"),
        ({"tbptt": (4, 2)}, "1 ≤ K1 ≤ K2"),
        ({"chunks": 2, "truncate": 1}, "two truncation schemes"),
        ({"update_every": "sequence"}, "needs chunks or tbptt"),
        ({"chunks": 10**20}, "from 1 to 1,000,000"),
        ({"truncate": 2**63}, "from 1 to 1,000,000"),
        ({"tbptt": (2, 10**20)}, "at most 1,000,000"),
    ],
)
def test_a_config_made_in_code_is_refused_as_the_command_line_refuses(
    options: dict, problem: str
) -> None:
    with pytest.raises(ValueError, match=problem):
        Config(**options)
