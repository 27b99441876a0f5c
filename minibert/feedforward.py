"""The position-wise feed-forward block: W2·act(W1·x + b1) + b2, with act = GELU by default.

The activation sits *inside*, between the two linear maps (H -> intermediate -> H); the exact
erf GELU is HF's "gelu". Lesson: lessons/02-attention-and-ffn.md.
"""
import math

import torch
import torch.nn.functional as F
from torch import nn

from .config import BertConfig
from .linear import Linear


def gelu_tanh(x: torch.Tensor) -> torch.Tensor:
    """The tanh approximation of GELU (Google's TF BERT; HF's "gelu_new")."""
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


def gelu_fast(x: torch.Tensor) -> torch.Tensor:
    return 0.5 * x * (1.0 + torch.tanh(x * 0.7978845608 * (1.0 + 0.044715 * x * x)))


ACT_FN = {
    "gelu": F.gelu,  # exact: x·Φ(x) with the error function
    "gelu_new": gelu_tanh,
    "gelu_pytorch_tanh": lambda x: F.gelu(x, approximate="tanh"),
    "gelu_fast": gelu_fast,
    "relu": F.relu,
    "silu": F.silu,
    "swish": F.silu,
    "tanh": torch.tanh,
}


class FeedForward(nn.Module):
    def __init__(self, config: BertConfig):
        super().__init__()
        self.up = Linear(config.hidden_size, config.intermediate_size)      # W1, b1
        self.act = ACT_FN[config.hidden_act]
        self.down = Linear(config.intermediate_size, config.hidden_size)    # W2, b2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.down(self.act(self.up(x)))  # (B, T, H) -> (B, T, I) -> (B, T, H)
