"""Inputs are read in a bounded way and every token follows one rule, whatever its source."""

import json
import os
import stat
from pathlib import Path

import pytest
from clitools import assert_refused, run_cli, without_root_powers

from bptt_trace.cli.app import main
from bptt_trace.errors import InputError
from bptt_trace.files.inputs import MAX_CORPUS_BYTES, MAX_TOKENS, parse_lines
from bptt_trace.files.tokens import MAX_TOKEN_CHARS, check_tokens, token_problem
from bptt_trace.files.trace_reader import MAX_TRACE_BYTES, read_trace

# -- the byte caps -----------------------------------------------------------------------


def test_the_corpus_cap_comes_from_the_token_limit() -> None:
    assert MAX_CORPUS_BYTES == MAX_TOKENS * 160
    assert MAX_TRACE_BYTES > MAX_CORPUS_BYTES


def test_a_file_one_byte_over_the_cap_is_refused_and_one_at_it_is_read(tmp_path, capsys, refused):
    corpus = tmp_path / "corpus.txt"
    line = b"# a comment line that takes room but holds no token\n"
    filler = line * (MAX_CORPUS_BYTES // len(line))
    corpus.write_bytes(b"I like NLP\n" + filler[: MAX_CORPUS_BYTES - 11])
    assert corpus.stat().st_size == MAX_CORPUS_BYTES
    assert main(["--file", str(corpus), "--json"]) == 0
    capsys.readouterr()
    with corpus.open("ab") as more:
        more.write(b"\n")
    refused(["--file", str(corpus)], "is larger than 8,000,000 bytes")


def test_a_ten_megabyte_one_word_line_is_refused(tmp_path: Path, refused) -> None:
    corpus = tmp_path / "corpus.txt"
    corpus.write_bytes(b"a" * 10_000_000 + b"\n")
    refused(["--file", str(corpus)], "is larger than")


# -- token length ------------------------------------------------------------------------


def test_a_token_of_the_limit_works_and_one_more_character_is_refused(tmp_path, capsys, refused):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(f"I like NLP\n\n{'a' * MAX_TOKEN_CHARS} b\n")
    assert main(["--file", str(corpus), "--json"]) == 0
    capsys.readouterr()
    corpus.write_text(f"I like NLP\n\n{'a' * (MAX_TOKEN_CHARS + 1)} b\n")
    refused(["--file", str(corpus)], "line 3", "1,001 characters", "limit of 1,000")


def test_a_two_megabyte_one_word_line_names_its_line(tmp_path: Path, capsys, refused) -> None:
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("I like NLP\n" + "a" * 2_000_000 + "\n")
    refused(["--file", str(corpus)], "line 2", "2,000,000 characters")


def test_a_long_token_in_the_sentence_is_refused(capsys, refused) -> None:
    refused(["x " + "b" * 5000], "the sentence", "5,000 characters")


def test_the_token_limit_is_checked_as_the_lines_are_read() -> None:
    text = "a b c d e\n" * (MAX_TOKENS // 5) + "f\n"
    with pytest.raises(InputError, match=f"by line {MAX_TOKENS // 5 + 1}.*limit of 50000"):
        parse_lines(text, "--file x")


# -- lines -------------------------------------------------------------------------------


@pytest.mark.parametrize("inside", ["\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"])
def test_only_newline_ends_a_line(inside: str) -> None:
    assert parse_lines(f"I like{inside}NLP\nyou too\n", "--file x") == [
        ["I", "like", "NLP"],
        ["you", "too"],
    ]


def test_crlf_lines_are_read_like_lf_lines() -> None:
    text = "# a comment\r\nI like NLP\r\n\r\nyou too\r\n"
    assert parse_lines(text, "--file x") == [["I", "like", "NLP"], ["you", "too"]]


def test_a_vertical_tab_does_not_split_a_corpus_line(tmp_path: Path, capsys) -> None:
    corpus = tmp_path / "corpus.txt"
    corpus.write_bytes(b"I like\x0bNLP\x0ca lot\n")
    assert main(["--file", str(corpus), "--json"]) == 0
    run = json.loads(capsys.readouterr().out.splitlines()[0])
    assert run["sentences"] == [["I", "like", "NLP", "a", "lot"]]


# -- one rule for every token ------------------------------------------------------------


@pytest.mark.parametrize(
    ("token", "says"),
    [
        ("", "empty"),
        ("a" * (MAX_TOKEN_CHARS + 1), "limit of 1,000"),
        ("a\x07b", "control character U+0007"),
        ("a\u200bb", "control character U+200B"),
        ("a b", "whitespace"),
        ("a\u00a0b", "whitespace"),
        ("\udcff", "byte 0xFF is not UTF-8"),
        ("\ud800", "half of a character"),
        (7, "not text"),
    ],
)
def test_the_token_rule(token, says) -> None:
    assert says in token_problem(token)
    with pytest.raises(InputError, match=r"^where: "):
        check_tokens(["fine", token], "where")


@pytest.mark.parametrize("token", ["I", "<eos>", "don't", "NLP", "日本語", "é" * MAX_TOKEN_CHARS])
def test_good_tokens_pass_the_rule(token: str) -> None:
    assert token_problem(token) is None


def test_a_trace_with_a_bad_token_in_its_vocabulary_is_refused(tmp_path, capsys, refused) -> None:
    trace = tmp_path / "t.jsonl"
    assert main(["I like NLP", "--json"]) == 0
    lines = capsys.readouterr().out.splitlines()
    for bad in ("li\u0007ke", "x" * (MAX_TOKEN_CHARS + 1)):
        text = "\n".join(lines).replace('"like"', json.dumps(bad)) + "\n"
        trace.write_text(text)
        with pytest.raises(InputError, match=r"line 1: run event vocab: "):
            read_trace(trace)
        refused(["--replay", str(trace)], "line 1")


def test_a_deeply_nested_trace_line_is_refused(tmp_path: Path, refused) -> None:
    trace = tmp_path / "t.jsonl"
    trace.write_text("[" * 100_000 + "\n")
    refused(["--replay", str(trace)], "line 1", "nests JSON too deeply")


# -- the operating system says no ---------------------------------------------------------


@pytest.mark.parametrize("option", ["--file", "--load", "--replay"])
def test_an_input_name_over_255_bytes(option: str, tmp_path: Path, capsys, refused) -> None:
    args = [option, str(tmp_path / ("a" * 300))]
    refused(args if option != "--load" else ["I like NLP", *args], "File name too long")


@pytest.mark.parametrize("option", ["--output", "--save", "--export"])
def test_an_output_name_over_255_bytes(option: str, tmp_path: Path, capsys, refused) -> None:
    args = ["I like NLP", option, str(tmp_path / ("a" * 300 + ".html"))]
    refused(args, option, "too long", "255 bytes")


@pytest.fixture
def locked_folder(tmp_path: Path):
    folder = tmp_path / "locked"
    folder.mkdir()
    (folder / "corpus.txt").write_text("I like NLP\n")
    folder.chmod(stat.S_IRUSR | stat.S_IWUSR)  # no search (x) permission
    yield folder
    folder.chmod(0o700)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--file", "locked/corpus.txt"], "Permission denied"),
        (["I like NLP", "--output", "locked/t.jsonl"], "Permission denied"),
        (["I like NLP", "--save", "locked/m.npz"], "Permission denied"),
        (["I like NLP", "--load", "locked/m.npz"], "Permission denied"),
    ],
)
def test_a_folder_without_search_permission(args, says, locked_folder: Path) -> None:
    proc = run_cli(args, cwd=locked_folder.parent, preexec=without_root_powers)
    assert_refused(proc, args[-2], says)
    assert os.listdir(locked_folder.parent) == ["locked"]
