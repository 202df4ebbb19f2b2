"""Text -> token ids: a Unicode-aware tokenizer and a vocabulary learned from training texts.

Index 0 is padding (the embedding keeps it at zero, and packed sequences never feed it to the
cell), index 1 stands for every token outside the vocabulary.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

PAD, OOV = 0, 1
_RESERVED = 2


def _mark_ranges() -> str:
    """A regex class body of every combining mark (Unicode category M). Python's \\w leaves
    them out, which would cut "हिंदी" or Thai words into letters; marks live in the first two
    planes and the variation selectors of plane 14."""
    ranges, start = [], None
    for code in (*range(0x20000), *range(0xE0000, 0xE1000), 0x10FFFF):
        mark = unicodedata.category(chr(code)).startswith("M")
        if mark and start is None:
            start = code
        elif not mark and start is not None:
            ranges.append(f"\\U{start:08x}-\\U{code - 1:08x}")
            start = None
    return "".join(ranges)


@functools.cache
def _token_pattern() -> re.Pattern[str]:
    """A word (letters, digits, marks of any script) with an optional inner apostrophe
    ("don't"), or any single other non-space character (punctuation, emoji). Built on first use
    (about 50 ms); matching with it is 2-3 times slower than with `_ASCII_TOKEN`."""
    marks = _mark_ranges()
    word = rf"[\w{marks}]+"
    return re.compile(rf"{word}(?:'{word})?|[^\w\s{marks}]")


_ASCII_TOKEN = re.compile(r"\w+(?:'\w+)?|[^\w\s]")  # the same tokens on ASCII-only text


def tokenize(text: str) -> list[str]:
    """Lower-cased words and punctuation: "Don't panic!" -> ["don't", "panic", "!"].

    Text beyond ASCII is NFC-normalised first, so an accent typed as a combining mark ("e" +
    U+0301) is the same "é" as a precomposed one, and the curly apostrophe counts as the
    straight one ("don’t" is "don't").
    """
    if text.isascii():
        return _ASCII_TOKEN.findall(text.lower())
    text = unicodedata.normalize("NFC", text).lower().replace("\u2019", "'")
    return _token_pattern().findall(text)


@dataclass(repr=False)
class Vocabulary:
    """The `max_words` most frequent training tokens; ids 2, 3, ... in order of frequency.

    Examples
    --------
    >>> vocabulary = Vocabulary.learn(["a good film", "a bad film", "good"], max_words=2)
    >>> vocabulary.tokens
    ['a', 'film']
    >>> ids, lengths = vocabulary.encode(["a good film", "film"], max_length=5)
    >>> ids.tolist(), lengths.tolist()
    ([[2, 1, 3], [3, 0, 0]], [3, 1])
    """

    tokens: list[str]  # tokens[i] has id i + 2

    def __post_init__(self) -> None:
        self._ids = {token: index for index, token in enumerate(self.tokens, start=_RESERVED)}

    def __repr__(self) -> str:
        return f"Vocabulary({len(self.tokens)} tokens: {', '.join(self.tokens[:5])}, ...)"

    @classmethod
    def learn(cls, texts: Iterable[str], max_words: int) -> Vocabulary:
        """Count tokens over `texts` (training texts only, so a test set cannot leak in) and keep
        the `max_words` most frequent; ties go in text order of the token, so it is repeatable."""
        counts = Counter(token for text in texts for token in tokenize(text))
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        return cls([token for token, _ in ranked[:max_words]])

    @property
    def size(self) -> int:
        """Rows of the embedding table: the tokens plus padding and out-of-vocabulary."""
        return len(self.tokens) + _RESERVED

    def encode(self, texts: Sequence[str], max_length: int) -> tuple[np.ndarray, np.ndarray]:
        """ids (n, L) int64, zero-padded, and lengths (n,) int64; L is the longest encoded text,
        at most `max_length` (longer texts keep their first `max_length` tokens).

        A text with no tokens (e.g. only spaces) becomes one out-of-vocabulary token, length 1:
        packed sequences cannot hold an empty sequence, and "nothing known" is what it says.
        """
        lookup = self._ids.get
        encoded = [[lookup(token, OOV) for token in tokenize(text)[:max_length]] or [OOV]
                   for text in texts]
        lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
        width = int(lengths.max()) if len(encoded) else 1
        ids = np.zeros((len(encoded), width), dtype=np.int64)
        mask = np.arange(width)[None, :] < lengths[:, None]  # (n, L) True on real tokens
        if len(encoded):
            ids[mask] = np.fromiter((i for row in encoded for i in row), dtype=np.int64,
                                    count=int(lengths.sum()))
        return ids, lengths

    def to_dict(self) -> dict[str, Any]:
        return {"tokens": list(self.tokens), "pad": PAD, "oov": OOV}

    @classmethod
    def from_dict(cls, config: dict[str, Any]) -> Vocabulary:
        return cls(list(config["tokens"]))
