"""Loading and saving HF-format BERT checkpoints: the one map between our names and HF's keys.

Our modules say what they are (`ffn.up`, `attention_norm`); HF's keys keep Google's TF layout
(`intermediate.dense`, `attention.output.LayerNorm`). `HF_NAMES` below translates, and teaches
the layout. The loader also absorbs real-world drift: `LayerNorm.gamma/beta`, a stray
`position_ids` buffer, a missing (tied) decoder weight, files with or without the `bert.` prefix.
Lesson: lessons/03-encoder-and-weights.md.
"""
from __future__ import annotations

import json
import logging
import os
import re
import shutil
from pathlib import Path

import torch

from .backend import WeightsFileError, get_dtype, load_safetensors, safetensors_metadata, save_safetensors
from .hub import resolve_model_dir

logger = logging.getLogger("minibert")

# (our parameter name, HF checkpoint key) -- regular expressions, applied in order.
HF_NAMES = [
    (r"^embeddings\.word\.", "embeddings.word_embeddings."),
    (r"^embeddings\.position\.", "embeddings.position_embeddings."),
    (r"^embeddings\.token_type\.", "embeddings.token_type_embeddings."),
    (r"^embeddings\.norm\.", "embeddings.LayerNorm."),
    (r"^encoder\.layers\.(\d+)\.attention\.(query|key|value)\.", r"encoder.layer.\1.attention.self.\2."),
    (r"^encoder\.layers\.(\d+)\.attention\.output\.", r"encoder.layer.\1.attention.output.dense."),
    (r"^encoder\.layers\.(\d+)\.attention_norm\.", r"encoder.layer.\1.attention.output.LayerNorm."),
    (r"^encoder\.layers\.(\d+)\.ffn\.up\.", r"encoder.layer.\1.intermediate.dense."),      # W1: H -> 4H
    (r"^encoder\.layers\.(\d+)\.ffn\.down\.", r"encoder.layer.\1.output.dense."),          # W2: 4H -> H
    (r"^encoder\.layers\.(\d+)\.ffn_norm\.", r"encoder.layer.\1.output.LayerNorm."),
    (r"^pooler\.dense\.", "pooler.dense."),
    (r"^mlm\.transform\.", "cls.predictions.transform.dense."),
    (r"^mlm\.norm\.", "cls.predictions.transform.LayerNorm."),
    (r"^mlm\.bias$", "cls.predictions.bias"),                   # tied: the decoder's weight is the word embeddings
    (r"^mlm\.decoder$", "cls.predictions.decoder.weight"),      # untied (tie_word_embeddings: false)
    (r"^nsp\.", "cls.seq_relationship."),
    (r"^classifier\.", "classifier."),
    (r"^qa_outputs\.", "qa_outputs."),
]
HEAD_PREFIXES = ("cls.", "classifier.", "qa_outputs.")
# the config keys that say what the weights mean; save_pretrained writes them into the weights
# file too, so a config.json from another save (a crash between the two files) is caught on load
WEIGHT_KEYS = ("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size",
               "hidden_act", "max_position_embeddings", "type_vocab_size", "layer_norm_eps",
               "position_embedding_type", "tie_word_embeddings", "num_labels")


def hf_key(name: str) -> str:
    """Our parameter name -> HF key, e.g. 'bert.encoder.layers.0.ffn.up.weight' ->
    'bert.encoder.layer.0.intermediate.dense.weight'."""
    prefix = ""
    if name.startswith("bert."):
        prefix, name = "bert.", name[len("bert."):]
    for pattern, replacement in HF_NAMES:
        new, n = re.subn(pattern, replacement, name)
        if n:
            return prefix + new
    raise KeyError(f"no HF name for parameter {name!r}")


