"""Real PyTorch models, exported as a practitioner exports them: the fixtures of --compare.

Run it with a Python that has torch and numpy (the fixtures are committed; CI never runs it):

    /work/torchvenv/bin/python tests/usercode/make_fixtures.py

Each model is a module with an nn.RNN, nn.LSTM or nn.GRU attribute ``rnn`` (batch_first=True,
one layer, one direction) and an nn.Linear ``fc``, drawn by torch's own initialisation from a
fixed seed, in float64 or float32. It runs on one-hot inputs of shape (1, T, |vocab|);
F.cross_entropy on the logits after the last token (target <eos>), or, for --loss every, on the
logits of every step (target the next token, <eos> after the last) with reduction="sum"; then
backward(). Weights and gradients are saved exactly as README's "Check your own BPTT" says.
The gradients are torch's autograd; nothing here imports bptt_trace.

Only ``build`` imports torch (when called), so that the tests import this module without it.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

if not __package__:  # run as a script: tests/ on the path, as pytest's pythonpath puts it
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from usercode.framework_layouts import to_rows

Arrays = dict[str, np.ndarray]
FIXTURES = Path(__file__).parent / "fixtures"
EOS = "<eos>"
SHORT = "I like NLP"
LONG = "the cat saw the dog chase the cat"  # 8 tokens, "the" three times, "cat" twice


@dataclass(frozen=True)
class Model:
    """What a practitioner built and ran; ``order`` is their vocabulary's: "first" (tokens in
    order of first appearance, then <eos>, as the tool builds it) or "sorted" (their own)."""

    cell: str  # rnn, lstm, gru (nn.GRU: the reset gate after the product)
    activation: str  # tanh or relu: nn.RNN's nonlinearity (tanh for the gated cells)
    loss: str  # last or every
    dtype: str  # float64 or float32
    hidden: int
    sentence: str
    seed: int
    order: str = "first"
    trained: int = 0  # Adam steps (lr 0.01) before the gradients are taken: near convergence

    @property
    def stem(self) -> str:
        cell = "rnn-relu" if self.activation == "relu" else self.cell
        words = "short" if self.sentence == SHORT else "long"
        order = "-sorted" if self.order == "sorted" else ""
        trained = f"-trained{self.trained}" if self.trained else ""
        return f"{cell}-{self.dtype[5:]}-h{self.hidden}-{words}-{self.loss}{order}{trained}"


def vocabulary(sentence: str, order: str = "first") -> list[str]:
    tokens = sentence.split()
    first = [*dict.fromkeys(tokens), EOS]
    return sorted(first) if order == "sorted" else first


def build(model: Model) -> tuple[Arrays, Arrays]:
    """(weights, gradients) as the README's two np.savez calls write them (torch layout)."""
    import torch
    import torch.nn.functional as F
    from torch import nn

    vocab = vocabulary(model.sentence, model.order)
    size, hidden = len(vocab), model.hidden
    torch.manual_seed(model.seed)
    net = nn.Module()
    if model.cell == "rnn":
        net.rnn = nn.RNN(size, hidden, nonlinearity=model.activation, batch_first=True)
    elif model.cell == "lstm":
        net.rnn = nn.LSTM(size, hidden, batch_first=True)
    else:
        net.rnn = nn.GRU(size, hidden, batch_first=True)
    net.fc = nn.Linear(hidden, size)
    dtype = {"float64": torch.float64, "float32": torch.float32}[model.dtype]
    net.to(dtype)
    ids = [vocab.index(token) for token in model.sentence.split()]
    x = F.one_hot(torch.tensor(ids), size).to(dtype).unsqueeze(0)  # (1, T, |vocab|)
    optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
    for step in range(model.trained + 1):  # the last pass's gradients are the ones saved
        optimizer.zero_grad()
        out, _ = net.rnn(x)
        if model.loss == "last":
            loss = F.cross_entropy(net.fc(out[:, -1]), torch.tensor([vocab.index(EOS)]))
        else:
            targets = torch.tensor([*ids[1:], vocab.index(EOS)])
            loss = F.cross_entropy(net.fc(out[0]), targets, reduction="sum")
        loss.backward()
        if step < model.trained:
            optimizer.step()
    weights = {k: v.detach().numpy() for k, v in net.state_dict().items()}
    grads = {k: v.grad.numpy() for k, v in net.named_parameters()}
    return weights, {**grads, "loss": np.asarray(loss.item())}


def export(model: Model, folder: Path, vocab_array: bool = False) -> tuple[Path, Path]:
    """Build ``model`` and save its two files in ``folder``, as np.savez(**...) writes them."""
    weights, grads = build(model)
    suffix = "-vocab" if vocab_array else ""
    w, g = folder / f"{model.stem}{suffix}.w.npz", folder / f"{model.stem}.g.npz"
    if vocab_array:
        weights = {**weights, "vocab": np.array(vocabulary(model.sentence, model.order))}
    np.savez(w, **weights)
    np.savez(g, **grads)
    return w, g


