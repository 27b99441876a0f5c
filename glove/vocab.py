"""Vocabulary as the GloVe C tool's `vocab_count` builds it.

Words are split on space, tab and newline only ('\\r' is dropped), counted, and sorted by count,
ties broken by the C tool's byte comparison (`scmp` on signed chars: bytes >= 0x80 sort before
ASCII). `min_count` drops rare words; `max_vocab` keeps the most frequent. Lesson: lessons/06-glove.md.
Not reproduced: the C tool breaks ties *pseudo-randomly* before cutting at `max_vocab`; we cut
after the deterministic sort.
"""
from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable

from minibert.backend import TextLines

UNK = "<unk>"


class CorpusFile:
    """A text file as one token list per line, split as the C tools split (space, tab; '\\r'
    dropped), re-read from disk on every pass: a corpus larger than memory streams through it."""

    def __init__(self, path: str | os.PathLike):
        self.lines = TextLines(path, "corpus file")

    def __iter__(self):
        for line in self.lines:
            yield line.replace("\r", "").replace("\t", " ").split(" ")


def read_corpus(path: str | os.PathLike) -> list[list[str]]:
    """A text file -> one token list per line, in memory (`CorpusFile` streams it instead)."""
    return list(CorpusFile(path))


def _c_order(word: str) -> list[int]:
    """Sort key equal to the C tool's scmp: signed bytes, then the terminating NUL."""
    return [b - 256 if b >= 128 else b for b in word.encode("utf-8")] + [0]


def build_vocab(sentences: Iterable[Iterable[str]], min_count: int = 1,
                max_vocab: int | None = None) -> list[tuple[str, int]]:
    """[(word, count), ...] in the C tool's order: count descending, ties by C byte order."""
    if min_count < 1:
        raise ValueError(f"min_count must be >= 1, got {min_count}")
    counts: Counter[str] = Counter()
    for sentence in sentences:
        if isinstance(sentence, str):
            raise TypeError("sentences must be lists of tokens, not strings (split them, or use read_corpus)")
        counts.update(sentence)
    counts.pop("", None)                         # the empty strings between two separators
    if UNK in counts:
        raise ValueError(f"the corpus contains the token {UNK!r}, which GloVe reserves for unknown "
                         "words (the C tool refuses such a corpus too): replace it first")
    if not counts:
        raise ValueError("the corpus is empty: no tokens to count")
    vocab = sorted(counts.items(), key=lambda wc: (-wc[1], _c_order(wc[0])))
    if max_vocab:
        vocab = vocab[:max_vocab]
    vocab = [(w, c) for w, c in vocab if c >= min_count]
    if not vocab:
        raise ValueError(f"no word occurs at least min_count={min_count} times")
    return vocab
