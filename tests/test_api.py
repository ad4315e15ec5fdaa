"""The Python API a notebook user discovers: every public name in ``dir()`` and ``__all__``,
each documented; a saved model loaded and traced from its parameters; a partial list of
events rendered; and docs/api.ipynb, run cell by cell with plain ``python``."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose

import bptt_trace
from bptt_trace import Config, load_model, render, trace_sentence
from bptt_trace.errors import InputError
from bptt_trace.rendering.renderer import make_console

ROOT = Path(__file__).parents[1]
PUBLIC = {"Config", "Model", "compare", "load_model", "render", "run", "trace_sentence"}


def test_every_public_name_is_listed_documented_and_reachable() -> None:
    assert PUBLIC | {"__version__"} == set(bptt_trace.__all__)
    assert set(dir(bptt_trace)) == PUBLIC | {"__version__"}  # the API, nothing internal
    for name in PUBLIC:
        assert (getattr(bptt_trace, name).__doc__ or "").strip(), name
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        bptt_trace.nope  # noqa: B018


def saved_model(tmp_path: Path, *options: str) -> Path:
    path = tmp_path / "m.npz"
    command = [sys.executable, "-m", "bptt_trace", "I like NLP", "--steps", "3", "--quiet"]
    subprocess.run([*command, *options, "--save", str(path)], check=True, cwd=ROOT, timeout=120)
    return path


@pytest.fixture(scope="module")
def a_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return saved_model(tmp_path_factory.mktemp("model"))


@pytest.mark.parametrize("options", [(), ("--cell", "gru", "--hidden", "3")])
def test_a_loaded_model_traces_from_its_own_parameters(tmp_path: Path, options) -> None:
    path = saved_model(tmp_path, *options)
    model = load_model(path)
    with np.load(path) as saved:  # the file itself: the independent expectation
        stored = {name: saved[name] for name in model.params}
        vocab = [str(t) for t in saved["vocab"]]
    assert model.vocab == vocab and model.config.hidden == stored["V"].shape[0]
    events = list(
        trace_sentence("I like NLP", model.config, params=model.params, vocab=model.vocab)
    )
    start = next(e for e in events if e.kind == "params")
    for name, array in stored.items():
        assert_allclose(start.params[name], array, rtol=0, atol=0)
    assert events[0].config["loaded"]["path"].endswith("m.npz")


@pytest.mark.parametrize(
    ("sentence", "kwargs", "problem"),
    [
        ("I like cats", {}, "lacks 'cats'"),
        ("I like NLP", {"vocab": None}, "params and vocab together"),
        ("", {}, "the sentence is empty"),
    ],
)
def test_a_bad_call_is_one_line_naming_the_problem(
    a_model: Path, sentence: str, kwargs: dict, problem: str
) -> None:
    model = load_model(a_model)
    given = {"params": model.params, "vocab": model.vocab, **kwargs}
    with pytest.raises(InputError, match=problem) as caught:
        list(trace_sentence(sentence, model.config, **given))
    assert "\n" not in str(caught.value)


def test_params_of_another_shape_are_refused_before_any_step() -> None:
    params = {"W": np.zeros((4, 3)), "W_h": np.zeros((2, 2))}
    with pytest.raises(InputError, match="params: "):
        list(trace_sentence("I like NLP", params=params, vocab=["I", "like", "NLP", "<eos>"]))


def test_a_partial_list_of_events_renders_what_it_has() -> None:
    events = list(trace_sentence("I like NLP", Config(lr=0.001)))
    upto = next(i for i, e in enumerate(events) if e.kind == "blame")
    buffer = io.StringIO()
    render(events[:upto], make_console(file=buffer, width=100))
    shown = buffer.getvalue()
    assert "Forward pass" in shown and "Backward pass" in shown
    assert "Blame" not in shown


def test_the_api_notebook_runs_cell_by_cell(tmp_path: Path) -> None:
    notebook = json.loads((ROOT / "docs" / "api.ipynb").read_text())
    code = ["".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "code"]
    script = tmp_path / "notebook.py"
    script.write_text("\n\n".join(code))
    proc = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.rstrip().endswith("match")


@pytest.mark.parametrize("content", ["{}\n", "not a model\n"])
def test_load_model_names_the_file_not_a_command_line_option(tmp_path: Path, content) -> None:
    """In Python there is no --load: the error names the file the call was given."""
    path = tmp_path / "trace.jsonl"
    path.write_text(content)
    with pytest.raises(InputError) as caught:
        load_model(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ") and "--load" not in message
    assert "\n" not in message
