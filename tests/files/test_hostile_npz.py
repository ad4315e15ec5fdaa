"""Every .npz the tool reads (--load, --init, --compare) goes through one bounded reader: each
member's .npy header is read within a cap whatever its length field claims, its dtype and shape
checked, and the totals bounded from the headers, before any data is decompressed. Each class of
hostile file is tried on every option that reads one: exit 2, one line, nothing decompressed
past the headers; and the floats a file may hold (float16, float32) work through the run."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from bombs import header_only_npz, lying_header, npy_header

from bptt_trace.cli.app import main
from bptt_trace.files.npy_member import MAX_HEADER_BYTES

SENTENCE = "I like NLP"
H = 3


def weights(dtype: type = np.float64) -> dict[str, np.ndarray]:
    """Weights in the rows layout for SENTENCE's vocabulary (I, like, NLP, <eos>)."""
    rng = np.random.default_rng(0)
    shapes = {"W": (4, H), "W_h": (H, H), "b": (H,), "V": (H, 4), "b_output": (4,)}
    return {k: rng.normal(0, 0.5, size=s).astype(dtype) for k, s in shapes.items()}


def save(path: Path, arrays: dict) -> str:
    np.savez(path, **arrays)
    return str(path)


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    """A good weights file (a model saved with --save is one too) and a good gradients file."""
    model = tmp_path / "model.npz"
    assert main([SENTENCE, "--json", "--hidden", str(H), "--save", str(model)]) == 0
    return {"model": str(model), "grads": save(tmp_path / "g.npz", weights())}


def commands(bad: str, files: dict[str, str]) -> dict[str, list[str]]:
    """The bad file given to each option that reads an .npz, the others good."""
    return {
        "--load": [SENTENCE, "--load", bad],
        "--init": [SENTENCE, "--init", bad],
        "--compare": [SENTENCE, "--init", files["model"], "--compare", bad],
    }


@pytest.fixture
def decompressed(monkeypatch) -> list[int]:
    """Counts the bytes inflated from any zip member while the test runs."""
    counts: list[int] = []
    real = zipfile.ZipExtFile.read

    def read(self, n=-1):
        data = real(self, n)
        counts.append(len(data))
        return data

    monkeypatch.setattr(zipfile.ZipExtFile, "read", read)
    return counts


def refused_everywhere(bad: Path, files, refused, decompressed, *words: str) -> None:
    for option, args in commands(str(bad), files).items():
        decompressed.clear()
        refused(args, f"{option} {bad}: ", *words)
        assert sum(decompressed) < 64 * 1024, (option, sum(decompressed))


# -- the headers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("claimed", "version"), [(3 << 30, (2, 0)), ((1 << 32) - 1, (2, 0)), (65_535, (1, 0))]
)
def test_a_header_length_past_the_cap_is_refused_unread(
    claimed, version, tmp_path, files, refused, decompressed
) -> None:
    """NumPy reads the length its header field claims (up to 4 GiB) before checking it."""
    bad = tmp_path / "bad.npz"
    header_only_npz(bad, {"W.npy": lying_header(claimed, version)})
    refused_everywhere(bad, files, refused, decompressed, f"claims {claimed:,} bytes")
    assert claimed > MAX_HEADER_BYTES


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"", "not a .npy array"),
        (b"\x93NUMPY\x03\x00", "npy format 3.0"),
        (b"\x93NUMPY\x01\x00\x40\x00{'descr'", "cut short"),
        (npy_header((4,))[:-20] + b"[[[[[[ \n", "no readable header"),
        (npy_header((-4, 2)), "no readable header"),
    ],
)
def test_headers_that_are_not_headers(data, says, tmp_path, files, refused, decompressed) -> None:
    bad = tmp_path / "bad.npz"
    header_only_npz(bad, {"W.npy": data})
    refused_everywhere(bad, files, refused, decompressed, says)


def test_the_total_is_bounded_before_any_data_is_read(
    tmp_path, files, refused, decompressed
) -> None:
    """Two members under the limit each, over it in all: refused from the headers."""
    bad = tmp_path / "bad.npz"
    header_only_npz(bad, {"W.npy": npy_header((6_000, 5_000)), "V.npy": npy_header((5_000, 6_000))})
    refused_everywhere(bad, files, refused, decompressed, "more than 50,000,000", "nothing of it")


def test_text_past_its_width_is_refused_from_the_header(
    tmp_path, files, refused, decompressed
) -> None:
    """A 10-million-character token: refused from the dtype, before 40 MB are read."""
    bad = tmp_path / "bad.npz"
    header_only_npz(bad, {"vocab.npy": npy_header((1,), "<U10000000")})
    refused_everywhere(bad, files, refused, decompressed, "10,000,000 characters")


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_members_compressed_without_a_bound_are_refused(
    method, tmp_path, files, refused, decompressed
) -> None:
    """bzip2 and LZMA give all a block inflates to at once: 4 kB of bzip2 can be gigabytes."""
    bad = tmp_path / "bad.npz"
    raw = io.BytesIO()
    np.save(raw, np.zeros(4))
    header_only_npz(bad, {"W.npy": raw.getvalue()}, method)
    refused_everywhere(bad, files, refused, decompressed, f"method {method}")


