"""Word vectors into BERT: start BERT's input embedding rows from word2vec or GloVe vectors.

A vocabulary token that is a whole word (not a `##` continuation piece, not a special or
`[unused]` token) takes its word's vector; `##` pieces, specials and words the vectors lack keep
the rows BERT's initialiser gave them. When the sizes differ (D != H) the vectors are mapped to H
by a fixed random Gaussian projection or by PCA (D >= H; for D < H the PCA rotation is padded
with zeros). Whatever the map, the rows are centred and scaled so their entries have standard
deviation `initializer_range`, BERT's own initial scale. The MLM decoder is tied to these rows, so
it starts from them too. Lesson 7; measured effect: benchmarks/init_embeddings.py.
V vocabulary, D vector size, H hidden.
"""
from __future__ import annotations

import numpy as np
import torch

from .vectors import KeyedVectors
from .wordvectors import _encoder, check_pair

PROJECTIONS = ("auto", "random", "pca")


def _whole_word_tokens(tokenizer) -> dict[str, int]:
    """Vocabulary tokens that stand for a whole word: no '##', no [CLS]-like or [unusedN] tokens."""
    specials = set(tokenizer.all_special_tokens)
    return {t: i for t, i in tokenizer.vocab.items()
            if t and not t.startswith("##") and t not in specials
            and not (t.startswith("[") and t.endswith("]") and len(t) > 2)}


def _lookup(tokenizer, keyed_vectors: KeyedVectors) -> dict[str, int]:
    """Each vectors word under the tokenizer's normalisation (case, accents) -> its row; on a
    collision ("King", "king" for an uncased model) the more frequent, earlier word wins."""
    lookup: dict[str, int] = {}
    for row, word in enumerate(keyed_vectors.index_to_key):
        split = tokenizer.split_words(word)
        if len(split) == 1:
            lookup.setdefault(split[0], row)
    return lookup


def project(vectors: np.ndarray, hidden_size: int, projection: str = "auto", seed: int = 0) -> np.ndarray:
    """(N, D) -> (N, H): unchanged when D == H ("auto"), else a random Gaussian map or PCA."""
    if projection not in PROJECTIONS:
        raise ValueError(f"projection={projection!r}: expected one of {PROJECTIONS}")
    X = vectors.astype(np.float64)
    D = X.shape[1]
    if projection == "auto":
        projection = "none" if D == hidden_size else "random"
    if projection == "none":
        return X
    if projection == "random":
        R = np.random.default_rng(seed).standard_normal((D, hidden_size)) / np.sqrt(hidden_size)
        return X @ R
    Xc = X - X.mean(0)
    _, _, Vt = np.linalg.svd(Xc, full_matrices=False)  # rows of Vt: principal directions, largest first
    k = min(D, hidden_size)
    Y = np.zeros((X.shape[0], hidden_size))
    Y[:, :k] = Xc @ Vt[:k].T
    return Y


def init_word_embeddings(model, tokenizer, keyed_vectors: KeyedVectors, projection: str = "auto",
                         seed: int = 0) -> dict:
    """Overwrite the word-embedding rows of whole-word tokens with their (projected) vectors.

    Returns counts: {"initialised", "continuation_pieces", "missing", "vocab_size"}. Raises if no
    whole-word token of the vocabulary is in the vectors (another language, or another casing).
    """
    encoder = _encoder(model)
    check_pair(encoder, tokenizer)
    if not isinstance(keyed_vectors, KeyedVectors) or len(keyed_vectors) == 0:
        raise ValueError("keyed_vectors must be a non-empty minibert.vectors.KeyedVectors")
    if not np.isfinite(keyed_vectors.vectors).all():
        raise ValueError("the word vectors hold NaN or infinite values")
    if projection not in PROJECTIONS:
        raise ValueError(f"projection={projection!r}: expected one of {PROJECTIONS}")
    tokens = _whole_word_tokens(tokenizer)
    lookup = _lookup(tokenizer, keyed_vectors)
    matched = [(i, lookup[t]) for t, i in tokens.items() if t in lookup]
    if not matched:
        raise ValueError(f"none of the tokenizer's {len(tokens)} whole-word tokens is in the "
                         f"{len(keyed_vectors)} word vectors (another language or casing?)")
    # fit the projection on every vector, then take the matched rows: the map does not depend on
    # which words this vocabulary happens to hold
    Y = project(keyed_vectors.vectors, encoder.config.hidden_size, projection, seed)
    rows = np.array([r for _, r in matched])
    Y = Y[rows] - Y[rows].mean(0)  # (n, H), centred
    std = Y.std()
    if std == 0:
        raise ValueError("the matched word vectors are all equal: nothing to initialise from")
    Y *= encoder.config.initializer_range / std
    weight = encoder.embeddings.word.weight  # (V, H)
    ids = torch.tensor([i for i, _ in matched], device=weight.device)
    with torch.no_grad():
        weight[ids] = torch.as_tensor(Y, dtype=weight.dtype, device=weight.device)
    n_pieces = sum(1 for t in tokenizer.vocab if t.startswith("##"))
    return {"initialised": len(matched), "continuation_pieces": n_pieces,
            "missing": len(tokens) - len(matched), "vocab_size": len(tokenizer)}


def read_vectors(path) -> KeyedVectors:
    """A vectors file for --init-embeddings: word2vec text (with its "V D" header), GloVe text
    (no header) or word2vec binary (.bin)."""
    from pathlib import Path

    path = Path(path)
    if path.suffix == ".bin":
        return KeyedVectors.load_word2vec_format(path, binary=True)
    with open(path, "rb") as f:
        first = f.readline().split()
    has_header = len(first) == 2 and all(x.isdigit() for x in first)
    return KeyedVectors.load_word2vec_format(path, no_header=not has_header)
