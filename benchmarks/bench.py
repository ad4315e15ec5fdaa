"""Side-by-side benchmark of bptt-trace's engine; writes BENCHMARKS.md.

    python benchmarks/bench.py                 # 1 BLAS/torch thread (BENCH_THREADS=2 for two)
    python benchmarks/bench.py --section cells # only the gated cells against torch's modules
    python benchmarks/bench.py --section growth # only the cost growth of a traced step

Training throughput (steps per second, --loss every, float64) at four grid points, against
1. a dense one-hot NumPy reference in the classic style of small NumPy RNN scripts (xₜ as a
   dense one-hot vector, xₜ·W as a matrix product, a Python loop over time and sentences);
2. PyTorch autograd on the CPU in float64, the same math unrolled over time (skipped when
   torch cannot be imported; it is never a dependency of bptt-trace).
Also: the step's matrix products alone at the GEMM rate measured here, the tracing overhead of
the command line, and the peak memory of a 50,000-token vocabulary.
Every figure is a ratio between runs made in this one process, on this machine.
"""

from __future__ import annotations

import os
import sys

THREADS = int(os.environ.get("BENCH_THREADS", "1"))
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = str(THREADS)  # before NumPy (and torch) load their thread pools

import contextlib  # noqa: E402
import platform  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bptt_trace.core.batch import make_batch  # noqa: E402
from bptt_trace.core.bptt import backward, forward  # noqa: E402
from bptt_trace.core.cells import make_cell  # noqa: E402
from bptt_trace.core.cells.declaration import Params  # noqa: E402
from bptt_trace.core.model import init_params  # noqa: E402
from bptt_trace.core.optimizer import descend  # noqa: E402

NAMES = ("W", "W_h", "b", "V", "b_output")
RNN = make_cell({"activation": "tanh"})

GRID = [(3, 4, 4, 1), (25, 100, 65, 8), (64, 128, 1000, 32), (256, 256, 10000, 64)]
LR = 0.01
BUDGET = 4.0  # seconds of timing per measurement, at most (after one warm-up step)


def make_corpus(T: int, V: int, B: int, rng: np.random.Generator) -> list[list[int]]:
    """B sentences of T token indices in which every word of the vocabulary occurs."""
    words = V - 1  # the last index is <eos>
    flat = np.concatenate([rng.permutation(words), rng.integers(0, words, B * T)])[: B * T]
    rng.shuffle(flat)
    missing = np.setdiff1d(np.arange(words), flat)
    flat[: missing.size] = missing
    return flat.reshape(B, T).tolist()


def timed(step, budget: float = BUDGET, most: int = 1000, warm: bool = True) -> tuple[float, int]:
    """Seconds per call of ``step`` (after a warm-up call), and how many calls were timed."""
    if warm:
        step()
    n, start = 0, time.perf_counter()
    while n < most and (n == 0 or time.perf_counter() - start < budget):
        step()
        n += 1
    return (time.perf_counter() - start) / n, n


def engine_step(T, H, V, B, corpus, cell=RNN):
    """Our untraced training step: forward, backward(record=False), update."""
    batch = make_batch(corpus, V - 1, "every")
    state = {"p": init_params(cell, V, H, np.random.default_rng(0))}

    def step() -> None:
        p = state["p"]
        # record=False: an untraced training step, as the command line takes it
        bw = backward(cell, p, batch, forward(cell, p, batch), record=False)
        state["p"] = descend(p, bw.grads, LR, 1.0)

    return step


