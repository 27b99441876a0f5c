"""Co-occurrence counts as the GloVe C tool's `cooccur` makes them -- vectorised.

X[i, j] sums 1/d over every time word i stands d <= window_size positions left of word j on
the same line (out-of-vocabulary words are removed first, so they take no position).
`symmetric=True` also adds the mirrored pair. Instead of a loop over token pairs we take, for
each distance d, all pairs (ids[t-d], ids[t]) at once and reduce them with numpy.
Lesson: lessons/06-glove.md.
"""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np


def _ids(sentences: Iterable[Iterable[str]], index: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """All in-vocabulary token ids in corpus order, and the line each came from."""
    ids, lines = [], []
    for n, sentence in enumerate(sentences):
        row = [index[w] for w in sentence if w in index]
        ids.extend(row)
        lines.extend([n] * len(row))
    return np.asarray(ids, dtype=np.int64), np.asarray(lines, dtype=np.int64)


def _reduce(keys: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sum values that share a key; keys come back sorted."""
    unique, inverse = np.unique(keys, return_inverse=True)
    return unique, np.bincount(inverse, weights=values, minlength=len(unique))


def cooccurrence(sentences: Iterable[Iterable[str]], vocab, window_size: int = 15, symmetric: bool = True,
                 distance_weighting: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Non-zero entries of X as (rows, cols, values), 0-based indices into `vocab`, sorted by (row, col).

    vocab: the list from `build_vocab` (or any list of words / word->index dict).
    """
    if window_size < 1:
        raise ValueError(f"window_size must be >= 1, got {window_size}")
    if isinstance(vocab, dict):
        index = dict(vocab)
    else:
        words = [w[0] if isinstance(w, tuple) else w for w in vocab]
        index = {w: i for i, w in enumerate(words)}
    V = len(index)
    ids, lines = _ids(sentences, index)
    keys, values = [np.empty(0, np.int64)], [np.empty(0, np.float64)]
    for d in range(1, window_size + 1):
        same_line = lines[:-d] == lines[d:]
        context, target = ids[:-d][same_line], ids[d:][same_line]
        weight = 1.0 / d if distance_weighting else 1.0
        pair_keys = [context * V + target]                 # X[left word, word d places right]
        if symmetric:
            pair_keys.append(target * V + context)         # and the mirrored pair
        k, counts = np.unique(np.concatenate(pair_keys), return_counts=True)
        keys.append(k)
        values.append(counts * weight)
    k, v = _reduce(np.concatenate(keys), np.concatenate(values))
    return k // V, k % V, v
