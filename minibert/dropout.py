"""Dropout, written out: keep each value with probability 1 - p and scale it by 1/(1 - p).

`nn.Dropout` on the CPU draws its mask with `bernoulli_`, which takes about twice as long as
drawing uniforms and comparing them with p, and the encoder then adds the residual in another
pass. This `Dropout` is an `nn.Dropout` (same `p`, same `eval()`, same global random generator)
whose mask is `rand >= p`, and which can add the residual in the same pass. The distribution is
the same as nn.Dropout's; the draws are not (a test checks the distribution and the gradient).
Lesson: lessons/03-encoder-and-weights.md.
"""
from __future__ import annotations

import torch
from torch import nn


def keep_mask(x: torch.Tensor, p: float) -> torch.Tensor:
    """A tensor shaped like x: 1/(1-p) where a value is kept (probability 1 - p), else 0."""
    # bf16/fp16 uniforms are too coarse to compare with p: draw in float32, then round the mask
    draw_dtype = x.dtype if x.dtype in (torch.float32, torch.float64) else torch.float32
    mask = torch.rand(x.shape, dtype=draw_dtype, device=x.device).ge_(p)
    if p < 1:
        mask.div_(1 - p)
    return mask.to(x.dtype)


def dropout(x: torch.Tensor, p: float, training: bool = True, residual: torch.Tensor | None = None) -> torch.Tensor:
    """dropout(x) (+ residual): F.dropout's rule, with the residual added in the same pass."""
    if not training or p == 0:
        return x if residual is None else x + residual
    mask = keep_mask(x, p)
    return x * mask if residual is None else torch.addcmul(residual, x, mask)


class Dropout(nn.Dropout):
    """nn.Dropout through `dropout` above; `self.dropout(x, residual)` is dropout(x) + residual."""

    def forward(self, x: torch.Tensor, residual: torch.Tensor | None = None) -> torch.Tensor:
        return dropout(x, self.p, self.training, residual)
