"""`BertModel`: embeddings -> encoder -> pooler, with HF's call signature and named outputs.

B batch, T tokens, H hidden. Inputs are checked (lengths, id ranges) so a mistake gives a clear
message instead of an index error deep inside torch. Lesson: lessons/03-encoder-and-weights.md.
"""
from __future__ import annotations

import torch
from torch import nn

from .attention import additive_mask
from .config import BertConfig
from .embeddings import Embeddings
from .encoder import Encoder
from .linear import Linear
from .outputs import BaseModelOutput
from .packing import Packing
from .weights import PretrainedMixin


class Pooler(nn.Module):
    """tanh(W·h[CLS] + b): the sentence vector NSP and classifiers read."""

    def __init__(self, config: BertConfig):
        super().__init__()
        self.dense = Linear(config.hidden_size, config.hidden_size)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.dense(hidden[:, 0]))  # (B, T, H) -> (B, H)


def init_weights(module: nn.Module, config: BertConfig) -> None:
    """HF's initialisation: normal(0, initializer_range) weights, zero biases, LayerNorm 1/0."""
    for m in module.modules():
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, 0.0, config.initializer_range)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Embedding):
            nn.init.normal_(m.weight, 0.0, config.initializer_range)
            if m.padding_idx is not None:
                with torch.no_grad():
                    m.weight[m.padding_idx].zero_()
        elif isinstance(m, nn.LayerNorm):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)


class BertModel(PretrainedMixin, nn.Module):
    def __init__(self, config: BertConfig, add_pooling_layer: bool = True):
        super().__init__()
        self.config = config
        self.embeddings = Embeddings(config)
        self.encoder = Encoder(config)
        self.pooler = Pooler(config) if add_pooling_layer else None
        init_weights(self, config)

    def set_attn_implementation(self, name: str) -> None:
        """"sdpa" (default: torch's fused kernel, held equal to the formula by the tests) or "eager"
        (the written-out softmax(QKᵀ/√d + mask)·V, always used when attentions are asked for)."""
        if name not in ("sdpa", "eager"):
            raise ValueError(f"attn_implementation must be 'sdpa' or 'eager', got {name!r}")
        for layer in self.encoder.layers:
            layer.attention.use_sdpa = name == "sdpa"

    @property
    def attn_implementation(self) -> str:
        return "sdpa" if self.encoder.layers[0].attention.use_sdpa else "eager"

    def check_inputs(self, input_ids, attention_mask, token_type_ids, position_ids):
        """Clear errors for inputs the model cannot take."""
        c = self.config
        if not isinstance(input_ids, torch.Tensor) or input_ids.dim() != 2:
            raise ValueError("input_ids must be a (batch, length) tensor of token ids")
        if input_ids.dtype not in (torch.int64, torch.int32):
            raise ValueError(f"input_ids must hold integers, got {input_ids.dtype}")
        B, T = input_ids.shape
        if T > c.max_position_embeddings and position_ids is None:
            raise ValueError(f"sequence of {T} tokens is longer than max_position_embeddings="
                             f"{c.max_position_embeddings}: truncate it (tokenizer truncation=True)")
        if input_ids.numel() and (input_ids.min() < 0 or input_ids.max() >= c.vocab_size):
            raise ValueError(f"input_ids hold ids outside the vocabulary [0, {c.vocab_size}): "
                             f"min {int(input_ids.min())}, max {int(input_ids.max())}")
        for name, t, limit in (("token_type_ids", token_type_ids, c.type_vocab_size),
                               ("position_ids", position_ids, c.max_position_embeddings)):
            if t is None:
                continue
            if t.shape[-1] != T:
                raise ValueError(f"{name} has shape {tuple(t.shape)}, input_ids {tuple(input_ids.shape)}")
            if t.numel() and (t.min() < 0 or t.max() >= limit):
                raise ValueError(f"{name} hold values outside [0, {limit}): min {int(t.min())}, max {int(t.max())}")
        if attention_mask is not None and attention_mask.shape != input_ids.shape:
            raise ValueError(f"attention_mask has shape {tuple(attention_mask.shape)}, "
                             f"input_ids {tuple(input_ids.shape)}")

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None,
                token_type_ids: torch.Tensor | None = None, position_ids: torch.Tensor | None = None,
                output_hidden_states: bool = False, output_attentions: bool = False,
                skip_padding: bool = False, last_layer_rows: torch.Tensor | None = None) -> BaseModelOutput:
        """input_ids (B, T); attention_mask (B, T) 1 = token, 0 = padding; token_type_ids (B, T).

        skip_padding: compute the real tokens only (packing.py); the outputs at padding positions
        are then zeros instead of transformers' unused numbers. Ignored when attentions are asked for.
        last_layer_rows (B, K): the positions whose output is wanted (pretraining: [CLS] first, then
        the masked ones); the last layer computes only those, and last_hidden_state is (B, K, H)."""
        self.check_inputs(input_ids, attention_mask, token_type_ids, position_ids)
        B, T = input_ids.shape
        device = input_ids.device
        if token_type_ids is None:
            token_type_ids = torch.zeros_like(input_ids)
        if position_ids is None:
            position_ids = torch.arange(T, device=device).expand(B, T)
        x = self.embeddings(input_ids, token_type_ids, position_ids)  # (B, T, H)
        mask = None
        if attention_mask is not None and not bool(attention_mask.all()):
            mask = additive_mask(attention_mask, x.dtype)  # (B, 1, 1, T)
        if last_layer_rows is not None:
            x, hidden_states, attentions = self.encoder(x, mask, output_hidden_states, output_attentions,
                                                        last_layer_rows=last_layer_rows)
        elif mask is not None and skip_padding and not output_attentions:
            packing = Packing(attention_mask)
            x, hidden_states, attentions = self.encoder(packing.pack(x), mask, output_hidden_states, False, packing)
            x = packing.unpack(x)
            hidden_states = tuple(map(packing.unpack, hidden_states)) if hidden_states else None
        else:
            x, hidden_states, attentions = self.encoder(x, mask, output_hidden_states, output_attentions)
        pooled = self.pooler(x) if self.pooler is not None else None
        return BaseModelOutput(x, pooled, hidden_states, attentions)
