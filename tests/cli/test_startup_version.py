"""The version without importlib.metadata at start-up: the same version importlib.metadata
reads, from the same folder it would read it from, and importlib.metadata's answer whenever the
place is not plain (two folders, an egg, another spelling, no header)."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
from pathlib import Path

import pytest

from bptt_trace import version

ROOT = Path(__file__).parents[2]


def test_the_version_is_the_one_importlib_metadata_reads() -> None:
    assert version.__version__ == importlib.metadata.version("bptt-trace")
    assert version.from_dist_info() == importlib.metadata.version("bptt-trace")


def dist_info(folder: Path, name: str, headers: str) -> None:
    (folder / name).mkdir(parents=True)
    (folder / name / "METADATA").write_text(headers, encoding="utf-8")


HEADERS = "Metadata-Version: 2.4\nName: bptt-trace\nVersion: 7.8.9\n\nVersion: 0.0.0 (body)\n"


def test_the_first_folder_on_the_path_with_our_metadata_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty, ours, later = tmp_path / "empty", tmp_path / "ours", tmp_path / "later"
    empty.mkdir()
    dist_info(ours, "bptt_trace-7.8.9.dist-info", HEADERS)
    dist_info(later, "bptt_trace-1.0.0.dist-info", HEADERS.replace("7.8.9", "1.0.0"))
    a_file = tmp_path / "archive.zip"
    a_file.write_bytes(b"")
    monkeypatch.setattr(sys, "path", [str(a_file), str(tmp_path / "gone"), str(empty), str(ours)])
    assert version.from_dist_info() == "7.8.9"
    monkeypatch.setattr(sys, "path", [str(later), str(ours)])
    assert version.from_dist_info() == "1.0.0"


@pytest.mark.parametrize(
    "names",
    [
        ["bptt_trace-1.0.0.dist-info", "bptt_trace-2.0.0.dist-info"],  # which one: ambiguous
        ["bptt_trace-1.0.0.egg-info"],
        ["bptt-trace-1.0.0.dist-info"],
        ["BPTT_Trace-1.0.0.dist-info"],
    ],
)
def test_a_place_that_is_not_plain_is_left_to_importlib_metadata(
    names: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in names:
        dist_info(tmp_path, name, HEADERS)
    monkeypatch.setattr(sys, "path", [str(tmp_path)])
    assert version.from_dist_info() is None


@pytest.mark.parametrize(
    "headers", ["Name: bptt-trace\n\nVersion: 1.0\n", "Version:\n", "\xff not text\n"]
)
def test_metadata_without_a_version_header_is_left_to_importlib_metadata(
    headers: str, tmp_path: Path
) -> None:
    path = tmp_path / "METADATA"
    path.write_bytes(headers.encode("latin-1"))
    assert version.metadata_version(str(path)) is None
    assert version.metadata_version(str(tmp_path / "missing")) is None


def test_a_run_imports_no_importlib_metadata_and_writes_the_version() -> None:
    probe = (
        "import sys, json, io, contextlib\n"
        "from bptt_trace.cli.app import main\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        "    code = main(['I like NLP', '--json', '--quiet'])\n"
        "run = json.loads(out.getvalue().splitlines()[0])\n"
        "print(code, run['version'], 'importlib.metadata' in sys.modules)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert proc.stdout.split() == ["0", importlib.metadata.version("bptt-trace"), "False"]
