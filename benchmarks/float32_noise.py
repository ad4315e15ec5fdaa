"""How well --compare's measured rounding noise predicts a float32 implementation's error
(``bptt_trace/usercode/precision.py``): real torch models (nn.RNN, nn.LSTM, nn.GRU + nn.Linear,
float32, H = 16, --loss every summed), untrained and after 300 Adam steps, on sentences of 6, 15
and 30 tokens; for each, the largest relative difference of torch's gradients from the exact
ones, the noise measured (the tolerance before its factor and floor), and their ratio. Needs
PyTorch (skipped without it).

    python benchmarks/float32_noise.py
"""

from __future__ import annotations

import numpy as np

import bptt_trace.usercode.precision as precision
from bptt_trace.files.user_bptt import compare_arrays

SENTENCES = [
    "the cat sat on the mat",
    "the cat sat on the mat and the dog ran to the big red barn",
    " ".join("a b c d e f g h i j".split() * 3),
]


def export(cell: str, sentence: str, steps: int) -> tuple[dict, dict]:
    import torch
    import torch.nn.functional as F
    from torch import nn

    tokens = sentence.split()
    vocab = [*dict.fromkeys(tokens), "<eos>"]
    torch.manual_seed(3)
    net = nn.Module()
    net.rnn = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[cell](
        len(vocab), 16, batch_first=True
    )
    net.fc = nn.Linear(16, len(vocab))
    x = F.one_hot(torch.tensor([[vocab.index(t) for t in tokens]]), len(vocab)).float()
    targets = torch.tensor([vocab.index(t) for t in tokens[1:]] + [vocab.index("<eos>")])
    optimizer = torch.optim.Adam(net.parameters(), 0.01)
    for step in range(steps + 1):
        optimizer.zero_grad()
        loss = F.cross_entropy(net.fc(net.rnn(x)[0][0]), targets, reduction="sum")
        loss.backward()
        if step < steps:
            optimizer.step()
    weights = {k: v.detach().numpy() for k, v in net.state_dict().items()}
    grads = {k: v.grad.numpy() for k, v in net.named_parameters()}
    return weights, {**grads, "loss": np.asarray(loss.item())}


def main() -> None:
    try:
        import torch  # noqa: F401
    except ImportError:
        print("PyTorch is not installed: nothing measured")
        return
    precision.NOISE_FACTOR = 1  # the noise itself
    floor = precision.floor
    print("| cell | T | Adam steps | torch's error | noise measured | ratio |")
    print("| --- | --- | --- | --- | --- | --- |")
    for sentence in SENTENCES:
        for cell in ("rnn", "lstm", "gru"):
            for steps in (0, 300):
                w, g = export(cell, sentence, steps)
                precision.floor = lambda dtype, T: 0.0
                r = compare_arrays(
                    w, g, sentence, "torch", loss="every", cell=cell, reset_after=cell == "gru"
                )
                precision.floor = floor
                error = max(r.reference.max_rel.values())
                T = len(sentence.split())
                print(
                    f"| {cell} | {T} | {steps} | {error:.1e} | {r.tolerance:.1e} | "
                    f"{error / r.tolerance:.1f} |"
                )


if __name__ == "__main__":
    main()
