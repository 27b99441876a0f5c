"""BERT's input layer: word + position + token-type embeddings, summed, LayerNorm, dropout.

Shapes: B batch, T tokens, H hidden. Lesson: lessons/03-encoder-and-weights.md.
"""
import torch
from torch import nn

from .config import BertConfig
from .dropout import Dropout


class Embeddings(nn.Module):
    def __init__(self, config: BertConfig):
        super().__init__()
        # the [PAD] row gets no gradient, as in HF (padding_idx)
        self.word = nn.Embedding(config.vocab_size, config.hidden_size, padding_idx=config.pad_token_id)
        self.position = nn.Embedding(config.max_position_embeddings, config.hidden_size)
        self.token_type = nn.Embedding(config.type_vocab_size, config.hidden_size)
        self.norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = Dropout(config.hidden_dropout_prob)

    def forward(self, input_ids: torch.Tensor, token_type_ids: torch.Tensor,
                position_ids: torch.Tensor) -> torch.Tensor:
        # (B, T) ids -> (B, T, H); the sum is taken in HF's order so float rounding agrees
        x = self.word(input_ids) + self.token_type(token_type_ids)
        x = x + self.position(position_ids)
        return self.dropout(self.norm(x))
