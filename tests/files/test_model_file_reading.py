"""--load reads a model file without trusting it: headers first, then only what they declare."""

import io
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
        ("W", np.array([[{"evil": 1}]], dtype=object), "pickled object"),
        ("b", np.zeros((4, 1)), "not 1-D"),
        ("vocab", np.array(["x" * 1001]), "<U1001"),
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
