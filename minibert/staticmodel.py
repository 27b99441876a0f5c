"""`StaticModel`: one vector per vocabulary piece; a text's vector is the mean of its pieces' vectors.

The static end of "everything is a mapping": no attention, no context, a table lookup and a mean,
so it encodes thousands of sentences a second. `minibert.distill` makes one from a BERT model
(Model2Vec's recipe); folders are written and read in Model2Vec's format (model.safetensors with an
`embeddings` table, config.json, tokenizer.json), so `model2vec.StaticModel.from_pretrained` loads
ours and we load theirs. Tests hold `encode` equal to model2vec's. Lesson 7. V pieces, D dims, N texts.
"""
from __future__ import annotations

import json
import os
from itertools import chain
from pathlib import Path

import numpy as np
import torch

from .files import atomic_write
from .tokenizer import BertTokenizer
from .vectors import KeyedVectors

class StaticModel:
    """A (V, D) table over a WordPiece vocabulary, read through a BERT tokenizer without [CLS]/[SEP].

    >>> static = minibert.distill(model, tokenizer)         # or StaticModel.from_pretrained(folder)
    >>> static.encode(["a sentence", "another"])            # (2, D) float32, unit length
    """

    def __init__(self, embedding: np.ndarray, tokenizer: BertTokenizer, *, normalize: bool = True,
                 max_length: int | None = 512, weights: np.ndarray | None = None,
                 token_mapping: np.ndarray | None = None, config: dict | None = None):
        embedding = np.asarray(embedding)
        if embedding.ndim != 2:
            raise ValueError(f"the embedding table must be 2-D (V, D), got shape {embedding.shape}")
        rows = len(tokenizer) if token_mapping is None else int(np.max(token_mapping, initial=-1)) + 1
        if token_mapping is None and embedding.shape[0] != len(tokenizer):
            raise ValueError(f"the tokenizer has {len(tokenizer)} tokens but the table has {embedding.shape[0]} rows")
        if token_mapping is not None and (len(token_mapping) != len(tokenizer) or rows > embedding.shape[0]):
            raise ValueError("token_mapping must give each of the tokenizer's tokens a row of the table")
        self.embedding = embedding                    # (V, D), or (clusters, D) with a token_mapping
        self.tokenizer = tokenizer
        self.weights = weights                        # (V,) per-piece factors, or None
        self.token_mapping = token_mapping            # (V,) piece -> row, or None
        self.normalize = normalize
        self.max_length = max_length
        self.config = dict(config or {})
        self.tokens = [tokenizer.ids_to_tokens[i] for i in range(len(tokenizer))]
        # Model2Vec cuts a text at max_length x the median piece length (in characters) before tokenising.
        self.median_token_length = int(np.median([len(t) for t in self.tokens]))

    @property
    def dim(self) -> int:
        return self.embedding.shape[1]

    def __len__(self) -> int:
        return len(self.tokens)

    # --- text -> vectors ---------------------------------------------------------------------------
    def tokenize(self, texts: list[str], max_length: int | None = None) -> list[list[int]]:
        """Each text's piece ids, no [CLS]/[SEP], unknown pieces dropped (they carry no meaning)."""
        unk, encode = self.tokenizer.unk_token_id, self.tokenizer._encode_text
        if max_length is None:
            return [[i for i in encode(text)[0] if i != unk] for text in texts]
        cut = max_length * self.median_token_length
        return [[i for i in encode(text[:cut])[0][:max_length] if i != unk] for text in texts]

    def _table(self) -> torch.Tensor:
        """The table as a torch tensor for `embedding_bag` (float32 unless it is float64), made once."""
        if getattr(self, "_torch_table", None) is None or self._torch_table_source is not self.embedding:
            dtype = torch.float64 if self.embedding.dtype == np.float64 else torch.float32
            self._torch_table = torch.from_numpy(np.ascontiguousarray(self.embedding)).to(dtype)
            self._torch_table_source = self.embedding
        return self._torch_table

    def _rows(self, ids: list[int]) -> np.ndarray:
        """(n, D) the pieces' vectors, with the mapping and per-piece weights if the model has them."""
        rows = self.embedding[ids if self.token_mapping is None else self.token_mapping[ids]]
        return rows if self.weights is None else rows * self.weights[ids][:, None]

    def encode(self, texts, *, normalize: bool | None = None, max_length: int | None | str = "model",
               **ignored) -> np.ndarray:
        """(N, D): each text's mean piece vector (one string gives (D,)). An empty text, or one of only
        unknown pieces, is the zero vector. Texts are cut at `max_length` pieces (the model's: 512)."""
        single = isinstance(texts, str)
        texts = [texts] if single else list(texts)
        for t in texts:
            if not isinstance(t, str):
                raise TypeError(f"texts must be strings, got {type(t).__name__}")
        normalize = self.normalize if normalize is None else normalize
        max_length = self.max_length if max_length == "model" else max_length
        dtype = np.float32 if self.embedding.dtype == np.int8 else self.embedding.dtype
        ids = self.tokenize(texts, max_length)
        lengths = np.fromiter(map(len, ids), dtype=np.int64, count=len(ids))
        flat = torch.from_numpy(np.fromiter(chain.from_iterable(ids), dtype=np.int64, count=int(lengths.sum())))
        offsets = torch.from_numpy(np.cumsum(lengths) - lengths)                     # where each text starts
        table = self._table()
        rows = flat if self.token_mapping is None else torch.from_numpy(self.token_mapping.astype(np.int64))[flat]
        weights = None if self.weights is None else torch.from_numpy(self.weights).to(table.dtype)[flat]
        sums = torch.nn.functional.embedding_bag(rows, table, offsets, mode="sum", per_sample_weights=weights)
        out = (sums / torch.from_numpy(lengths).clamp(min=1)[:, None]).numpy().astype(dtype)  # (N, D) the means
        if normalize:
            out32 = out.astype(np.float32)
            out = (out32 / (np.linalg.norm(out32, axis=1, keepdims=True) + 1e-32)).astype(dtype)
        return out[0] if single else out

    @property
    def wv(self) -> KeyedVectors:
        """The whole-word pieces (no '##' continuations, no specials) and their vectors, as KeyedVectors."""
        specials = set(self.tokenizer.all_special_tokens)
        words = [i for i, t in enumerate(self.tokens) if not t.startswith("##") and t not in specials]
        vectors = self._rows(np.asarray(words, dtype=np.int64)).astype(np.float32)
        return KeyedVectors([self.tokens[i] for i in words], vectors)

    def word_vectors(self, words: list[str]) -> KeyedVectors:
        """Any words, each the mean of its pieces (as `encode` gives it, unnormalised): e.g. a benchmark's.
        Words with no known piece (only [UNK]) are left out, as gensim leaves out unseen words."""
        words = list(dict.fromkeys(words))
        known = [w for w, ids in zip(words, self.tokenize(words)) if ids]
        return KeyedVectors(known, self.encode(known, normalize=False).astype(np.float32).reshape(len(known), -1))

    # --- files ---------------------------------------------------------------------------------------
    def save_pretrained(self, folder: str | os.PathLike) -> None:
        """Write model.safetensors, config.json, tokenizer.json and modules.json in Model2Vec's layout."""
        from .backend import save_safetensors

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        tensors = {"embeddings": self.embedding, "weights": self.weights, "mapping": self.token_mapping}
        save_safetensors({k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in tensors.items() if v is not None},
                         folder / "model.safetensors")
        with atomic_write(folder / "tokenizer.json", "w") as f:
            json.dump(_tokenizer_json(self.tokenizer), f, ensure_ascii=False)
        config = {"model_type": "model2vec", "architectures": ["StaticModel"], "hidden_dim": self.dim,
                  "seq_length": 1000000, **self.config, "normalize": self.normalize,
                  "max_length": self.max_length, "embedding_dtype": self.embedding.dtype.name}
        with atomic_write(folder / "config.json", "w") as f:
            json.dump(config, f, indent=4)
        modules = [{"idx": 0, "name": "0", "path": ".", "type": "sentence_transformers.models.StaticEmbedding"}]
        if self.normalize:
            modules.append({"idx": 1, "name": "1", "path": "1_Normalize",
                            "type": "sentence_transformers.models.Normalize"})
        with atomic_write(folder / "modules.json", "w") as f:
            json.dump(modules, f, indent=4)

    @classmethod
    def from_pretrained(cls, folder: str | os.PathLike, normalize: bool | None = None) -> "StaticModel":
        """Read a Model2Vec folder (ours or one `model2vec` wrote) with a BERT WordPiece tokenizer."""
        from .backend import load_safetensors

        folder = Path(folder)
        missing = [n for n in ("config.json", "model.safetensors", "tokenizer.json") if not (folder / n).is_file()]
        if missing:
            raise FileNotFoundError(f"{folder} is not a static model folder: it lacks {', '.join(missing)}")
        config = _read_json(folder / "config.json")
        if not isinstance(config, dict) or config.get("model_type", "model2vec") != "model2vec":
            raise ValueError(f"{folder / 'config.json'}: not a Model2Vec config (model_type "
                             f"{config.get('model_type') if isinstance(config, dict) else None!r})")
        tensors = {k: v.numpy() for k, v in load_safetensors(folder / "model.safetensors").items()}
        if "embeddings" not in tensors:
            raise ValueError(f"{folder / 'model.safetensors'}: no 'embeddings' table (it has {sorted(tensors)})")
        tokenizer = _read_tokenizer_json(folder / "tokenizer.json")
        embedding = tensors["embeddings"]
        if embedding.dtype not in (np.float16, np.float32, np.float64, np.int8):
            embedding = embedding.astype(np.float32)
        return cls(embedding, tokenizer, weights=tensors.get("weights"), token_mapping=tensors.get("mapping"),
                   normalize=config.get("normalize", False) if normalize is None else normalize,
                   max_length=config.get("max_length", 512),
                   config={k: v for k, v in config.items() if k not in ("normalize", "max_length", "embedding_dtype")})


