"""The counting baseline a masked language model has to beat: guess a masked piece from its neighbours.

From the training documents (token ids, each document's sentences run together) count which
piece stands between each left and right neighbour. A masked position is then guessed as the most
frequent piece seen between the same two neighbours; if that pair never occurred, between the
same left neighbour, then the same right neighbour; failing all, the most frequent piece. The
neighbours are what the model sees (a neighbour that is itself [MASK], [CLS] or [SEP] matches
nothing, so the guess backs off). Ties go to the smaller id. A model that scores below this has
learned little more than word frequencies. Lesson: lessons/04-pretraining.md.
"""
from __future__ import annotations

import numpy as np


def most_frequent_after(keys: np.ndarray, centres: np.ndarray, V: int) -> dict[int, int]:
    """key -> the centre seen most often with it (ties: the smallest centre id)."""
    if keys.size == 0:
        return {}
    pairs, counts = np.unique(keys.astype(np.int64) * V + centres, return_counts=True)
    k, c = pairs // V, pairs % V
    order = np.lexsort((c, -counts, k))  # by key, then most frequent first, then smallest id
    k, c = k[order], c[order]
    first = np.ones(len(k), dtype=bool)
    first[1:] = k[1:] != k[:-1]
    return dict(zip(k[first].tolist(), c[first].tolist()))


class NeighbourCloze:
    """Fit on documents (lists of sentences of token ids); `predict(input_ids, position)`."""

    def __init__(self, documents: list[list[list[int]]], vocab_size: int):
        V = vocab_size
        streams = [np.array([t for s in doc for t in s], dtype=np.int64) for doc in documents]
        streams = [s for s in streams if s.size]
        if not streams:
            raise ValueError("the neighbour-count baseline needs at least one non-empty document")
        L = np.concatenate([s[:-2] for s in streams])  # left neighbour, centre, right neighbour
        C = np.concatenate([s[1:-1] for s in streams])
        R = np.concatenate([s[2:] for s in streams])
        self.both = most_frequent_after(L * V + R, C, V)
        self.left = most_frequent_after(np.concatenate([s[:-1] for s in streams]),
                                        np.concatenate([s[1:] for s in streams]), V)
        self.right = most_frequent_after(np.concatenate([s[1:] for s in streams]),
                                         np.concatenate([s[:-1] for s in streams]), V)
        self.V = V
        self.unigram = int(np.bincount(np.concatenate(streams), minlength=V).argmax())

    def predict(self, input_ids: list[int], position: int) -> int:
        left = input_ids[position - 1] if position > 0 else None
        right = input_ids[position + 1] if position + 1 < len(input_ids) else None
        if left is not None and right is not None and left * self.V + right in self.both:
            return self.both[left * self.V + right]
        if left in self.left:
            return self.left[left]
        if right in self.right:
            return self.right[right]
        return self.unigram
