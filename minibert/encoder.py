"""The encoder: a stack of identical layers, each attention then feed-forward, each followed by
dropout, a residual connection and LayerNorm ("post-LN", as in the paper and HF).

There is no decoder in BERT. Lesson: lessons/03-encoder-and-weights.md.
"""
import torch
from torch import nn

from .attention import SelfAttention, select_rows
from .config import BertConfig
from .dropout import Dropout
from .feedforward import FeedForward


class EncoderLayer(nn.Module):
    def __init__(self, config: BertConfig):
        super().__init__()
        self.attention = SelfAttention(config)
        self.attention_norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.ffn = FeedForward(config)
        self.ffn_norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = Dropout(config.hidden_dropout_prob)  # dropout.py: dropout(a) + x in one pass

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None, output_attentions: bool = False, packing=None,
                rows: torch.Tensor | None = None):
        """rows (B, K): compute the output at these positions only (attention.py); (B, K, H)."""
        attended, probs = self.attention(x, mask, output_attentions, packing, rows)
        if rows is not None:
            x = select_rows(x, rows)  # the residual of the rows computed
        x = self.attention_norm(self.dropout(attended, x))  # (B, T, H), or (N, H) packed, or (B, K, H)
        x = self.ffn_norm(self.dropout(self.ffn(x), x))
        return x, probs


class Encoder(nn.Module):
    def __init__(self, config: BertConfig):
        super().__init__()
        self.layers = nn.ModuleList(EncoderLayer(config) for _ in range(config.num_hidden_layers))

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None, output_hidden_states: bool = False,
                output_attentions: bool = False, packing=None, last_layer_rows: torch.Tensor | None = None):
        """Returns the last hidden state, every hidden state (embeddings first) and every attention.
        With a `packing`, x and the hidden states are (N, H): the real tokens only. With
        `last_layer_rows` (B, K), the last layer computes those positions only: (B, K, H)."""
        hidden_states = [x] if output_hidden_states else None
        attentions = [] if output_attentions else None
        for i, layer in enumerate(self.layers):
            rows = last_layer_rows if i == len(self.layers) - 1 else None
            x, probs = layer(x, mask, output_attentions, packing, rows)
            if output_hidden_states:
                hidden_states.append(x)
            if output_attentions:
                attentions.append(probs)
        return x, (tuple(hidden_states) if hidden_states else None), (tuple(attentions) if attentions else None)