def dense_step(T, H, V, sentences, p0: Params):
    """The classic style: dense one-hot xₜ, xₜ·W as a product, loops over time and sentences."""
    P = {n: p0[n].copy() for n in NAMES}

    def step() -> None:
        W, W_h, b, Vm, bo = P["W"], P["W_h"], P["b"], P["V"], P["b_output"]
        grads = {n: np.zeros_like(v) for n, v in P.items()}
        for ids in sentences:
            xs, hs, ps = {}, {-1: np.zeros(H)}, {}
            targets = [*ids[1:], V - 1]
            for t, i in enumerate(ids):
                xs[t] = np.zeros(V)
                xs[t][i] = 1.0
                hs[t] = np.tanh(xs[t] @ W + hs[t - 1] @ W_h + b)
                o = hs[t] @ Vm + bo
                e = np.exp(o - o.max())
                ps[t] = e / e.sum()
            dh_next = np.zeros(H)
            for t in reversed(range(len(ids))):
                do = ps[t].copy()
                do[targets[t]] -= 1.0
                do /= len(sentences)
                grads["V"] += np.outer(hs[t], do)
                grads["b_output"] += do
                dh = do @ Vm.T + dh_next
                da = (1.0 - hs[t] ** 2) * dh
                grads["W"] += np.outer(xs[t], da)
                grads["W_h"] += np.outer(hs[t - 1], da)
                grads["b"] += da
                dh_next = da @ W_h.T
        for n in NAMES:
            P[n] -= LR * grads[n]

    return step


def torch_step(T, H, V, B, corpus, p0: Params, torch):
    """PyTorch autograd, float64, the same math unrolled over time."""
    P = {n: torch.tensor(p0[n], dtype=torch.float64, requires_grad=True) for n in NAMES}
    x = torch.tensor(corpus, dtype=torch.long)
    y = torch.cat([x[:, 1:], torch.full((B, 1), V - 1, dtype=torch.long)], dim=1)

    def step() -> None:
        h = torch.zeros(B, H, dtype=torch.float64)
        loss = torch.zeros((), dtype=torch.float64)
        for t in range(T):
            h = torch.tanh(P["W"][x[:, t]] + h @ P["W_h"] + P["b"])
            o = h @ P["V"] + P["b_output"]
            loss = loss + torch.nn.functional.cross_entropy(o, y[:, t], reduction="sum")
        loss = loss / B
        loss.backward()
        with torch.no_grad():
            for n in NAMES:
                P[n] -= LR * P[n].grad
                P[n].grad = None

    return step


def matmul_flops(T, H, V, B) -> float:
    """Floating-point operations of one step's matrix products in the engine.

    Per time step: h·Wʰ (forward), h·V (logits), hᵀ·∂L/∂o (∂L/∂V), ∂L/∂o·Vᵀ (∂L/∂h),
    ∂L/∂a·Wʰᵀ (∂L/∂h₋₁); once: hᵀ·∂L/∂a for ∂L/∂Wʰ. Each m×k by k×n product is 2mkn.
    """
    return 2.0 * T * B * (3 * H * V + 3 * H * H)


def gemm_rate(H, V, B) -> float:
    """Flops per second of the step's dominant product, (B×H)·(H×V), measured here."""
    rng = np.random.default_rng(0)
    a, w = rng.normal(size=(B, H)), rng.normal(size=(H, V))
    seconds, _ = timed(lambda: a @ w, budget=1.0, most=2000)
    return 2.0 * B * H * V / seconds


def tracing_overhead(tmp: Path, point: tuple[int, int, int, int], steps: int) -> dict:
    """The same training through the CLI (--json to /dev/null) and through the engine alone."""
    from bptt_trace.cli.app import main

    T, H, V, B = point
    rng = np.random.default_rng(3)
    words = [f"w{i}" for i in range(V - 1)]
    corpus = [[words[i] for i in s] for s in make_corpus(T, V, B, rng)]
    path = tmp / "corpus.txt"
    path.write_text("\n".join(" ".join(s) for s in corpus) + "\n")

    def cli(count: int) -> None:
        args = ["--file", str(path), "--steps", str(count), "--hidden", str(H)]
        args += ["--loss", "every", "--lr", str(LR), "--json"]
        with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
            assert main(args) == 0

    from bptt_trace.core.tokens import build_vocab

    vocab = build_vocab(corpus)
    ids = [[vocab.index(t) for t in s] for s in corpus]
    batch = make_batch(ids, vocab.index("<eos>"), "every")

    def engine(count: int) -> None:
        p = init_params(RNN, len(vocab), H, np.random.default_rng(0))
        for _ in range(count):  # untraced steps: the engine's training path alone
            bw = backward(RNN, p, batch, forward(RNN, p, batch), record=False)
            p = descend(p, bw.grads, LR, 1.0)

    runs = {
        "cli": lambda: cli(steps),
        "engine": lambda: engine(steps),
        "cli_2": lambda: cli(2),  # the first and the last step, both traced
        "engine_2": lambda: engine(2),
    }
    best = {name: float("inf") for name in runs}
    for run in runs.values():
        run()  # warm-up
    for _ in range(5):  # in turn, so that a slow spell of the machine hits every side
        for name, run in runs.items():
            best[name] = min(best[name], timed(run, budget=0, most=1, warm=False)[0])
    return {"steps": steps, "point": (T, H, V, B), **best}


