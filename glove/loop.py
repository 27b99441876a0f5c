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
def adagrad_records(w, c, bw, bc, gw, gc, gbw, gbc, rows, cols, log_x, f, eta, grad_clip):
    """Apply the records (rows, cols, log_x, f: (N,) each) in turn; returns their summed cost.

    w, c, gw, gc: (V, d); bw, bc, gbw, gbc: (V,); eta and grad_clip in the parameters' dtype.
    """
    d = w.shape[1]
    step_w = np.empty(d, w.dtype)                  # (d,) a record's steps, applied only if all finite
    step_c = np.empty(d, w.dtype)
    cost = 0.0
    for k in range(len(rows)):
        i, j = rows[k], cols[k]
        diff = bw[i] + bc[j] - log_x[k]
        for b in range(d):
            diff += w[i, b] * c[j, b]
        fdiff = f[k] * diff
        if not (math.isfinite(diff) and math.isfinite(fdiff)):
            continue                               # the C tool skips such a record
        cost += 0.5 * fdiff * diff
        sum_w = sum_c = 0.0                        # only to test that every step is finite
        for b in range(d):
            g_w = min(max(fdiff * c[j, b], -grad_clip), grad_clip) * eta
            g_c = min(max(fdiff * w[i, b], -grad_clip), grad_clip) * eta
            step_w[b] = g_w / math.sqrt(gw[i, b])
            step_c[b] = g_c / math.sqrt(gc[j, b])
            sum_w += step_w[b]
            sum_c += step_c[b]
            gw[i, b] += g_w * g_w                  # eta is squared into G: the C tool's quirk
            gc[j, b] += g_c * g_c
        if math.isfinite(sum_w) and math.isfinite(sum_c):
            for b in range(d):
                w[i, b] -= step_w[b]
                c[j, b] -= step_c[b]
        u_bw = fdiff / math.sqrt(gbw[i])           # biases: no eta, no clipping
        u_bc = fdiff / math.sqrt(gbc[j])
        if math.isfinite(u_bw):
            bw[i] -= u_bw
        if math.isfinite(u_bc):
            bc[j] -= u_bc
        gbw[i] += fdiff * fdiff
        gbc[j] += fdiff * fdiff
    return cost


def train_epoch_loop(p, rows: torch.Tensor, cols: torch.Tensor, log_x: torch.Tensor, f: torch.Tensor,
                     order: torch.Tensor, *, eta: float, grad_clip: float, threads: int) -> float:
    """One pass over the records in `order`, split into `threads` contiguous slices run at once;
    returns the summed cost. Parameters (`train.Params`, CPU tensors) are updated in place."""
    arrays = [t.numpy() for t in (p.w, p.c, p.bw, p.bc, p.gw, p.gc, p.gbw, p.gbc)]   # shared memory
    scalar = arrays[0].dtype.type
    order = order.numpy()
    records = [t.numpy()[order] for t in (rows, cols, log_x, f)]   # in order: read sequentially
    bounds = np.linspace(0, len(order), max(1, min(threads, len(order))) + 1).astype(int)
    jobs = [(*arrays, *[r[a:b] for r in records], scalar(eta), scalar(grad_clip))
            for a, b in zip(bounds[:-1], bounds[1:])]
    return sum(run_threads(adagrad_records, jobs))
