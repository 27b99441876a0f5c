"""GloVe's AdaGrad one record at a time, compiled: the C tool's loop, for CPUs.

The same rule as `train.adagrad_step` with one record per step (a test holds the two equal), written
as the C tool writes it: for each record, the dot product, then each coordinate's clipped,
AdaGrad-scaled step. `numba` compiles it (see `minibert.backend.jit`), and `threads` copies run on
contiguous slices of the shuffled records, sharing the parameters without locks, as `glove.c` does.
Lesson: lessons/06-glove.md.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from minibert.backend import jit, prefetcher, run_threads

prefetch = prefetcher()
AHEAD = 2                   # records: while one trains, the rows of the one this far ahead are fetched
LINE = 64                   # bytes in a cache line


def record_type(dtype) -> np.dtype:
    """A co-occurrence record as the loop reads it: word i, context j, log X_ij and f(X_ij) side by
    side (24 bytes in float64), so that the loop reads a record in one place, not four."""
    return np.dtype([("i", np.int32), ("j", np.int32), ("log_x", dtype), ("f", dtype)])


def pack_rows(vectors: torch.Tensor, sums: torch.Tensor, bias: torch.Tensor, bias_sum: torch.Tensor) -> np.ndarray:
    """(V, 2d+2): each word's vector, its AdaGrad sums, its bias and the bias's sum side by side, so
    that a record reads and writes two contiguous blocks, not four rows and four scalars far apart
    (the same arithmetic; what it saves is in the README's speed section)."""
    return np.concatenate([vectors.numpy(), sums.numpy(), bias.numpy()[:, None], bias_sum.numpy()[:, None]], 1)


def unpack_rows(rows: np.ndarray, vectors: torch.Tensor, sums: torch.Tensor, bias: torch.Tensor,
                bias_sum: torch.Tensor) -> None:
    """Copy `pack_rows`' array back into the four tensors, in place."""
    d = vectors.shape[1]
    for t, part in ((vectors, rows[:, :d]), (sums, rows[:, d:2 * d]), (bias, rows[:, 2 * d]),
                    (bias_sum, rows[:, 2 * d + 1])):
        t.numpy()[...] = part


@jit
def adagrad_records(W, C, records, eta, grad_clip):
    """Apply the records ((N,) of `record_type`: i, j, log X_ij, f(X_ij)) in turn; returns their summed cost.

    W, C: (V, 2d+2) word and context rows as `pack_rows` lays them out: w_i = W[i, :d], its AdaGrad
    sums G = W[i, d:2d], its bias W[i, 2d] and the bias's sum W[i, 2d+1]. eta and grad_clip in
    the parameters' dtype.
    """
    d = (W.shape[1] - 2) // 2
    bias, bias_sum = 2 * d, 2 * d + 1              # columns; G of coordinate b is column d + b
    old_w = np.empty(d, W.dtype)                   # (d,) the rows before the record: the C tool drops
    old_c = np.empty(d, W.dtype)                   # every step of a record if any is not finite
    per_line = max(1, LINE // W.itemsize)          # columns in a cache line
    cost = 0.0
    for k in range(len(records)):
        if k + AHEAD < len(records):               # rows lie at random: ask for the next ones early,
            ahead = records[k + AHEAD]             # or each record waits for memory twice (README, speed)
            for b in range(0, W.shape[1], per_line):
                prefetch(W, ahead.i, b)
                prefetch(C, ahead.j, b)
        record = records[k]
        i, j = record.i, record.j
        diff = W[i, bias] + C[j, bias] - record.log_x
        for b in range(d):
            diff += W[i, b] * C[j, b]
        fdiff = record.f * diff
        if not (math.isfinite(diff) and math.isfinite(fdiff)):
            continue                               # the C tool skips such a record
        cost += 0.5 * fdiff * diff
        sum_w = sum_c = 0.0                        # only to test that every step is finite
        for b in range(d):                         # one pass: step now, undo below in the rare bad case
            w_b, c_b = W[i, b], C[j, b]
            old_w[b], old_c[b] = w_b, c_b
            g_w = min(max(fdiff * c_b, -grad_clip), grad_clip) * eta
            g_c = min(max(fdiff * w_b, -grad_clip), grad_clip) * eta
            step_w = g_w / math.sqrt(W[i, d + b])
            step_c = g_c / math.sqrt(C[j, d + b])
            sum_w += step_w
            sum_c += step_c
            W[i, d + b] += g_w * g_w               # eta is squared into G: the C tool's quirk
            C[j, d + b] += g_c * g_c
            W[i, b] = w_b - step_w
            C[j, b] = c_b - step_c
        if not (math.isfinite(sum_w) and math.isfinite(sum_c)):
            for b in range(d):                     # as if no step was taken (G keeps its update, as in C)
                W[i, b], C[j, b] = old_w[b], old_c[b]
        u_bw = fdiff / math.sqrt(W[i, bias_sum])   # biases: no eta, no clipping
        u_bc = fdiff / math.sqrt(C[j, bias_sum])
        if math.isfinite(u_bw):
            W[i, bias] -= u_bw
        if math.isfinite(u_bc):
            C[j, bias] -= u_bc
        W[i, bias_sum] += fdiff * fdiff
        C[j, bias_sum] += fdiff * fdiff
    return cost


@jit
def fill_records(rows, cols, log_x, f, order, out):
    """out[k] = record order[k]: (rows, cols, log_x, f) at that index (numpy assigns a structured
    field slowly, and gathers 24-byte records slowly)."""
    for k in range(len(order)):
        o = order[k]
        out[k].i, out[k].j, out[k].log_x, out[k].f = rows[o], cols[o], log_x[o], f[o]


def pack_records(rows: torch.Tensor, cols: torch.Tensor, log_x: torch.Tensor, f: torch.Tensor,
                 order: torch.Tensor) -> np.ndarray:
    """The records as the loop reads them ((N,) of `record_type`, in the parameters' dtype), in `order`."""
    packed = np.empty(len(order), record_type(log_x.numpy().dtype))
    fill_records(rows.numpy(), cols.numpy(), log_x.numpy(), f.numpy(), order.numpy(), packed)
    return packed


class LoopParams:
    """The parameters laid out for the loop (`pack_rows`) for as long as a `with` block trains them;
    copied back into `p` (`train.Params`, CPU tensors) when it ends, even on Ctrl-C."""

    def __init__(self, p):
        self.p = p
        self.W, self.C = pack_rows(p.w, p.gw, p.bw, p.gbw), pack_rows(p.c, p.gc, p.bc, p.gbc)

    def __enter__(self) -> "LoopParams":
        return self

    def __exit__(self, *exc) -> None:
        p = self.p
        unpack_rows(self.W, p.w, p.gw, p.bw, p.gbw)
        unpack_rows(self.C, p.c, p.gc, p.bc, p.gbc)


def train_records(rows: LoopParams, records: np.ndarray, *, eta: float, grad_clip: float, threads: int) -> float:
    """One pass over the packed records, split into `threads` contiguous slices run at once (as
    `glove.c` splits its shuffled file); returns the summed cost. The rows are updated in place."""
    scalar = rows.W.dtype.type
    bounds = np.linspace(0, len(records), max(1, min(threads, len(records))) + 1).astype(int)
    jobs = [(rows.W, rows.C, records[a:b], scalar(eta), scalar(grad_clip)) for a, b in zip(bounds[:-1], bounds[1:])]
    return sum(run_threads(adagrad_records, jobs))


def train_epoch_loop(p, rows: torch.Tensor, cols: torch.Tensor, log_x: torch.Tensor, f: torch.Tensor,
                     order: torch.Tensor, *, eta: float, grad_clip: float, threads: int) -> float:
    """One pass over the records (i, j, log X_ij, f(X_ij)) in `order`; returns the summed cost.
    `p` (`train.Params`, CPU tensors) is updated in place."""
    with LoopParams(p) as laid_out:
        return train_records(laid_out, pack_records(rows, cols, log_x, f, order), eta=eta, grad_clip=grad_clip,
                             threads=threads)
