"""`BertConfig`: the sizes of a BERT model, under the key names of HF's `config.json`.

Defaults are bert-base's (as in transformers). Keys HF writes as metadata (`architectures`,
`transformers_version`, `pooler_*` of the Google checkpoints, ...) are accepted and kept in `extra`;
a value we do not implement (relative positions, a decoder, an unknown activation) is an error.
Lesson: lessons/02-attention-and-ffn.md.
"""
from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

ACTIVATIONS = ("gelu", "gelu_new", "gelu_pytorch_tanh", "gelu_fast", "relu", "silu", "swish", "tanh")


@dataclass
class BertConfig:
    vocab_size: int = 30522
    hidden_size: int = 768
    num_hidden_layers: int = 12
    num_attention_heads: int = 12
    intermediate_size: int = 3072
    hidden_act: str = "gelu"
    hidden_dropout_prob: float = 0.1
    attention_probs_dropout_prob: float = 0.1
    max_position_embeddings: int = 512
    type_vocab_size: int = 2
    initializer_range: float = 0.02
    layer_norm_eps: float = 1e-12
    pad_token_id: int = 0
    position_embedding_type: str = "absolute"
    classifier_dropout: float | None = None
    num_labels: int = 2
    problem_type: str | None = None
    is_decoder: bool = False
    add_cross_attention: bool = False
    tie_word_embeddings: bool = True
    extra: dict = field(default_factory=dict, repr=False)  # metadata we keep but do not use

    def __post_init__(self):
        for name in ("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads",
                     "intermediate_size", "max_position_embeddings", "type_vocab_size", "num_labels"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"config: {name} must be a positive integer, got {value!r}")
        if self.hidden_size % self.num_attention_heads:
            raise ValueError(f"config: hidden_size={self.hidden_size} is not a multiple of "
                             f"num_attention_heads={self.num_attention_heads}")
        if self.hidden_act not in ACTIVATIONS:
            raise ValueError(f"config: hidden_act={self.hidden_act!r} is not implemented; "
                             f"expected one of {ACTIVATIONS}")
        if self.position_embedding_type != "absolute":
            raise ValueError(f"config: position_embedding_type={self.position_embedding_type!r} is not "
                             "implemented; minibert has BERT's learned absolute positions only")
        if self.is_decoder or self.add_cross_attention:
            raise ValueError("config: is_decoder/add_cross_attention are not implemented: BERT is an "
                             "encoder, it has no decoder")
        for name in ("hidden_dropout_prob", "attention_probs_dropout_prob"):
            if not 0.0 <= float(getattr(self, name)) < 1.0:
                raise ValueError(f"config: {name} must be in [0, 1), got {getattr(self, name)!r}")
        if self.layer_norm_eps <= 0:
            raise ValueError(f"config: layer_norm_eps must be positive, got {self.layer_norm_eps!r}")
        if self.problem_type not in (None, "regression", "single_label_classification",
                                     "multi_label_classification"):
            raise ValueError(f"config: unknown problem_type {self.problem_type!r}")

    @property
    def head_dim(self) -> int:
        return self.hidden_size // self.num_attention_heads

    # --- config.json ------------------------------------------------------------------------------
    @classmethod
    def from_dict(cls, d: dict, **overrides) -> "BertConfig":
        d = {**d, **overrides}
        if d.get("model_type", "bert") != "bert":
            raise ValueError(f"config: model_type={d['model_type']!r}; minibert loads BERT models only")
        if "id2label" in d and "num_labels" not in overrides:
            d["num_labels"] = len(d["id2label"])
        names = {f.name for f in dataclasses.fields(cls)} - {"extra"}
        known = {k: v for k, v in d.items() if k in names}
        extra = {k: v for k, v in d.items() if k not in names}
        if known.get("pad_token_id") is None:
            known["pad_token_id"] = 0
        return cls(**known, extra=extra)

    @classmethod
    def from_json_file(cls, path: str | os.PathLike, **overrides) -> "BertConfig":
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"no config.json at {path}")
        try:
            d = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise ValueError(f"{path} is not valid JSON ({e})") from None
        if not isinstance(d, dict):
            raise ValueError(f"{path} does not hold a JSON object")
        return cls.from_dict(d, **overrides)

    def to_dict(self) -> dict:
        d = {k: v for k, v in self.extra.items() if k not in ("transformers_version",)}
        d.update({f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "extra"})
        d["model_type"] = "bert"
        n = d.pop("num_labels")
        if "id2label" not in d or len(d["id2label"]) != n:
            d["id2label"] = {str(i): f"LABEL_{i}" for i in range(n)}
            d["label2id"] = {f"LABEL_{i}": i for i in range(n)}
        return d

    def to_json_file(self, path: str | os.PathLike, architecture: str | None = None) -> None:
        from .backend import atomic_write

        d = self.to_dict()
        if architecture:
            d["architectures"] = [architecture]
        with atomic_write(path, "w") as f:
            json.dump(d, f, indent=2, sort_keys=True)
            f.write("\n")
