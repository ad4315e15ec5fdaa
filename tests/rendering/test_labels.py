"""Every label matches its number: the 1/B of the mean, the update-formula panel's sums, and
the clipped update's two gradients."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from numpy.testing import assert_allclose

from bptt_trace.config import Config
from bptt_trace.core.tokens import tokenize
from bptt_trace.rendering.renderer import make_console, render
from bptt_trace.trace.loop import run

CORPUS = [tokenize(line) for line in open("sentences/corpus.txt") if line.strip()]
CORPUS = [s for s in CORPUS if s and not s[0].startswith("#")]


def shown(events, width: int = 400, precision: int = 4) -> str:
    out = io.StringIO()
    render(events, make_console(file=out, width=width), precision=precision)
    return out.getvalue()


def test_json_fields_are_what_the_schema_says_with_several_sentences() -> None:
    """output.dL_do is the sentence's own ŷₜ − yₜ; backward.dh_from_output is (1/B)·(ŷₜ − yₜ)·Vᵀ,
    ∂L/∂oₜ·Vᵀ of the mean L; ŷₜ − yₜ recomputed from y_hat and the target."""
    corpus = [["a", "b", "c"], ["b", "a"], ["c", "c", "a", "b"]]
    events = list(run(corpus, Config(loss="every")))
    V = np.asarray(events[1].params["V"])
    outputs = {(e.sentence, e.t): e for e in events if e.kind == "output"}
    for e in (e for e in events if e.kind == "backward"):
        out = outputs[e.sentence, e.t]
        y = np.eye(len(out.y_hat))[out.target_index]
        assert_allclose(out.dL_do, np.asarray(out.y_hat) - y, rtol=0, atol=1e-15)
        assert_allclose(e.dh_from_output, (np.asarray(out.y_hat) - y) @ V.T / 3, atol=1e-15)


def test_the_tables_say_where_the_1_over_B_enters() -> None:
    corpus = [["I", "like", "NLP"], ["we", "learn", "BPTT"]]
    text = shown(list(run(corpus, Config())))
    assert "the output at t: (1/B)·(ŷ₃ − y₃)·Vᵀ" in text
    assert "L is the mean over the B = 2 sentences" in text
    assert "ŷ − y = ∂L₃/∂o₃" in text and "ŷ − y = ∂L/∂o" not in text
    assert "∂L/∂o = (ŷ − y)/2" in text
    one = shown(list(run(corpus[:1], Config())))  # one sentence: L is its loss, as before
    assert "the output at t: (ŷ₃ − y₃)·Vᵀ" in one and "ŷ − y = ∂L/∂o" in one and "1/B" not in one


def multiplied(part: str) -> str:
    """A term written as a product of two numbers, (a) × (b) (∂L/∂V's hₜ[i]·(ŷₜ − yₜ)[j]), as
    the one number (a·b) it stands for."""
    product = r"\(([+-]\d+\.\d+)\) × \(([+-]\d+\.\d+)\)"
    return re.sub(product, lambda m: f"({float(m[1]) * float(m[2]):+.12f})", part)


def numbers_in(part: str) -> float:
    """The sum of the terms (±x.x) of a panel line, a product of two counted as one."""
    return sum(float(x) for x in re.findall(r"\(([+-]\d+\.\d+)", multiplied(part)))


def panel_sums(text: str) -> list[tuple[str, float, float]]:
    """For each "∂L/∂θ[entry] = …" line pair of the panel: the entry, the sum of the terms the
    next line shows (with its 1/B and its rest), and the gradient in the update line."""
    lines = text.splitlines()
    found = []
    for i, line in enumerate(lines):
        head = re.search(r"∂L/∂(\S+\[[^\]]*\]) = ", line)
        if not head or not lines[i + 1].strip().startswith("│         = "):
            continue
        body = lines[i + 1].split("= ", 1)[1].rsplit(" = ", 1)[0]
        scale = 1.0
        match = re.match(r"\(1/(\d+)\)·\((.*)\)\)(.*)", body)
        if match:
            scale, body, rest = 1.0 / int(match.group(1)), match.group(2) + ")", match.group(3)
        else:
            rest = ""
        total = scale * numbers_in(body) + numbers_in(rest)
        update = next(x for x in lines[i:] if f"{head.group(1)} ← " in x)
        grad = float(re.search(r"× \(([+-]\d+\.\d+)\)", update).group(1))
        found.append((head.group(1), total, grad))
    return found


@pytest.mark.parametrize(
    ("corpus", "config"),
    [
        ([["a", "b"], ["b", "a"]], Config(loss="every", hidden=2)),  # B = 2: once 2× the sum
        (CORPUS, Config(loss="every", hidden=2)),  # 42 sentences, 8 traced
        (CORPUS[:3], Config(loss="last", clip=0.05)),  # clipped
        ([list("abcdefghijklmnopq")], Config(loss="every", truncate=3)),  # steps not shown
    ],
)
def test_the_panel_terms_add_up_to_the_gradient_it_updates_with(corpus, config) -> None:
    events = list(run(corpus, config))
    grads = next(e for e in events if e.kind == "gradients")
    sums = panel_sums(shown(events, precision=10))
    assert sums, "the panel shows its sums"
    for entry, total, grad in sums:
        assert total == pytest.approx(grad, abs=1e-9 * max(1, len(CORPUS))), entry
    entry, _, grad = sums[0]  # W's entry of largest |∂L/∂W|, before any clipping
    assert entry.startswith("W[")
    assert abs(grad) == pytest.approx(np.max(np.abs(np.asarray(grads.grads["W"]))), abs=1e-10)


def test_a_clipped_update_shows_both_gradients_each_labelled() -> None:
    events = list(run([["I", "like", "NLP"]], Config(clip=0.05)))
    update = next(e for e in events if e.kind == "update")
    grads = next(e for e in events if e.kind == "gradients")
    assert update.scale < 1
    text = shown(events, precision=6)
    table = text[text.index("b ← b − α·κ·∂L/∂b") :]
    header = table.splitlines()[2]
    assert re.search(r"old\s+∂L/∂b\s+κ·∂L/∂b\s+new", header), header
    g, applied = np.asarray(grads.grads["b"]), np.asarray(update.applied["b"])
    assert " ".join(f"{v:+.6f}" for v in g) in text
    assert " ".join(f"{v:+.6f}" for v in applied) in text
    assert_allclose(applied, update.scale * g, rtol=1e-15)
