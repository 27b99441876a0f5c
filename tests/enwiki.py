"""The reference corpus of shared/reference/corpora/README.md, rebuilt from gensim's wheel.

107 English Wikipedia articles (gensim's dump excerpt; Wikipedia text, CC BY-SA): namespace 0,
redirects skipped, `filter_wiki`, lower-cased, apostrophes inside words deleted, tokens are runs
of letters/digits, one paragraph per line, paragraphs under 3 tokens dropped. Gives exactly the
reference's 11,155 lines and 472,313 tokens, on which the reference systems' figures were measured.
"""
import bz2
import re
from functools import lru_cache
from pathlib import Path

import gensim
from gensim.corpora.wikicorpus import extract_pages, filter_wiki

DATA = Path(gensim.__file__).parent / "test" / "test_data"
DUMP = DATA / "enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2"
_TOKEN = re.compile(r"[^\W_]+")
_INNER_APOSTROPHE = re.compile(r"(?<=\w)['’](?=\w)")


@lru_cache(maxsize=1)
def enwiki_sentences() -> tuple[tuple[str, ...], ...]:
    lines = []
    for _title, text, _pageid in extract_pages(bz2.BZ2File(DUMP), filter_namespaces=("0",)):
        if text.lstrip().lower().startswith("#redirect"):
            continue
        for paragraph in filter_wiki(text).split("\n"):
            tokens = _TOKEN.findall(_INNER_APOSTROPHE.sub("", paragraph.lower()))
            if len(tokens) >= 3:
                lines.append(tuple(tokens))
    return tuple(lines)


def write_enwiki(path, copies: int = 1) -> int:
    """The corpus `copies` times into a text file, one paragraph per line, each copy's lines in
    another seeded order (a larger corpus for the streaming and speed benchmarks); returns its tokens."""
    import random

    lines = [" ".join(s) for s in enwiki_sentences()]
    with Path(path).open("w", encoding="utf-8") as f:
        for copy in range(copies):
            order = list(range(len(lines)))
            random.Random(copy).shuffle(order)
            f.writelines(lines[i] + "\n" for i in order)
    return copies * sum(len(s) for s in enwiki_sentences())


def evaluate(path_to_vectors) -> dict:
    """gensim's own evaluation (WordSim353, SimLex-999, analogies at restrict_vocab=30000)."""
    from gensim.models import KeyedVectors

    kv = KeyedVectors.load_word2vec_format(str(path_to_vectors))
    return {"wordsim353": kv.evaluate_word_pairs(str(DATA / "wordsim353.tsv"))[1][0],
            "simlex999": kv.evaluate_word_pairs(str(DATA / "simlex999.txt"))[1][0],
            "analogy": kv.evaluate_word_analogies(str(DATA / "questions-words.txt"), restrict_vocab=30000)[0]}
