"""The MLM decoder and its loss in one step: z = t·Wᵀ + b, loss = mean(logsumexp(z) - z_y).

The gradient of the loss with respect to z is (softmax(z) - onehot(y)) / M. `F.linear` followed
by `F.cross_entropy` stores the log-probabilities too and builds that gradient in three (M, V)
passes (zeros, a scatter, the log-softmax backward), then the linear layer's backward reads it.
Here it is made a block of vocabulary columns at a time and used at once for the gradients of t,
W and b, so no second (M, V) tensor is ever held. On a CPU in float32 the logits' product runs
on oneDNN (`minibert.linear.onednn_linear`), as the encoder's products do in training. Tests hold
the logits, loss and every gradient equal to F.linear + F.cross_entropy. Every row has a label (no
ignore_index): the MLM head calls it on the masked positions only. Lesson: lessons/04-pretraining.md.
"""
from __future__ import annotations

import torch

from . import linear

BLOCK_ELEMENTS = 1 << 22  # about 4M logits per block (16 MB in float32)


def _row_blocks(M: int, V: int) -> list[tuple[int, int]]:
    n = max(1, BLOCK_ELEMENTS // max(1, V))
    return [(i, min(i + n, M)) for i in range(0, M, n)]


def _column_blocks(M: int, V: int) -> list[tuple[int, int]]:
    n = max(1, BLOCK_ELEMENTS // max(1, M))
    return [(j, min(j + n, V)) for j in range(0, V, n)]


class _LinearCrossEntropy(torch.autograd.Function):
    @staticmethod
    def forward(ctx, t, weight, bias, labels):
        # t (M, H), weight (V, H), bias (V,) or None, labels (M,) -> logits (M, V), loss ()
        if linear.onednn_training and linear.onednn_ready(t, weight):
            logits = linear.onednn_linear(t, weight, bias)   # W reordered for oneDNN: linear.py
        else:
            logits = t @ weight.T if bias is None else torch.addmm(bias, t, weight.T)
        acc = torch.promote_types(logits.dtype, torch.float32)  # bf16 logits are summed in float32
        lse = torch.empty(logits.size(0), dtype=acc, device=logits.device)  # (M,) logsumexp of each row
        for i, j in _row_blocks(*logits.shape):
            lse[i:j] = logits[i:j].to(acc).logsumexp(-1)
        loss = (lse - logits.gather(1, labels[:, None])[:, 0].to(acc)).mean()
        ctx.save_for_backward(t, weight, labels, logits, lse)
        ctx.bias_dtype = None if bias is None else bias.dtype
        ctx.set_materialize_grads(False)
        return logits, loss

    @staticmethod
    def backward(ctx, grad_logits, grad_loss):
        t, weight, labels, logits, lse = ctx.saved_tensors
        M, V = logits.shape
        dtype = logits.dtype  # the products' dtype in forward (bf16 under autocast)
        x, w = t.to(dtype), weight.to(dtype)
        grad_t = torch.zeros_like(x)
        grad_w = torch.empty_like(weight) if ctx.needs_input_grad[1] else None
        grad_b = None if ctx.bias_dtype is None else torch.empty(V, dtype=ctx.bias_dtype, device=weight.device)
        rows = torch.arange(M, device=logits.device)
        for j, k in _column_blocks(M, V):
            z = logits[:, j:k]  # (M, Vb)
            if grad_loss is not None:  # dloss/dz = (softmax(z) - onehot(y)) / M
                g = (z.to(lse.dtype) - lse[:, None]).exp_()
                inside = (labels >= j) & (labels < k)
                g[rows[inside], labels[inside] - j] -= 1
                g = g.mul_(grad_loss / M).to(dtype)
            else:
                g = torch.zeros_like(z)
            if grad_logits is not None:  # the logits were used elsewhere too
                g += grad_logits[:, j:k]
            grad_t.addmm_(g, w[j:k])  # (M, H)
            if grad_w is not None:
                if grad_w.dtype == dtype:
                    torch.mm(g.T, x, out=grad_w[j:k])  # (Vb, H), written in place
                else:
                    grad_w[j:k] = g.T @ x
            if grad_b is not None:
                grad_b[j:k] = g.sum(0)
        return grad_t.to(t.dtype), grad_w, grad_b, None


def linear_cross_entropy(t: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None,
                         labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(logits, loss): F.linear(t, weight, bias) and F.cross_entropy of it against labels (M,).

    A label outside [0, V) raises, as in F.cross_entropy (here from the gather)."""
    if t.dim() != 2 or labels.shape != t.shape[:1]:
        raise ValueError(f"expected t (M, H) and labels (M,), got {tuple(t.shape)} and {tuple(labels.shape)}")
    return _LinearCrossEntropy.apply(t, weight, bias, labels)
