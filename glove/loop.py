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

from minibert.backend import jit, run_threads


@jit
def gather(source, order, out):
    """out[k] = source[order[k]], compiled: numpy's fancy indexing takes a slow path for 24-byte records."""
    for k in range(len(order)):
        out[k] = source[order[k]]


def record_type(dtype) -> np.dtype:
    """A co-occurrence record as the loop reads it: word i, context j, log X_ij and f(X_ij) side by
    side (24 bytes in float64), so that shuffling them is one gather, not four."""
    return np.dtype([("i", np.int32), ("j", np.int32), ("log_x", dtype), ("f", dtype)])


@jit
def adagrad_records(w, c, bw, bc, gw, gc, gbw, gbc, records, eta, grad_clip):
    """Apply the records ((N,) of `record_type`: i, j, log X_ij, f(X_ij)) in turn; returns their summed cost.

    w, c, gw, gc: (V, d); bw, bc, gbw, gbc: (V,); eta and grad_clip in the parameters' dtype.
    """
    d = w.shape[1]
    old_w = np.empty(d, w.dtype)                   # (d,) the rows before the record: the C tool drops
    old_c = np.empty(d, w.dtype)                   # every step of a record if any is not finite
    cost = 0.0
    for k in range(len(records)):
        record = records[k]
        i, j = record.i, record.j
        diff = bw[i] + bc[j] - record.log_x
        for b in range(d):
            diff += w[i, b] * c[j, b]
        fdiff = record.f * diff
        if not (math.isfinite(diff) and math.isfinite(fdiff)):
            continue                               # the C tool skips such a record
        cost += 0.5 * fdiff * diff
        sum_w = sum_c = 0.0                        # only to test that every step is finite
        for b in range(d):                         # one pass: step now, undo below in the rare bad case
            w_b, c_b = w[i, b], c[j, b]
            old_w[b], old_c[b] = w_b, c_b
            g_w = min(max(fdiff * c_b, -grad_clip), grad_clip) * eta
            g_c = min(max(fdiff * w_b, -grad_clip), grad_clip) * eta
            step_w = g_w / math.sqrt(gw[i, b])
            step_c = g_c / math.sqrt(gc[j, b])
            sum_w += step_w
            sum_c += step_c
            gw[i, b] += g_w * g_w                  # eta is squared into G: the C tool's quirk
            gc[j, b] += g_c * g_c
            w[i, b] = w_b - step_w
            c[j, b] = c_b - step_c
        if not (math.isfinite(sum_w) and math.isfinite(sum_c)):
            for b in range(d):                     # as if no step was taken (G keeps its update, as in C)
                w[i, b], c[j, b] = old_w[b], old_c[b]
        u_bw = fdiff / math.sqrt(gbw[i])           # biases: no eta, no clipping
        u_bc = fdiff / math.sqrt(gbc[j])
        if math.isfinite(u_bw):
            bw[i] -= u_bw
        if math.isfinite(u_bc):
            bc[j] -= u_bc
        gbw[i] += fdiff * fdiff
        gbc[j] += fdiff * fdiff
    return cost


@jit
def fill_records(rows, cols, log_x, f, out):
    """out[k] = (rows[k], cols[k], log_x[k], f[k]): numpy assigns a structured field slowly."""
    for k in range(len(rows)):
        out[k].i, out[k].j, out[k].log_x, out[k].f = rows[k], cols[k], log_x[k], f[k]


def pack_records(rows: torch.Tensor, cols: torch.Tensor, log_x: torch.Tensor, f: torch.Tensor) -> np.ndarray:
    """The records as the loop reads them ((N,) of `record_type`, in the parameters' dtype)."""
    packed = np.empty(len(rows), record_type(log_x.numpy().dtype))
    fill_records(rows.numpy(), cols.numpy(), log_x.numpy(), f.numpy(), packed)
    return packed


def train_records(p, packed: np.ndarray, order: torch.Tensor, *, eta: float, grad_clip: float, threads: int) -> float:
    """One pass over the packed records in `order`, split into `threads` contiguous slices run at
    once; returns the summed cost. Parameters (`train.Params`, CPU tensors) are updated in place."""
    arrays = [t.numpy() for t in (p.w, p.c, p.bw, p.bc, p.gw, p.gc, p.gbw, p.gbc)]   # shared memory
    scalar = arrays[0].dtype.type
    records = np.empty_like(packed)
    gather(packed, order.numpy(), records)   # shuffled: one read per record; the loop reads them in turn
    bounds = np.linspace(0, len(records), max(1, min(threads, len(records))) + 1).astype(int)
    jobs = [(*arrays, records[a:b], scalar(eta), scalar(grad_clip)) for a, b in zip(bounds[:-1], bounds[1:])]
    return sum(run_threads(adagrad_records, jobs))


def train_epoch_loop(p, rows: torch.Tensor, cols: torch.Tensor, log_x: torch.Tensor, f: torch.Tensor,
                     order: torch.Tensor, *, eta: float, grad_clip: float, threads: int) -> float:
    """One pass over the records (i, j, log X_ij, f(X_ij)) in `order`; returns the summed cost."""
    return train_records(p, pack_records(rows, cols, log_x, f), order, eta=eta, grad_clip=grad_clip,
                         threads=threads)
