"""Train a WordPiece vocabulary on your own corpus (for pretraining from scratch).

Start from single characters (word-initial, and "##"-prefixed inside words), then repeatedly add
the most frequent adjacent pair as a new piece: frequency merges, as HF `tokenizers`' WordPiece
trainer makes them (BPE merges written as "##" pieces). Not the same vocabulary as that trainer's:
its alphabet also holds every character without "##", and its merges differ in places (measured
on a toy text). Google's WordPiece scores a pair by likelihood gain instead. Words come from our BasicTokenizer, so Chinese text
yields one-character words and its vocabulary is its characters. Lesson: lessons/04-pretraining.md.
"""
from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from collections.abc import Iterable

from ..basic_tokenizer import BasicTokenizer

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def _merge(symbols: list[str], a: str, b: str, new: str) -> list[str]:
    out, k = [], 0
    while k < len(symbols):
        if k + 1 < len(symbols) and symbols[k] == a and symbols[k + 1] == b:
            out.append(new)
            k += 2
        else:
            out.append(symbols[k])
            k += 1
    return out


def train_wordpiece(texts: Iterable[str], vocab_size: int = 8000, min_frequency: int = 2,
                    do_lower_case: bool = True, limit_alphabet: int = 1000,
                    strip_accents: bool | None = None) -> list[str]:
    """The vocabulary (specials first, then characters, then merged pieces) as a list of tokens.

    Words are split as the tokenizer that will use the vocabulary splits them: `do_lower_case` and
    `strip_accents` as in `BertTokenizer` (None: strip accents when lower-casing, as uncased BERT does;
    give False for a script whose accents are letters, such as Cyrillic й).
    """
    basic = BasicTokenizer(do_lower_case=do_lower_case, strip_accents=strip_accents)
    word_counts: Counter[str] = Counter()
    for text in texts:
        word_counts.update(basic.split(text))
    if not word_counts:
        raise ValueError("no words to build a vocabulary from")
    words = [([w[0]] + ["##" + ch for ch in w[1:]], n) for w, n in word_counts.items()]
    symbol_counts: Counter[str] = Counter()
    for symbols, n in words:
        for s in symbols:
            symbol_counts[s] += n
    alphabet = [s for s, _ in symbol_counts.most_common(limit_alphabet)]
    vocab = SPECIAL_TOKENS + sorted(alphabet)
    known = set(vocab)
    pairs: Counter[tuple[str, str]] = Counter()
    where: dict[tuple[str, str], set[int]] = defaultdict(set)
    for idx, (symbols, n) in enumerate(words):
        for pair in zip(symbols, symbols[1:]):
            pairs[pair] += n
            where[pair].add(idx)
    heap = [(-n, pair) for pair, n in pairs.items()]
    heapq.heapify(heap)
    while len(vocab) < vocab_size and heap:
        neg, pair = heapq.heappop(heap)
        if -neg != pairs.get(pair, 0):
            continue  # stale entry: its count changed since it was pushed
        if -neg < min_frequency:
            break
        a, b = pair
        new = a + b[2:] if b.startswith("##") else a + b
        if new not in known:
            vocab.append(new)
            known.add(new)
        changed: Counter[tuple[str, str]] = Counter()
        for idx in where.pop(pair, ()):
            symbols, n = words[idx]
            for p in zip(symbols, symbols[1:]):
                changed[p] -= n
            merged = _merge(symbols, a, b, new)
            words[idx] = (merged, n)
            for p in zip(merged, merged[1:]):
                changed[p] += n
                where[p].add(idx)
        for p, delta in changed.items():
            if delta:
                pairs[p] += delta
                if pairs[p] > 0:
                    heapq.heappush(heap, (-pairs[p], p))
        pairs.pop(pair, None)
    return vocab
