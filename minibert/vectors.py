"""Word vectors: a word -> vector mapping with gensim KeyedVectors' API and numbers.

word2vec, GloVe and BERT-derived static vectors all land here: `wv["king"]`, `key_to_index`,
`index_to_key`, `vectors`, `similarity`, `most_similar`, `most_similar_cosmul`, `doesnt_match`,
`evaluate_word_pairs`, `evaluate_word_analogies`, and the word2vec text/binary formats
(`no_header=True` reads GloVe's text files). The arithmetic follows gensim's (float32, cosine
as vectors·unit(mean)/norms), so rankings and scores agree. Part of the shared backend.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .backend import atomic_write


def _unit(v: np.ndarray) -> np.ndarray:
    """v / |v| in float32, as gensim's unitvec (scaled by the reciprocal of the norm)."""
    norm = np.linalg.norm(v)
    return (v * np.float32(1.0 / norm)).astype(np.float32) if norm > 0 else v


def _top(scores: np.ndarray, n: int) -> np.ndarray:
    """Indices of the n highest scores, best first (gensim's argpartition-then-sort)."""
    if n >= scores.size:
        return np.argsort(-scores)
    best = np.argpartition(-scores, n)[:n]
    return best[np.argsort(-scores[best])]


def _rank(x: np.ndarray) -> np.ndarray:
    """Ranks 1..n, ties given their average rank (as scipy.stats.rankdata)."""
    order = np.argsort(x, kind="mergesort")
    ranks = np.empty(len(x))
    sorted_x = x[order]
    start = 0
    for end in range(1, len(x) + 1):
        if end == len(x) or sorted_x[end] != sorted_x[start]:
            ranks[order[start:end]] = (start + 1 + end) / 2
            start = end
    return ranks


def pearson(x, y) -> float:
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    x, y = x - x.mean(), y - y.mean()
    return float((x * y).sum() / np.sqrt((x * x).sum() * (y * y).sum()))


def spearman(x, y) -> float:
    return pearson(_rank(np.asarray(x, dtype=np.float64)), _rank(np.asarray(y, dtype=np.float64)))