def _read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"{path}: not valid JSON ({e})") from None


def _tokenizer_json(tokenizer: BertTokenizer) -> dict:
    """The tokenizer in HF `tokenizers`' JSON: BERT's normalizer and pre-tokenizer, WordPiece, no
    post-processor (a static model adds no [CLS]/[SEP])."""
    specials = [t for t in tokenizer.all_special_tokens if t in tokenizer.vocab]
    return {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [{"id": tokenizer.vocab[t], "content": t, "single_word": False, "lstrip": False,
                          "rstrip": False, "normalized": False, "special": True}
                         for t in sorted(set(specials), key=tokenizer.vocab.get)],
        "normalizer": {"type": "BertNormalizer", "clean_text": True,
                       "handle_chinese_chars": tokenizer.tokenize_chinese_chars,
                       "strip_accents": tokenizer.strip_accents, "lowercase": tokenizer.do_lower_case},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": None,
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": tokenizer.unk_token, "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": tokenizer.wordpiece.max_input_chars_per_word,
                  "vocab": dict(sorted(tokenizer.vocab.items(), key=lambda kv: kv[1]))},
    }


def _read_tokenizer_json(path: Path) -> BertTokenizer:
    """A BERT WordPiece tokenizer from tokenizers' JSON; anything else is refused by name."""
    data = _read_json(path)
    model = data.get("model") if isinstance(data, dict) else None
    if not isinstance(model, dict) or model.get("type") != "WordPiece" or model.get("continuing_subword_prefix", "##") != "##":
        kind = model.get("type") if isinstance(model, dict) else None
        raise ValueError(f"{path}: a {kind} tokenizer; minibert's StaticModel reads BERT WordPiece tokenizers only")
    normalizer = data.get("normalizer") or {}
    if normalizer.get("type") != "BertNormalizer" or not normalizer.get("clean_text", True) or (data.get("pre_tokenizer") or {}).get("type") != "BertPreTokenizer":
        raise ValueError(f"{path}: not BERT's normalizer and pre-tokenizer "
                         f"({normalizer.get('type')}, {(data.get('pre_tokenizer') or {}).get('type')})")
    plain = [t["content"] for t in data.get("added_tokens", []) if not t.get("special")]
    if plain:
        raise ValueError(f"{path}: added multi-word tokens ({plain[:3]}...) are not supported")
    vocab = model.get("vocab")
    if not isinstance(vocab, dict) or not vocab:
        raise ValueError(f"{path}: the WordPiece vocabulary is missing or empty")
    if sorted(vocab.values()) != list(range(len(vocab))):
        raise ValueError(f"{path}: the vocabulary's ids are not 0..{len(vocab) - 1}")
    if model.get("unk_token", "[UNK]") not in vocab:
        raise ValueError(f"{path}: the unknown token {model.get('unk_token')!r} is not in the vocabulary")
    return BertTokenizer(vocab=vocab, unk_token=model.get("unk_token", "[UNK]"),
                         do_lower_case=normalizer.get("lowercase", True),
                         strip_accents=normalizer.get("strip_accents"),
                         tokenize_chinese_chars=normalizer.get("handle_chinese_chars", True),
                         max_input_chars_per_word=model.get("max_input_chars_per_word", 100))
