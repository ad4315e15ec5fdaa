"""No control sequence from an input reaches the terminal: ESC and CSI, OSC titles, C1
controls (U+0080–U+009F), bidi controls (U+202E, U+2066 …) and every other Cc/Cf character,
from each source a string can come from: a --load vocabulary, a --replay trace's vocabulary,
sentences, predictions, config strings and free text, a --file corpus, the --load path. Each
is refused by the one token rule (or the trace's text rule), or shown escaped; stdout's raw
bytes are checked with FORCE_COLOR, and so are the --export html/svg files."""

from __future__ import annotations

import json
import re
import unicodedata

import numpy as np
import pytest
from rich.text import Text

from bptt_trace.cli.app import main
from bptt_trace.files.tokens import token_problem
from bptt_trace.rendering.renderer import make_console
from bptt_trace.rendering.theme import visible

PAYLOADS = [
    "\x1b[2J",  # ESC, CSI: clear the screen
    "\x1b]0;owned\x07",  # OSC: the window's title
    "\x9b31m",  # C1 CSI
    "\x85",  # C1 next line
    "\u202e",  # right-to-left override
    "\u2066",  # left-to-right isolate
    "\u200f",  # right-to-left mark
    "\u061c",  # Arabic letter mark
    "\ufeff",  # zero-width no-break space (Cf)
    "\x7f",  # DEL
    "\x00",  # NUL
]
IDS = [f"U+{ord(p[0]):04X}" for p in PAYLOADS]

SGR = re.compile(rb"\x1b\[[0-9;]*m")
"""The only escape sequences the tables write themselves: colours and styles."""


def assert_clean(raw: bytes) -> None:
    """No control character but the newline in ``raw``, once the colours are taken out."""
    text = SGR.sub(b"", raw).decode("utf-8")
    bad = [ch for ch in text if ch != "\n" and unicodedata.category(ch) in ("Cc", "Cf")]
    assert not bad, [f"U+{ord(ch):04X}" for ch in bad]


