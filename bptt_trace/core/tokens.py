"""Sentences to tokens, tokens to a vocabulary, a corpus file to sentences.

Tokens are split on whitespace, every punctuation mark is a token of its own, and case
is kept: "I like NLP." -> ["I", "like", "NLP", "."]. A word may hold an inner apostrophe
or hyphen ("don't", "many-to-one"). The vocabulary lists tokens in order of first
appearance, then ``<eos>``, the token after the sentence.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from ..config import EOS
from ..errors import InputError

_TOKEN = re.compile(r"\w+(?:['’\-]\w+)*|[^\w\s]")


def tokenize(sentence: str) -> list[str]:
    """Split ``sentence`` into word and punctuation tokens, keeping case."""
    for ch in sentence:
        if unicodedata.category(ch) in ("Cc", "Cf") and not ch.isspace():
            raise InputError(
                f"the sentence holds the control character U+{ord(ch):04X}; remove it and try again"
            )
    return _TOKEN.findall(sentence)


def build_vocab(sentences: Iterable[list[str]], target: str | None = None) -> list[str]:
    """Tokens in order of first appearance, then ``<eos>``, then ``target`` if new."""
    vocab: dict[str, None] = {}
    for tokens in sentences:
        vocab.update(dict.fromkeys(tokens))
    vocab.pop(EOS, None)
    vocab[EOS] = None
    if target is not None:
        vocab.setdefault(target, None)
    return list(vocab)
