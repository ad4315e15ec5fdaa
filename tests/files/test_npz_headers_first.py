"""An .npz is refused from what its headers declare before any array's data is decompressed:
the keys, each shape against what the model or the comparison needs, and the run's memory
estimate (--init, --load, --compare). Only the small members (a model's format, vocab and
config; a weights file's vocab) are read first. Each file here holds real, compressed zeros
(a few kB on disk, megabytes inflated): a reader that read the data before checking would be
caught by the bytes it inflated. The messages those checks give, and the other one-line
messages of the .npz options, are specified here too."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from npz_bombs import zeros_npz

from bptt_trace.cli.app import main

SENTENCE = "I like NLP"  # vocabulary I, like, NLP, <eos>; T = 3
H = 4
BIG = 700  # a 700×700 float64 matrix: 3.9 MB inflated, under 10 kB compressed
READ_AT_MOST = 64 * 1024  # the headers and the small members, never the data


@pytest.fixture
def decompressed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the bytes inflated from any zip member while the test runs."""
    counts: list[int] = []
    real = zipfile.ZipExtFile.read

    def read(self: zipfile.ZipExtFile, n: int | None = -1) -> bytes:
        data = real(self, n)
        counts.append(len(data))
        return data

    monkeypatch.setattr(zipfile.ZipExtFile, "read", read)
    return counts


def rows(hidden: int = H, vocab: int = 4) -> dict[str, np.ndarray]:
    """Zero weights in the rows layout (what a run needs of them is only their shapes)."""
    shapes = {"W": (vocab, hidden), "W_h": (hidden, hidden), "b": (hidden,)}
    return {
        k: np.zeros(s) for k, s in {**shapes, "V": (hidden, vocab), "b_output": (vocab,)}.items()
    }


def compressed(path: Path, arrays: dict[str, np.ndarray]) -> str:
    np.savez_compressed(path, **arrays)
    return str(path)


def model_arrays(hidden: int, config: dict | None = None) -> dict[str, np.ndarray]:
    """A model file's arrays as --save writes them (compressed here), at ``hidden``."""
    saved = {"activation": "tanh", "cell": "rnn", "hidden": hidden, **(config or {})}
    return {
        "format": np.array("bptt-trace-model"),
        "format_version": np.array(1),
        "vocab": np.array(["I", "like", "NLP", "<eos>"]),
        "config": np.array(json.dumps(saved)),
        **rows(hidden),
    }


@pytest.fixture
def weights(tmp_path: Path) -> str:
    return compressed(tmp_path / "w.npz", rows())


def refused_unread(refused, decompressed: list[int], args: list[str], *words: str) -> str:
    decompressed.clear()
    err = refused(args, *words)
    assert sum(decompressed) < READ_AT_MOST, sum(decompressed)
    return err


# -- refused from the headers: nothing of the data inflated ---------------------------------


@pytest.mark.parametrize("key", ["W", "W_h", "b", "V", "b_output"])
def test_a_gradient_of_the_wrong_shape_is_refused_unread(
    key, weights, tmp_path, refused, decompressed
) -> None:
    grads = {**rows(), key: np.zeros((BIG, BIG))}
    bad = compressed(tmp_path / "g.npz", grads)
    refused_unread(
        refused, decompressed, [SENTENCE, "--init", weights, "--compare", bad], f"{key} has shape"
    )


@pytest.mark.parametrize("key", ["dh", "loss"])
def test_an_extra_of_the_wrong_shape_is_refused_unread(
    key, weights, tmp_path, refused, decompressed
) -> None:
    bad = compressed(tmp_path / "g.npz", {**rows(), key: np.zeros((BIG, BIG))})
    says = "dh has shape (700, 700)" if key == "dh" else "'loss'"
    refused_unread(refused, decompressed, [SENTENCE, "--init", weights, "--compare", bad], says)


def test_weights_of_the_wrong_shape_are_refused_unread(tmp_path, refused, decompressed) -> None:
    """H from the recurrent matrix, then every other key against it."""
    bad = compressed(tmp_path / "w.npz", {**rows(), "V": np.zeros((BIG, BIG))})
    for args in ([SENTENCE, "--init", bad], [SENTENCE, "--init", bad, "--compare", bad]):
        refused_unread(refused, decompressed, args, f"--init {bad}: V has shape (700, 700)")


