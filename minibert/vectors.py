"""Word vectors: a word -> vector mapping with gensim KeyedVectors' API and numbers.

word2vec, GloVe and BERT-derived static vectors all land here: `wv["king"]`, `key_to_index`,
`index_to_key`, `vectors`, `similarity`, `most_similar`, and the word2vec text/binary formats
(`no_header=True` reads GloVe's text files). Part of the shared backend; imports no model code.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .backend import atomic_write


class KeyedVectors:
    def __init__(self, index_to_key: list[str], vectors: np.ndarray):
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[0] != len(index_to_key):
            raise ValueError(f"{len(index_to_key)} words but vectors of shape {vectors.shape}")
        self.index_to_key = list(index_to_key)
        self.key_to_index = {w: i for i, w in enumerate(self.index_to_key)}
        if len(self.key_to_index) != len(self.index_to_key):
            raise ValueError("duplicate words in the vocabulary")
        self.vectors = vectors
        self._unit = None

    @property
    def vector_size(self) -> int:
        return self.vectors.shape[1]

    def __len__(self) -> int:
        return len(self.index_to_key)

    def __contains__(self, word: str) -> bool:
        return word in self.key_to_index

    def get_index(self, word: str) -> int:
        try:
            return self.key_to_index[word]
        except KeyError:
            raise KeyError(f"word {word!r} not in vocabulary") from None

    def __getitem__(self, word: str) -> np.ndarray:
        return self.vectors[self.get_index(word)]

    def unit_vectors(self) -> np.ndarray:
        """Each vector scaled to length 1 (cosine similarity becomes a dot product)."""
        if self._unit is None:
            norms = np.linalg.norm(self.vectors, axis=1, keepdims=True)
            self._unit = (self.vectors / np.where(norms == 0, 1, norms)).astype(np.float32)
        return self._unit

    def similarity(self, a: str, b: str) -> float:
        u = self.unit_vectors()
        return float(np.dot(u[self.get_index(a)], u[self.get_index(b)]))

    def most_similar(self, positive=(), negative=(), topn: int = 10) -> list[tuple[str, float]]:
        """Nearest words by cosine to mean(unit(positive)) − mean... as gensim: words given are excluded."""
        if isinstance(positive, str):
            positive = [positive]
        if isinstance(negative, str):
            negative = [negative]
        if not positive and not negative:
            raise ValueError("most_similar needs at least one word")
        u = self.unit_vectors()
        weighted = [(w, 1.0) for w in positive] + [(w, -1.0) for w in negative]
        mean = np.mean([weight * u[self.get_index(w)] for w, weight in weighted], axis=0)
        mean = mean / np.linalg.norm(mean)
        scores = u @ mean
        exclude = {self.key_to_index[w] for w, _ in weighted}
        order = np.argsort(-scores, kind="stable")
        out = [(self.index_to_key[i], float(scores[i])) for i in order[: topn + len(exclude)] if i not in exclude]
        return out[:topn]

    # --- files ---------------------------------------------------------------------------------
    def save_word2vec_format(self, path: str | os.PathLike, binary: bool = False, write_header: bool = True) -> None:
        """The word2vec C format: "V d" header, then "word v1 v2 ..." lines (or raw float32 if binary)."""
        with atomic_write(path, "wb") as f:
            if write_header:
                f.write(f"{len(self)} {self.vector_size}\n".encode())
            for word, vec in zip(self.index_to_key, self.vectors):
                if binary:
                    f.write(word.encode("utf-8") + b" " + vec.astype("<f4").tobytes() + b"\n")
                else:
                    f.write((word + " " + " ".join(repr(float(x)) for x in vec) + "\n").encode("utf-8"))

    @classmethod
    def load_word2vec_format(cls, path: str | os.PathLike, binary: bool = False,
                             no_header: bool = False) -> "KeyedVectors":
        """Read the word2vec text or binary format; `no_header=True` for GloVe's text output."""
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"no vectors file at {path}")
        data = path.read_bytes()
        words, rows = [], []
        if binary:
            header, _, rest = data.partition(b"\n")
            V, d = map(int, header.split())
            pos = 0
            for _ in range(V):
                end = rest.index(b" ", pos)
                words.append(rest[pos:end].decode("utf-8").lstrip("\n"))
                rows.append(np.frombuffer(rest[end + 1:end + 1 + 4 * d], dtype="<f4"))
                pos = end + 1 + 4 * d
                if rest[pos:pos + 1] == b"\n":
                    pos += 1
        else:
            lines = data.decode("utf-8").splitlines()
            if not no_header:
                lines = lines[1:]
            for line in lines:
                parts = line.rstrip().split(" ")
                if len(parts) < 2:
                    continue
                words.append(parts[0])
                rows.append(np.array(parts[1:], dtype=np.float32))
        if not rows:
            raise ValueError(f"{path} holds no vectors")
        return cls(words, np.vstack(rows))
