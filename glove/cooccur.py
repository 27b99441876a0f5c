"""Co-occurrence counts as the GloVe C tool's `cooccur` makes them, streamed and compiled.

X[i, j] sums 1/d over every time word i stands d <= window_size positions left of word j on
the same line (out-of-vocabulary words are removed first, so they take no position).
`symmetric=True` also adds the mirrored pair. Like `cooccur`, we keep two stores: pairs of
frequent words (rank product below a bound) are added into a dense table, row i holding the
columns j < width[i]; every other pair is written to a buffer (its key also says the distance,
so the weight takes no room), which is summed by sorting when full. The corpus is read a block
of lines at a time, so memory holds the dense table, two blocks (one counted, the next read
meanwhile) and the distinct pairs seen so far (at most V², the records GloVe trains on), never
the corpus. With `threads`, each thread counts the rows r with r % threads == its number (the
C tool counts on one).
Lesson: lessons/06-glove.md.
"""
from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from itertools import repeat

import numpy as np

from minibert.backend import jit, known_ids

BLOCK_TOKENS = 2**18          # tokens read per block (whole lines)
DENSE_CELLS = 2**23           # float64 cells of the dense table: 64 MiB
BUFFER = 2**21                # pairs buffered before they are summed


def _blocks(sentences: Iterable[Iterable[str]], index: dict[str, int], block_tokens: int):
    """In-vocabulary token ids in corpus order, and the line each came from, a block of whole
    lines (about `block_tokens` tokens) at a time."""
    ids, lengths, get, missing = [], [], index.get, repeat(-1)

    for sentence in sentences:
        if isinstance(sentence, str):
            raise TypeError("sentences must be lists of tokens, not strings (split them, or use CorpusFile)")
        before = len(ids)
        ids.extend(map(get, sentence, missing))
        lengths.append(len(ids) - before)
        if len(ids) >= block_tokens:
            yield known_ids(ids, lengths)                # out-of-vocabulary words take no position
            ids, lengths = [], []
    if ids:
        yield known_ids(ids, lengths)


