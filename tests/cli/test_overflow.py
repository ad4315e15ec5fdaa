"""Overflow never crashes: at any learning rate every JSON line is strict JSON, the run ends
with the closing event its exit code says, and NumPy never warns on stderr."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bptt_trace.cli.app import main
from bptt_trace.config import Config
from bptt_trace.core.cells import make_cell
from bptt_trace.core.model import init_params
from bptt_trace.files.model_file import save_model
from bptt_trace.trace.finite import nonfinite
from bptt_trace.trace.loop import run


def strict(line: str) -> dict:
    """json.loads that refuses NaN and Infinity, which Python's json would accept."""

    def refuse(constant: str) -> None:
        raise ValueError(f"{constant} is not JSON")

    return json.loads(line, parse_constant=refuse)


def run_quietly(args: list[str], capsys) -> tuple[int, str, str]:
    """main(args) with every Python warning recorded: (exit code, stdout, stderr)."""
    capsys.readouterr()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        code = main(args)
    out, err = capsys.readouterr()
    assert not caught, [str(w.message) for w in caught]
    return code, out, err


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    log_lr=st.floats(-300, 308.25),
    activation=st.sampled_from(["tanh", "sigmoid", "relu"]),
    loss=st.sampled_from(["last", "every"]),
    clip=st.none() | st.floats(1e-3, 1e300),
    truncate=st.none() | st.integers(1, 5),
    length=st.integers(1, 200),
    steps=st.integers(1, 50),
    hidden=st.integers(1, 3),
    detail=st.sampled_from(["auto", "summary"]),
    tables=st.booleans(),
)
def test_any_learning_rate_ends_cleanly(
    log_lr, activation, loss, clip, truncate, length, steps, hidden, detail, tables, capsys
) -> None:
    """Measured: about 25 s for the 60 examples on one core (long sentences dominate)."""
    lr = min(10.0**log_lr, 1.7e308)
    words = " ".join(["a", "b", "a", "c"][i % 4] for i in range(length))
    args = [words, "--lr", repr(lr), "--activation", activation, "--loss", loss]
    args += ["--steps", str(steps), "--hidden", str(hidden), "--detail", detail]
    args += [] if clip is None else ["--clip", repr(clip)]
    args += [] if truncate is None else ["--truncate", str(truncate)]
    code, out, err = run_quietly([*args, "--json", "--quiet"], capsys)  # no status lines
    assert "Traceback" not in err
    events = [strict(line) for line in out.splitlines()]
    closing = events[-1]["event"]
    assert (code, closing) in ((0, "end"), (1, "diverged")), (code, closing, err)
    assert err.count("\n") == (1 if code == 1 else 0), err
    if code == 1:
        assert err.startswith("bptt-trace: error: training diverged at step ")
        assert events[-1]["message"] in err
    if tables:
        table_code, _, table_err = run_quietly([*args, "--quiet"], capsys)
        assert table_code == code and table_err == err


@pytest.mark.parametrize(
    ("args", "closing"),
    [
        (["--activation", "relu", "--lr", "300", "--steps", "2"], "end"),  # the blame norms
        (["--lr", "1e200", "--detail", "summary"], "end"),  # a summary's norm
        (["--activation", "relu", "--lr", "1e5"], "diverged"),  # predictions after the update
    ],
)
def test_the_runs_of_the_issue(args, closing, capsys) -> None:
    code, out, err = run_quietly(["x " * 200, *args, "--json"], capsys)
    events = [strict(line) for line in out.splitlines()]
    assert events[-1]["event"] == closing and code == (0 if closing == "end" else 1), err


def test_absurdly_large_but_finite_ends_with_a_warning_not_a_tick(capsys) -> None:
    code, out, err = run_quietly(["I like NLP", "--lr", "1e308", "--steps", "5"], capsys)
    last = out.strip().splitlines()
    assert code == 0 and "✓ finished" not in out
    assert err.startswith("bptt-trace: finished after 5 steps, but ") and err.count("\n") == 1
    warning = "⚠ finished after 5 steps, but the parameters grew"
    assert any(line.startswith(warning) for line in last)
    code, out, _ = run_quietly(["I like NLP", "--lr", "1e308", "--steps", "5", "--json"], capsys)
    end = strict(out.splitlines()[-1])
    assert end["event"] == "end" and "training ran away" in end["warning"]
    _, out, _ = run_quietly(["I like NLP", "--json"], capsys)
    assert strict(out.splitlines()[-1])["warning"] is None


def test_a_loaded_model_beyond_the_floats_stops_at_step_0_with_one_line(tmp_path, capsys) -> None:
    """‖Wʰ‖ of a model whose entries are 1e308 exceeds the floats: its summary cannot be
    written."""
    cell = make_cell({})
    p = init_params(cell, 4, 2, np.random.default_rng(0))
    p["W_h"] = np.full((2, 2), 1e308)
    path = tmp_path / "huge.npz"
    save_model(path, p, ["I", "like", "NLP", "<eos>"], Config(hidden=2).to_json())
    args = ["I like NLP", "--load", str(path), "--json", "--detail", "summary"]
    code, out, err = run_quietly(args, capsys)
    events = [strict(line) for line in out.splitlines()]
    assert code == 1 and events[-1]["event"] == "diverged" and events[-1]["step"] == 0
    assert err.count("\n") == 1 and "W_h has a norm beyond the floats" in err


def test_the_check_names_the_field_and_the_parameter() -> None:
    events = list(run([["a", "b"]], Config()))
    params = events[1]
    bad = type(params)(step=0, params={**params.params, "V": np.full((4, 3), np.inf)})
    assert nonfinite(bad) == "V became infinite"
    assert nonfinite(params) is None
