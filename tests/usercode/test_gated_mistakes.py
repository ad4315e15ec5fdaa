"""--compare names the gated cells' classic BPTT mistakes, from gradients that the tests' own
hand-written LSTM and reset-after GRU compute (tests/usercode/mistaken_gated.py, written from
the equations, not importing bptt_trace), never from the tool's mutants.

The reference is proven first: its correct pass agrees with central finite differences of its
own forward pass, and with torch's autograd on the stored framework fixtures.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from usercode.framework_layouts import to_rows
from usercode.make_fixtures import FIXTURES, vocabulary
from usercode.mistaken_gated import (
    BPTT,
    GRU_MISTAKES,
    LSTM_MISTAKES,
    Params,
    finite_differences,
    lstm_bptt,
    random_params,
)

from bptt_trace.cli.app import main

SENTENCE = "the dog saw the cat and the bird"  # 8 tokens, "the" three times
TOKENS = ["the", "dog", "saw", "cat", "and", "bird", "<eos>"]  # as README builds it
IDS, EOS = [0, 1, 2, 0, 3, 4, 0, 5], 6
CELLS = {  # hidden size, the options that name the cell, the mistakes, the seed
    "lstm": (4, ["--cell", "lstm"], LSTM_MISTAKES, 11),
    "gru": (3, ["--cell", "gru", "--reset-after"], GRU_MISTAKES, 12),
}
LOSSES = ["last", "every"]
MISTAKES = [(cell, m) for cell, (_, _, mistakes, _) in CELLS.items() for m in mistakes]


def params(cell: str) -> Params:
    hidden, _, _, seed = CELLS[cell]
    return random_params(cell, len(TOKENS), hidden, seed)


def worst_relative(a: Params, b: Params) -> float:
    """The largest difference of any parameter, relative to the largest |entry| of either."""
    worst = 0.0
    for k in b:
        scale = max(np.abs(a[k]).max(), np.abs(b[k]).max())
        if scale > 0:
            worst = max(worst, float(np.abs(a[k] - b[k]).max() / scale))
    return worst


def strict_json(text: str) -> Any:
    def refuse(constant: str) -> Any:
        raise ValueError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


def run(cell: str, loss: str, grads: Params, total: float, tmp_path: Path, capsys, *more: str):
    """(exit code, stdout) of --compare on the cell's weights and ``grads`` in the rows layout."""
    np.savez(tmp_path / "w.npz", **params(cell))
    np.savez(tmp_path / "g.npz", **grads, loss=total)
    args = [SENTENCE, *CELLS[cell][1], "--loss", loss, "--layout", "rows"]
    args += ["--init", str(tmp_path / "w.npz"), "--compare", str(tmp_path / "g.npz"), *more]
    capsys.readouterr()
    code = main(args)
    out, err = capsys.readouterr()
    assert "Traceback" not in err and code in (0, 1), (code, err)
    return code, out


def test_the_vocabulary_is_the_documented_one() -> None:
    assert vocabulary(SENTENCE) == TOKENS
    assert [TOKENS.index(t) for t in SENTENCE.split()] == IDS and TOKENS.index("<eos>") == EOS


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("cell", list(CELLS))
def test_the_reference_is_finite_differences_of_its_own_forward(cell: str, loss: str) -> None:
    p = params(cell)
    grads, _ = BPTT[cell](p, IDS, EOS, loss)
    assert worst_relative(grads, finite_differences(cell, p, IDS, EOS, loss)) < 1e-6


GATED = [  # the trained cases' float32 rounding is larger by design: the verdict measures it
    c
    for c in json.loads((FIXTURES / "cases.json").read_text())
    if c["cell"] != "rnn" and "trained" not in c["name"]
]