@pytest.fixture
def forced_colour(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.delenv("NO_COLOR", raising=False)


@pytest.fixture(scope="module")
def trace_lines(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    path = tmp_path_factory.mktemp("escapes") / "t.jsonl"
    args = ["I like NLP", "--steps", "2", "--cell", "lstm", "--hidden", "2", "--quiet"]
    assert main([*args, "--output", str(path), "--json"]) == 0
    return [json.loads(line) for line in path.read_text().splitlines()]


def refused_cleanly(args: list[str], capfdbinary: pytest.CaptureFixture[bytes]) -> bytes:
    """Exit 2, nothing on stdout, one line on stderr; the line, whose raw bytes are clean."""
    capfdbinary.readouterr()
    code = main(args)
    out, err = capfdbinary.readouterr()
    assert code == 2, err
    assert out == b""
    assert err.count(b"\n") == 1 and err.startswith(b"bptt-trace: error: ")
    return err


@pytest.mark.parametrize("payload", PAYLOADS, ids=IDS)
def test_the_token_rule_refuses_each(payload: str) -> None:
    assert token_problem(f"li{payload}ke") is not None


@pytest.mark.parametrize("payload", PAYLOADS, ids=IDS)
def test_a_loaded_vocabulary(payload, tmp_path, capfdbinary, forced_colour) -> None:
    model = tmp_path / "m.npz"
    assert main(["I like NLP", "--save", str(model), "--json", "--quiet"]) == 0
    with np.load(model) as data:
        arrays = {k: data[k] for k in data.files}
    arrays["vocab"] = np.array(["I", f"li{payload}ke", "NLP", "<eos>"])
    np.savez(model, **arrays)
    refused_cleanly(["I like NLP", "--load", str(model)], capfdbinary)


def mutated(lines: list[dict], payload: str, where: str) -> list[dict]:
    events = json.loads(json.dumps(lines))
    run = events[0]
    bad = f"li{payload}ke"
    if where == "vocab":  # the vocabulary and every use of the token
        return json.loads(json.dumps(events).replace('"like"', json.dumps(bad)))
    if where == "sentences":
        run["sentences"][0][1] = bad
    elif where == "predictions":
        next(e for e in events if e["event"] == "predictions")["top"][0][0][0] = bad
    elif where == "target":
        run["config"]["target"] = bad
    elif where == "activation":
        run["config"]["activation"] = f"tanh{payload}"
    elif where == "verdict":
        next(e for e in events if e["event"] == "jacobians")["verdict"] = f"stable{payload}"
    elif where == "carry":
        next(e for e in events if e["event"] == "gates")["carry"] = f"f{payload}"
    elif where == "warning":
        events[-1]["warning"] = f"grew{payload}"
    return events


SOURCES = ["vocab", "sentences", "predictions", "target", "activation", "verdict", "carry"]


@pytest.mark.parametrize("where", [*SOURCES, "warning"])
@pytest.mark.parametrize("payload", PAYLOADS, ids=IDS)
def test_a_replayed_trace(payload, where, trace_lines, tmp_path, capfdbinary, forced_colour):
    trace = tmp_path / "t.jsonl"
    events = mutated(trace_lines, payload, where)
    trace.write_text("\n".join(json.dumps(e) for e in events) + "\n")
    refused_cleanly(["--replay", str(trace), "--export", str(tmp_path / "t.html")], capfdbinary)
    assert not (tmp_path / "t.html").exists()


@pytest.mark.parametrize("payload", PAYLOADS, ids=IDS)
def test_a_corpus_file(payload, tmp_path, capfdbinary, forced_colour) -> None:
    """Refused, or (U+0085, whitespace to the tokenizer, as a tab is) a space between tokens."""
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(f"I like NLP\nyou li{payload}ke it\n")
    if not payload.isspace():
        refused_cleanly(["--file", str(corpus)], capfdbinary)
        return
    capfdbinary.readouterr()
    assert main(["--file", str(corpus), "--quiet"]) == 0
    out, _ = capfdbinary.readouterr()
    assert_clean(out)
    assert b" li " in SGR.sub(b"", out) and b" ke " in SGR.sub(b"", out)


@pytest.mark.parametrize("suffix", [".html", ".svg"])
def test_a_load_path_never_reaches_stdout_or_an_export(
    suffix, tmp_path, capfdbinary, forced_colour
) -> None:
    model = tmp_path / "m\x1b[2J\u202e\x9b.npz"
    assert main(["I like NLP", "--save", str(model), "--json", "--quiet"]) == 0
    page = tmp_path / f"page{suffix}"
    capfdbinary.readouterr()
    assert main(["I like NLP", "--load", str(model), "--export", str(page), "--quiet"]) == 0
    out, _ = capfdbinary.readouterr()
    assert SGR.search(out), "FORCE_COLOR: the tables are coloured"
    assert_clean(out)
    assert_clean(page.read_bytes())


def test_an_unknown_config_string_is_never_shown(tmp_path, capfdbinary) -> None:
    trace = tmp_path / "t.jsonl"
    assert main(["a b", "--hidden", "2", "--json", "--quiet", "--output", str(trace)]) == 0
    events = [json.loads(line) for line in trace.read_text().splitlines()]
    events[0]["config"]["note"] = "".join(PAYLOADS)
    trace.write_text("\n".join(json.dumps(e) for e in events) + "\n")
    for page in (tmp_path / "t.html", tmp_path / "t.svg"):
        capfdbinary.readouterr()
        assert main(["--replay", str(trace), "--color", "always", "--export", str(page)]) == 0
        out, _ = capfdbinary.readouterr()
        assert_clean(out)
        assert_clean(page.read_bytes())


@pytest.mark.parametrize("payload", PAYLOADS, ids=IDS)
def test_what_reaches_a_renderer_shows_escaped(payload: str) -> None:
    """The last line of defence: a console of the trace writes a control character it is
    given as text visibly escaped, as Python writes it."""
    import io

    out = io.StringIO()
    console = make_console(file=out, force_terminal=True, width=80)
    console.print(Text(f"li{payload}ke", "token"))
    raw = out.getvalue().encode()
    assert_clean(raw)
    assert visible(payload[0]) in out.getvalue()  # (Rich drops a BEL itself)
    assert visible(payload) == ascii(payload)[1:-1]
