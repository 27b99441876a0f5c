"""Character classes BERT's tokenizer uses: whitespace, control, punctuation, CJK, accents, case.

The rules are Google's `tokenization.py` as HF's Rust `tokenizers` (the engine behind
`transformers.BertTokenizer` v5) applies them. Lesson: lessons/01-tokenization.md.

Why the tables at the bottom: Python 3.11's `unicodedata` speaks Unicode 14, while `tokenizers`
classifies characters with older tables (categories) and newer ones (lower-casing). For a few
hundred rare code points the two disagree; we record those so our ids equal transformers' for every
character (tests/test_unicode_rules.py sweeps all 1.1M code points against the installed library).
Those exceptions hold for Unicode 14 only; later Pythons ship other `unicodedata` tables, so the
package requires Python 3.11 (pyproject.toml), and importing this module elsewhere says so.
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache

if unicodedata.unidata_version != "14.0.0":
    raise ImportError(f"minibert's tokenizer tables are written for Unicode 14.0.0 (Python 3.11); this Python's "
                      f"unicodedata is {unicodedata.unidata_version}, whose character classes differ: use Python 3.11")

# Google's definition of a "Chinese character": the CJK Unified Ideographs blocks. Hangul, Hiragana
# and Katakana are not in it: those scripts separate words with spaces.
_CJK = ((0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F),
        (0x2B740, 0x2B81F), (0x2B820, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F))


def _ranges(*pairs: tuple[int, int]) -> frozenset[int]:
    return frozenset(cp for lo, hi in pairs for cp in range(lo, hi + 1))


@lru_cache(maxsize=None)
def is_control(ch: str) -> bool:
    """Format/control characters that cleaning deletes (tab, newline, CR count as whitespace)."""
    if ch in "\t\n\r":
        return False
    cp = ord(ch)
    if cp in _NOT_CONTROL_IN_TOKENIZERS:
        return False
    # Cc control, Cf format, Co private use, Cs surrogate. Unassigned code points (Cn) are kept:
    # transformers' Rust tokenizer keeps them (its pure-Python legacy class deletes them).
    return unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs")


def is_whitespace(ch: str) -> bool:
    """Space separators (Zs), line/paragraph separators, and tab/newline/CR."""
    return ch in " \t\n\r" or unicodedata.category(ch) in ("Zs", "Zl", "Zp")


@lru_cache(maxsize=None)
def is_punctuation(ch: str) -> bool:
    """Unicode punctuation (P*) plus every non-alphanumeric printable ASCII symbol like $ ^ `."""
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    if cp in _PUNCTUATION_IN_TOKENIZERS:
        return True
    if cp in _NOT_PUNCTUATION_IN_TOKENIZERS:
        return False
    return unicodedata.category(ch).startswith("P")


def is_cjk(ch: str) -> bool:
    """A CJK ideograph, which BERT treats as a word of its own."""
    cp = ord(ch)
    if cp in _NOT_CJK_IN_TOKENIZERS:
        return False
    return any(lo <= cp <= hi for lo, hi in _CJK)


@lru_cache(maxsize=None)
def is_nonspacing_mark(ch: str) -> bool:
    """Category Mn: the combining accents that `strip_accents` removes after NFD."""
    cp = ord(ch)
    if cp in _MN_IN_TOKENIZERS:
        return True
    if cp in _NOT_MN_IN_TOKENIZERS:
        return False
    return unicodedata.category(ch) == "Mn"


def strip_accents(text: str) -> str:
    """Decompose (NFD) and drop the combining marks: 'école' -> 'ecole'."""
    if any(ch in _NOT_DECOMPOSED_IN_TOKENIZERS for ch in text):
        return "".join(strip_accents(ch) if ch not in _NOT_DECOMPOSED_IN_TOKENIZERS else ch for ch in text)
    return "".join(ch for ch in unicodedata.normalize("NFD", text) if not is_nonspacing_mark(ch))


def lowercase(text: str) -> str:
    """Lower-case character by character, as Rust's `char::to_lowercase` does.

    (Python's `str.lower` on a whole word turns a final Σ into ς; BERT's tokenizer does not.)
    """
    if text.isascii():
        return text.lower()
    return "".join(_lower_char(ch) for ch in text)


@lru_cache(maxsize=None)
def _lower_char(ch: str) -> str:
    cp = ord(ch)
    for lo, hi, offset in _LOWER_IN_TOKENIZERS:
        if lo <= cp <= hi:
            return chr(cp + offset)
    return ch.lower()


# --- Where tokenizers' Unicode tables differ from Python 3.11's unicodedata (Unicode 14.0.0) -------
# Measured by sweeping every code point through tokenizers 0.23's BertNormalizer/BertPreTokenizer.
_NOT_CONTROL_IN_TOKENIZERS = _ranges((0x890, 0x891), (0x8E2, 0x8E2), (0x110CD, 0x110CD),
                                     (0x13430, 0x13438))
_PUNCTUATION_IN_TOKENIZERS = _ranges((0x166D, 0x166D), (0x111C9, 0x111C9))
_NOT_PUNCTUATION_IN_TOKENIZERS = _ranges(
    (0x61D, 0x61D), (0x9FD, 0x9FD), (0xA76, 0xA76), (0xC77, 0xC77), (0xC84, 0xC84), (0x1B7D, 0x1B7E),
    (0x2E43, 0x2E4F), (0x2E52, 0x2E5D), (0x10EAD, 0x10EAD), (0x10F55, 0x10F59), (0x10F86, 0x10F89),
    (0x1144B, 0x1144F), (0x1145A, 0x1145B), (0x1145D, 0x1145D), (0x11660, 0x1166C), (0x116B9, 0x116B9),
    (0x1183B, 0x1183B), (0x11944, 0x11946), (0x119E2, 0x119E2), (0x11A3F, 0x11A46), (0x11A9A, 0x11A9C),
    (0x11A9E, 0x11AA2), (0x11C41, 0x11C45), (0x11C70, 0x11C71), (0x11EF7, 0x11EF8), (0x11FFF, 0x11FFF),
    (0x12FF1, 0x12FF2), (0x16E97, 0x16E9A), (0x16FE2, 0x16FE2), (0x1E95E, 0x1E95F))
# tokenizers' CJK test skips 2B820-2B91F (the legacy Python class includes it).
_NOT_CJK_IN_TOKENIZERS = _ranges((0x2B820, 0x2B91F))
_MN_IN_TOKENIZERS = _ranges((0x1734, 0x1734))
_NOT_MN_IN_TOKENIZERS = _ranges(
    (0x7FD, 0x7FD), (0x898, 0x89F), (0x8CA, 0x8E1), (0x9FE, 0x9FE), (0xAFA, 0xAFF), (0xB55, 0xB55),
    (0xC04, 0xC04), (0xC3C, 0xC3C), (0xD00, 0xD00), (0xD3B, 0xD3C), (0xD81, 0xD81), (0xEBA, 0xEBA),
    (0x180F, 0x180F), (0x1885, 0x1886), (0x1ABF, 0x1ACE), (0x1DF6, 0x1DFB), (0xA82C, 0xA82C),
    (0xA8C5, 0xA8C5), (0xA8FF, 0xA8FF), (0xA9BD, 0xA9BD), (0x10D24, 0x10D27), (0x10EAB, 0x10EAC),
    (0x10F46, 0x10F50), (0x10F82, 0x10F85), (0x11070, 0x11070), (0x11073, 0x11074), (0x110C2, 0x110C2),
    (0x111C9, 0x111C9), (0x111CF, 0x111CF), (0x1123E, 0x1123E), (0x1133B, 0x1133B), (0x11438, 0x1143F),
    (0x11442, 0x11444), (0x11446, 0x11446), (0x1145E, 0x1145E), (0x1182F, 0x11837), (0x11839, 0x1183A),
    (0x1193B, 0x1193C), (0x1193E, 0x1193E), (0x11943, 0x11943), (0x119D4, 0x119D7), (0x119DA, 0x119DB),
    (0x119E0, 0x119E0), (0x11A01, 0x11A0A), (0x11A33, 0x11A38), (0x11A3B, 0x11A3E), (0x11A47, 0x11A47),
    (0x11A51, 0x11A56), (0x11A59, 0x11A5B), (0x11A8A, 0x11A96), (0x11A98, 0x11A99), (0x11C30, 0x11C36),
    (0x11C38, 0x11C3D), (0x11C3F, 0x11C3F), (0x11C92, 0x11CA7), (0x11CAA, 0x11CB0), (0x11CB2, 0x11CB3),
    (0x11CB5, 0x11CB6), (0x11D31, 0x11D36), (0x11D3A, 0x11D3A), (0x11D3C, 0x11D3D), (0x11D3F, 0x11D45),
    (0x11D47, 0x11D47), (0x11D90, 0x11D91), (0x11D95, 0x11D95), (0x11D97, 0x11D97), (0x11EF3, 0x11EF4),
    (0x16F4F, 0x16F4F), (0x16FE4, 0x16FE4), (0x1CF00, 0x1CF2D), (0x1CF30, 0x1CF46), (0x1E000, 0x1E006),
    (0x1E008, 0x1E018), (0x1E01B, 0x1E021), (0x1E023, 0x1E024), (0x1E026, 0x1E02A), (0x1E130, 0x1E136),
    (0x1E2AE, 0x1E2AE), (0x1E2EC, 0x1E2EF), (0x1E944, 0x1E94A))
# Python's NFD decomposes DIVES AKURU VOWEL SIGN O; tokenizers' older tables leave it whole.
_NOT_DECOMPOSED_IN_TOKENIZERS = frozenset("\U00011938")
# Upper-case letters added in Unicode 15/16, which Rust's std lower-cases: (first, last, offset).
_LOWER_IN_TOKENIZERS = ((0x1C89, 0x1C89, +1), (0xA7CB, 0xA7CB, -42343), (0xA7CC, 0xA7CC, +1),
                        (0xA7CE, 0xA7CE, +1), (0xA7D2, 0xA7D2, +1), (0xA7D4, 0xA7D4, +1),
                        (0xA7DA, 0xA7DA, +1), (0xA7DC, 0xA7DC, -42561), (0x10D50, 0x10D65, +32),
                        (0x16EA0, 0x16EB8, +27))