def peak_memory(tmp: Path) -> dict:
    """Peak resident memory of one step on 10,000 tokens with a 50,000-token vocabulary."""
    rng = np.random.default_rng(4)
    words = [f"w{i}" for i in range(49_999)]
    big = tmp / "vocab.txt"
    big.write_text("\n".join(" ".join(words[i : i + 20]) for i in range(0, len(words), 20)))
    model = tmp / "model.npz"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "bptt_trace",
            "--file",
            str(big),
            "--hidden",
            "64",
            "--json",
            "--save",
            str(model),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        check=True,
    )
    ids = rng.integers(0, len(words), 10_000)
    corpus = tmp / "corpus10k.txt"
    corpus.write_text(
        "\n".join(" ".join(words[j] for j in ids[i : i + 25]) for i in range(0, 10_000, 25)) + "\n"
    )
    # VmHWM, the peak resident set of this process alone (ru_maxrss would count the
    # benchmark's own memory, which a forked child inherits)
    probe = (
        "import sys, contextlib, os\n"
        "from bptt_trace.cli.app import main\n"
        "with open(os.devnull, 'w') as f, contextlib.redirect_stdout(f):\n"
        "    code = main(sys.argv[1:])\n"
        "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]\n"
        "print(hwm.split()[1], code)\n"
    )
    result = {}
    for mode in ("last", "every"):
        start = time.perf_counter()
        out = subprocess.run(
            [
                sys.executable,
                "-c",
                probe,
                "--file",
                str(corpus),
                "--load",
                str(model),
                "--loss",
                mode,
                "--json",
            ],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        result[mode] = (int(out[0]) / 1024, time.perf_counter() - start, int(out[1]))
    return result


def machine(torch) -> list[str]:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    blas = "unknown"
    with contextlib.suppress(Exception):
        info = np.show_config(mode="dicts")
        found = info["Build Dependencies"]["blas"]
        blas = f"{found['name']} {found['version']}"
    return [
        f"- CPU: {cpu}, {os.cpu_count()} cores; {platform.platform()}",
        f"- Python {platform.python_version()}, NumPy {np.__version__} ({blas}), "
        + (f"PyTorch {torch.__version__}" if torch else "PyTorch not installed"),
        f"- Threads: {THREADS} for BLAS (OMP/OPENBLAS/MKL_NUM_THREADS) and for torch "
        "(torch.set_num_threads), on both sides",
    ]


# --- the gated cells against PyTorch's own modules (python benchmarks/bench.py --section cells)

CELL_GRID = [(25, 100, 65, 8), (64, 128, 1000, 32)]
CELL_BUDGET = 12.0  # seconds of rounds per cell and grid point (at least 5 rounds, at most 60)


def cell_engine_step(name, T, H, V, B, corpus):
    """Our untraced training step with a gated cell."""
    return engine_step(T, H, V, B, corpus, make_cell({"cell": name}))


def torch_targets(corpus, V, B, torch):
    """Token indices (B, T) and their targets: the next token, <eos> (V − 1) after the last."""
    x = torch.tensor(corpus, dtype=torch.long)
    return x, torch.cat([x[:, 1:], torch.full((B, 1), V - 1, dtype=torch.long)], dim=1)


def torch_loss(logits, y, B, torch):
    """L = (1/B) Σ_sentences Σₜ Lₜ, as bptt_trace.core.bptt defines it."""
    V = logits.shape[-1]
    flat = logits.reshape(-1, V)
    return torch.nn.functional.cross_entropy(flat, y.reshape(-1), reduction="sum") / B


def torch_module_step(name, T, H, V, B, corpus, torch):
    """torch's nn.LSTM / nn.GRU (its C++ loop over time) between nn.Embedding(V, H) and
    nn.Linear(H, V), float64, plain SGD. Its input is an H-wide embedding, so it does one more
    product per step than we do, (B×H)·(H×gH), forwards and backwards: the idiomatic model."""
    torch.manual_seed(0)
    module = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[name]
    layers = torch.nn.ModuleList(
        [torch.nn.Embedding(V, H), module(H, H, batch_first=True), torch.nn.Linear(H, V)]
    ).double()
    embed, rnn, out = layers
    optimizer = torch.optim.SGD(layers.parameters(), lr=LR)
    x, y = torch_targets(corpus, V, B, torch)

    def step() -> None:
        optimizer.zero_grad(set_to_none=True)
        h, _ = rnn(embed(x))
        torch_loss(out(h), y, B, torch).backward()
        optimizer.step()

    return step


def torch_unrolled_step(name, T, H, V, B, corpus, torch):
    """Our cell's own math unrolled over time in torch autograd, float64, with our parameters
    (gates stacked: xₜ·W a row of W, one product with Wʰ a step; for the GRU the reset gate
    before the product, as ours and unlike nn.GRU)."""
    cell = make_cell({"cell": name})
    p = cell.prepare(init_params(cell, V, H, np.random.default_rng(0)))
    P = {
        "W": p["W_all"],
        "b": p["b_all"],
        "V": p["V"],
        "b_output": p["b_output"],
        **(
            {"W_h": p["W_h_all"]}
            if name == "lstm"
            else {"W_h_zr": p["W_h_all"][:, : 2 * H], "W_h_n": p["W_h_all"][:, 2 * H :]}
        ),
    }
    P = {n: torch.tensor(v, dtype=torch.float64, requires_grad=True) for n, v in P.items()}
    x, y = torch_targets(corpus, V, B, torch)

    def lstm(xw):
        h = c = torch.zeros(B, H, dtype=torch.float64)
        hs = []
        for t in range(T):
            a = xw[:, t] + h @ P["W_h"]
            i, f, g, o = a.chunk(4, dim=1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
            hs.append(h)
        return hs

    def gru(xw):
        h = torch.zeros(B, H, dtype=torch.float64)
        hs = []
        for t in range(T):
            z, r = torch.sigmoid(xw[:, t, : 2 * H] + h @ P["W_h_zr"]).chunk(2, dim=1)
            n = torch.tanh(xw[:, t, 2 * H :] + (r * h) @ P["W_h_n"])
            h = z * h + (1.0 - z) * n
            hs.append(h)
        return hs

    unroll = {"lstm": lstm, "gru": gru}[name]

    def step() -> None:
        hs = torch.stack(unroll(P["W"][x] + P["b"]), dim=1)
        torch_loss(hs @ P["V"] + P["b_output"], y, B, torch).backward()
        with torch.no_grad():
            for v in P.values():
                v -= LR * v.grad
                v.grad = None

    return step


def cell_rows(torch) -> list[tuple]:
    """Seconds per training step of each gated cell at CELL_GRID: ours, nn.LSTM/nn.GRU and the
    unrolled autograd of our math. Each round times one step of every side in turn, so that a
    slow spell of the machine (other processes on the cores) hits every side alike; each side's
    figure is its fastest step over the rounds."""
    rows = []
    for T, H, V, B in CELL_GRID:
        corpus = make_corpus(T, V, B, np.random.default_rng(T))
        for name in ("lstm", "gru"):
            sides = {"ours": cell_engine_step(name, T, H, V, B, corpus)}
            if torch is not None:
                sides["module"] = torch_module_step(name, T, H, V, B, corpus, torch)
                sides["unrolled"] = torch_unrolled_step(name, T, H, V, B, corpus, torch)
            start = time.perf_counter()
            for side in sides.values():
                side()  # warm-up
            rounds = max(5, min(60, int(CELL_BUDGET / (time.perf_counter() - start))))
            best = {side: float("inf") for side in sides}
            for _ in range(rounds):
                for side, step in sides.items():
                    best[side] = min(best[side], timed(step, budget=0, most=1, warm=False)[0])
            rows.append((name, T, H, V, B, rounds, best))
            print(
                f"{name} T={T} H={H} V={V} B={B}, best of {rounds}: "
                + ", ".join(f"{side} {1 / s:.3g} steps/s" for side, s in best.items()),
                flush=True,
            )
    return rows


def cell_section(rows, torch) -> list[str]:
    """The BENCHMARKS.md section of the gated cells."""

    def ratio(best, side):
        return f"**{best[side] / best['ours']:.2f}**" if side in best else "—"

    def rate(best, side):
        return f"{1 / best[side]:.3g}" if side in best else "skipped"

    lines = [
        f"## {CELL_TITLE}",
        "",
        "Made by `python benchmarks/bench.py --section cells` (or the whole benchmark). "
        "Training steps per second, `--loss every`, float64, with "
        + (f"PyTorch {torch.__version__}" if torch else "PyTorch not installed")
        + f"; {THREADS} thread{'s' if THREADS > 1 else ''} for BLAS and for torch on every "
        "side. Each figure is a side's fastest single step over the rounds (column n), a "
        "round timing one step of every side in turn. Load average at the end: "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (above 1 thread a core, other "
        "processes shared the cores: the rates are lower, the ratios noisier).",
        "",
        "| cell | T | H | \\|vocab\\| | B | n | bptt-trace | nn.LSTM / nn.GRU | × nn module | "
        "our math in autograd | × autograd |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, T, H, V, B, rounds, best in rows:
        lines.append(
            f"| {name.upper()} | {T} | {H} | {V} | {B} | {rounds} | {rate(best, 'ours')} | "
            f"{rate(best, 'module')} | {ratio(best, 'module')} | {rate(best, 'unrolled')} | "
            f"{ratio(best, 'unrolled')} |"
        )
    lines += [
        "",
        "× nn module and × autograd: ours/torch in steps per second (above 1: we are faster). "
        "All sides take the same step: every time step's cross-entropy, L = (1/B) Σ over "
        "sentences of Σₜ Lₜ, and plain SGD (lr 0.01); ours is `forward` + "
        "`backward(..., record=False)` + `descend`, as the command line's untraced steps.",
        "- nn.LSTM / nn.GRU: nn.Embedding(|vocab|, H) → the module (batch_first, its C++ loop "
        "over time) → nn.Linear(H, |vocab|), `torch.optim.SGD`. The idiomatic torch model: its "
        "input is an H-wide embedding, so it does one more product than we do "
        "((B×H)·(H×gH) forwards, twice backwards; g = 4 gates for the LSTM, 3 for the GRU), "
        "and nn.GRU applies its reset gate after the product (ours, Cho et al.'s, before).",
        "- Our math in autograd: our equations and our stacked parameters, unrolled over "
        "time in Python (xₜ·W a row of W, one product with Wʰ a step): the same arithmetic.",
        "",
    ]
    return lines


CELL_TITLE = "Gated cells against PyTorch (steps per second, `--loss every`, float64)"


def splice_section(lines: list[str], title: str = CELL_TITLE) -> None:
    """Put a section (the gated cells' by default) into BENCHMARKS.md: in place of its earlier
    version, or before the largest grid point's section (after the training throughput)."""
    path = ROOT / "BENCHMARKS.md"
    text = path.read_text().split("\n") if path.exists() else ["# Benchmarks", ""]
    heads = [i for i, line in enumerate(text) if line.startswith("## ")]
    mine = [i for i in heads if text[i] == f"## {title}"]
    if mine:
        end = next((i for i in heads if i > mine[0]), len(text))
        text[mine[0] : end] = lines
    else:
        after = [i for i in heads if text[i].startswith("## Training throughput")]
        at = next((i for i in heads if after and i > after[0]), len(text))
        text[at:at] = lines
    path.write_text("\n".join(text))
    print(f"wrote the section '{title}' of BENCHMARKS.md")


def requested_section() -> str | None:
    """``--section cells``: the gated cells alone, ``--section growth``: the cost growth of a
    traced step alone (no torch needed), spliced into the BENCHMARKS.md there is."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--section", choices=["cells", "growth"], help="run only this section")
    return parser.parse_args().section


def main() -> None:
    section = requested_section()
    began = time.perf_counter()
    from growth import GROWTH_TITLE, growth_lines  # benchmarks/growth.py

    if section == "growth":
        splice_section(growth_lines(), GROWTH_TITLE)
        return
    try:
        import torch

        torch.set_num_threads(THREADS)
    except ImportError:
        torch = None
        print("PyTorch cannot be imported: its column is skipped.", flush=True)
    if section == "cells":
        splice_section(cell_section(cell_rows(torch), torch))
        return
    rows, notes = [], []
    largest_ratio = None
    for T, H, V, B in GRID:
        rng = np.random.default_rng(T)
        corpus = make_corpus(T, V, B, rng)
        p0 = init_params(RNN, V, H, np.random.default_rng(0))
        ours, n_ours = timed(engine_step(T, H, V, B, corpus))
        # the dense reference: time a few sentences and scale to B when it is slow
        probe, _ = timed(dense_step(T, H, V, corpus[:1], p0), budget=0, most=1)
        k = max(1, min(B, int(BUDGET / max(probe, 1e-9))))
        dense, _ = timed(dense_step(T, H, V, corpus[:k], p0), most=3 if k < B else 1000)
        dense *= B / k
        if k < B:
            notes.append(
                f"(T={T}, H={H}, |vocab|={V}, B={B}): the dense reference was timed "
                f"on {k} of {B} sentences and scaled by {B}/{k}."
            )
        torch_s = None
        if torch is not None:
            torch_s, _ = timed(torch_step(T, H, V, B, corpus, p0, torch))
        rows.append((T, H, V, B, ours, dense, torch_s, n_ours))
        print(
            f"T={T} H={H} V={V} B={B}: engine {1 / ours:.2f} steps/s, dense "
            f"{1 / dense:.3g}, torch {1 / torch_s if torch_s else float('nan'):.3g}",
            flush=True,
        )
        if (T, H, V, B) == GRID[-1]:
            rate = gemm_rate(H, V, B)
            largest_ratio = (ours, matmul_flops(T, H, V, B) / rate, rate)
    with tempfile.TemporaryDirectory() as tmp:
        overhead = [
            tracing_overhead(Path(tmp), (25, 100, 65, 8), 1000),
            tracing_overhead(Path(tmp), (64, 128, 1000, 32), 100),
        ]
        print(f"tracing overhead: {overhead}", flush=True)
        memory = peak_memory(Path(tmp))
        print(f"memory: {memory}", flush=True)
    cells = cell_section(cell_rows(torch), torch)
    write_report(rows, notes, largest_ratio, overhead, memory, torch, time.perf_counter() - began)
    splice_section(cells)
    splice_section(growth_lines(), GROWTH_TITLE)


def write_report(rows, notes, largest, overhead, memory, torch, elapsed) -> None:
    lines = [
        "# Benchmarks",
        "",
        "Made by `python benchmarks/bench.py` (after `pip install -e '.[test]'`; PyTorch "
        "is used when it happens to be installed). Every ratio compares runs made in the "
        "same process on the same machine; absolute times vary between machines.",
        "",
        "## Machine",
        "",
        *machine(torch),
        "",
        "## Training throughput (steps per second, `--loss every`, float64)",
        "",
        "| T | H | \\|vocab\\| | B | bptt-trace | dense one-hot NumPy | PyTorch autograd | "
        "× dense | × PyTorch |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for T, H, V, B, ours, dense, torch_s, _ in rows:
        vs_torch = f"{torch_s / ours:.2f}" if torch_s else "—"
        torch_col = f"{1 / torch_s:.3g}" if torch_s else "skipped"
        lines.append(
            f"| {T} | {H} | {V} | {B} | {1 / ours:.3g} | {1 / dense:.3g} | "
            f"{torch_col} | {dense / ours:.1f} | {vs_torch} |"
        )
    lines += [
        "",
        "× dense and × PyTorch: how many times faster bptt-trace's step is (above 1: faster).",
        *[f"- {n}" for n in notes],
        "",
    ]
    if largest:
        ours, matmul, rate = largest
        lines += [
            "## The largest grid point against its matrix products",
            "",
            f"GEMM rate measured here for (B×H)·(H×V): {rate / 1e9:.1f} GFLOP/s. The "
            f"step's matrix products ({matmul_flops(*GRID[-1][:4]) / 1e9:.0f} GFLOP) "
            f"alone take {matmul:.2f} s at that rate; the whole step takes {ours:.2f} s: "
            f"**{ours / matmul:.2f}×** (target ≤ 1.5×).",
            "",
        ]
    lines += [
        "## Tracing overhead",
        "",
        "The command line with `--json` to /dev/null (the first and the last step traced in "
        "full, a `train_step` line for every step, the predictions before and after) against "
        "the engine alone, for the same steps:",
        "",
        "| (T, H, \\|vocab\\|, B) | steps | command line | engine alone | overhead | "
        "fixed part | per untraced step | under 20% from |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for o in overhead:
        n, step = o["steps"], o["engine"] / o["steps"]
        fixed = o["cli_2"] - o["engine_2"]  # two traced steps, start-up, predictions
        per_step = (o["cli"] - o["cli_2"] - (o["engine"] - o["engine_2"])) / (n - 2)
        slack = 0.2 * step - per_step  # what each further step leaves for the fixed part
        from_steps = (fixed - 2 * per_step) / slack if slack > 0 else float("inf")
        lines.append(
            f"| {o['point']} | {n} | {o['cli']:.2f} s | {o['engine']:.2f} s | "
            f"**{(o['cli'] / o['engine'] - 1) * 100:.0f}%** | {fixed * 1000:.0f} ms "
            f"({fixed / step:.0f} engine steps) | {per_step * 1e6:+.0f} µs "
            f"({per_step / step * 100:+.1f}%) | {from_steps:,.0f} steps |"
        )
    lines += [
        "",
        "Target: at most 20%. Each figure is the best of 5 runs, the sides taken in turn. The "
        "fixed part is `--steps 2` (both steps traced) against 2 engine steps: the two traced "
        "steps, start-up and the predictions before and after. Per untraced step: the rest "
        "of the difference, spread over the other steps (the `train_step` line, the gradient "
        "norm, the divergence check). A run of n steps costs the engine's time plus the "
        "fixed part plus n − 2 untraced extras; the last column is the n from which that "
        "is at most 20% over the engine.",
        "",
        "## Memory: 10,000 tokens, `--hidden 64`, a 50,000-token vocabulary (`--load`)",
        "",
    ]
    for mode, (mb, seconds, code) in memory.items():
        lines.append(
            f"- `--loss {mode}`: peak resident memory **{mb:.0f} MB** (target < 500 MB), "
            f"{seconds:.1f} s for the traced step, exit code {code}"
        )
    lines += ["", f"The whole benchmark took {elapsed:.0f} s.", ""]
    (ROOT / "BENCHMARKS.md").write_text("\n".join(lines))
    print("wrote BENCHMARKS.md")


if __name__ == "__main__":
    main()