# -- the types ------------------------------------------------------------------------------

REFUSED_TYPES = [
    (np.longdouble, "float128"),
    (np.complex64, "complex64"),
    (np.complex128, "complex128"),
    (np.dtype([("a", "<f8")]), "[('a', '<f8')]"),
    (np.dtype("S4"), "|S4"),
    (np.dtype("M8[s]"), "datetime64"),
    (np.bool_, "bool"),
]


@pytest.mark.parametrize(("dtype", "says"), REFUSED_TYPES)
@pytest.mark.parametrize("option", ["--load", "--init", "--compare"])
def test_numbers_other_than_float16_32_64_are_refused(
    dtype, says, option, tmp_path, files, refused
) -> None:
    with np.load(files["model"] if option != "--compare" else files["grads"]) as data:
        arrays = {key: data[key] for key in data.files}
    arrays["W_h"] = np.zeros((H, H), dtype=dtype)
    bad = save(tmp_path / "bad.npz", arrays)
    refused(commands(bad, files)[option], "'W_h'", says)


def test_an_object_array_is_never_unpickled(tmp_path, files, refused) -> None:
    bad = tmp_path / "bad.npz"
    np.savez(bad, W=np.array([{"a": 1}], dtype=object), allow_pickle=True)
    for args in commands(str(bad), files).values():
        refused(args, "pickled object")


@pytest.mark.parametrize("loss", [np.array([1.0, 2.0]), np.zeros((2, 2)), np.array(["1.5"])])
def test_a_loss_that_is_not_one_number(loss, tmp_path, files, refused) -> None:
    grads = {**weights(), "loss": loss}
    bad = save(tmp_path / "g.npz", grads)
    refused([SENTENCE, "--init", files["model"], "--compare", bad], "'loss'")


@pytest.mark.parametrize("dtype", [np.float16, np.float32])
def test_a_model_of_smaller_floats_runs_through_the_jacobian_norms(dtype, tmp_path, capsys) -> None:
    """Read as float64: the engine's norms and LAPACK calls take no float16 (a TypeError
    there once)."""
    model = tmp_path / "m.npz"
    assert main([SENTENCE, "--json", "--save", str(model)]) == 0
    with np.load(model) as data:
        arrays = {k: data[k].astype(dtype) if data[k].dtype.kind == "f" else data[k] for k in data}
    np.savez(model, **arrays)
    capsys.readouterr()
    assert main([SENTENCE, "--load", str(model), "--json"]) == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    norms = next(e for e in events if e["event"] == "jacobians")["norms"]
    assert len(norms) == 3 and all(np.isfinite(norms))
    params = next(e for e in events if e["event"] == "params")
    assert np.array_equal(params["W_h"], arrays["W_h"].astype(np.float64))  # exactly widened
    assert events[-1]["event"] == "end"


@pytest.mark.parametrize("dtype", [np.float16, np.float32])
def test_weights_and_gradients_of_smaller_floats_are_read(dtype, tmp_path, capsys) -> None:
    w = save(tmp_path / "w.npz", weights(dtype))
    g = save(tmp_path / "g.npz", weights(dtype))
    assert main([SENTENCE, "--init", w, "--json"]) == 0
    assert main([SENTENCE, "--init", w, "--compare", g, "--json"]) in (0, 1)  # a verdict
    assert "Traceback" not in capsys.readouterr().err


# -- the tokens of an --init vocabulary: the rule every source of tokens follows ------------

BAD_TOKENS = [
    ("\x1b[31m", "control character U+001B"),
    ("a b", "holds whitespace"),
    ("", "a token is empty"),
    ("w" * 1001, "1,001 characters"),
    ("\u202egnp", "U+202E"),
]


@pytest.mark.parametrize(("token", "says"), BAD_TOKENS)
@pytest.mark.parametrize("compare", [False, True])
def test_an_init_vocabulary_follows_the_token_rule(token, says, compare, tmp_path, refused):
    vocab = np.array(["I", "like", "NLP", "<eos>", token])
    arrays = weights()
    arrays = {**arrays, "W": np.zeros((5, H)), "V": np.zeros((H, 5)), "b_output": np.zeros(5)}
    w = save(tmp_path / "w.npz", {**arrays, "vocab": vocab})
    args = [SENTENCE, "--init", w]
    if compare:
        args += ["--compare", save(tmp_path / "g.npz", arrays)]
    refused(args, f"--init {w}: ", says)  # the long token from its dtype, unread
