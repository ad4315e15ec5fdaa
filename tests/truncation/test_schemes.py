"""--truncate, --chunks and --tbptt against the independent reference (``reference.py``: the
cells' equations written again, a window's loss differentiated as an expression of the
parameters from the state carried in as a constant), every cell, --loss last and every, on a
ragged corpus: the gradient of every window at fixed parameters, the whole-step gradient
event, and under --update-every chunk each window's gradient and the parameters after every
update of --steps 2; all at 1e-9 relative."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from truncation import reference

from bptt_trace.config import Config
from bptt_trace.core.cells import make_cell
from bptt_trace.core.corpus import make_corpus
from bptt_trace.core.truncation import Scheme, run_window, windows
from bptt_trace.core.windowed import scheme_gradients
from bptt_trace.trace.events import GradientsEvent, ParamsEvent, RunEvent, UpdateEvent
from bptt_trace.trace.loop import run

CORPUS = [
    "the cat sat on a mat today".split(),
    "a dog ran".split(),
    "the dog sat on it".split(),
]
"""Lengths 7, 3 and 5: windows past a sentence's end, and sentences ending inside one."""

CELLS = [
    ("rnn", {}),
    ("lstm", {}),
    ("gru", {}),
    ("gru-reset-after", {"reset_after": True}),
]
SCHEMES = [
    ("truncate", 2, 2),
    ("chunks", 2, 2),
    ("chunks", 3, 3),
    ("tbptt", 2, 3),
    ("tbptt", 1, 4),
    ("tbptt", 3, 3),
]


def config_of(cell: str, extra: dict[str, Any], loss: str, scheme: tuple, **more: Any) -> Config:
    kind, k1, k2 = scheme
    option = {"truncate": k1, "chunks": k1, "tbptt": (k1, k2)}[kind]
    windowed = {"update_every": more.pop("update_every", "chunk")} if kind != "truncate" else {}
    name = cell.removesuffix("-reset-after")
    return Config(
        cell=name, hidden=3, loss=loss, detail="full", **{kind: option}, **windowed, **extra, **more
    )


def close(engine: dict[str, Any], expected: dict[str, np.ndarray], what: str) -> None:
    """Every parameter's array within 1e-9 of the reference's largest entry (relative)."""
    assert set(engine) == set(expected), what
    for name, want in expected.items():
        got = np.asarray(engine[name], dtype=float)
        scale = max(float(np.abs(want).max(initial=0.0)), 1e-300)
        assert np.abs(got - want).max(initial=0.0) <= 1e-9 * scale, f"{what}: {name}"


def traced(config: Config) -> tuple[list[Any], dict[str, np.ndarray], list[list[int]], int]:
    """The run's events, its θ₀, the corpus as token indices and the target's index."""
    events = list(run(CORPUS, config))
    vocab = next(e for e in events if isinstance(e, RunEvent)).vocab
    p0 = next(e for e in events if isinstance(e, ParamsEvent) and e.step == 0).params
    ids = [[vocab.index(token) for token in sentence] for sentence in CORPUS]
    return events, {n: np.asarray(v, dtype=float) for n, v in p0.items()}, ids, vocab.index("<eos>")