def options(model: Model) -> list[str]:
    """The options that describe ``model`` on bptt-trace's command line."""
    args = ["--cell", model.cell] + (["--reset-after"] if model.cell == "gru" else [])
    args += ["--activation", "relu"] if model.activation == "relu" else []
    return args + (["--loss", "every"] if model.loss == "every" else [])


def case(name: str, model: Model, leave_out: tuple[str, ...] = (), **more: Any) -> dict[str, Any]:
    """A record of cases.json: the model as built, the command line options it is compared
    with (the slips ``leave_out`` one of them), how its files are written, the verdict
    expected and, for a slip, the word it must name."""
    args = options(model)
    if leave_out:
        at = args.index(leave_out[0])
        args = args[:at] + args[at + len(leave_out) :]
    record = {"name": name, **asdict(model), "reset_after": model.cell == "gru", "args": args}
    return {
        **record,
        "layout": "torch",
        "vocab_array": False,
        "grads_w_h_transposed": False,
        "expect": "match",
        "names": None,
        **more,
    }


def model_of(record: dict[str, Any]) -> Model:
    return Model(**{k: record[k] for k in Model.__dataclass_fields__})


def files_for(record: dict[str, Any], folder: Path) -> tuple[Path, Path]:
    """Build the record's model and write its two files into ``folder``, in its layout."""
    model = model_of(record)
    w, g = export(model, folder, record["vocab_array"])
    if record["layout"] == "rows":
        weights = to_rows(dict(np.load(w)), model.cell)
        grads = to_rows(dict(np.load(g)), model.cell, gradients=True)
        ending = "rows"
        if record["grads_w_h_transposed"]:  # the other way round: square, so shapes agree
            grads["W_h"], ending = grads["W_h"].T.copy(), "rows-w-h-transposed"
        w, g = folder / f"{model.stem}.rows.w.npz", folder / f"{model.stem}.{ending}.g.npz"
        np.savez(w, **weights)
        np.savez(g, **grads)
    return w, g


MODELS = [  # each cell and nonlinearity in both dtypes, both sentences, H = 4 and 5, both losses
    Model("rnn", "tanh", "last", "float64", 4, SHORT, 1),
    Model("rnn", "tanh", "every", "float32", 5, LONG, 2),
    Model("rnn", "tanh", "every", "float64", 4, LONG, 3),
    Model("rnn", "relu", "last", "float64", 5, LONG, 4),
    Model("rnn", "relu", "every", "float32", 4, SHORT, 5),
    Model("lstm", "tanh", "last", "float64", 4, SHORT, 6),
    Model("lstm", "tanh", "every", "float32", 5, LONG, 7),
    Model("lstm", "tanh", "every", "float64", 5, LONG, 8),
    Model("gru", "tanh", "last", "float64", 4, SHORT, 9),
    Model("gru", "tanh", "every", "float32", 5, LONG, 10),
    Model("gru", "tanh", "every", "float64", 5, LONG, 11),
]
SORTED = Model("gru", "tanh", "last", "float64", 4, LONG, 12, order="sorted")
RELU, EVERY_RNN, EVERY_LSTM = MODELS[3], MODELS[2], MODELS[7]
TRAINED = [  # float32 near convergence: ŷ − y small beside ŷ, so rounding weighs more
    Model(cell, "tanh", "every", "float32", 16, LONG, 20 + i, trained=300)
    for i, cell in enumerate(("rnn", "lstm", "gru"))
]
DIFFERS = {"expect": "differs"}
CASES = [
    *(case(m.stem, m) for m in MODELS),
    *(case(m.stem, m) for m in TRAINED),
    case(
        "slip-relu-without-activation",
        RELU,
        ("--activation", "relu"),
        **DIFFERS,
        names="--activation relu",
    ),
    case(
        "slip-rnn-every-without-loss",
        EVERY_RNN,
        ("--loss", "every"),
        **DIFFERS,
        names="--loss every",
    ),
    case(
        "slip-lstm-every-without-loss",
        EVERY_LSTM,
        ("--loss", "every"),
        **DIFFERS,
        names="--loss every",
    ),
    case("slip-sorted-vocabulary", SORTED, **DIFFERS, names="vocab"),
    case("sorted-vocabulary-saved", SORTED, vocab_array=True),
    case(
        "slip-rows-w-h-gradient-transposed",
        EVERY_RNN,
        layout="rows",
        grads_w_h_transposed=True,
        **DIFFERS,
        names="transpose",
    ),
]


def main() -> None:
    FIXTURES.mkdir(exist_ok=True)
    for old in FIXTURES.glob("*.npz"):
        old.unlink()
    records = []
    for record in CASES:
        w, g = files_for(record, FIXTURES)
        records.append({**record, "weights": w.name, "grads": g.name})
    text = json.dumps(records, indent=1, ensure_ascii=False)
    (FIXTURES / "cases.json").write_text(text + "\n", encoding="utf-8")
    total = sum(f.stat().st_size for f in FIXTURES.iterdir())
    print(f"{len(records)} cases, {len(list(FIXTURES.iterdir()))} files, {total} bytes")


if __name__ == "__main__":
    main()
