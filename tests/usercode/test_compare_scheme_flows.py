"""--compare under a scheme given on the command line: a ∂L/∂hₜ that is full BPTT's beside
the scheme's gradients is said in words (it carries the flow across what the scheme cuts),
never diagnosed as a wrong part at t; no scheme equivalent to the one given (itself, or one
that keeps the same terms on this input) is ever offered in its place; and schemes named
together are told apart by a length that does tell them apart.

Every expectation comes from the independent reference (tests/truncation/windows_reference.py:
a hand-written vanilla RNN re-run window by window): which schemes give the same gradients,
where full BPTT's ∂L/∂hₜ first parts from the scheme's, and on which length two schemes'
gradients differ."""

from __future__ import annotations

import functools
import itertools

import numpy as np
import pytest
from compare_runs import EOS, IDS, SENTENCE, run, weights
from truncation.windows_reference import scheme_dh, scheme_gradient

from bptt_trace.cli.app import main
from bptt_trace.core.batch import make_batch
from bptt_trace.core.truncation import Scheme
from bptt_trace.usercode.catalogue import BY_ID
from bptt_trace.usercode.comparison import Candidate
from bptt_trace.usercode.fit import Fit
from bptt_trace.usercode.scheme_words import apart, not_the_given
from bptt_trace.usercode.schemes import SCHEME, variant
from bptt_trace.usercode.variants import Variant

T = len(IDS)
SCHEMES = (
    [Scheme("chunks", k, k) for k in range(1, T + 1)]
    + [Scheme("truncate", k, k) for k in range(1, T + 1)]
    + [Scheme("tbptt", k1, k2) for k2 in range(1, T + 1) for k1 in range(1, k2 + 1)]
)
NO_FIT = Fit(1.0, {}, {})


def gradient(scheme: Scheme, mode: str, ids: list[int] = IDS) -> dict[str, np.ndarray]:
    return held(scheme, mode, tuple(ids))


@functools.cache
def held(scheme: Scheme, mode: str, ids: tuple[int, ...]) -> dict[str, np.ndarray]:
    w = weights()
    return scheme_gradient(w, list(ids), EOS, mode, "tanh", scheme.kind, scheme.k1, scheme.k2)


