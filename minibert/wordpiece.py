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
        # A piece after the first is looked up among the "##" entries, "##" stripped: "##ffa" -> "ffa".
        self.continuations = {t[len(prefix):]: i for t, i in vocab.items() if t.startswith(prefix)}
        self.tokens = {i: t for t, i in vocab.items()}
        self._longest = max(map(len, vocab))  # no piece is longer than the longest vocabulary entry
        self._cache: dict[str, tuple[int, ...]] = {}

    def pieces(self, word: str) -> list[str]:
        """The WordPiece strings of one word (already basic-tokenized): 'unaffable' -> ['una', '##ffa', '##ble']."""
        return [self.tokens[i] for i in self.ids(word)]

    def ids(self, word: str) -> tuple[int, ...]:
        """The vocabulary ids of one word's pieces (cached; a tuple, which the garbage collector
        stops tracking, so a large cache does not slow every collection)."""
        ids = self._cache.get(word)
        if ids is None:
            ids = self._longest_match_first(word)
            if len(self._cache) < 1_000_000:
                self._cache[word] = ids
        return ids

    def _longest_match_first(self, word: str) -> tuple[int, ...]:
        if len(word) > self.max_input_chars_per_word:
            return (self.unk_id,)
        table = self.vocab
        if word in table:  # most words of running text are whole vocabulary entries
            return (table[word],)
        ids = []
        start, n = 0, len(word)
        while start < n:
            end = min(n, start + self._longest)
            while end > start:  # the longest piece first, then shorter ones
                i = table.get(word[start:end])
                if i is not None:
                    break
                end -= 1
            else:  # nothing matched at `start`: the whole word is unknown
                return (self.unk_id,)
            ids.append(i)
            start = end
            table = self.continuations  # every later piece is a "##" piece
        return tuple(ids)
