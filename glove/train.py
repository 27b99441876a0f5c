"""AdaGrad for GloVe: the C tool's update rule, applied to a mini-batch of co-occurrence records.

For a record (i, j, X_ij): diff = w_i·c_j + b_i + b̃_j − log X_ij, fdiff = f(X_ij)·diff with
f(x) = min(1, (x/x_max)^alpha). Then, as `glove.c` does (quirks included):
  g_w = clip(fdiff·c_j, ±grad_clip)·eta;  w_i −= g_w/√G_w;  G_w += g_w²   (eta is squared into G)
  b_i −= fdiff/√G_b;  G_b += fdiff²                              (no eta and no clipping for biases)
and the same for c_j and b̃_j, all from the values *before* the record. G starts at 1.
Records of a batch are computed from the same parameters and their updates summed, each
divided by √G as if it came last in its batch (see `_denominator`): with batch_size=1 this is
exactly the C tool's sequential rule. Lesson: lessons/06-glove.md.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from minibert.backend import scatter_add_rows


@dataclass
class Params:
    """Word vectors w and context vectors c (V, d), their biases (V,), and AdaGrad accumulators."""
    w: torch.Tensor
    c: torch.Tensor
    bw: torch.Tensor
    bc: torch.Tensor
    gw: torch.Tensor
    gc: torch.Tensor
    gbw: torch.Tensor
    gbc: torch.Tensor

    @classmethod
    def from_c_layout(cls, W: torch.Tensor, gradsq: torch.Tensor | None = None) -> "Params":
        """From the C tool's flat array of shape (2V, d+1): word rows then context rows, bias last."""
        V = W.shape[0] // 2
        G = torch.ones_like(W) if gradsq is None else gradsq
        part = lambda t: t.clone(memory_format=torch.contiguous_format)  # noqa: E731
        return cls(part(W[:V, :-1]), part(W[V:, :-1]), part(W[:V, -1]), part(W[V:, -1]),
                   part(G[:V, :-1]), part(G[V:, :-1]), part(G[:V, -1]), part(G[V:, -1]))

    def to_c_layout(self) -> tuple[torch.Tensor, torch.Tensor]:
        W = torch.cat([torch.cat([self.w, self.bw[:, None]], 1), torch.cat([self.c, self.bc[:, None]], 1)])
        G = torch.cat([torch.cat([self.gw, self.gbw[:, None]], 1), torch.cat([self.gc, self.gbc[:, None]], 1)])
        return W, G


def weighting(x: torch.Tensor, x_max: float, alpha: float) -> torch.Tensor:
    """f(x) = (x/x_max)^alpha below x_max, 1 above: rare pairs count less, frequent ones are capped."""
    return torch.where(x > x_max, torch.ones_like(x), torch.pow(x / x_max, alpha))


def _denominator(acc: torch.Tensor, rows: torch.Tensor, sq: torch.Tensor) -> torch.Tensor:
    """√G for each record, with G counting the *other* records of the batch on the same row.

    As if each record came last in its batch: frequent words, which appear many times in one
    batch, take proportionately smaller steps, as they would one record at a time. With one
    record this is the C tool's √G before the update. Then G receives every record's square.
    """
    batch_sq = scatter_add_rows(torch.zeros_like(acc), rows, sq)
    denom = (acc[rows] + (batch_sq[rows] - sq)).sqrt()      # (batch - own) is exactly 0 alone
    acc.add_(batch_sq)
    return denom


def adagrad_step(p: Params, i: torch.Tensor, j: torch.Tensor, log_x: torch.Tensor, f: torch.Tensor,
                 eta: float, grad_clip: float) -> torch.Tensor:
    """Update `p` in place for the records (i, j) of one batch; returns the batch's summed cost.

    Written without data-dependent branches: a record the C tool skips gets a zero step.
    """
    w, c = p.w[i], p.c[j]                                    # (B, d)
    diff = (w * c).sum(-1) + p.bw[i] + p.bc[j] - log_x       # (B,)
    fdiff = f * diff
    ok = torch.isfinite(diff) & torch.isfinite(fdiff)        # the C tool skips such records
    diff, fdiff = torch.where(ok, diff, 0.0), torch.where(ok, fdiff, 0.0)
    cost = (0.5 * fdiff * diff).sum()
    g_w = (fdiff[:, None] * c).clamp(-grad_clip, grad_clip) * eta
    g_c = (fdiff[:, None] * w).clamp(-grad_clip, grad_clip) * eta
    u_w = g_w / _denominator(p.gw, i, g_w * g_w)             # G is accumulated even when the
    u_c = g_c / _denominator(p.gc, j, g_c * g_c)             # step below is dropped, as in C
    finite = (torch.isfinite(u_w.sum(-1)) & torch.isfinite(u_c.sum(-1)))[:, None]
    scatter_add_rows(p.w, i, torch.where(finite, -u_w, 0.0))
    scatter_add_rows(p.c, j, torch.where(finite, -u_c, 0.0))
    fsq = fdiff * fdiff
    u_bw = fdiff / _denominator(p.gbw, i, fsq)
    u_bc = fdiff / _denominator(p.gbc, j, fsq)
    scatter_add_rows(p.bw, i, -torch.nan_to_num(u_bw, nan=0.0, posinf=0.0, neginf=0.0))
    scatter_add_rows(p.bc, j, -torch.nan_to_num(u_bc, nan=0.0, posinf=0.0, neginf=0.0))
    return cost


def record_order(n: int, generator: torch.Generator | None, device) -> torch.Tensor:
    """The order in which the n records are read: a permutation from `generator` (the C tool's
    `shuffle` stage, drawn once and read so by every epoch, as `glove` reads its shuffled file), else
    as stored."""
    return torch.randperm(n, generator=generator, device=generator.device) if generator is not None \
        else torch.arange(n, device=device)


def train_epoch(p: Params, rows: torch.Tensor, cols: torch.Tensor, values: torch.Tensor, *, x_max: float,
                alpha: float, eta: float, grad_clip: float, batch_size: int | None,
                order: torch.Tensor | None = None, threads: int = 1) -> float:
    """One pass over the records in `order` (`record_order`; None: as stored); the mean cost per record.

    batch_size=None runs the compiled one-record-at-a-time loop (`loop.py`, CPU, `threads` at
    once); an integer runs mini-batches of that many records on the parameters' device.
    """
    order = record_order(len(rows), None, rows.device) if order is None else order
    log_x, f = values.log(), weighting(values, x_max, alpha)
    if batch_size is None:
        from .loop import train_epoch_loop
        total = train_epoch_loop(p, rows, cols, log_x, f, order, eta=eta, grad_clip=grad_clip, threads=threads)
        return total / max(1, len(rows))
    total = torch.zeros((), dtype=values.dtype, device=values.device)
    for start in range(0, len(order), batch_size):
        b = order[start:start + batch_size]
        total += adagrad_step(p, rows[b], cols[b], log_x[b], f[b], eta, grad_clip)
    return total.item() / max(1, len(rows))
