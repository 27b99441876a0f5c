"""BERT's basic tokenizer: clean the text, space out CJK ideographs, strip accents, lower-case,
and split into words on whitespace and punctuation. Lesson: lessons/01-tokenization.md.

Order of steps as in transformers' `BertTokenizer` (Rust `BertNormalizer` then `BertPreTokenizer`):
clean -> CJK -> accents -> lower-case -> split. Unlike the legacy pure-Python class there is no NFC
step. Special tokens such as "[MASK]" are split out before this runs (see tokenizer.py).
"""
from __future__ import annotations

import re

from .unicode_rules import (is_cjk, is_control, is_punctuation, is_whitespace, lowercase,
                            strip_accents as _strip_accents)

# ASCII fast path: control bytes are deleted, tab/newline/CR become spaces, and a word is a run
# of letters/digits or one printable symbol (every printable non-alphanumeric ASCII character is
# punctuation for BERT).
_ASCII_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ASCII_WORDS = re.compile(r"[A-Za-z0-9]+|[!-/:-@\[-`{-~]")
# BERT's whitespace: tab, newline, CR and the Unicode separators (Zs, Zl, Zp). Checked against
# `is_whitespace` for every code point in tests/test_unicode_rules.py.
WHITESPACE_CHARS = "\t\n\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_WHITESPACE = re.compile(f"[{WHITESPACE_CHARS}]+")


class BasicTokenizer:
    """Text -> list of words (before WordPiece).

    Args:
        do_lower_case: lower-case the text (the "uncased" models).
        strip_accents: None follows `do_lower_case` (as the original BERT); True/False force it.
        tokenize_chinese_chars: put each CJK ideograph in a word of its own.
    """

    def __init__(self, do_lower_case: bool = True, strip_accents: bool | None = None,
                 tokenize_chinese_chars: bool = True):
        self.do_lower_case = bool(do_lower_case)
        self.strip_accents = do_lower_case if strip_accents is None else bool(strip_accents)
        self.tokenize_chinese_chars = bool(tokenize_chinese_chars)
        self._chunk_cache: dict[str, tuple[str, ...]] = {}

    def normalize(self, text: str) -> str:
        """Clean, space out CJK, strip accents and lower-case (the Rust BertNormalizer)."""
        out = []
        for ch in text:
            if ch == "\x00" or ch == "\ufffd" or is_control(ch):
                continue
            if is_whitespace(ch):
                out.append(" ")
            elif self.tokenize_chinese_chars and is_cjk(ch):
                out.append(f" {ch} ")
            else:
                out.append(ch)
        text = "".join(out)
        if self.strip_accents:
            text = _strip_accents(text)
        if self.do_lower_case:
            text = lowercase(text)
        return text

    def split(self, text: str) -> list[str]:
        """Normalize, then split into words: whitespace separates, each punctuation mark is a word.

        Whitespace never changes under normalization, so the text is cut at whitespace first and
        each chunk is split once and cached: running text repeats its chunks.
        """
        words: list[str] = []
        cache = self._chunk_cache
        for chunk in self.chunks(text):
            found = cache.get(chunk)
            if found is None:
                found = tuple(self.split_chunk(chunk))  # a tuple: the garbage collector stops tracking it
                if len(cache) < 500_000:
                    cache[chunk] = found
            words.extend(found)
        return words

    @staticmethod
    def chunks(text: str) -> list[str]:
        """Cut the raw text at BERT's whitespace (some pieces may be empty)."""
        return _WHITESPACE.split(text)

    def split_chunk(self, chunk: str) -> list[str]:
        """The words of one whitespace-free piece of raw text (normalized, split at punctuation)."""
        if chunk.isascii():
            if chunk.isalnum():  # one plain word, the usual case
                return [chunk.lower() if self.do_lower_case else chunk]
            chunk = _ASCII_CONTROL.sub("", chunk)
            return _ASCII_WORDS.findall(chunk.lower() if self.do_lower_case else chunk)
        words: list[str] = []
        current: list[str] = []
        for ch in self.normalize(chunk):
            if ch == " " or is_whitespace(ch):  # spaces around CJK ideographs
                if current:
                    words.append("".join(current))
                    current = []
            elif is_punctuation(ch):
                if current:
                    words.append("".join(current))
                    current = []
                words.append(ch)
            else:
                current.append(ch)
        if current:
            words.append("".join(current))
        return words
