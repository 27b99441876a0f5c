"""Multi-head self-attention, written out: softmax(Q·Kᵀ/√d + mask)·V, then an output projection.

B batch, T tokens, H hidden, nh heads, d = H/nh per head. The plain path below *is* the
definition; `use_sdpa` switches to torch's fused `scaled_dot_product_attention`, which a test
holds equal to it, and is used only when the attention probabilities are not asked for (and,
on the CPU, not with dropout in training: dropout.py).
Lesson: lessons/02-attention-and-ffn.md.
"""
import torch
import torch.nn.functional as F
from torch import nn

from .config import BertConfig
from .dropout import dropout as drop
from .linear import Linear


def additive_mask(attention_mask: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """(B, T) of 1 = token, 0 = padding  ->  (B, 1, 1, T) of 0 and a huge negative number.

    Added to the scores before the softmax, it gives padding keys a probability of 0.
    """
    m = attention_mask[:, None, None, :].to(dtype)
    return (1.0 - m) * torch.finfo(dtype).min


def select_rows(x: torch.Tensor, rows: torch.Tensor) -> torch.Tensor:
    """x (B, T, H), rows (B, K) positions -> (B, K, H): each sequence's rows at those positions."""
    return x.gather(1, rows.unsqueeze(-1).expand(-1, -1, x.size(-1)))


class SelfAttention(nn.Module):
    def __init__(self, config: BertConfig, use_sdpa: bool = True):
        super().__init__()
        self.num_heads = config.num_attention_heads
        self.head_dim = config.head_dim
        self.scale = self.head_dim ** -0.5  # 1/√d, multiplied as HF does
        self.query = Linear(config.hidden_size, config.hidden_size)
        self.key = Linear(config.hidden_size, config.hidden_size)
        self.value = Linear(config.hidden_size, config.hidden_size)
        self.output = Linear(config.hidden_size, config.hidden_size)
        self.dropout_p = config.attention_probs_dropout_prob
        self.use_sdpa = use_sdpa

    def _heads(self, x: torch.Tensor) -> torch.Tensor:
        B, T, _ = x.shape
        return x.view(B, T, self.num_heads, self.head_dim).transpose(1, 2)  # (B, nh, T, d)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None, output_attentions: bool = False, packing=None,
                rows: torch.Tensor | None = None):
        """x: (B, T, H); mask: additive (B, 1, 1, T) or None. Returns (B, T, H) and (B, nh, T, T) or None.
        With a `packing` (packing.py), x is (N, H), the real tokens only, and so is the result.
        With `rows` (B, K), only those positions ask (queries): the result is (B, K, H), while every
        position still answers (keys and values), so each row is exactly what it is in the full output."""
        q = self.query(x if rows is None else select_rows(x, rows))
        k, v = self.key(x), self.value(x)
        if packing is not None:  # back to (B, T, H), zeros at the padding, for the products below
            q, k, v = packing.unpack(q), packing.unpack(k), packing.unpack(v)
        q, k, v = self._heads(q), self._heads(k), self._heads(v)
        dropout = self.dropout_p if self.training else 0.0
        # torch's CPU kernel has no fused dropout (it falls back to this formula, with a slower mask)
        fused = self.use_sdpa and not output_attentions and (dropout == 0 or q.is_cuda)
        if fused:
            context = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=dropout, scale=self.scale)
            probs = None
        else:
            scores = (q @ k.transpose(-1, -2)) * self.scale  # (B, nh, T, T)
            if mask is not None:
                scores = scores + mask
            probs = scores.softmax(dim=-1)
            context = drop(probs, dropout, self.training) @ v  # (B, nh, T, d)
        B, _, T, _ = context.shape
        context = context.transpose(1, 2).reshape(B, T, -1)  # (B, T, H): heads side by side
        if packing is not None:
            context = packing.pack(context)                    # (N, H)
        return self.output(context), probs
