"""A local start for attention: the first layer's heads begin by looking at a neighbour.

From BERT's random initialisation every head attends almost uniformly, and a small model on a
small corpus spends most of a short run there, predicting each masked token from piece counts
alone (lesson 4). Here only the start changes, and the model stays an ordinary BERT:
- position embeddings P (T, H) get orthogonal rows (or, when T > H, sinusoids of random
  frequencies), as long as a random embedding row;
- head h of the first layer reads a code R_j (T, d_head) off position j's embedding for its keys,
  and the code of position i+δ_h for its queries: q_i·k_j = c²·R_(i+δ_h)·R_j, largest at j = i+δ_h,
  where the scaled dot product is `logit`. With a code per position (T <= d_head) a head puts
  about 0.9 of its weight there; with fewer dimensions than positions less, but far more than the
  1/T of a uniform head (measured in tests/test_pretraining.py).
Offsets δ are −1, +1, −2, +2, … Training then changes every weight as usual.
Lesson: lessons/04-pretraining.md.
"""
from __future__ import annotations

import math

import torch

from ..heads import BertForPreTraining


def neighbour_offsets(num_heads: int) -> list[int]:
    """−1, +1, −2, +2, …: the left and right neighbours first."""
    return [(-1) ** (h + 1) * (h // 2 + 1) for h in range(num_heads)]


def _orthonormal_rows(rows: int, cols: int, g: torch.Generator) -> torch.Tensor:
    """(rows, cols), rows <= cols, orthonormal rows."""
    q, _ = torch.linalg.qr(torch.randn(cols, rows, generator=g, dtype=torch.float64))
    return q.T


def _sinusoids(positions: int, dims: int, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """(positions, dims) rows of (sin ω_k·j, cos ω_k·j) pairs, random ω_k in (0, π), unit length:
    Σ_k cos(ω_k·(i − j)) peaks at i = j for any number of positions. Also the frequencies ω."""
    omega = torch.rand(dims // 2, generator=g, dtype=torch.float64) * math.pi
    angle = torch.arange(positions, dtype=torch.float64)[:, None] * omega
    S = torch.stack([angle.sin(), angle.cos()], -1).flatten(1)
    S = torch.cat([S, torch.zeros(positions, dims - S.shape[1], dtype=S.dtype)], 1)   # an odd last dim: 0
    return S / math.sqrt(dims // 2), omega


def _rotation(omega: torch.Tensor, delta: int, dims: int) -> torch.Tensor:
    """(dims, dims) with sinusoids(j) @ rotation = sinusoids(j + δ): each pair turned by δ·ω_k."""
    M = torch.zeros(dims, dims, dtype=torch.float64)
    cos, sin = (delta * omega).cos(), (delta * omega).sin()
    i = torch.arange(len(omega)) * 2
    M[i, i], M[i, i + 1], M[i + 1, i], M[i + 1, i + 1] = cos, -sin, sin, cos
    return M


@torch.no_grad()
def local_attention_init(model: BertForPreTraining, logit: float = 8.0, offsets: list[int] | None = None,
                         seed: int = 0) -> None:
    """Make the first layer's head h attend to position i+offsets[h] at the start (in place)."""
    c = model.config
    H, T, n = c.hidden_size, c.max_position_embeddings, c.num_attention_heads
    d_head = H // n
    offsets = neighbour_offsets(n) if offsets is None else list(offsets)
    if len(offsets) != n:
        raise ValueError(f"{len(offsets)} offsets for {n} attention heads")
    g = torch.Generator().manual_seed(seed)
    if T <= H:
        P = _orthonormal_rows(T, H, g)                 # (T, H)
    else:
        P, omega = _sinusoids(T, H, g)
    row_norm = c.initializer_range * math.sqrt(H)      # the length of a random embedding row
    model.bert.embeddings.position.weight.copy_(P * row_norm)
    # After the embeddings' LayerNorm (dividing by s, the standard deviation of the summed word,
    # position and type embeddings) position j's part of the input is P_j·row_norm / s.
    s = c.initializer_range * math.sqrt(3)
    attention = model.bert.encoder.layers[0].attention
    for h, delta in enumerate(offsets):
        # key and query maps (H, d_head) with P_j @ key = R_j and P_i @ query = R_(i+δ)
        if T <= min(H, d_head):                        # a code per position, all orthogonal
            R = _orthonormal_rows(T, d_head, g)
            shifted = torch.zeros_like(R)              # row i holds R_(i+δ), zero past the ends
            lo, hi = max(0, -delta), min(T, T - delta)
            shifted[lo:hi] = R[lo + delta:hi + delta]
            key, query = P.T @ R, P.T @ shifted
        else:                                          # R = P seen through a random projection
            Q = _orthonormal_rows(d_head, H, g).T      # (H, d_head)
            if T <= H:
                shifted = torch.zeros_like(P)          # row i holds P_(i+δ), zero past the ends
                lo, hi = max(0, -delta), min(T, T - delta)
                shifted[lo:hi] = P[lo + delta:hi + delta]
                key, query = P.T @ P @ Q, P.T @ shifted @ Q
            else:                                      # sinusoids turn into their neighbours
                key, query = Q, _rotation(omega, delta, H) @ Q
        i = torch.arange(max(0, -delta), min(T, T - delta))
        peak = ((P[i] @ query) * (P[i + delta] @ key)).sum(1).mean()     # q·k at the target, unscaled
        scale = math.sqrt(logit * math.sqrt(d_head) / peak) * s / row_norm
        rows = slice(h * d_head, (h + 1) * d_head)     # nn.Linear: y = x @ weight.T
        attention.key.weight[rows] = (key * scale).T.to(attention.key.weight.dtype)
        attention.query.weight[rows] = (query * scale).T.to(attention.query.weight.dtype)
        attention.key.bias[rows] = 0
        attention.query.bias[rows] = 0


@torch.no_grad()
def scale_embeddings(model: BertForPreTraining, std: float) -> None:
    """Scale the word, position and token-type embeddings so that a random row has standard
    deviation `std` instead of `initializer_range` (in place). The LayerNorm after their sum keeps
    the encoder's output the same, but the MLM logits grow by the same factor (the decoder is tied
    to the word embeddings: a sharper softmax). The aim is training: AdamW moves a weight by up to about
    the learning rate per step, whatever its size, so at lr 6e-3 a few steps can rewrite rows of
    0.02 (and the local start with them), while rows of 0.1 move by at most about 6% a step."""
    factor = std / model.config.initializer_range
    e = model.bert.embeddings
    for table in (e.word, e.position, e.token_type):
        table.weight.mul_(factor)