class KeyedVectors:
    def __init__(self, index_to_key: list[str], vectors: np.ndarray):
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[0] != len(index_to_key):
            raise ValueError(f"{len(index_to_key)} words but vectors of shape {vectors.shape}")
        self.index_to_key = list(index_to_key)
        self.key_to_index = {w: i for i, w in enumerate(self.index_to_key)}
        if len(self.key_to_index) != len(self.index_to_key):
            raise ValueError("duplicate words in the vocabulary")
        self.vectors = vectors
        self._norms = None

    @property
    def vector_size(self) -> int:
        return self.vectors.shape[1]

    def __len__(self) -> int:
        return len(self.index_to_key)

    def __contains__(self, word: str) -> bool:
        return word in self.key_to_index

    def get_index(self, word: str, lookup: dict | None = None) -> int:
        try:
            return (lookup or self.key_to_index)[word]
        except KeyError:
            raise KeyError(f"word {word!r} not in vocabulary") from None

    def __getitem__(self, word: str) -> np.ndarray:
        return self.vectors[self.get_index(word)]

    @property
    def norms(self) -> np.ndarray:
        if self._norms is None:
            self._norms = np.linalg.norm(self.vectors, axis=1)
        return self._norms

    def similarity(self, a: str, b: str, lookup: dict | None = None) -> float:
        """Cosine similarity of two words."""
        va = self.vectors[self.get_index(a, lookup)]
        vb = self.vectors[self.get_index(b, lookup)]
        return float(np.dot(_unit(va), _unit(vb)))

    def _mean(self, positive, negative, lookup=None) -> tuple[np.ndarray, list[int]]:
        if isinstance(positive, str):
            positive = [positive]
        if isinstance(negative, str):
            negative = [negative]
        words = [(w, 1.0) for w in positive or []] + [(w, -1.0) for w in negative or []]
        if not words:
            raise ValueError("cannot compute similarity with no input words")
        mean = np.zeros(self.vector_size, np.float32)
        for w, weight in words:
            i = self.get_index(w, lookup)
            mean += np.float32(weight) * (self.vectors[i] / self.norms[i])
        mean = _unit(mean / np.float32(len(words)))
        return mean, [self.get_index(w, lookup) for w, _ in words]

    def most_similar(self, positive=(), negative=(), topn: int = 10, restrict_vocab: int | None = None,
                     lookup: dict | None = None) -> list[tuple[str, float]]:
        """Nearest words by cosine to the mean of the unit vectors of `positive` minus `negative`
        (king − man + woman): the input words are left out."""
        mean, exclude = self._mean(positive, negative, lookup)
        end = restrict_vocab or len(self.vectors)
        dists = self.vectors[:end] @ mean / self.norms[:end]
        best = _top(dists, topn + len(exclude))
        return [(self.index_to_key[i], float(dists[i])) for i in best if i not in exclude][:topn]

    def most_similar_cosmul(self, positive=(), negative=(), topn: int = 10) -> list[tuple[str, float]]:
        """Levy and Goldberg's multiplicative combination: Π cos⁺ / (Π cos⁻ + ε), cos mapped to [0, 1]."""
        positive = [positive] if isinstance(positive, str) else list(positive or [])
        negative = [negative] if isinstance(negative, str) else list(negative or [])
        if not positive:
            raise ValueError("cannot compute similarity with no input")
        exclude = {self.get_index(w) for w in positive + negative}
        unit = lambda w: self.vectors[self.get_index(w)] / self.norms[self.get_index(w)]  # noqa: E731
        pos = [(1 + self.vectors @ unit(w) / self.norms) / 2 for w in positive]
        neg = [(1 + self.vectors @ unit(w) / self.norms) / 2 for w in negative]
        dists = np.prod(pos, axis=0) / (np.prod(neg, axis=0) + 0.000001)
        best = _top(dists, topn + len(exclude))
        return [(self.index_to_key[i], float(dists[i])) for i in best if i not in exclude][:topn]

    def doesnt_match(self, words: list[str]) -> str:
        """The word farthest from the mean of the others' unit vectors."""
        words = [w for w in words if w in self.key_to_index]
        if not words:
            raise ValueError("cannot select a word from an empty list")
        unit = np.vstack([self.vectors[self.get_index(w)] / self.norms[self.get_index(w)] for w in words])
        mean = _unit(unit.mean(axis=0))
        return sorted(zip(unit @ mean, words))[0][1]

    # --- evaluation, as gensim does it --------------------------------------------------------
    def _restricted(self, restrict_vocab: int, case_insensitive: bool) -> dict[str, int]:
        keys = self.index_to_key[:restrict_vocab]
        # reversed, so that when two words differ only in case the more frequent one wins
        return {(k.upper() if case_insensitive else k): self.key_to_index[k] for k in reversed(keys)}

    def evaluate_word_pairs(self, pairs, delimiter: str = "\t", restrict_vocab: int = 300000,
                            case_insensitive: bool = True, dummy4unknown: bool = False):
        """((pearson, nan), (spearman, nan), oov %) on a file of `word1 word2 score` lines.

        gensim returns scipy result objects with p-values; we return the statistics (p-values nan).
        """
        ok = self._restricted(restrict_vocab, case_insensitive)
        gold, model, oov = [], [], 0
        for line in Path(pairs).read_text(encoding="utf-8").splitlines(keepends=True):
            if not line or line.startswith("#"):
                continue
            try:
                a, b, sim = [w.upper() if case_insensitive else w for w in line.split(delimiter)]
                sim = float(sim)
            except (ValueError, TypeError):
                continue
            if a not in ok or b not in ok:
                oov += 1
                if dummy4unknown:
                    gold.append(sim)
                    model.append(0.0)
                continue
            gold.append(sim)
            model.append(self.similarity(a, b, lookup=ok))
        if not gold:
            raise ValueError(f"no valid similarity judgements found in {pairs}")
        oov_ratio = float(oov) / (len(gold) if dummy4unknown else len(gold) + oov) * 100
        return (pearson(gold, model), float("nan")), (spearman(gold, model), float("nan")), oov_ratio

    def evaluate_word_analogies(self, analogies, restrict_vocab: int = 300000, case_insensitive: bool = True,
                                dummy4unknown: bool = False):
        """(accuracy, sections) on a questions-words file: a is to b as c is to ? (top answer
        among the 5 nearest, skipping a, b and c)."""
        ok = self._restricted(restrict_vocab, case_insensitive)
        sections, section, oov, total = [], None, 0, 0
        for line in Path(analogies).read_text(encoding="utf-8").splitlines():
            if line.startswith(": "):
                if section:
                    sections.append(section)
                section = {"section": line[2:].strip(), "correct": [], "incorrect": []}
                continue
            if section is None:
                raise ValueError(f"missing section header in {analogies}")
            try:
                a, b, c, expected = [w.upper() if case_insensitive else w for w in line.split()]
            except ValueError:
                continue
            total += 1
            if any(w not in ok for w in (a, b, c, expected)):
                oov += 1
                if dummy4unknown:
                    section["incorrect"].append((a, b, c, expected))
                continue
            predicted = None
            for word, _ in self.most_similar([b, c], [a], topn=5, restrict_vocab=restrict_vocab, lookup=ok):
                predicted = word.upper() if case_insensitive else word
                if predicted in ok and predicted not in (a, b, c):
                    break
            section["correct" if predicted == expected else "incorrect"].append((a, b, c, expected))
        if section:
            sections.append(section)
        correct = [q for s in sections for q in s["correct"]]
        incorrect = [q for s in sections for q in s["incorrect"]]
        sections.append({"section": "Total accuracy", "correct": correct, "incorrect": incorrect})
        score = len(correct) / (len(correct) + len(incorrect)) if correct or incorrect else 0.0
        return score, sections

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
        try:
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
                for line in lines if no_header else lines[1:]:
                    parts = line.rstrip().split(" ")
                    if len(parts) >= 2:
                        words.append(parts[0])
                        rows.append(np.array(parts[1:], dtype=np.float32))
                V, d = (len(rows), len(rows[0]) if rows else 0) if no_header else map(int, lines[0].split())
            vectors = np.vstack(rows) if rows else None
            if vectors is not None and vectors.shape != (V, d):
                raise ValueError(f"its header says {V} words of {d} dimensions, it holds {vectors.shape[0]} "
                                 f"of {vectors.shape[1]}")
        except (ValueError, UnicodeDecodeError, IndexError) as e:
            raise ValueError(f"{path} is not a word2vec {'binary' if binary else 'text'} file ({e})") from None
        if vectors is None:
            raise ValueError(f"{path} holds no vectors")
        return cls(words, vectors)


def print_neighbours(path, words: list[str], topn: int = 10, binary: bool = False, no_header: bool = False) -> None:
    """What the `word2vec similar` and `glove similar` commands print: each word's nearest words."""
    wv = KeyedVectors.load_word2vec_format(path, binary=binary, no_header=no_header)
    for word in words:
        print(word + ": " + ", ".join(f"{w} {x:.3f}" for w, x in wv.most_similar(word, topn=topn)))
