"""The word2vec vocabulary, in gensim's order and with gensim's trimming.

Counts are kept in first-seen order; with `max_vocab_size`, rare words are pruned during the scan
(threshold rising by one each time, as gensim and the C tool do). Words under `min_count` are
dropped; the rest are sorted by count, ties going to the word seen *later* first (gensim 4.4's
`np.lexsort((-indices, -counts))`). Lesson: lessons/05-word2vec.md.
"""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np


def scan(sentences: Iterable[list[str]], max_vocab_size: int | None = None) -> tuple[dict[str, int], int, int]:
    """Word counts (first-seen order), total words and number of sentences."""
    counts: dict[str, int] = {}
    total, n_sentences, min_reduce = 0, 0, 1
    for sentence in sentences:
        if isinstance(sentence, str):
            raise TypeError("sentences must be lists of words, not strings: split them first")
        n_sentences += 1
        for word in sentence:
            counts[word] = counts.get(word, 0) + 1
        total += len(sentence)
        if max_vocab_size and len(counts) > max_vocab_size:
            counts = {w: c for w, c in counts.items() if c >= min_reduce}  # as gensim: the first pass keeps all
            min_reduce += 1
    return counts, total, n_sentences


def finalize(counts: dict[str, int], min_count: int = 5, max_final_vocab: int | None = None
             ) -> tuple[list[str], np.ndarray]:
    """Keep words with count >= min_count (raised to fit max_final_vocab) and sort them."""
    effective = min_count
    if max_final_vocab is not None:
        by_count = sorted(counts, key=counts.get, reverse=True)
        if max_final_vocab < len(by_count):
            effective = max(min_count, counts[by_count[max_final_vocab]] + 1)
    words = [w for w, c in counts.items() if c >= effective]
    if not words:
        raise ValueError(f"no word occurs at least min_count={effective} times: lower min_count "
                         f"(the corpus has {len(counts)} distinct words)")
    c = np.array([counts[w] for w in words], dtype=np.int64)
    order = np.lexsort((-np.arange(len(words)), -c))
    return [words[i] for i in order], c[order]


def sample_ints(counts: np.ndarray, sample: float) -> np.ndarray:
    """Subsampling thresholds: keep probability p = (√(c/t) + 1)·t/c, capped at 1, as uint32·(2³²−1).

    t = sample·(total retained words), or the raw number when sample >= 1 (gensim's shorthand).
    A word occurrence is kept when this value is >= a uniform random uint32.
    """
    total = int(counts.sum())
    if not sample:
        threshold = total
    elif sample < 1.0:
        threshold = sample * total
    else:
        threshold = int(sample * (3 + np.sqrt(5)) / 2)
    p = np.array([(np.sqrt(v / threshold) + 1) * (threshold / v) for v in counts.tolist()])
    p = np.minimum(p, 1.0)
    return np.array([np.uint32(x * (2**32 - 1)) for x in p], dtype=np.uint32)
