"""A trace of --chunks or --tbptt is a trace like any other: it replays, its lines are valid
under --schema, --diff compares it, and a hand-edited one whose window fields do not fit its
run is refused in one line (exit 2)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest

from bptt_trace.cli.app import main

S = "the cat sat on the mat"


def trace(tmp_path: Path, name: str, *args: str) -> Path:
    path = tmp_path / name
    assert (
        main([S, "--hidden", "3", "--quiet", "--output", str(path), "--color", "never", *args]) == 0
    )
    return path


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.mark.parametrize(
    "args",
    [
        ["--chunks", "2"],
        ["--tbptt", "2:3", "--cell", "lstm", "--loss", "every"],
        ["--chunks", "4", "--update-every", "sequence", "--cell", "gru"],
    ],
)
def test_a_scheme_trace_replays_and_is_valid_under_the_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    path = trace(tmp_path, "t.jsonl", *args)
    capsys.readouterr()
    assert main(["--replay", str(path), "--color", "never"]) == 0
    shown = capsys.readouterr().out
    assert main(["--schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    validator = jsonschema.Draft202012Validator(schema)
    events = lines(path)
    chunked = [e for e in events if "chunk" in e]
    for event in [events[0], *chunked[:2]]:
        validator.validate(event)
    whole = validator.evolve(schema={"$ref": "#/$defs/trace"} | {"$defs": schema["$defs"]})
    whole.validate(events)
    if "sequence" in args:
        assert chunked == [] and "update_every" in events[0]["config"]
        return
    assert chunked and all(e["event"] in ("gradients", "update") for e in chunked)
    # the first window with a loss in full, the others a row each (--detail auto)
    assert re.search(r"window \d: time steps", shown)
    assert "Windows · step 1 · each followed by its update" in shown


def test_diff_compares_scheme_traces(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    one = trace(tmp_path, "one.jsonl", "--chunks", "2")
    two = trace(tmp_path, "two.jsonl", "--chunks", "2")
    other = trace(tmp_path, "other.jsonl", "--chunks", "3")
    capsys.readouterr()
    assert main(["--diff", str(one), str(two)]) == 0
    assert main(["--diff", str(one), str(other)]) == 1


def edited(path: Path, change: Callable[[list[dict]], None]) -> Path:
    events = lines(path)
    change(events)
    out = path.with_name("edited.jsonl")
    out.write_text("".join(json.dumps(e) + "\n" for e in events))
    return out


def first(kind: str, events: list[dict], chunked: bool = True) -> dict:
    return next(e for e in events if e["event"] == kind and ("chunk" in e) == chunked)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda ev: ev[0]["config"].update(truncate=2), "two truncation schemes"),
        (lambda ev: ev[0]["config"].pop("update_every"), "'update_every' goes with"),
        (lambda ev: ev[0]["config"].update(tbptt=[3, 2]), "config 'tbptt'"),
        (lambda ev: ev[0]["config"].update(chunks=0), "config 'chunks'"),
        (lambda ev: first("gradients", ev).update(window=[1, 1, 99]), "should be [1, 1, 2]"),
        (lambda ev: first("gradients", ev).update(window=[1, 1, 3]), "of --chunks 2 at T = 6"),
        (lambda ev: first("gradients", ev).update(chunk=5), "1 … 3"),
        (lambda ev: ev.remove(first("update", ev)), "chunk 2 of step 1 is out of order"),
        (lambda ev: ev.remove(first("gradients", ev)), "update event: chunk 1 of step 1"),
        (lambda ev: first("gradients", ev).pop("window"), "'chunk' and 'window' go together"),
        (lambda ev: first("gradients", ev).update(carried_state_now=None), "go together"),
        (
            lambda ev: first("gradients", ev, False).update(carried_state=[0, 0, 0]),
            "belong to a window",
        ),
        (lambda ev: first("update", ev).update(chunk=0), "'chunk' (≥ 1)"),
    ],
)
def test_a_trace_whose_window_fields_do_not_fit_is_refused(
    tmp_path: Path, refused: Callable[..., str], change: Callable, words: str
) -> None:
    path = edited(trace(tmp_path, "t.jsonl", "--chunks", "2"), change)
    refused(["--replay", str(path)], words)


def test_window_events_in_a_run_without_chunk_updates_are_refused(
    tmp_path: Path, refused: Callable[..., str]
) -> None:
    path = trace(tmp_path, "t.jsonl", "--chunks", "2")
    events = lines(path)
    events[0]["config"]["update_every"] = "sequence"
    out = path.with_name("seq.jsonl")
    out.write_text("".join(json.dumps(e) + "\n" for e in events))
    refused(["--replay", str(out)], "'chunk' (≥ 1) belongs to a run")


def test_a_window_that_diverges_ends_the_run_naming_it() -> None:
    from bptt_trace.config import Config
    from bptt_trace.trace.loop import run

    config = Config(hidden=3, chunks=2, update_every="chunk", lr=1e308, steps=3, loss="every")
    events = list(run([S.split()], config))
    assert events[-1].kind == "diverged"
    assert events[-1].quantity == "the updated V became infinite in window 2 (time steps 3 to 4)"
    assert any(e.kind == "update" and getattr(e, "chunk", None) == 1 for e in events)


def test_the_header_names_the_scheme_and_when_it_updates(capsys) -> None:
    assert main([S, "--tbptt", "2:3", "--color", "never", "--width", "200"]) == 0
    out = capsys.readouterr().out
    assert "TBPTT(2, 3): every 2 time steps the last 2 losses" in out
    assert "an update after each window" in out


@pytest.mark.parametrize("scheme", [{"chunks": 2}, {"tbptt": (2, 3)}, {"tbptt": (1, 4)}])
@pytest.mark.parametrize("update_every", ["chunk", "sequence"])
def test_the_blame_and_per_loss_gradients_are_the_schemes(scheme: dict, update_every: str) -> None:
    """The blame matrix reaches only the kept terms, every kept one (the kept-terms mask of
    the scheme), and the per-loss gradients add up to the step's whole gradient."""
    import numpy as np

    from bptt_trace.config import Config
    from bptt_trace.core.truncation import Scheme, kept_terms, scheme_of
    from bptt_trace.trace.loop import run

    config = Config(
        hidden=3, loss="every", detail="full", cell="gru", update_every=update_every, **scheme
    )
    events = list(run([S.split()], config))
    blame = np.asarray(next(e for e in events if e.kind == "blame").matrix)
    per_loss = next(e for e in events if e.kind == "loss_gradients")
    whole = next(e for e in events if e.kind == "gradients" and e.chunk is None)
    found = scheme_of(config)
    assert isinstance(found, Scheme)
    kept = kept_terms(found, 6)[1:, 1:]
    assert np.array_equal(blame > 0, kept)
    for name, grad in whole.grads.items():
        total = np.sum(np.asarray(per_loss.grads[name]), axis=0)
        assert np.allclose(total, grad, rtol=1e-12, atol=1e-15), name