@pytest.mark.parametrize("case", GATED, ids=[c["name"] for c in GATED])
def test_the_reference_is_torch_autograd(case: dict[str, Any]) -> None:
    """On torch's own nn.LSTM / nn.GRU numbers (the stored fixtures, converted by hand to the
    rows layout) the reference gives torch's loss and gradients."""
    weights = to_rows(dict(np.load(FIXTURES / case["weights"])), case["cell"])
    torch_grads = to_rows(dict(np.load(FIXTURES / case["grads"])), case["cell"], gradients=True)
    p = {k: v.astype(np.float64) for k, v in weights.items() if k != "vocab"}
    vocab = vocabulary(case["sentence"], case["order"])
    ids = [vocab.index(t) for t in case["sentence"].split()]
    grads, total = BPTT[case["cell"]](p, ids, vocab.index("<eos>"), case["loss"])
    within = 1e-6 if case["dtype"] == "float32" else 1e-12
    assert abs(total - float(torch_grads.pop("loss"))) <= within * total
    assert worst_relative(torch_grads, grads) <= within


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("cell", list(CELLS))
def test_each_mistake_changes_the_numbers_and_no_two_alike(cell: str, loss: str) -> None:
    p = params(cell)
    right, _ = BPTT[cell](p, IDS, EOS, loss)
    wrong = {m: BPTT[cell](p, IDS, EOS, loss, m)[0] for m in CELLS[cell][2]}
    for mistake, grads in wrong.items():
        assert worst_relative(grads, right) > 1e-2, mistake
    for first, second in [(a, b) for a in wrong for b in wrong if a < b]:
        assert worst_relative(wrong[first], wrong[second]) > 1e-3, (first, second)


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("cell", list(CELLS))
def test_the_correct_pass_matches(cell: str, loss: str, tmp_path: Path, capsys) -> None:
    grads, total = BPTT[cell](params(cell), IDS, EOS, loss)
    code, out = run(cell, loss, grads, total, tmp_path, capsys)
    assert code == 0 and "✓ match" in out, out[-2000:]
    code, out = run(cell, loss, grads, total, tmp_path, capsys, "--json")
    result = strict_json(out)
    assert code == 0 and result["verdict"] == "match" and result["named"] == [], result


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize(("cell", "mistake"), MISTAKES)
def test_each_mistake_is_named(cell: str, mistake: str, loss: str, tmp_path: Path, capsys):
    grads, total = BPTT[cell](params(cell), IDS, EOS, loss, mistake)
    code, out = run(cell, loss, grads, total, tmp_path, capsys, "--json")
    result = strict_json(out)
    assert code == 1 and result["verdict"] == "differs"
    assert result["forward"] is None or result["forward"]["matches"] is True  # the backward's
    named = [candidate["id"] for candidate in result["named"]]
    assert mistake in named, (named, result.get("ranking", [])[:3])


def first_departure(mine: np.ndarray, right: np.ndarray, tolerance: float = 1e-9) -> int | None:
    """The first t from T down at which two T×H flows part (relative to the larger row)."""
    for t in range(len(right), 0, -1):
        scale = max(np.abs(mine[t - 1]).max(), np.abs(right[t - 1]).max())
        if np.abs(mine[t - 1] - right[t - 1]).max() > tolerance * scale:
            return t
    return None


@pytest.mark.parametrize("mistake", [None, "cell-path-missing", "tanh-c-derivative-missing"])
def test_the_lstms_dh_and_dc_say_where_the_flow_departs(mistake, tmp_path: Path, capsys):
    """With dh and dc (T×H each) the verdict covers them, and says at which t (from T down)
    the user's ∂L/∂hₜ and ∂L/∂cₜ first depart: computed here from the hand-written flows."""
    right_flows: dict[str, np.ndarray] = {}
    lstm_bptt(params("lstm"), IDS, EOS, "last", None, right_flows)
    flows: dict[str, np.ndarray] = {}
    grads, total = lstm_bptt(params("lstm"), IDS, EOS, "last", mistake, flows)
    code, out = run("lstm", "last", {**grads, **flows}, total, tmp_path, capsys, "--json")
    result = strict_json(out)
    assert set(result["quantities"]) >= {"dh", "dc"}
    if mistake is None:
        assert code == 0 and result["where"] == {}
        return
    assert code == 1 and mistake in [c["id"] for c in result["named"]]
    for name in ("dh", "dc"):
        assert result["where"][name]["t"] == first_departure(flows[name], right_flows[name])