def test_keys_the_layout_does_not_use_are_refused_unread(
    weights, tmp_path, refused, decompressed
) -> None:
    bad = compressed(tmp_path / "g.npz", {**rows(), "extra": np.zeros((BIG, BIG))})
    args = [SENTENCE, "--init", weights, "--compare", bad]
    refused_unread(refused, decompressed, args, "does not use: extra")


def test_a_run_that_would_not_fit_is_refused_unread(tmp_path, refused, decompressed) -> None:
    """H = 7,000 on four tokens: the estimate from the headers, before 400 MB are read (the
    file's W_h is compressed zeros: 0.4 MB on disk)."""
    big = rows(7_000)
    small = {k: v for k, v in big.items() if k != "W_h"}
    weights = zeros_npz(tmp_path / "w.npz", {"W_h": (7_000, 7_000)}, small)
    refused_unread(refused, decompressed, [SENTENCE, "--init", weights], "GB of memory at once")
    compare = [SENTENCE, "--init", weights, "--compare", weights]  # shapes that agree
    refused_unread(refused, decompressed, compare, "GB of memory at once")
    honest = {k: v for k, v in model_arrays(7_000).items() if k != "W_h"}
    model = zeros_npz(tmp_path / "m.npz", {"W_h": (7_000, 7_000)}, honest)
    refused_unread(refused, decompressed, [SENTENCE, "--load", model], "GB of memory at once")


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda a: {k: v for k, v in a.items() if k != "format"}, "not a model saved by"),
        (lambda a: {**a, "format": np.array("other")}, "not a model saved by"),
        (lambda a: {k: v for k, v in a.items() if k != "config"}, "lacks config"),
        (lambda a: {**a, "W_h": np.zeros((BIG + 1, BIG + 1))}, "W_h has shape (701, 701)"),
        (lambda a: {k: v for k, v in a.items() if k != "b"}, "it lacks b"),
        (lambda a: {**a, "config": np.array('{"activation": "tanh", "hidden": 5}')}, "H = 5"),
    ],
)
def test_a_model_file_is_refused_from_its_keys_and_shapes_unread(
    change, says, tmp_path, refused, decompressed
) -> None:
    """A model at H = 700 (its W_h 3.9 MB inflated), each time one thing wrong."""
    bad = compressed(tmp_path / "m.npz", change(model_arrays(BIG)))
    refused_unread(refused, decompressed, [SENTENCE, "--load", bad], f"--load {bad}: ", says)


def test_a_large_vocabulary_is_read_only_once_the_shapes_fit(
    tmp_path, refused, decompressed
) -> None:
    """50,002 tokens of up to 1,000 characters (200 MB of zeros, within the limits): a file
    whose parameters do not fit its length is refused before it is read; a small vocab is read
    first (its tokens make better messages: 'its vocab lacks …')."""
    vocab = {"vocab": (50_002,)}
    weights = zeros_npz(tmp_path / "w.npz", vocab, rows(), "<U1000")
    says = "W has shape (4, 4)", "|vocab| = 50002"
    refused_unread(refused, decompressed, [SENTENCE, "--init", weights], *says)
    compare = [SENTENCE, "--init", weights, "--compare", weights]
    refused_unread(refused, decompressed, compare, *says)
    honest = {k: v for k, v in model_arrays(H).items() if k != "vocab"}
    model = zeros_npz(tmp_path / "m.npz", vocab, honest, "<U1000")
    refused_unread(refused, decompressed, [SENTENCE, "--load", model], "W has shape (4, 4)")


def test_the_options_a_model_must_fit_are_checked_before_its_parameters_are_read(
    tmp_path, refused, decompressed
) -> None:
    model = compressed(tmp_path / "m.npz", model_arrays(BIG))
    refused_unread(
        refused, decompressed, [SENTENCE, "--load", model, "--hidden", "3"], "--hidden 3 differs"
    )
    refused_unread(refused, decompressed, [SENTENCE, "--load", model, "--cell", "lstm"], "not lstm")


