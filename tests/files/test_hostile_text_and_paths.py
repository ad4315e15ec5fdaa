"""Text from a file never reaches the terminal as a control sequence, whatever message quotes it
(every error line is escaped where it is printed); and every option that reads a file
(--init, --compare, --load, --replay, --diff) refuses a path the system refuses with one line,
exit 2: a name too long, a path through a file, a folder that cannot be entered."""

from __future__ import annotations

import os
import stat
import unicodedata
from pathlib import Path

import numpy as np
import pytest
from clitools import assert_refused, run_cli, without_root_powers

from bptt_trace.cli import messages
from bptt_trace.cli.app import main

SENTENCE = "I like NLP"
PAYLOADS = ["\x1b[2J\x1b[31m", "\x9b31m", "\u202e", "\x07\x08", "a\nb", "\r", "\u2028", "\x00"]


def shown_safely(err: str) -> None:
    """One line, and no character of it a terminal would act on."""
    assert err.endswith("\n") and err.count("\n") == 1, repr(err)
    for ch in err[:-1]:
        assert unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp"), (repr(ch), repr(err))


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("say", [messages.error, messages.warning, messages.status])
def test_every_line_is_escaped_where_it_is_printed(payload, say, capsys) -> None:
    say(f"the key {payload} is bad")
    err = capsys.readouterr().err
    shown_safely(err)
    assert messages.one_line(payload) in err and "the key " in err


@pytest.mark.parametrize("payload", PAYLOADS[:-1])  # a zip name ends at its first NUL
def test_keys_of_a_weights_file_are_escaped(payload, tmp_path: Path, capfd) -> None:
    """'holds keys …' (rows) and 'lacks …' (torch: the prefix is the file's own)."""
    rng = np.random.default_rng(0)
    rows = {"W": rng.normal(size=(4, 2)), "W_h": np.eye(2), "b": np.zeros(2)}
    rows |= {"V": np.zeros((2, 4)), "b_output": np.zeros(4), f"x{payload}": np.zeros(1)}
    torch = {f"{payload}rnn.weight_ih_l0": np.zeros((2, 4)), "fc.weight": np.zeros((4, 2))}
    for layout, arrays in (("rows", rows), ("torch", torch)):
        np.savez(tmp_path / "w.npz", **arrays)
        capfd.readouterr()
        assert main([SENTENCE, "--init", str(tmp_path / "w.npz"), "--layout", layout]) == 2
        err = capfd.readouterr().err
        shown_safely(err)
        assert ("holds keys" if layout == "rows" else "lacks") in err


# -- paths the system refuses ---------------------------------------------------------------

OPTIONS = ["--init", "--compare", "--load", "--replay", "--diff"]


def args_for(option: str, path: str, good: dict[str, str]) -> list[str]:
    return {
        "--init": [SENTENCE, "--init", path],
        "--compare": [SENTENCE, "--init", good["model"], "--compare", path],
        "--load": [SENTENCE, "--load", path],
        "--replay": ["--replay", path],
        "--diff": ["--diff", good["trace"], path],
    }[option]


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("good")
    model, trace = folder / "m.npz", folder / "t.jsonl"
    assert main([SENTENCE, "--quiet", "--output", str(trace), "--save", str(model)]) == 0
    return {"model": str(model), "trace": str(trace)}


@pytest.mark.parametrize("option", OPTIONS)
def test_a_name_over_255_bytes(option, tmp_path, good, refused, capsys) -> None:
    path = str(tmp_path / ("a" * 300))
    refused(args_for(option, path, good), "File name too long", "255 bytes")


@pytest.mark.parametrize("option", OPTIONS)
def test_a_path_through_a_file(option, good, refused, capsys) -> None:
    path = os.path.join(good["model"], "x")  # the model is a file, not a folder
    refused(args_for(option, path, good), "Not a directory", "check the path")


@pytest.fixture
def locked(tmp_path: Path, good):
    """A folder holding good inputs that cannot be entered (no x permission): as root the
    child gives up the capabilities that bypass permissions (clitools.without_root_powers)."""
    folder = tmp_path / "locked"
    folder.mkdir()
    for name in ("m.npz", "t.jsonl"):
        (folder / name).write_bytes(
            Path(good["model" if name == "m.npz" else "trace"]).read_bytes()
        )
    folder.chmod(stat.S_IRUSR | stat.S_IWUSR)
    yield folder
    folder.chmod(0o700)


@pytest.mark.parametrize("option", OPTIONS)
def test_a_folder_that_cannot_be_entered(option, locked: Path, good) -> None:
    name = "t.jsonl" if option in ("--replay", "--diff") else "m.npz"
    proc = run_cli(
        args_for(option, f"locked/{name}", good), cwd=locked.parent, preexec=without_root_powers
    )
    assert_refused(proc, f"locked/{name}", "Permission denied", "permissions")
