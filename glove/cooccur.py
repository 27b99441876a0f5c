"""Co-occurrence counts as the GloVe C tool's `cooccur` makes them -- vectorised, and streamed.

X[i, j] sums 1/d over every time word i stands d <= window_size positions left of word j on
the same line (out-of-vocabulary words are removed first, so they take no position).
`symmetric=True` also adds the mirrored pair. Instead of a loop over token pairs we take, for
each distance d, all pairs (ids[t-d], ids[t]) of a block of lines at once and reduce them with
numpy. Blocks of about `block_tokens` tokens are counted one after another and their sums merged,
so memory holds one block and the distinct pairs seen so far (at most V², the records GloVe trains
on), never the corpus. Lesson: lessons/06-glove.md.
"""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np

BLOCK_TOKENS = 2**18


def _blocks(sentences: Iterable[Iterable[str]], index: dict[str, int], block_tokens: int):
    """In-vocabulary token ids in corpus order, and the line each came from, a block of whole
    lines (about `block_tokens` ids) at a time."""
    ids, lines, n = [], [], 0
    for n, sentence in enumerate(sentences):
        if isinstance(sentence, str):
            raise TypeError("sentences must be lists of tokens, not strings (split them, or use CorpusFile)")
        row = [index[w] for w in sentence if w in index]
        ids.extend(row)
        lines.extend([n] * len(row))
        if len(ids) >= block_tokens:
            yield np.asarray(ids, dtype=np.int64), np.asarray(lines, dtype=np.int64)
            ids, lines = [], []
    if ids:
        yield np.asarray(ids, dtype=np.int64), np.asarray(lines, dtype=np.int64)


def _reduce(keys: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sum values that share a key; keys come back sorted."""
    unique, inverse = np.unique(keys, return_inverse=True)
    return unique, np.bincount(inverse, weights=values, minlength=len(unique))


def _block_counts(ids: np.ndarray, lines: np.ndarray, V: int, window_size: int, symmetric: bool,
                  distance_weighting: bool) -> tuple[np.ndarray, np.ndarray]:
    """One block's X as (keys i·V + j, values), keys sorted."""
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
    return _reduce(np.concatenate(keys), np.concatenate(values))


def cooccurrence(sentences: Iterable[Iterable[str]], vocab, window_size: int = 15, symmetric: bool = True,
                 distance_weighting: bool = True, block_tokens: int = BLOCK_TOKENS
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Non-zero entries of X as (rows, cols, values), 0-based indices into `vocab`, sorted by (row, col).

    vocab: the list from `build_vocab` (or any list of words / word->index dict). `sentences` is
    read once, in blocks: a `CorpusFile` never needs to fit in memory.
    """
    if window_size < 1:
        raise ValueError(f"window_size must be >= 1, got {window_size}")
    if isinstance(vocab, dict):
        index = dict(vocab)
    else:
        words = [w[0] if isinstance(w, tuple) else w for w in vocab]
        index = {w: i for i, w in enumerate(words)}
    V = len(index)
    keys, values = np.empty(0, np.int64), np.empty(0, np.float64)      # the sums so far
    pending, pending_size = [], 0                                      # blocks not merged in yet
    for ids, lines in _blocks(sentences, index, block_tokens):
        pending.append(_block_counts(ids, lines, V, window_size, symmetric, distance_weighting))
        pending_size += len(pending[-1][0])
        if pending_size >= max(len(keys), block_tokens):   # merge when the blocks outweigh the sums
            keys, values = _reduce(np.concatenate([keys] + [k for k, _ in pending]),
                                   np.concatenate([values] + [v for _, v in pending]))
            pending, pending_size = [], 0
    if pending:
        keys, values = _reduce(np.concatenate([keys] + [k for k, _ in pending]),
                               np.concatenate([values] + [v for _, v in pending]))
    return keys // V, keys % V, values
