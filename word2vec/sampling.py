"""The noise distribution for negative sampling and the Huffman tree for hierarchical softmax,
built as gensim builds them. Lesson: lessons/05-word2vec.md.
"""
from __future__ import annotations

import heapq

import numpy as np


def cum_table(counts: np.ndarray, ns_exponent: float = 0.75, domain: int = 2**31 - 1) -> np.ndarray:
    """Cumulative table of count^ns_exponent scaled to `domain`: a uniform integer below the last
    entry, located by binary search, draws word i with probability ∝ count_i^0.75."""
    powers = [float(c) ** float(ns_exponent) for c in counts.tolist()]
    z = sum(powers)
    table = np.zeros(len(powers), dtype=np.uint32)
    cumulative = 0.0
    for i, p in enumerate(powers):  # summed in order, as gensim does (so rounding agrees)
        cumulative += p
        table[i] = round(cumulative / z * domain)
    return table


class _Node:
    __slots__ = ("count", "index", "left", "right")

    def __init__(self, count, index, left=None, right=None):
        self.count, self.index, self.left, self.right = count, index, left, right

    def __lt__(self, other):  # by count only: ties fall where heapq puts them, as in gensim
        return self.count < other.count


def huffman(counts: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Each word's code (0/1 turns from the root) and points (inner-node rows of the output matrix)."""
    V = len(counts)
    heap = [_Node(int(c), i) for i, c in enumerate(counts.tolist())]
    heapq.heapify(heap)
    for i in range(V - 1):
        a, b = heapq.heappop(heap), heapq.heappop(heap)
        heapq.heappush(heap, _Node(a.count + b.count, i + V, a, b))
    codes: list[np.ndarray] = [np.zeros(0, np.uint8)] * V
    points: list[np.ndarray] = [np.zeros(0, np.int64)] * V
    stack = [(heap[0], [], [])] if heap else []
    while stack:
        node, code, point = stack.pop()
        if node.index < V:
            codes[node.index] = np.array(code, dtype=np.uint8)
            points[node.index] = np.array(point, dtype=np.int64)
        else:
            point = point + [node.index - V]
            stack.append((node.left, code + [0], point))
            stack.append((node.right, code + [1], point))
    return codes, points


def huffman_table(codes: list[np.ndarray], points: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The codes and points as padded arrays: points (V, L) int64, codes (V, L) uint8 and each
    word's code length (V,), L the longest code (0 for an empty tree)."""
    V, L = len(codes), max((len(c) for c in codes), default=0)
    padded_points, padded_codes = np.zeros((V, L), np.int64), np.zeros((V, L), np.uint8)
    for i, (c, p) in enumerate(zip(codes, points)):
        padded_points[i, :len(p)], padded_codes[i, :len(c)] = p, c
    return padded_points, padded_codes, np.array([len(c) for c in codes], dtype=np.int64)


def exp_table(size: int = 1000, max_exp: int = 6) -> np.ndarray:
    """The C code's precomputed sigmoid: σ at `size` points on [-max_exp, max_exp), in float32."""
    i = np.arange(size, dtype=np.float32)
    arg = ((i / np.float32(size)) * np.float32(2) - np.float32(1)) * np.float32(max_exp)  # float32
    e = np.exp(arg.astype(np.float64)).astype(np.float32)  # C: double exp, stored as float
    return (e / (e + np.float32(1))).astype(np.float32)