def read_checkpoint(folder: Path) -> dict[str, torch.Tensor]:
    """All tensors of a checkpoint folder: model.safetensors, a sharded index, or pytorch_model.bin."""
    single, index = folder / "model.safetensors", folder / "model.safetensors.index.json"
    if single.is_file():
        return load_safetensors(single)
    if index.is_file():
        try:
            weight_map = json.loads(index.read_text(encoding="utf-8"))["weight_map"]
        except (ValueError, KeyError, TypeError) as e:
            raise WeightsFileError(f"{index}: not a valid shard index ({e})") from None
        state = {}
        for shard in sorted(set(weight_map.values())):
            state.update(load_safetensors(folder / shard))
        missing = set(weight_map) - set(state)
        if missing:
            raise WeightsFileError(f"{index}: shards lack {sorted(missing)[:5]}")
        return state
    pickle_file = folder / "pytorch_model.bin"
    if pickle_file.is_file():
        try:  # weights_only: never unpickle arbitrary objects
            return torch.load(pickle_file, map_location="cpu", weights_only=True)
        except Exception as e:
            raise WeightsFileError(f"{pickle_file}: cannot read ({e})") from None
    raise FileNotFoundError(f"no weights in {folder}: expected model.safetensors, "
                            "model.safetensors.index.json or pytorch_model.bin")


def normalize_keys(state: dict[str, torch.Tensor], head_model: bool, tied: bool = True) -> dict[str, torch.Tensor]:
    """Undo key drift: gamma/beta names, buffers saved as weights, the bert. prefix; with a tied
    decoder, drop a decoder weight that repeats the word embeddings."""
    out = {}
    for key, t in state.items():
        key = re.sub(r"LayerNorm\.gamma$", "LayerNorm.weight", key)
        key = re.sub(r"LayerNorm\.beta$", "LayerNorm.bias", key)
        if key.endswith("embeddings.position_ids") or key.endswith("embeddings.token_type_ids"):
            continue  # buffers, not parameters (older files carry them)
        out[key] = t
    has_prefix = any(k.startswith("bert.") for k in out)
    if head_model and not has_prefix:  # a BertModel file into a model with a head
        out = {(k if k.startswith(HEAD_PREFIXES) else "bert." + k): t for k, t in out.items()}
    elif not head_model and has_prefix:  # a head model's file into a BertModel
        out = {k[len("bert."):] if k.startswith("bert.") else k: t for k, t in out.items()}
    # Tied, the decoder's bias is an alias of cls.predictions.bias. Untied, transformers (5.x)
    # computes with the decoder's own bias, and cls.predictions.bias is then unused: take that one.
    decoder_bias = out.pop("cls.predictions.decoder.bias", None)
    if decoder_bias is not None:
        if tied:
            out.setdefault("cls.predictions.bias", decoder_bias)
        else:
            out["cls.predictions.bias"] = decoder_bias
    decoder = out.get("cls.predictions.decoder.weight")
    if tied and decoder is not None:
        words = out.get("bert.embeddings.word_embeddings.weight", out.get("embeddings.word_embeddings.weight"))
        if words is None or (decoder.shape == words.shape and torch.equal(decoder, words)):
            del out["cls.predictions.decoder.weight"]  # a copy of the tied weight: nothing lost
        # otherwise it stays, and from_pretrained reports it as an untied decoder it cannot keep
    return out


def check_config_matches_weights(folder: Path) -> None:
    """One clear error if config.json is not the config model.safetensors was saved with (files
    written by minibert's save_pretrained; others carry no such record and are not checked)."""
    weights, config_file = folder / "model.safetensors", folder / "config.json"
    if not (weights.is_file() and config_file.is_file()):
        return
    saved = safetensors_metadata(weights).get("minibert_config")
    if saved is None:
        return
    try:
        saved, config = json.loads(saved), json.loads(config_file.read_text(encoding="utf-8"))
    except ValueError:
        return  # an unreadable config.json gets its own error from BertConfig
    differ = [f"{k}: config.json {config.get(k)!r}, weights {v!r}" for k, v in saved.items()
              if k in config and config[k] != v]
    if differ:
        raise WeightsFileError(f"{folder}: config.json is not the config model.safetensors was saved with "
                               f"({'; '.join(differ[:5])}); an interrupted save_pretrained leaves this: "
                               "save the model again")


