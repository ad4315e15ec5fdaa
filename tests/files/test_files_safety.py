"""Never destroy what the user gave: what an output may be, and one file named twice.

An --output, --save or --export target is a regular file or nothing yet; anything else is
refused before computing and left as it was. Two options that name one file are refused.
"""

import os
import socket
import stat
from pathlib import Path

import pytest
from clitools import assert_refused, run_cli

from bptt_trace.cli.app import main

OUTPUTS = {"--output": "t.jsonl", "--save": "m.npz", "--export": "p.html"}


def make_device(path: Path) -> None:
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 7))  # a second /dev/full
    except PermissionError:
        pytest.skip("mknod needs root")


@pytest.mark.parametrize("option", list(OUTPUTS))
def test_a_device_node_is_refused_and_stays_a_device(
    option, tmp_path: Path, capsys, refused
) -> None:
    device = tmp_path / "dev"
    make_device(device)
    refused(["I like NLP", option, str(device)], option, "character device", "regular")
    assert stat.S_ISCHR(device.lstat().st_mode)
    assert os.listdir(tmp_path) == ["dev"]


@pytest.mark.parametrize("option", list(OUTPUTS))
def test_dev_null_is_never_replaced(option, capsys, refused) -> None:
    refused(["I like NLP", option, os.devnull], "character device")
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


def make_fifo(path: Path) -> None:
    os.mkfifo(path)


def make_socket(path: Path) -> None:
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    server.close()


@pytest.mark.parametrize(
    ("make", "kind"),
    [(make_fifo, "FIFO"), (make_socket, "socket"), (Path.mkdir, "folder")],
)
@pytest.mark.parametrize("option", list(OUTPUTS))
def test_other_special_files_are_refused(make, kind, option, tmp_path: Path, refused) -> None:
    target = tmp_path / OUTPUTS[option]
    make(target)
    before = target.lstat()
    refused(["I like NLP", option, str(target)], f"{option} {target}", kind)
    assert target.lstat().st_ino == before.st_ino and target.lstat().st_mode == before.st_mode


@pytest.mark.parametrize("option", list(OUTPUTS))
def test_a_symbolic_link_is_followed_and_stays(option, tmp_path: Path, capsys) -> None:
    real = tmp_path / "real" / OUTPUTS[option]
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / f"link-{real.name}"
    link.symlink_to(real)
    assert main(["I like NLP", "--json", option, str(link)]) == 0
    capsys.readouterr()
    assert link.is_symlink() and link.readlink() == real
    assert real.read_bytes() != b"old" and real.stat().st_size > 100
    assert sorted(os.listdir(real.parent)) == [real.name]  # no temporary file left


@pytest.mark.parametrize("option", list(OUTPUTS))
def test_a_link_to_nothing_is_refused(option, tmp_path: Path, refused) -> None:
    link = tmp_path / OUTPUTS[option]
    link.symlink_to(tmp_path / "nowhere")
    refused(["I like NLP", option, str(link)], "symbolic link to nothing")
    assert link.is_symlink() and not (tmp_path / "nowhere").exists()


@pytest.mark.parametrize("option", list(OUTPUTS))
def test_a_file_with_hard_links_is_refused_and_kept(
    option, tmp_path: Path, capsys, refused
) -> None:
    target = tmp_path / OUTPUTS[option]
    target.write_text("precious")
    os.link(target, tmp_path / "other")
    refused(["I like NLP", option, str(target)], "2 hard links")
    assert target.read_text() == (tmp_path / "other").read_text() == "precious"
    assert os.path.samefile(target, tmp_path / "other")


@pytest.mark.parametrize("option", list(OUTPUTS))
@pytest.mark.parametrize("mode", [0o600, 0o640, 0o604])
def test_an_existing_file_keeps_its_mode(option, mode, tmp_path: Path, capsys) -> None:
    target = tmp_path / OUTPUTS[option]
    target.write_text("old")
    target.chmod(mode)
    assert main(["I like NLP", "--json", option, str(target)]) == 0
    capsys.readouterr()
    assert target.read_text(errors="replace") != "old"
    assert stat.S_IMODE(target.stat().st_mode) == mode