@pytest.mark.parametrize("scheme", [{"chunks": 2}, {"tbptt": (2, 4)}])
def test_the_backward_tables_running_sums_end_at_the_steps_gradient(scheme: dict) -> None:
    """Under a windowed scheme the backward events are the scheme's at the step's starting
    parameters: their running sums after t = 1 are the whole-step gradients event's, and
    ∂L/∂hₜ is the part from the output plus the part from t + 1 inside the windows."""
    import numpy as np

    from bptt_trace.config import Config
    from bptt_trace.trace.loop import run

    events = list(run([S.split()], Config(hidden=3, loss="every", detail="full", **scheme)))
    whole = next(e for e in events if e.kind == "gradients" and e.chunk is None)
    backward = [e for e in events if e.kind == "backward"]
    assert backward[-1].t == 1
    for name in ("W", "W_h", "b"):
        assert np.allclose(backward[-1].terms[f"sum_{name}"], whole.grads[name], atol=1e-15)
    for e in backward:
        parts = np.asarray(e.dh_from_output) + np.asarray(
            e.dh_from_next if e.dh_from_next is not None else 0.0
        )
        assert np.allclose(parts, e.dh, atol=1e-15)
    if "chunks" in scheme:  # nothing flows into a chunk from the one after it
        at = {e.t: e for e in backward}
        assert np.array_equal(at[2].dh_from_next, np.zeros(3))
        assert np.array_equal(at[4].dh_from_next, np.zeros(3))
        assert np.any(np.asarray(at[1].dh_from_next) != 0)


def test_the_closing_lines_and_a_saved_model_count_every_windows_update(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--chunks 2 on 6 words makes 3 updates a step: 6 after 2 steps, in the closing line on
    the terminal and on stderr, and in the saved model's count (its header under --load)."""
    model = tmp_path / "m.npz"
    assert main([S, "--chunks", "2", "--steps", "2", "--save", str(model), "--width", "120"]) == 0
    out, err = capsys.readouterr()
    assert "finished after 2 steps: loss" in out and "after 6 updates" in out
    assert "after 6 updates" in err
    assert main([S, "--load", str(model), "--width", "200"]) == 0
    assert "trained for 6 updates" in capsys.readouterr().out
    assert main([S, "--chunks", "2", "--update-every", "sequence", "--steps", "2"]) == 0
    assert "after 2 updates" in capsys.readouterr().out
