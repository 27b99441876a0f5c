"""Every code point through our character rules and through transformers' Rust normaliser and
pre-tokeniser (the `tokenizers` library): the same cleaned text and the same words.

This is the test behind the exception tables in minibert/unicode_rules.py.
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


def test_another_unicode_version_is_refused_in_one_line():
    """The exception tables are Unicode 14's (Python 3.11): under other tables the import stops."""
    import subprocess
    import sys

    code = ("import unicodedata; unicodedata.unidata_version = '15.0.0'\n"
            "import minibert.unicode_rules")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode != 0
    assert "ImportError: minibert's tokenizer tables are written for Unicode 14.0.0" in r.stderr
    assert "15.0.0" in r.stderr
