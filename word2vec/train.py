"""word2vec training on the torch backend: examples for an epoch, then batched SGD steps.

Skip-gram: each (centre i, context j) pair is one example; the *context* word's input vector
predicts the centre word (as gensim and the C tool do). CBOW: each centre is one example; the mean
(or sum) of its context vectors predicts it. The output side is negative sampling (the centre
word against `negative` noise words), hierarchical softmax (the 0/1 turns on the centre word's
Huffman path), or the full softmax of the textbook formula. For every example:
    g = (label − σ(v_out·h))·alpha;   v_out += g·h;   each input word += Σ g·v_out
(CBOW with cbow_mean=0 divides that input update by the number of context words, as gensim).
A batch computes its examples from the same parameters and sums their updates; with
batch_size=1 this is gensim's sequential rule. `exp_table=True` uses the C code's 1000-entry
sigmoid and skips terms with |v_out·h| ≥ 6, as gensim does. Lesson: lessons/05-word2vec.md.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from minibert.backend import scatter_add_rows

MAX_EXP = 6
MAX_SENTENCE_LEN = 10000


@dataclass
class Weights:
    """Input vectors (gensim: syn0 = wv.vectors) and the output vectors of the chosen objective."""
    input_vectors: torch.Tensor                 # (V, d)
    output_ns: torch.Tensor | None = None       # (V, d)      negative sampling (syn1neg)
    output_hs: torch.Tensor | None = None       # (V, d)      inner nodes of the Huffman tree (V − 1 used; syn1)
    output_softmax: torch.Tensor | None = None  # (V, d)      full softmax


def window_pairs(ids: np.ndarray, sentence: np.ndarray, window: int, reduce: np.ndarray):
    """All (centre position, context position) pairs within each centre's window, sorted as gensim
    visits them: by centre, then left to right."""
    centres, contexts = [], []
    for d in range(1, window + 1):
        for sign in (-1, 1):
            c = np.arange(len(ids))
            o = c + sign * d
            ok = (o >= 0) & (o < len(ids))
            c, o = c[ok], o[ok]
            ok = (sentence[c] == sentence[o]) & (d <= window - reduce[c])
            centres.append(c[ok])
            contexts.append(o[ok])
    c, o = np.concatenate(centres), np.concatenate(contexts)
    order = np.lexsort((o, c))
    return c[order], o[order]


def sigmoid_terms(f_dot: torch.Tensor, table: torch.Tensor | None):
    """σ(f_dot), and which terms count: all of them, or (with the C table) those with |f_dot| < 6."""
    if table is None:
        return torch.sigmoid(f_dot), torch.ones_like(f_dot, dtype=torch.bool)
    inside = (f_dot > -MAX_EXP) & (f_dot < MAX_EXP)
    # the C index (f + 6)·(1000 / 6 / 2) with integer division: a scale of 83
    index = ((f_dot.double() + MAX_EXP) * 83).long().clamp(0, len(table) - 1)
    return table[index].to(f_dot.dtype), inside


def repeated_rows(targets: torch.Tensor, valid: torch.Tensor) -> torch.Tensor | None:
    """earlier[b, s, t]: term s comes before term t of example b and updates the same output row
    (a noise word drawn twice); None when no example has one, the usual case."""
    L = targets.shape[1]
    if L < 2:
        return None
    same = (targets[:, :, None] == targets[:, None, :]) & valid[:, :, None] & valid[:, None, :]
    earlier = same & torch.ones(L, L, dtype=torch.bool, device=targets.device).triu(1)
    return earlier if earlier.any() else None


def sequential_terms(f_dot, out, h, labels, valid, alpha, table, earlier):
    """The terms of each example one after another, as gensim applies them: a row met again sees
    the update g·h it already received, so its f grows by g·|h|², and so does what it adds to the
    input's work. f_dot (B, L) from the rows before the step; returns (f_dot, g, work)."""
    hh = (h * h).sum(-1)                                            # (B,)
    g = torch.zeros_like(f_dot)
    f_dot = f_dot.clone()
    for t in range(f_dot.shape[1]):
        f_dot[:, t] += (earlier[:, :, t] * g).sum(-1) * hh
        f, inside = sigmoid_terms(f_dot[:, t], table)
        g[:, t] = (labels[:, t] - f) * alpha * valid[:, t] * inside
    seen = torch.einsum("bt,bst,bs->b", g, earlier.to(g.dtype), g)  # Σ_t g_t Σ_(s<t, same row) g_s
    return f_dot, g, torch.einsum("bl,bld->bd", g, out) + seen[:, None] * h


def step(w: Weights, inputs: torch.Tensor, input_mask: torch.Tensor, targets: torch.Tensor,
         labels: torch.Tensor, valid: torch.Tensor, alpha: float, output: torch.Tensor,
         cbow_mean: bool = True, table: torch.Tensor | None = None) -> torch.Tensor:
    """One SGD step for a batch. inputs (B, C) word ids (C = 1 for skip-gram), input_mask (B, C);
    targets (B, L) output rows, labels (B, L) in {0, 1}, valid (B, L). Returns the summed loss."""
    rows = w.input_vectors[inputs] * input_mask[..., None]          # (B, C, d)
    count = input_mask.sum(1, keepdim=True).clamp(min=1)           # (B, 1)
    h = rows.sum(1)
    if cbow_mean:
        h = h / count                                               # (B, d)
    out = output[targets]                                           # (B, L, d)
    f_dot = torch.einsum("bld,bd->bl", out, h)                      # (B, L)
    earlier = repeated_rows(targets, valid)                         # (B, L, L) or None
    if earlier is None:
        f, inside = sigmoid_terms(f_dot, table)
        g = (labels - f) * alpha * valid * inside                   # (B, L)
        work = torch.einsum("bl,bld->bd", g, out)                   # (B, d)
    else:
        f_dot, g, work = sequential_terms(f_dot, out, h, labels, valid, alpha, table, earlier)
    sign = labels * 2 - 1
    loss = (F.softplus(-sign * f_dot) * valid).sum()                # −log σ(±f), exact whatever the table
    if not cbow_mean:
        work = work / count
    # every row is scattered (unused ones add zeros): cheaper than selecting them with a mask
    scatter_add_rows(output, targets.flatten(), (g[..., None] * h[:, None, :]).flatten(0, 1))
    scatter_add_rows(w.input_vectors, inputs.flatten(), (input_mask[..., None] * work[:, None, :]).flatten(0, 1))
    return loss


def softmax_step(w: Weights, inputs, input_mask, centre, alpha, cbow_mean=True) -> torch.Tensor:
    """The textbook objective: softmax over the whole vocabulary (small vocabularies only)."""
    rows = w.input_vectors[inputs] * input_mask[..., None]
    count = input_mask.sum(1, keepdim=True).clamp(min=1)
    h = rows.sum(1) / count if cbow_mean else rows.sum(1)           # (B, d)
    scores = h @ w.output_softmax.T                                 # (B, V)
    p = scores.softmax(-1)
    loss = F.cross_entropy(scores, centre, reduction="sum")
    g = (F.one_hot(centre, p.shape[1]).to(p.dtype) - p) * alpha     # (B, V)
    work = g @ w.output_softmax                                     # (B, d)
    if not cbow_mean:
        work = work / count
    w.output_softmax.add_(g.T @ h)
    scatter_add_rows(w.input_vectors, inputs.flatten(), (input_mask[..., None] * work[:, None, :]).flatten(0, 1))
    return loss
