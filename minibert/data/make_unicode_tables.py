"""Rebuild unicode_tables.json: the character rules of BERT's tokenizer, read off HF `tokenizers`.

transformers' BertTokenizer runs on the Rust `tokenizers` library, whose character classes,
decompositions and lower-casing come from its own Unicode tables, not from Python's `unicodedata`
(which changes with every Python). So we ask `tokenizers` about each of the 1,114,110 code points
(surrogates aside) and store the answers; minibert/unicode_rules.py reads them and never consults
`unicodedata`, so every Python gives the same ids. tests/test_unicode_rules.py holds the tables to
the installed `tokenizers` on every code point and on random combining-mark strings.

Run: python minibert/data/make_unicode_tables.py   (needs tokenizers; about a minute)
"""
import json
from pathlib import Path

import tokenizers
from tokenizers import normalizers, pre_tokenizers

OUT = Path(__file__).with_name("unicode_tables.json")
CODE_POINTS = [cp for cp in range(0x110000) if not 0xD800 <= cp <= 0xDFFF]
HANGUL = range(0xAC00, 0xD7A4)  # decomposed by the algorithm in unicode_rules.py, not listed


def bert(clean=False, cjk=False, strip=False, lower=False):
    return normalizers.BertNormalizer(clean_text=clean, handle_chinese_chars=cjk, strip_accents=strip,
                                      lowercase=lower).normalize_str


def ranges(cps: list[int]) -> list[list[int]]:
    """Sorted code points -> [[first, last], ...] runs."""
    out: list[list[int]] = []
    for cp in cps:
        if out and out[-1][1] == cp - 1:
            out[-1][1] = cp
        else:
            out.append([cp, cp])
    return out


def classes() -> dict:
    clean, cjk, strip, nfd = bert(clean=True), bert(cjk=True), bert(strip=True), normalizers.NFD().normalize_str
    split = pre_tokenizers.BertPreTokenizer().pre_tokenize_str
    deleted, whitespace, punctuation, chinese, marks = [], [], [], [], []
    for cp in CODE_POINTS:
        ch = chr(cp)
        cleaned = clean(ch)
        if cleaned == "":
            deleted.append(cp)
        elif cleaned == " ":
            whitespace.append(cp)
        elif cleaned != ch:
            raise AssertionError(f"cleaning maps U+{cp:04X} to {cleaned!r}")
        elif len(split(f"q{ch}z")) == 3:  # a word of its own (only what cleaning keeps is asked)
            punctuation.append(cp)
        if cjk(ch) == f" {ch} ":
            chinese.append(cp)
        if strip(ch) == "" and nfd(ch) == ch:  # removed after NFD: a nonspacing mark
            marks.append(cp)
    return {"deleted": ranges(deleted), "whitespace": ranges(whitespace), "punctuation": ranges(punctuation),
            "cjk": ranges(chinese), "nonspacing_mark": ranges(marks)}


def decompositions() -> dict[str, str]:
    nfd = normalizers.NFD().normalize_str
    out = {}
    for cp in CODE_POINTS:
        d = nfd(chr(cp))
        if d != chr(cp) and cp not in HANGUL:
            out[str(cp)] = d
    return out


def combining_classes(decomposed: dict[str, str]) -> list[list[int]]:
    """Canonical combining class of every mark, found by asking NFD which neighbours it reorders.

    NFD sorts each run of non-starters by class (stably), so x after a mark of class v moves
    in front of it exactly when class(x) < v, and stays in both orders exactly when class(x) == v.
    The probes are one mark of each class Python knows, each checked against the others first.
    """
    import unicodedata

    nfd = normalizers.NFD().normalize_str
    swaps = lambda first, second: first != second and nfd(f"a{first}{second}") == f"a{second}{first}"  # noqa: E731
    by_class: dict[int, list[str]] = {}
    for cp in CODE_POINTS:
        v = unicodedata.combining(chr(cp))
        if v and str(cp) not in decomposed:
            by_class.setdefault(v, []).append(chr(cp))
    probes: dict[int, str] = {}
    for v in sorted(by_class):  # the first candidate that tokenizers orders as class v
        for ch in by_class[v]:
            if all(swaps(ch, p) and not swaps(p, ch) for p in probes.values()) and nfd(f"a{ch}") == f"a{ch}":
                probes[v] = ch
                break
    for v, p in probes.items():
        for w, q in probes.items():
            assert swaps(q, p) == (v < w), (v, w)
    top, bottom = probes[max(probes)], probes[min(probes)]
    out = []
    for cp in CODE_POINTS:
        ch = chr(cp)
        if str(cp) in decomposed or cp in HANGUL or not (swaps(top, ch) or swaps(ch, bottom) or ch in (top, bottom)):
            continue  # a starter (class 0), or a character that decomposes
        found = [v for v, p in probes.items() if not swaps(p, ch) and not swaps(ch, p)]
        assert len(found) == 1, f"U+{cp:04X} matches the classes {found}"
        if out and out[-1][2] == found[0] and out[-1][1] == cp - 1:
            out[-1][1] = cp
        else:
            out.append([cp, cp, found[0]])
    return out


def lowercase() -> tuple[list[list[int]], dict[str, str]]:
    """Single-character maps as runs [first, last, step, offset]; longer results listed apart."""
    lower = bert(lower=True)
    single, longer = [], {}
    for cp in CODE_POINTS:
        low = lower(chr(cp))
        if low == chr(cp):
            continue
        if len(low) != 1:
            longer[str(cp)] = low
            continue
        offset = ord(low) - cp
        if single and single[-1][3] == offset and cp - single[-1][1] in (1, 2) and \
                (single[-1][0] == single[-1][1] or cp - single[-1][1] == single[-1][2]):
            run = single[-1]
            run[2], run[1] = cp - run[1], cp
        else:
            single.append([cp, cp, 1, offset])
    return single, longer


def main() -> None:
    decomposed = decompositions()
    single, longer = lowercase()
    tables = {"source": f"tokenizers {tokenizers.__version__} (BertNormalizer, BertPreTokenizer, NFD), "
                        "read off every code point by minibert/data/make_unicode_tables.py",
              **classes(), "combining_class": combining_classes(decomposed), "decomposition": decomposed,
              "lowercase": single, "lowercase_longer": longer}
    OUT.write_text(json.dumps(tables, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    counts = {k: len(v) for k, v in tables.items() if k != "source"}
    print(f"{OUT}: {OUT.stat().st_size:,} bytes; {counts}")


if __name__ == "__main__":
    main()