class PretrainedMixin:
    """`from_pretrained` / `save_pretrained` for every minibert model class."""

    @classmethod
    def from_pretrained(cls, name_or_path, *, strict: bool = True, dtype=None, device=None,
                        output_loading_info: bool = False, attn_implementation: str = "sdpa",
                        **config_overrides):
        """Load an HF folder (or a model id in the HF cache). Returns the model in eval() mode.

        attn_implementation: "sdpa" (torch's fused kernel) or "eager" (the written-out formula), as
        in transformers. strict: missing or unknown encoder weights are an error. Head weights absent from the
        file (an encoder-only checkpoint into a model with a head) are freshly initialised and
        reported; weights of other heads are ignored and reported.
        """
        from .config import BertConfig

        folder = resolve_model_dir(name_or_path)
        check_config_matches_weights(folder)
        config = BertConfig.from_json_file(folder / "config.json", **config_overrides)
        head_model = cls.__name__ != "BertModel"
        state = normalize_keys(read_checkpoint(folder), head_model, config.tie_word_embeddings)
        model = cls(config)
        expected = {hf_key(name): name for name in model.state_dict()}
        missing = sorted(k for k in expected if k not in state)
        unexpected = sorted(k for k in state if k not in expected)
        wrong = [f"{k}: file {tuple(state[k].shape)}, model {tuple(model.state_dict()[expected[k]].shape)}"
                 for k in expected if k in state and state[k].shape != model.state_dict()[expected[k]].shape]
        if wrong:
            raise WeightsFileError(f"{folder}: shapes do not fit the config: " + "; ".join(wrong[:10]))
        head_missing = [k for k in missing if k.startswith(HEAD_PREFIXES)]
        body_missing = [k for k in missing if k not in head_missing]
        # weights of heads this class does not have (a pooler too, for classes built without one)
        other_heads = [k for k in unexpected if k.startswith(HEAD_PREFIXES) or
                       k.startswith(("pooler.", "bert.pooler."))]
        strange = [k for k in unexpected if k not in other_heads]
        untied = "cls.predictions.decoder.weight" in unexpected and config.tie_word_embeddings \
            and any(k.startswith("mlm.") for k in model.state_dict())
        if untied:
            other_heads.remove("cls.predictions.decoder.weight")
            strange.append("cls.predictions.decoder.weight")
            message = (f"{folder}: the file has an MLM decoder weight that differs from the word embeddings, "
                       "but config.json ties them (tie_word_embeddings: true): it would be discarded. "
                       "Set tie_word_embeddings to false to keep it")
            if strict:
                raise WeightsFileError(message)
            logger.warning(message)
        if strict and (body_missing or strange):
            raise WeightsFileError(f"{folder}: weights do not match {cls.__name__}: "
                                   f"missing {body_missing[:10]}, unexpected {strange[:10]}")
        dtype = get_dtype(dtype)
        new_state = model.state_dict()
        for key, name in expected.items():
            if key in state:
                new_state[name] = state[key].to(new_state[name].dtype)
        model.load_state_dict(new_state, strict=True)
        model.to(dtype=dtype, device=device).eval()
        getattr(model, "bert", model).set_attn_implementation(attn_implementation)
        model.name_or_path = str(folder)
        if head_missing:
            logger.warning("%s: newly initialised (not in the checkpoint): %s", cls.__name__, head_missing)
        info = {"missing_keys": missing, "unexpected_keys": unexpected, "mismatched_keys": []}
        return (model, info) if output_loading_info else model

    def hf_state_dict(self) -> dict[str, torch.Tensor]:
        """Our parameters under HF's checkpoint keys (the tied decoder is not repeated). An untied
        decoder also gets its bias under the decoder's key, which transformers reads in that case."""
        state = {hf_key(name): t for name, t in self.state_dict().items()}
        if "cls.predictions.decoder.weight" in state:
            state["cls.predictions.decoder.bias"] = state["cls.predictions.bias"]
        return state

    def save_pretrained(self, folder, tokenizer=None) -> None:
        """Write config.json, model.safetensors (HF keys) and the vocabulary: transformers loads it."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        # weights first (each file is replaced atomically); they carry the keys of the config they
        # belong to, so a crash before config.json is replaced is detected by from_pretrained
        meta = {"format": "pt", "minibert_config": json.dumps({k: getattr(self.config, k) for k in WEIGHT_KEYS})}
        save_safetensors(self.hf_state_dict(), folder / "model.safetensors", metadata=meta)
        self.config.to_json_file(folder / "config.json", architecture=type(self).__name__)
        if tokenizer is not None:
            tokenizer.save_pretrained(folder)
        else:
            source = Path(getattr(self, "name_or_path", "") or os.devnull)
            for name in ("vocab.txt", "tokenizer_config.json", "special_tokens_map.json"):
                if (source / name).is_file() and source.resolve() != folder.resolve():
                    shutil.copyfile(source / name, folder / name)
