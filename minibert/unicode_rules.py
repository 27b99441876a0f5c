"""Character classes BERT's tokenizer uses: whitespace, control, punctuation, CJK, accents, case.

The rules are Google's `tokenization.py` as HF's Rust `tokenizers` (the engine behind
`transformers.BertTokenizer` v5) applies them. Lesson: lessons/01-tokenization.md.

Every answer comes from data/unicode_tables.json, read off `tokenizers` itself, one code point at
a time (data/make_unicode_tables.py), never from Python's `unicodedata`: each Python ships another
Unicode version, and `tokenizers` keeps tables of its own, so "ask unicodedata" would give other ids
on 3.12 than on 3.11. tests/test_unicode_rules.py sweeps all 1.1M code points (and random strings of
combining marks, whose NFD order matters) against the installed `tokenizers`.
"""
from __future__ import annotations

import json
from bisect import bisect_right
from functools import lru_cache
from importlib.resources import files

_TABLES = json.loads((files("minibert") / "data" / "unicode_tables.json").read_text(encoding="utf-8"))
TABLES_SOURCE = _TABLES["source"]


class _Ranges:
    """Membership in sorted, disjoint [first, last] code point ranges (a binary search)."""

    def __init__(self, pairs: list[list[int]]):
        self.first = [lo for lo, _ in pairs]
        self.last = [hi for _, hi in pairs]

    def __contains__(self, cp: int) -> bool:
        i = bisect_right(self.first, cp) - 1
        return i >= 0 and cp <= self.last[i]


_DELETED = _Ranges(_TABLES["deleted"])            # \0, U+FFFD, control and format characters
_WHITESPACE = _Ranges(_TABLES["whitespace"])      # becomes a space
_PUNCTUATION = _Ranges(_TABLES["punctuation"])    # a word of its own
_CJK = _Ranges(_TABLES["cjk"])                    # CJK Unified Ideographs: spaced out
_NONSPACING = _Ranges(_TABLES["nonspacing_mark"])  # category Mn: dropped by strip_accents
_DECOMPOSITION = {chr(int(cp)): d for cp, d in _TABLES["decomposition"].items()}
_COMBINING_CLASS = {chr(cp): v for lo, hi, v in _TABLES["combining_class"] for cp in range(lo, hi + 1)}
_LOWER_LONGER = {chr(int(cp)): low for cp, low in _TABLES["lowercase_longer"].items()}
_LOWER_RUNS = _TABLES["lowercase"]  # [first, last, step, offset]
_LOWER_FIRST = [run[0] for run in _LOWER_RUNS]


@lru_cache(maxsize=None)
def is_control(ch: str) -> bool:
    """Characters that cleaning deletes: NUL, U+FFFD, control and format characters (not tab,
    newline or CR, which count as whitespace). Unassigned code points are kept, as tokenizers does."""
    return ord(ch) in _DELETED


@lru_cache(maxsize=None)
def is_whitespace(ch: str) -> bool:
    """Space separators (Zs), line/paragraph separators, and tab/newline/CR."""
    return ord(ch) in _WHITESPACE


@lru_cache(maxsize=None)
def is_punctuation(ch: str) -> bool:
    """Unicode punctuation (P*) plus every non-alphanumeric printable ASCII symbol like $ ^ `."""
    return ord(ch) in _PUNCTUATION


def is_cjk(ch: str) -> bool:
    """A CJK ideograph, which BERT treats as a word of its own."""
    return ord(ch) in _CJK


@lru_cache(maxsize=None)
def is_nonspacing_mark(ch: str) -> bool:
    """Category Mn: the combining accents that `strip_accents` removes after NFD."""
    return ord(ch) in _NONSPACING


def _decompose(ch: str) -> str:
    """One character's canonical decomposition; Hangul syllables by the Unicode algorithm."""
    s = ord(ch) - 0xAC00
    if 0 <= s < 11172:
        lead, vowel, tail = 0x1100 + s // 588, 0x1161 + s % 588 // 28, 0x11A7 + s % 28
        return chr(lead) + chr(vowel) + (chr(tail) if tail != 0x11A7 else "")
    return _DECOMPOSITION.get(ch, ch)


def nfd(text: str) -> str:
    """Canonical decomposition (NFD): decompose each character, then sort every run of combining
    marks by combining class, keeping the order of marks of equal class."""
    chars = list("".join(map(_decompose, text)))
    i = 0
    while i < len(chars):
        if _COMBINING_CLASS.get(chars[i], 0) == 0:
            i += 1
            continue
        j = i
        while j < len(chars) and _COMBINING_CLASS.get(chars[j], 0):
            j += 1
        chars[i:j] = sorted(chars[i:j], key=_COMBINING_CLASS.__getitem__)  # sorted() is stable
        i = j
    return "".join(chars)


def strip_accents(text: str) -> str:
    """Decompose (NFD) and drop the nonspacing marks: 'école' -> 'ecole'."""
    if text.isascii():
        return text
    return "".join(ch for ch in nfd(text) if not is_nonspacing_mark(ch))


def lowercase(text: str) -> str:
    """Lower-case character by character, as Rust's `char::to_lowercase` does.

    (Python's `str.lower` on a whole word turns a final Σ into ς; BERT's tokenizer does not.)
    """
    if text.isascii():
        return text.lower()
    return "".join(_lower_char(ch) for ch in text)


@lru_cache(maxsize=None)
def _lower_char(ch: str) -> str:
    if ch in _LOWER_LONGER:
        return _LOWER_LONGER[ch]
    cp = ord(ch)
    i = bisect_right(_LOWER_FIRST, cp) - 1
    if i >= 0:
        first, last, step, offset = _LOWER_RUNS[i]
        if cp <= last and (cp - first) % step == 0:
            return chr(cp + offset)
    return ch