def test_a_good_file_is_still_read_whole(tmp_path, capsys) -> None:
    """The same files, honest: a model, weights and gradients of the right shapes run."""
    model = compressed(tmp_path / "m.npz", model_arrays(H))
    weights = compressed(tmp_path / "w.npz", rows())
    grads = compressed(tmp_path / "g.npz", {**rows(), "dh": np.zeros((3, H)), "loss": 1.0})
    assert main([SENTENCE, "--load", model, "--json"]) == 0
    assert main([SENTENCE, "--init", weights, "--json"]) == 0
    assert main([SENTENCE, "--init", weights, "--compare", grads, "--json"]) in (0, 1)
    assert "error" not in capsys.readouterr().err


# -- the messages ---------------------------------------------------------------------------


def test_the_shape_of_dh_is_named_by_t_and_h_only(weights, tmp_path, refused) -> None:
    """dh is T×H: its message names T and H, never a |vocab| (it was '|vocab| = 0')."""
    bad = compressed(tmp_path / "g.npz", {**rows(), "dh": np.zeros((5, H))})
    err = refused([SENTENCE, "--init", weights, "--compare", bad])
    assert "expected (3, 4) float16/32/64 (T×H, T = 3, H = 4)" in err
    assert "vocab" not in err


@pytest.mark.parametrize(
    ("key", "shape", "names"),
    [
        ("W", (5, H), "(|vocab|×H, |vocab| = 4, H = 4)"),
        ("V", (H, 5), "(H×|vocab|, H = 4, |vocab| = 4)"),
        ("b_output", (5,), "(|vocab|, |vocab| = 4)"),
        ("b", (5,), "(H, H = 4)"),
    ],
)
def test_a_shape_error_names_the_sizes_its_shape_is_made_of(
    key, shape, names, weights, tmp_path, refused
) -> None:
    """Each size a parameter's shape is made of, with its value; none it is not made of."""
    bad = compressed(tmp_path / "g.npz", {**rows(), key: np.zeros(shape)})
    err = refused([SENTENCE, "--init", weights, "--compare", bad], f"{key} has shape {shape}")
    assert names in err


@pytest.mark.parametrize("option", ["--init", "--compare"])
def test_a_long_key_is_shortened_in_the_message(option, weights, tmp_path, refused) -> None:
    key = "k" * 60_000
    bad = compressed(tmp_path / "x.npz", {**rows(), key: np.zeros(1)})
    args = [SENTENCE, "--init", bad] if option == "--init" else [SENTENCE, "--init", weights]
    args += ["--compare", bad] if option == "--compare" else []
    err = refused(args, "k" * 20 + "… (60000 characters)")
    assert len(err) < 400


def test_a_long_key_is_shortened_where_a_layout_quotes_it(tmp_path, refused) -> None:
    long = "x" * 5_000 + "weight_ih_l0"
    bad = compressed(tmp_path / "w.npz", {"rnn.weight_ih_l0": np.zeros(1), long: np.zeros(1)})
    err = refused([SENTENCE, "--init", bad, "--layout", "torch"], "(5012 characters)")
    assert len(err) < 600


@pytest.mark.parametrize("tolerance", ["inf", "1e400", "-inf", "nan"])
def test_a_tolerance_that_is_not_finite_is_refused(tolerance, tmp_path, refused) -> None:
    trace = tmp_path / "t.jsonl"
    assert main([SENTENCE, "--quiet", "--output", str(trace)]) == 0
    refused(
        ["--diff", str(trace), str(trace), "--tolerance", tolerance],
        "--tolerance must be a finite number above 0",
    )


def test_a_memory_error_while_reading_names_memory(weights, tmp_path, refused, monkeypatch) -> None:
    """If the memory runs out reading what the limits allow, the line says so (it said
    'perhaps truncated')."""
    from bptt_trace.files import bounded_npz

    def no_memory(*args: object) -> np.ndarray:
        raise MemoryError

    monkeypatch.setattr(bounded_npz, "read_data", no_memory)
    err = refused([SENTENCE, "--init", weights], "memory", "MemoryError")
    assert "truncated" not in err
