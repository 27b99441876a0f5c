"""Every code point through our character rules and through transformers' Rust normaliser and
pre-tokeniser (the `tokenizers` library): the same cleaned text and the same words.

This is the test behind minibert/data/unicode_tables.json (made by make_unicode_tables.py beside
it): it runs on every Python CI runs, whatever that Python's own unicodedata says.
"""
import pytest
from tokenizers import normalizers, pre_tokenizers

from minibert.basic_tokenizer import BasicTokenizer

CODE_POINTS = [cp for cp in range(1, 0x110000) if not 0xD800 <= cp <= 0xDFFF]
CHUNK = 8192


@pytest.mark.parametrize("lower,strip,cjk", [(True, None, True), (False, None, True),
                                             (False, True, False), (True, False, True)])
def test_all_code_points_match_tokenizers(lower, strip, cjk):
    ours = BasicTokenizer(do_lower_case=lower, strip_accents=strip, tokenize_chinese_chars=cjk)
    norm = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=cjk, strip_accents=strip,
                                      lowercase=lower)
    pre = pre_tokenizers.BertPreTokenizer()
    for i in range(0, len(CODE_POINTS), CHUNK):
        # each character between two letters, so deletion, spacing and splitting all show
        text = " ".join(f"q{chr(cp)}z" for cp in CODE_POINTS[i:i + CHUNK])
        expected = norm.normalize_str(text)
        assert ours.normalize(text) == expected, f"chunk starting at U+{CODE_POINTS[i]:04X}"
        assert ours.split(text) == [w for w, _ in pre.pre_tokenize_str(expected)]


def test_whitespace_regex_is_the_whitespace_rule():
    import re

    from minibert.basic_tokenizer import WHITESPACE_CHARS
    from minibert.unicode_rules import is_whitespace

    pattern = re.compile(f"[{WHITESPACE_CHARS}]")
    for cp in CODE_POINTS:
        ch = chr(cp)
        assert bool(pattern.fullmatch(ch)) == is_whitespace(ch), f"U+{cp:04X}"


def test_nfd_of_every_code_point_matches_tokenizers():
    from minibert.unicode_rules import nfd

    theirs = normalizers.NFD()
    for i in range(0, len(CODE_POINTS), CHUNK):
        text = " ".join(chr(cp) for cp in CODE_POINTS[i:i + CHUNK])
        assert nfd(text) == theirs.normalize_str(text), f"chunk starting at U+{CODE_POINTS[i]:04X}"


def _combining_pool() -> list[str]:
    """Marks of every combining class (by this Python's tables and by ours), characters that
    decompose into marks, Hangul, and plain letters: what NFD reorders, and what stops it."""
    import unicodedata

    from minibert.unicode_rules import _COMBINING_CLASS, _DECOMPOSITION

    marks = {chr(cp) for cp in CODE_POINTS if unicodedata.combining(chr(cp))} | set(_COMBINING_CLASS)
    decomposing = sorted(_DECOMPOSITION)[::7]
    return sorted(marks) + decomposing + list("aZé\u0130\u03a3\uac00\ud7a3\u1100 .")


def test_combining_mark_strings_match_tokenizers():
    """NFD sorts runs of combining marks by class, so a one-character sweep cannot see a class
    that differs (U+16FF0: 6 in Python 3.11's tables, 0 in tokenizers'). Random runs of marks can."""
    import random

    from minibert.unicode_rules import nfd

    pool, rng = _combining_pool(), random.Random(0)
    texts = ["\u1ab1\U0001e00c\U00016ff0\u08fa", "a\u0301\u0316\u0345\u0334b", "\u0344\u0f73\u1e09"]
    texts += ["".join(rng.choices(pool, k=rng.randint(1, 8))) for _ in range(30_000)]
    theirs = normalizers.NFD()
    for lower in (True, False):
        ours = BasicTokenizer(do_lower_case=lower, strip_accents=True)
        norm = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=True,
                                          lowercase=lower)
        for text in texts:
            assert nfd(text) == theirs.normalize_str(text), [f"U+{ord(c):04X}" for c in text]
            assert ours.normalize(text) == norm.normalize_str(text), [f"U+{ord(c):04X}" for c in text]


def test_rules_never_read_unicodedata():
    """The tables, not the running Python's unicodedata, decide: with unicodedata unimportable
    the tokenizer still gives tokenizers' words for accented, cased and CJK text."""
    import subprocess
    import sys

    text = "Ça\u0301 ΣΑΣ İstanbul 我是一个人工智能模型 한국어, e\u0301cole! \U00011938 \u1ab1\U00016ff0\u08fa"
    code = ("import sys; sys.modules['unicodedata'] = None\n"
            "from minibert.basic_tokenizer import BasicTokenizer\n"
            f"print(BasicTokenizer().split({text!r}))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, encoding="utf-8")
    assert r.returncode == 0, r.stderr
    norm = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=None,
                                      lowercase=True)
    expected = [w for w, _ in pre_tokenizers.BertPreTokenizer().pre_tokenize_str(norm.normalize_str(text))]
    assert r.stdout.strip() == repr(expected)
