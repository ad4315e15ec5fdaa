"""--load reads a model file without trusting it: headers first, then only what they declare."""

import io
import json
import pickle
import zipfile
from pathlib import Path

import numpy as np
import pytest
from bombs import npy_header, zip_bomb

from bptt_trace.cli import checks
from bptt_trace.cli.app import main
from bptt_trace.errors import InputError
from bptt_trace.files import npz
from bptt_trace.files.model_file import load_model


@pytest.fixture(scope="module")
def good_arrays(tmp_path_factory) -> dict[str, np.ndarray]:
    model = tmp_path_factory.mktemp("model") / "m.npz"
    assert main(["I like NLP", "--json", "--save", str(model)]) == 0
    with np.load(model) as data:
        return {key: data[key] for key in data.files}


def refused(path: Path, *words: str) -> str:
    with pytest.raises(InputError) as caught:
        load_model(path)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(f"--load {path}: ")
    for word in words:
        assert word in message, (word, message)
    return message


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


def test_the_parameter_limit_is_the_command_lines() -> None:
    assert npz.MAX_PARAMETERS == checks.MAX_PARAMETERS


def test_a_3_mb_file_declaring_3_gb_is_refused_before_decompressing(tmp_path, decompressed):
    bomb = tmp_path / "bomb.npz"
    zip_bomb(bomb)
    assert bomb.stat().st_size < 4_000_000
    refused(bomb, "'W' declares 400,000,000 entries", "limit of 50,000,000", "nothing of it")
    assert sum(decompressed) < 4096  # the headers, not the data


def test_parameters_over_the_limit_in_all_are_refused_before_decompressing(
    tmp_path, good_arrays, decompressed
) -> None:
    model = tmp_path / "m.npz"
    np.savez(model, **{k: v for k, v in good_arrays.items() if k not in ("W", "V")})
    with zipfile.ZipFile(model, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("W.npy", npy_header((7_000, 4_000)))  # 28 million: under the limit
        archive.writestr("V.npy", npy_header((4_000, 7_000)) + bytes(1 << 20))  # 56 in all
    decompressed.clear()
    refused(model, "more than 50,000,000 parameters")
    assert sum(decompressed) < 64 * 1024


@pytest.mark.parametrize(
    ("name", "array", "says"),
    [
        ("W", np.zeros((4, 4), dtype=np.longdouble), "float128"),
        ("W", np.zeros((4, 4), dtype=np.complex128), "complex128"),
        ("W", np.zeros((4, 4), dtype=np.int64), "int64"),
        ("W", np.zeros((4, 4), dtype=np.bool_), "bool"),
        ("W_h", np.zeros((4, 4), dtype=np.complex64), "complex64"),
        ("W", np.array([[{"evil": 1}]], dtype=object), "pickled object"),
        ("b", np.zeros((4, 1)), "not 1-D"),
        ("vocab", np.array(["x" * 1001]), "text of up to 1,001 characters, more than the 1,000"),
        ("vocab", np.array(["a"] * 50_003), "50,003 entries"),
        ("config", np.array([1.0]), "float64"),
        ("extra", np.zeros(3), "it holds 'extra.npy'"),
    ],
)
def test_members_a_model_does_not_hold(name, array, says, tmp_path, good_arrays) -> None:
    model = tmp_path / "m.npz"
    np.savez(model, **{**good_arrays, name: array}, allow_pickle=True)
    refused(model, says)


def test_a_member_named_twice_is_refused(tmp_path: Path, good_arrays) -> None:
    model = tmp_path / "m.npz"
    np.savez(model, **good_arrays)
    with zipfile.ZipFile(model, "a") as archive, pytest.warns(UserWarning):
        archive.writestr("W.npy", b"\x93NUMPY")
    refused(model, "holds 'W' twice")


def test_a_zip_directory_of_many_members_is_refused(tmp_path: Path) -> None:
    model = tmp_path / "m.npz"
    with zipfile.ZipFile(model, "w") as archive:
        for number in range(100):
            archive.writestr(f"{number}.npy", b"")
    refused(model, "lists 100 members")


def npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"I like NLP\nyou like RNNs\n", "is a text file, not a model file"),
        ("é".encode() * 300, "is a text file"),
        (b"", "is empty"),
        (b'{"event":"run","schema":1}\n', "is a JSON Lines trace, not a model file"),
        (b"W,W_h,b\n0.1,0.2,0.3\n", "is a text file, not a model file"),
        (npy_bytes(np.zeros(3)), "single NumPy array (.npy)"),
        (pickle.dumps({"W": 1}), "pickled object, which is never loaded"),
        (b"\x00\x01\x02\xff" * 10, "not a zip archive"),
    ],
)
def test_what_a_file_that_is_not_a_model_is(content: bytes, says: str, tmp_path: Path) -> None:
    path = tmp_path / "m.npz"
    path.write_bytes(content)
    message = refused(path, says)
    if "pickle" not in says:
        assert "pickle" not in message


@pytest.mark.parametrize("special", ["/dev/zero", "/dev/null"])
def test_a_device_is_not_a_model(special: str) -> None:
    refused(Path(special), "character device")


