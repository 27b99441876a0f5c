"""WordPiece: split one word into the longest vocabulary pieces, left to right.

Greedy longest-match-first, as google-research/bert's `WordpieceTokenizer`: "unaffable" ->
"una", "##ffa", "##ble" when those are the longest pieces found. If any position cannot be
matched, the *whole word* becomes [UNK]; so does a word longer than `max_input_chars_per_word`
(100, as in transformers; Google used 200). Lesson: lessons/01-tokenization.md.
"""
from __future__ import annotations


class WordPiece:
    """Word -> list of vocabulary ids (with a cache: real text repeats its words)."""

    def __init__(self, vocab: dict[str, int], unk_token: str = "[UNK]",
                 max_input_chars_per_word: int = 100, prefix: str = "##"):
        if unk_token not in vocab:
            raise ValueError(f"the vocabulary has no unknown token {unk_token!r}")
        self.vocab = vocab
        self.unk_token = unk_token
        self.unk_id = vocab[unk_token]
        self.max_input_chars_per_word = max_input_chars_per_word
        self.prefix = prefix
        self._cache: dict[str, list[int]] = {}

    def pieces(self, word: str) -> list[str]:
        """The WordPiece strings of one word (already basic-tokenized)."""
        if len(word) > self.max_input_chars_per_word:
            return [self.unk_token]
        pieces = []
        start = 0
        while start < len(word):
            end = len(word)
            while end > start:
                piece = word[start:end] if start == 0 else self.prefix + word[start:end]
                if piece in self.vocab:
                    break
                end -= 1
            else:  # nothing matched at `start`: the whole word is unknown
                return [self.unk_token]
            pieces.append(piece)
            start = end
        return pieces

    def ids(self, word: str) -> list[int]:
        """The vocabulary ids of one word's pieces (cached)."""
        ids = self._cache.get(word)
        if ids is None:
            ids = [self.vocab[p] for p in self.pieces(word)]
            if len(self._cache) < 1_000_000:
                self._cache[word] = ids
        return ids
