"""Labelled data for comparing text vectors, and how each is scored.

Two small real sets that ship in gensim's test data (pass their paths; nothing here imports
gensim): `pang_lee_polarity.cor`, 200 movie-review sentences labelled `__label__pos/neg` (Pang &
Lee, 2005), scored by cross-validated accuracy; and the Lee corpus, 50 news documents (`lee.cor`)
with averaged human similarity ratings of every pair (`similarities0-1.txt`, Lee et al., 2005),
scored by the Pearson r between the 1,225 pairs' cosines and the ratings. Lessons 7 and 8.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .vectors import pearson


def _read_windows_1252(path) -> str:
    """These files predate UTF-8 everywhere: they are Windows-1252 (e.g. 0x97 is an em dash)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252")


def read_polarity(path: str | os.PathLike) -> tuple[list[str], list[str]]:
    """pang_lee_polarity.cor -> (texts, labels "pos"/"neg")."""
    texts, labels = [], []
    for n, line in enumerate(_read_windows_1252(path).splitlines(), 1):
        if not line.strip():
            continue
        label, _, text = line.partition(" ")
        if not label.startswith("__label__") or not text.strip():
            raise ValueError(f"{path}:{n}: expected '__label__X text'")
        texts.append(text.strip())
        labels.append(label[len("__label__"):])
    return texts, labels


def read_lee(documents: str | os.PathLike, similarities: str | os.PathLike) -> tuple[list[str], np.ndarray]:
    """lee.cor + similarities0-1.txt -> (50 documents, (50, 50) symmetric human ratings)."""
    docs = [line.strip() for line in _read_windows_1252(documents).splitlines() if line.strip()]
    rows = [list(map(float, line.split())) for line in Path(similarities).read_text().splitlines() if line.strip()]
    ratings = np.array(rows)
    if ratings.shape != (len(docs), len(docs)):
        raise ValueError(f"{len(docs)} documents but a {ratings.shape} similarity matrix")
    upper = np.triu(ratings, 1)  # the file fills the upper triangle
    return docs, upper + upper.T + np.eye(len(docs))


def lee_pearson(vectors, ratings: np.ndarray) -> float:
    """Pearson r between the cosine similarities of every document pair and the human ratings."""
    V = np.asarray(vectors, dtype=np.float64)
    norms = np.linalg.norm(V, axis=1, keepdims=True)
    V = V / np.where(norms == 0, 1, norms)
    i, j = np.triu_indices(len(V), 1)
    return pearson((V @ V.T)[i, j], ratings[i, j])


def average_word_vectors(keyed_vectors, tokenised: list[list[str]]) -> tuple[np.ndarray, float]:
    """Each text as the mean of its in-vocabulary word vectors (zeros if none): the classic
    "averaged word2vec/GloVe" document vector. Also returns the share of words found."""
    out = np.zeros((len(tokenised), keyed_vectors.vector_size), dtype=np.float32)
    found = total = 0
    for n, words in enumerate(tokenised):
        rows = [keyed_vectors.key_to_index[w] for w in words if w in keyed_vectors.key_to_index]
        found, total = found + len(rows), total + len(words)
        if rows:
            out[n] = keyed_vectors.vectors[rows].mean(0)
    return out, found / max(total, 1)


def tfidf(tokenised: list[list[str]]) -> np.ndarray:
    """The counting baseline: smoothed TF-IDF rows of unit length (scikit-learn's TfidfVectorizer
    defaults: idf = ln((1 + N) / (1 + df)) + 1), over the texts' own vocabulary."""
    vocabulary = {w: i for i, w in enumerate(sorted({w for words in tokenised for w in words}))}
    counts = np.zeros((len(tokenised), len(vocabulary)))
    for n, words in enumerate(tokenised):
        for w in words:
            counts[n, vocabulary[w]] += 1
    idf = np.log((1 + len(tokenised)) / (1 + (counts > 0).sum(0))) + 1
    X = counts * idf
    return X / np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-12)