def dense_widths(V: int, cells: int = DENSE_CELLS) -> np.ndarray:
    """width[i] = min(V, p // (i+1)): the dense table holds the pairs whose ranks (1-based) multiply
    to at most about p, the largest bound whose rows fit in `cells`. Words are sorted by count, so
    these are the pairs of frequent words, where most occurrences fall."""
    ranks = np.arange(1, V + 1, dtype=np.int64)
    lo, hi = 0, V * V
    while lo < hi:                                   # the largest p with Σ widths <= cells
        p = (lo + hi + 1) // 2
        if np.minimum(V, p // ranks).sum() <= cells:
            lo = p
        else:
            hi = p - 1
    return np.minimum(V, lo // ranks)


@jit
def count_pairs(ids, lines, start, window_size, symmetric, distance_weighting, width, offset, dense,
                V, out_keys, owner, part):
    """Count the pairs ending at tokens start, start+1, ... (word i at distance d left of word j)
    whose row (the first word) belongs to this thread, owner[row] == part: into `dense` when
    j < width[i], else into the buffer as the key (i·V + j)·(window_size + 1) + d, which says the
    weight too. Stops before the buffer can overflow; returns (pairs buffered, the next token to
    count). Each row is counted by one thread only, in corpus order, so threads never race."""
    n = 0
    per_token = window_size * (2 if symmetric else 1)
    for t in range(start, len(ids)):
        if n + per_token > len(out_keys):
            return n, t
        j = ids[t]
        for d in range(1, window_size + 1):
            if t - d < 0 or lines[t - d] != lines[t]:
                break                                # the line starts here: windows never cross it
            i = ids[t - d]
            x = 1.0 / d if distance_weighting else 1.0
            if owner[i] == part:
                if j < width[i]:
                    dense[offset[i] + j] += x
                else:
                    out_keys[n] = (i * V + j) * (window_size + 1) + d
                    n += 1
            if symmetric and owner[j] == part:       # the mirrored pair: j before i
                if i < width[j]:
                    dense[offset[j] + i] += x
                else:
                    out_keys[n] = (j * V + i) * (window_size + 1) + d
                    n += 1
    return n, len(ids)


@jit
def radix_sort(keys, scratch):
    """Sort non-negative int64 keys in place: least significant 11 bits first, each pass a stable
    counting sort from one array into the other (`scratch`, as long as `keys`)."""
    if len(keys) == 0:
        return
    top, shift, passes = keys.max(), 0, 0
    src, dst = keys, scratch
    while passes == 0 or (top >> shift) > 0:
        count = np.zeros(2049, np.int64)
        for k in range(len(src)):
            count[((src[k] >> shift) & 2047) + 1] += 1
        for b in range(2048):
            count[b + 1] += count[b]                 # where each digit's keys start
        for k in range(len(src)):
            digit = (src[k] >> shift) & 2047
            dst[count[digit]] = src[k]
            count[digit] += 1
        src, dst = dst, src
        shift, passes = shift + 11, passes + 1
    if passes % 2 == 1:                              # an odd number of passes: the result is in scratch
        keys[:] = scratch


@jit
def sum_runs(keys, window_size, distance_weighting):
    """Sorted buffer keys ((i·V + j)·(window_size + 1) + d) -> each pair i·V + j once, in order,
    and its summed weight."""
    pairs, sums = np.empty(len(keys), np.int64), np.empty(len(keys), np.float64)
    m = -1
    for k in range(len(keys)):
        pair, d = keys[k] // (window_size + 1), keys[k] % (window_size + 1)
        x = 1.0 / d if distance_weighting else 1.0
        if m < 0 or pairs[m] != pair:
            m += 1
            pairs[m], sums[m] = pair, x
        else:
            sums[m] += x
    return pairs[:m + 1].copy(), sums[:m + 1].copy()


@jit
def merge_sums(k1, v1, k2, v2):
    """Two sorted key sets with their sums -> one (a key in both: its sums added), in one pass."""
    keys, values = np.empty(len(k1) + len(k2), k1.dtype), np.empty(len(k1) + len(k2), v1.dtype)
    a = b = n = 0
    while a < len(k1) or b < len(k2):
        if b == len(k2) or (a < len(k1) and k1[a] < k2[b]):
            keys[n], values[n] = k1[a], v1[a]
            a += 1
        elif a == len(k1) or k2[b] < k1[a]:
            keys[n], values[n] = k2[b], v2[b]
            b += 1
        else:
            keys[n], values[n] = k1[a], v1[a] + v2[b]
            a += 1
            b += 1
        n += 1
    return keys[:n].copy(), values[:n].copy()


class _Rows:
    """One thread's share of the counting: the rows r with r % threads == part (frequent and rare
    words alike), its pair buffer, and the sums of its buffered pairs so far. Every thread walks
    the whole block and skips the other threads' pairs."""

    def __init__(self, part: int, owner: np.ndarray, buffer: int, window_size: int):
        self.part, self.owner = part, owner
        self.out_keys = np.empty(max(buffer, 2 * window_size), np.int64)
        self.scratch = np.empty_like(self.out_keys)
        self.keys, self.values = np.empty(0, np.int64), np.empty(0, np.float64)

    def count(self, ids, lines, window_size, symmetric, distance_weighting, width, offset, dense, V) -> None:
        """Count one block's pairs of these rows; each time the buffer is full, sum it into keys/values."""
        t = 0
        while t < len(ids):
            n, t = count_pairs(ids, lines, t, window_size, symmetric, distance_weighting, width, offset,
                               dense, V, self.out_keys, self.owner, self.part)
            radix_sort(self.out_keys[:n], self.scratch[:n])
            self.keys, self.values = merge_sums(self.keys, self.values,
                                                *sum_runs(self.out_keys[:n], window_size, distance_weighting))


def cooccurrence(sentences: Iterable[Iterable[str]], vocab, window_size: int = 15, symmetric: bool = True,
                 distance_weighting: bool = True, block_tokens: int = BLOCK_TOKENS, dense_cells: int = DENSE_CELLS,
                 buffer: int = BUFFER, threads: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Non-zero entries of X as (rows, cols, values), 0-based indices into `vocab`, sorted by (row, col).

    vocab: the list from `build_vocab` (or any list of words / word->index dict). `sentences` is
    read once, in blocks: a `CorpusFile` never needs to fit in memory. `threads` count at once,
    each its own rows (the buffer is shared out among them), while the next block is read.
    """
    if window_size < 1:
        raise ValueError(f"window_size must be >= 1, got {window_size}")
    if threads < 1:
        raise ValueError(f"threads must be >= 1, got {threads}")
    if isinstance(vocab, dict):
        index = dict(vocab)
    else:
        words = [w[0] if isinstance(w, tuple) else w for w in vocab]
        index = {w: i for i, w in enumerate(words)}
    V = len(index)
    width = dense_widths(V, dense_cells)                               # (V,)
    offset = np.concatenate([[0], np.cumsum(width)])                   # (V+1,) row starts in `dense`
    dense = np.zeros(offset[-1], np.float64)
    if V * V * (window_size + 1) >= 2**63:
        raise ValueError(f"{V} words and window {window_size}: the buffer's keys would overflow int64")
    owner = (np.arange(V) % threads).astype(np.int32)                  # (V,) which thread counts row r
    parts = [_Rows(p, owner, buffer // threads, window_size) for p in range(threads)]
    shared = (window_size, symmetric, distance_weighting, width, offset, dense, V)
    with ThreadPoolExecutor(threads) as pool:
        counting = []
        for ids, lines in _blocks(sentences, index, block_tokens):    # read while the last block is counted
            for job in counting:
                job.result()
            counting = [pool.submit(part.count, ids, lines, *shared) for part in parts]
        for job in counting:
            job.result()
    keys, values = np.empty(0, np.int64), np.empty(0, np.float64)
    for part in parts:                                                 # no pair is in two parts
        keys, values = merge_sums(keys, values, part.keys, part.values)
    cells = np.flatnonzero(dense)                                      # the dense table's pairs, sorted
    rows = np.searchsorted(offset, cells, side="right") - 1
    keys, values = merge_sums(keys, values, rows * V + cells - offset[rows], dense[cells])  # no pair is in both
    return keys // V, keys % V, values
