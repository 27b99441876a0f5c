"""Named outputs of the models, as in transformers (`out.last_hidden_state`, `out["logits"]`)."""
from __future__ import annotations

from dataclasses import dataclass, fields

import torch

Tensor = torch.Tensor


class ModelOutput:
    """Attribute access plus `out["name"]`, like HF's ModelOutput (no positional indexing)."""

    def __getitem__(self, key: str):
        return getattr(self, key)

    def keys(self):
        return [f.name for f in fields(self) if getattr(self, f.name) is not None]


@dataclass
class BaseModelOutput(ModelOutput):
    last_hidden_state: Tensor                  # (B, T, H)
    pooler_output: Tensor | None = None        # (B, H)
    hidden_states: tuple[Tensor, ...] | None = None  # embeddings + each layer, (B, T, H) each
    attentions: tuple[Tensor, ...] | None = None     # each layer, (B, nh, T, T)


@dataclass
class PreTrainingOutput(ModelOutput):
    loss: Tensor | None = None
    prediction_logits: Tensor | None = None       # (B, T, V), or (M, V) at the M masked positions
    seq_relationship_logits: Tensor | None = None  # (B, 2): 0 = IsNext, 1 = random
    hidden_states: tuple[Tensor, ...] | None = None
    attentions: tuple[Tensor, ...] | None = None
    mlm_loss: Tensor | None = None
    nsp_loss: Tensor | None = None


@dataclass
class MaskedLMOutput(ModelOutput):
    loss: Tensor | None = None
    logits: Tensor | None = None  # (B, T, V)
    hidden_states: tuple[Tensor, ...] | None = None
    attentions: tuple[Tensor, ...] | None = None


@dataclass
class ClassifierOutput(ModelOutput):
    loss: Tensor | None = None
    logits: Tensor | None = None  # (B, num_labels) or (B, T, num_labels)
    hidden_states: tuple[Tensor, ...] | None = None
    attentions: tuple[Tensor, ...] | None = None


@dataclass
class QuestionAnsweringOutput(ModelOutput):
    loss: Tensor | None = None
    start_logits: Tensor | None = None  # (B, T)
    end_logits: Tensor | None = None    # (B, T)
    hidden_states: tuple[Tensor, ...] | None = None
    attentions: tuple[Tensor, ...] | None = None