@pytest.mark.parametrize("loss", ["last", "every"])
@pytest.mark.parametrize(("cell", "extra"), CELLS, ids=[c for c, _ in CELLS])
@pytest.mark.parametrize("scheme", SCHEMES, ids=["{}-{}-{}".format(*s) for s in SCHEMES])
def test_every_window_and_update_of_two_steps_match_the_reference(
    scheme: tuple, cell: str, extra: dict[str, Any], loss: str
) -> None:
    config = config_of(cell, extra, loss, scheme, steps=2, lr=0.5)
    events, p0, ids, target = traced(config)
    ref_cell = "gru-after" if extra else cell
    # the whole-step gradient at the step's starting parameters: the sum of the windows'
    L, total, per_window = reference.scheme_gradient(ref_cell, p0, ids, target, loss, scheme)
    whole = [e for e in events if isinstance(e, GradientsEvent) and e.chunk is None]
    assert whole[0].step == 1
    close(whole[0].grads, total, "the whole-step gradient")
    assert whole[0].loss == pytest.approx(L, rel=1e-12)
    # each window at fixed θ₀, straight from the engine's windows
    engine_cell = make_cell(config.to_json())
    corpus = make_corpus(ids, target, loss, small=8)  # one bucket a sentence: a ragged corpus
    assert len(corpus.batches) > 1
    engine_scheme = Scheme(*scheme)
    fixed = scheme_gradients(engine_cell, p0, corpus, engine_scheme)
    close(fixed, total, "scheme_gradients")
    full = [reference.forward_states(ref_cell, p0, s) for s in ids]
    for i, w in enumerate(windows(engine_scheme, 7)):
        carried = [
            np.stack([np.concatenate(full[s][min(w.start - 1, len(ids[s]))]) for s in members])
            for members in corpus.members
        ]
        got = run_window(engine_cell, p0, corpus, w, carried).grads
        close(got, per_window[i], f"window {i + 1} at θ₀")
    if scheme[0] == "truncate":  # one update a step, by today's truncated gradient
        updates = [e for e in events if isinstance(e, UpdateEvent)]
        assert [e.chunk for e in updates] == [None, None]
        close(updates[0].new, {n: p0[n] - 0.5 * total[n] for n in p0}, "the update")
        return
    # --update-every chunk: every window's gradient and the θ after each update, two steps
    expected = reference.chunked_training(ref_cell, p0, ids, target, loss, scheme, 0.5, 2)
    windowed = [e for e in events if isinstance(e, GradientsEvent) and e.chunk is not None]
    updates = [e for e in events if isinstance(e, UpdateEvent)]
    assert len(windowed) == len(updates) == len(expected)
    n = len(expected) // 2
    assert [e.chunk for e in updates] == [*range(1, n + 1)] * 2
    for i, (gradients, update, (g, p)) in enumerate(zip(windowed, updates, expected, strict=True)):
        close(gradients.grads, g, f"window gradient {i + 1}")
        close(update.new, p, f"θ after update {i + 1}")
    last = next(e for e in events if isinstance(e, ParamsEvent) and e.step == 2).params
    close(last, expected[-1][1], "the params after the step's last update")


@pytest.mark.parametrize(("cell", "extra"), CELLS, ids=[c for c, _ in CELLS])
def test_update_every_sequence_descends_by_the_schemes_gradient(
    cell: str, extra: dict[str, Any]
) -> None:
    scheme = ("tbptt", 2, 3)
    config = config_of(cell, extra, "every", scheme, steps=2, lr=0.5, update_every="sequence")
    events, p, ids, target = traced(config)
    ref_cell = "gru-after" if extra else cell
    updates = [e for e in events if isinstance(e, UpdateEvent)]
    assert [e.chunk for e in updates] == [None, None]
    for update in updates:
        _, g, _ = reference.scheme_gradient(ref_cell, p, ids, target, "every", scheme)
        p = {n: p[n] - 0.5 * g[n] for n in p}
        close(update.new, p, f"θ after step {update.step}")


def test_a_window_clips_its_own_gradient() -> None:
    scheme = ("chunks", 2, 2)
    config = config_of("rnn", {}, "every", scheme, steps=1, lr=0.5, clip=0.05)
    events, p0, ids, target = traced(config)
    expected = reference.chunked_training(
        "rnn", p0, ids, target, "every", scheme, 0.5, 1, lambda norm: min(1.0, 0.05 / norm)
    )
    updates = [e for e in events if isinstance(e, UpdateEvent)]
    assert any(e.scale < 1 for e in updates)
    for update, (_, p) in zip(updates, expected, strict=True):
        close(update.new, p, f"θ after window {update.chunk}")


@pytest.mark.parametrize("loss", ["every", "last"])
def test_the_carried_state_is_shown_beside_its_recomputation_with_the_windows_parameters(
    loss: str,
) -> None:
    """Under --loss last a window without a loss changes nothing: until one has a loss, the
    carried state and its recomputation are equal, and so are θ before and after them."""
    config = config_of("rnn", {}, loss, ("chunks", 2, 2), steps=1, lr=0.5)
    events, p0, ids, target = traced(config)
    windowed = [e for e in events if isinstance(e, GradientsEvent) and e.chunk is not None]
    updates = [e for e in events if isinstance(e, UpdateEvent)]
    expected = reference.chunked_training("rnn", p0, ids, target, loss, ("chunks", 2, 2), 0.5, 1)
    params = [p0, *(p for _, p in expected)]
    for i, e in enumerate(windowed):
        start = e.window[0]
        assert e.window == [2 * i + 1, 2 * i + 1, min(2 * i + 2, 7)]
        # recomputed from h₀ with the parameters the window runs with (those after the
        # update before it), and as carried: computed by the window before, with older ones
        now = reference.forward_states("rnn", params[i], ids[0])[start - 1][0]
        then = np.zeros(3)
        if i > 0:  # computed by the window before, from its own carried state, with older θ
            carried = (np.asarray(windowed[i - 1].carried_state),)
            window = (start - 2, start - 2, start - 1)
            then = reference.run_window("rnn", params[i - 1], ids[0], {}, window, carried, 1)[2]
            then = then[start - 1][0]
        assert np.allclose(e.carried_state_now, now, rtol=1e-12, atol=1e-14)
        assert np.allclose(e.carried_state, then, rtol=1e-12, atol=1e-14)
        close(updates[i].old, params[i], f"θ window {i + 1} ran with")
    # θ first changes after the first window with a loss (under --loss last, the end of the
    # shortest of the sentences of 7, 3 and 5 tokens: window 2); the states carried after it
    # are stale
    first = next(i for i, e in enumerate(windowed) if e.loss > 0)
    assert first == (0 if loss == "every" else 1)
    changed = range(first + 1, len(windowed))
    for i in range(1, len(windowed)):
        same = np.allclose(windowed[i].carried_state, windowed[i].carried_state_now)
        assert same == (i not in changed), f"window {i + 1}"
    assert np.array_equal(windowed[0].carried_state, np.zeros(3))