def same(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> bool:
    return all(np.allclose(a[n], b[n], rtol=1e-10, atol=1e-13) for n in a)


def as_candidates(scheme: Scheme) -> list[Candidate]:
    """The scheme as --compare may name it: a scheme candidate, and for --truncate K the
    catalogue's truncated-K (missing-dh-next for K = 1) too."""
    found = [Candidate(SCHEME, variant(scheme), NO_FIT)]
    if scheme.kind == "truncate":
        K = scheme.k1
        found.append(
            Candidate(BY_ID["truncated-K"], Variant(f"truncated-{K}", None, "", {"K": K}), NO_FIT)
        )
        if K == 1:
            found.append(
                Candidate(BY_ID["missing-dh-next"], Variant("missing-dh-next", None, ""), NO_FIT)
            )
    return found


@pytest.mark.parametrize("mode", ["every", "last"])
def test_no_candidate_equivalent_to_the_given_scheme_is_kept_every_pair(mode: str) -> None:
    """Every pair of schemes on a 6-token sentence: a candidate is dropped exactly when its
    gradients are the given scheme's (the reference's), itself included."""
    batch = make_batch([IDS], EOS, mode)
    grads = {s: gradient(s, mode) for s in SCHEMES}
    equivalent_pairs = 0
    for given, other in itertools.product(SCHEMES, SCHEMES):
        equal = same(grads[given], grads[other])
        equivalent_pairs += equal and given != other
        for candidate in as_candidates(other):
            kept = not_the_given([candidate], given, batch)
            assert (kept == []) == equal, (given.flag(), candidate.variant.id, equal)
    assert equivalent_pairs > 0  # --tbptt K:K ≡ --chunks K at T a multiple of K, and more


def test_chunks_and_tbptt_k_k_are_equivalent_exactly_on_a_multiple_of_k() -> None:
    for K in (1, 2, 3, 6):
        assert same(
            gradient(Scheme("chunks", K, K), "every"), gradient(Scheme("tbptt", K, K), "every")
        )
    for K in (4, 5):
        assert not same(
            gradient(Scheme("chunks", K, K), "every"), gradient(Scheme("tbptt", K, K), "every")
        )


def sentence(length: int) -> list[int]:
    return [IDS[i % (T - 1)] for i in range(length)]


@pytest.mark.parametrize("mode", ["every", "last"])
def test_a_length_said_to_tell_schemes_apart_is_the_shortest_that_does(mode: str) -> None:
    """Every pair of schemes with the same gradients on the 6-token sentence: the length
    ``apart`` names gives them different gradients, every length between gives the same."""
    grads = {s: gradient(s, mode) for s in SCHEMES}
    told = 0
    for a, b in itertools.combinations(SCHEMES, 2):
        if not same(grads[a], grads[b]):
            continue
        said = apart([as_candidates(a)[0], as_candidates(b)[0]], T, mode)
        assert said is not None
        if said.startswith("no longer sentence"):
            for length in range(T + 1, T + 2 * T + 2):
                assert same(
                    gradient(a, mode, sentence(length)), gradient(b, mode, sentence(length))
                )
            continue
        length = int(said.split("a sentence of ")[1].split()[0])
        assert not same(gradient(a, mode, sentence(length)), gradient(b, mode, sentence(length)))
        for shorter in range(T + 1, length):
            assert same(gradient(a, mode, sentence(shorter)), gradient(b, mode, sentence(shorter)))
        told += 1
    assert told > 0


def full_dh(mode: str, ids: list[int] = IDS) -> np.ndarray:
    return scheme_dh(weights(), ids, EOS, mode, "tanh", "chunks", len(ids), len(ids))


GIVEN = [
    Scheme("chunks", 2, 2),
    Scheme("chunks", 3, 3),
    Scheme("chunks", 4, 4),
    Scheme("tbptt", 2, 2),
    Scheme("tbptt", 2, 3),
    Scheme("tbptt", 1, 4),
    Scheme("truncate", 2, 2),
]


@pytest.mark.parametrize("given", GIVEN, ids=lambda s: s.flag())
def test_full_bptts_dh_beside_the_schemes_gradients_is_said_in_words(
    given: Scheme, tmp_path, capsys
) -> None:
    w, mode = weights(), "every"
    g = gradient(given, mode)
    mine = scheme_dh(w, IDS, EOS, mode, "tanh", given.kind, given.k1, given.k2)
    full = full_dh(mode)
    off = [t for t in range(1, T + 1) if not np.allclose(mine[t - 1], full[t - 1], rtol=1e-10)]
    t = max(off)  # from T down, the first t where full BPTT's flow parts from the scheme's
    code, result = run(
        tmp_path, capsys, w, {**g, "dh": full}, SENTENCE, "--loss", mode, *given.flag().split()
    )
    assert code == 1 and result["verdict"] == "differs"
    assert result["where"]["dh"] == {
        "t": t,
        "part": "step t+1",
        "max_rel": result["where"]["dh"]["max_rel"],
        "full_bptt": True,
    }
    assert result["named"] == [] and result["said"] is not None
    said = result["said"]
    assert said.startswith("your ∂L/∂hₜ is full BPTT's: it carries the flow from t = ")
    assert f"from t = {t + 1} " in said and f"which {given.flag()} cuts" in said
    assert f"your gradients are {given.flag()}'s" in said
    for candidate in result["nearest"]:
        assert candidate["numbers"].get("flag") != given.flag()


def test_the_attack_chunks_3_on_a_multiple_of_3_says_the_boundary_and_no_self_advice(
    tmp_path, capsys
) -> None:
    """A 9-token sentence, --chunks 3: the flow from t = 7 crosses the chunks' last boundary;
    no 'use --chunks 3 instead of --chunks 3', nor --tbptt 3:3 (the same terms at T = 9)."""
    ids = sentence(9)
    text = " ".join(["the cat sat on the".split()[i] for i in ids])
    w = weights()
    scheme = Scheme("chunks", 3, 3)
    g = gradient(scheme, "every", ids)
    np.savez(tmp_path / "w.npz", **w, vocab=np.array(["the", "cat", "sat", "on", "mat", "<eos>"]))
    np.savez(tmp_path / "g.npz", **g, dh=full_dh("every", ids))
    capsys.readouterr()
    args = ["--init", str(tmp_path / "w.npz"), "--compare", str(tmp_path / "g.npz")]
    code = main([text, "--loss", "every", "--chunks", "3", *args])
    out = " ".join(capsys.readouterr().out.split())
    assert code == 1
    assert "first departs at t = 6" in out and "its part from time step 7 is off" in out
    assert "itself is off" not in out and "instead of" not in out and "--tbptt 3:3" not in out
    assert (
        "your ∂L/∂hₜ is full BPTT's: it carries the flow from t = 7 across the chunk boundary, "
        "which --chunks 3 cuts; your gradients are --chunks 3's" in out
    )


def test_chunks_and_tbptt_named_together_say_the_length_that_tells_them_apart(
    tmp_path, capsys
) -> None:
    ids = sentence(9)
    text = " ".join(["the cat sat on the".split()[i] for i in ids])
    w = weights()
    g = gradient(Scheme("chunks", 3, 3), "every", ids)
    np.savez(tmp_path / "w.npz", **w, vocab=np.array(["the", "cat", "sat", "on", "mat", "<eos>"]))
    np.savez(tmp_path / "g.npz", **g)
    capsys.readouterr()
    args = ["--init", str(tmp_path / "w.npz"), "--compare", str(tmp_path / "g.npz")]
    code = main([text, "--loss", "every", *args])
    out = " ".join(capsys.readouterr().out.split())
    assert code == 1 and "longer sentence" not in out
    assert (
        "--chunks 3 and --tbptt 3:3 differ only at a ragged end, on a length that is not a "
        "multiple of 3: a sentence of 10 tokens tells them apart" in out
    )
    assert not same(
        gradient(Scheme("chunks", 3, 3), "every", sentence(10)),
        gradient(Scheme("tbptt", 3, 3), "every", sentence(10)),
    )