def test_a_good_model_still_loads(tmp_path: Path, good_arrays) -> None:
    model = tmp_path / "m.npz"
    np.savez_compressed(model, **good_arrays)
    params, vocab, _ = load_model(model)
    assert vocab == ["I", "like", "NLP", "<eos>"]
    assert np.array_equal(params["W"], good_arrays["W"])
    assert params["W"].flags.writeable


# -- hostile contents: each refused in one line that names what is wrong ------------------


def with_members(tmp_path: Path, good_arrays, **members: np.ndarray) -> Path:
    model = tmp_path / "m.npz"
    np.savez(model, **{**good_arrays, **members})
    return model


def config_text(good_arrays, **changes: object) -> np.ndarray:
    return np.array(json.dumps({**json.loads(str(good_arrays["config"])), **changes}))


@pytest.mark.parametrize(
    ("config", "says"),
    [
        ("[" * 100_000, "'config' holds text of up to 100,000 characters"),
        ("[" * 60_000, "its configuration nests JSON too deeply"),
        ('{"a":' * 9_000 + "1" + "}" * 9_000, "its configuration nests JSON too deeply"),
    ],
)
def test_a_configuration_nested_deeply(config: str, says: str, tmp_path, good_arrays) -> None:
    message = refused(with_members(tmp_path, good_arrays, config=np.array(config)), says)
    assert message.count("--load") == 1  # said once, not wrapped in another message


@pytest.mark.parametrize("hidden", [0, -3])
def test_a_model_without_hidden_units(hidden: int, tmp_path: Path, good_arrays) -> None:
    empty = {
        "W": np.zeros((4, 0)),
        "W_h": np.zeros((0, 0)),
        "b": np.zeros(0),
        "V": np.zeros((0, 4)),
    }
    model = with_members(
        tmp_path, good_arrays, config=config_text(good_arrays, hidden=hidden), **empty
    )
    message = refused(model, f"says H = {hidden}", "at least one hidden unit")
    assert message.count("--load") == 1


def test_a_model_whose_arrays_have_no_hidden_units(tmp_path: Path, good_arrays) -> None:
    empty = {
        "W": np.zeros((4, 0)),
        "W_h": np.zeros((0, 0)),
        "b": np.zeros(0),
        "V": np.zeros((0, 4)),
    }
    refused(with_members(tmp_path, good_arrays, **empty), "says H = 4", "have H = 0")


def test_an_empty_vocabulary(tmp_path: Path, good_arrays) -> None:
    model = with_members(
        tmp_path,
        good_arrays,
        vocab=np.array([], dtype="<U1"),
        W=np.zeros((0, 4)),
        V=np.zeros((4, 0)),
        b_output=np.zeros(0),
    )
    refused(model, "its vocabulary is empty")


@pytest.mark.parametrize(
    "vocab", [["I", "like", "like", "<eos>"], ["I", "<eos>", "NLP", "<eos>"], ["é", "é", "x", "y"]]
)
def test_a_vocabulary_listing_a_token_twice(vocab, tmp_path: Path, good_arrays) -> None:
    message = refused(with_members(tmp_path, good_arrays, vocab=np.array(vocab)), "a token twice")
    assert "not a model saved" not in message and message.count("--load") == 1


@pytest.mark.parametrize("bias", ["x", float("nan"), float("inf"), True, None])
def test_a_forget_bias_that_is_not_a_finite_number(bias, tmp_path: Path, good_arrays) -> None:
    config = config_text(good_arrays, cell="rnn", forget_bias=bias)
    refused(with_members(tmp_path, good_arrays, config=config), "forget_bias")


OVERFLOWING = {
    "the output layer": {"b": np.full(4, 50.0), "V": np.full((4, 4), 1e308)},
    "the forward terms": {
        "W": np.full((4, 4), 1e308),
        "W_h": np.full((4, 4), 1e308),
        "b": np.full(4, 1e308),
    },
}


@pytest.mark.parametrize("where", list(OVERFLOWING))
def test_finite_weights_that_overflow_at_once_end_as_a_divergence(
    where, tmp_path: Path, good_arrays, capsys
) -> None:
    """Every entry is finite, but the first forward pass leaves the floats: the documented
    divergence (exit 1, one line, a closing diverged event, nothing saved)."""
    model = with_members(tmp_path, good_arrays, **OVERFLOWING[where])
    saved = tmp_path / "after.npz"
    capsys.readouterr()
    code = main(["I like NLP", "--load", str(model), "--json", "--save", str(saved)])
    out, err = capsys.readouterr()
    assert code == 1, err
    lines = [json.loads(line, parse_constant=pytest.fail) for line in out.splitlines()]
    assert lines[-1]["event"] == "diverged" and lines[-1]["step"] <= 1
    assert [line["event"] for line in lines].count("train_step") == 0
    assert err.count("\n") == 1 and err.startswith("bptt-trace: error: ")
    assert lines[-1]["quantity"] in err and "Traceback" not in err
    assert "float64" in err and "--lr" not in err  # the file's weights, not the rate
    assert not saved.exists()