@pytest.mark.parametrize("option", list(OUTPUTS))
def test_a_new_file_gets_the_umask_mode(option, tmp_path: Path, capsys) -> None:
    target = tmp_path / OUTPUTS[option]
    old = os.umask(0o027)
    try:
        assert main(["I like NLP", "--json", option, str(target)]) == 0
    finally:
        os.umask(old)
    capsys.readouterr()
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


# -- one file named twice ---------------------------------------------------------------

CONFLICTS = [
    (["--file", "corpus.txt", "--output", "corpus.txt"], "--file", "--output"),
    (["--file", "corpus.txt", "--save", "corpus.txt"], "--file", "--save"),
    (["I like NLP", "--load", "model.npz", "--output", "model.npz"], "--load", "--output"),
    (["--replay", "trace.jsonl", "--export", "trace.jsonl"], "--replay", "--export"),
    (["I like NLP", "--save", "x.out", "--output", "x.out"], "--output", "--save"),
    (["I like NLP", "--output", "x.out", "--export", "x.out"], "--output", "--export"),
    (["--file", "corpus.txt", "--export", "corpus.txt"], "--file", "--export"),
    # the same file under other names
    (["--file", "./corpus.txt", "--output", "corpus.txt"], "--file", "--output"),
    (["--file", "sub/../corpus.txt", "--save", "corpus.txt"], "--file", "--save"),
    (["--file", "link.txt", "--output", "corpus.txt"], "--file", "--output"),
    (["--file", "corpus.txt", "--output", "link.txt"], "--file", "--output"),
    (["--file", "hard.txt", "--export", "corpus.txt"], "--file", "--export"),
    (["I like NLP", "--save", "new.npz", "--export", "./new.npz"], "--save", "--export"),
    (["--replay", "trace.jsonl", "--export", "trace-link"], "--replay", "--export"),
]


@pytest.mark.parametrize(("args", "first", "second"), CONFLICTS)
def test_one_file_named_twice_is_refused(args, first, second, tmp_path, monkeypatch, refused):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    files = {"corpus.txt": "I like NLP\n", "model.npz": "model", "trace.jsonl": "trace"}
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "link.txt").symlink_to("corpus.txt")
    (tmp_path / "trace-link").symlink_to(tmp_path / "trace.jsonl")
    before = sorted(os.listdir(tmp_path))
    os.link("corpus.txt", "hard.txt")
    err = refused(args, first, second, "the same file")
    assert err.index(first) < err.index(second)
    for name, text in files.items():
        assert (tmp_path / name).read_text() == text
    assert sorted(os.listdir(tmp_path)) == sorted([*before, "hard.txt"])


def test_stdin_and_an_output_that_are_one_file(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("I like NLP\n")
    with corpus.open("rb") as stdin:
        proc = run_cli(["--file", "-", "--output", str(corpus)], stdin=stdin)
    assert_refused(proc, "--file - (stdin)", f"--output {corpus}", "the same file")
    assert corpus.read_text() == "I like NLP\n"


def test_stdout_and_an_output_that_are_one_file(tmp_path: Path) -> None:
    trace = tmp_path / "t.jsonl"
    with trace.open("wb") as stdout:
        proc = run_cli(["I like NLP", "--json", "--output", str(trace)], stdout=stdout)
    assert proc.returncode == 2
    assert b"stdout and --output" in proc.stderr and proc.stderr.count(b"\n") == 1
    assert trace.read_bytes() == b""


def test_a_model_may_be_trained_further_in_place(tmp_path: Path, capsys) -> None:
    model = tmp_path / "m.npz"
    assert main(["I like NLP", "--json", "--save", str(model)]) == 0
    first = model.read_bytes()
    assert main(["I like NLP", "--json", "--load", str(model), "--save", str(model)]) == 0
    capsys.readouterr()
    assert model.read_bytes() != first and os.listdir(tmp_path) == ["m.npz"]


def test_different_files_are_no_conflict(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    Path("corpus.txt").write_text("I like NLP\n")
    args = ["--file", "corpus.txt", "--output", "t.jsonl", "--save", "m.npz"]
    assert main([*args, "--export", "p.html", "--json"]) == 0
    capsys.readouterr()
    assert sorted(os.listdir()) == ["corpus.txt", "m.npz", "p.html", "t.jsonl"]