@pytest.mark.parametrize("loss", ["last", "every"])
@pytest.mark.parametrize("scheme", [("chunks", 2, 2), ("tbptt", 2, 3)])
def test_a_step_of_updates_after_each_window_reports_l_before_its_first_update(
    scheme: tuple, loss: str
) -> None:
    """train_step.loss and end.loss are L at the step's starting θ, as in every other run (and
    as the banner and the closing line say), not a sum of window losses taken at changing θ:
    for the traced steps 1 and 3 and the untraced step 2."""
    from oracles import cell_corpus_loss

    from bptt_trace.trace.events import EndEvent, TrainStepEvent

    config = config_of("rnn", {}, loss, scheme, steps=3, lr=0.5, trace_every=5)
    events, p0, ids, target = traced(config)
    before = [p0]
    for _ in range(2):  # θ after steps 1 and 2, from the reference's updates
        _, p = reference.chunked_training("rnn", before[-1], ids, target, loss, scheme, 0.5, 1)[-1]
        before.append(p)
    steps = [e for e in events if isinstance(e, TrainStepEvent)]
    assert [e.step for e in steps] == [1, 2, 3]
    assert not any(isinstance(e, GradientsEvent) and e.step == 2 for e in events)  # untraced
    for e, p in zip(steps, before, strict=True):
        assert e.loss == pytest.approx(cell_corpus_loss("rnn", p, ids, target, loss), rel=1e-12)
    windows_sum = sum(
        e.loss for e in events if isinstance(e, GradientsEvent) and e.step == 1 and e.chunk
    )
    assert windows_sum != pytest.approx(steps[0].loss, rel=1e-6)  # (not what it reports)
    end = next(e for e in events if isinstance(e, EndEvent))
    assert end.loss == steps[-1].loss


@pytest.mark.parametrize("scheme", [("chunks", 2, 2), ("tbptt", 2, 3), ("truncate", 2, 2)])
def test_check_under_a_scheme_reports_its_distance_from_the_true_gradient(scheme: tuple) -> None:
    """--check checks full BPTT (the derivative of L) and, under any scheme, says how far the
    scheme's gradient at the step's θ is from it: ‖g_scheme − g‖ / ‖g‖ per parameter, from
    the hand-written windows of tests/truncation/windows_reference.py."""
    from truncation.windows_reference import full_gradient, scheme_gradient

    from bptt_trace.trace.events import CheckEvent

    sentence = CORPUS[0]
    kind, k1, k2 = scheme
    config = config_of("rnn", {}, "every", scheme, steps=1, check=True)
    events = list(run([sentence], config))
    vocab = next(e for e in events if isinstance(e, RunEvent)).vocab
    p0 = next(e for e in events if isinstance(e, ParamsEvent) and e.step == 0).params
    p = {n: np.asarray(v, dtype=float) for n, v in p0.items()}
    ids, eos = [vocab.index(t) for t in sentence], vocab.index("<eos>")
    g = scheme_gradient(p, ids, eos, "every", "tanh", kind, k1, k2)
    full = full_gradient(p, ids, eos, "every", "tanh")
    check = next(e for e in events if isinstance(e, CheckEvent))
    assert check.passed and check.truncation_error is not None
    for name in p:
        want = np.linalg.norm(g[name] - full[name]) / np.linalg.norm(full[name])
        assert check.truncation_error[name] == pytest.approx(want, rel=1e-9, abs=1e-15), name
    assert max(check.truncation_error.values()) > 1e-3  # the scheme is not full BPTT here
