"""Rebuild wikipedia-100.txt.gz, the small corpus `minibert pretrain` uses by default.

Source: the English Wikipedia dump excerpt that gensim's wheel ships
(gensim/test/test_data/enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2):
107 articles (namespace 0, redirects skipped), wiki markup removed with gensim's `filter_wiki`,
headings, lists, tables and short fragments dropped, paragraphs split into sentences.
Output: one sentence per line, a blank line between articles (google-research/bert's format).
Licence of the text: CC BY-SA (Wikipedia); see minibert/data/README.md.
Run: python minibert/data/make_wiki_corpus.py   (needs gensim)
"""
import bz2
import gzip
import re
from pathlib import Path

import gensim
from gensim.corpora.wikicorpus import extract_pages, filter_wiki

from minibert.pretraining.corpus import split_sentences

DUMP = Path(gensim.__file__).parent / "test" / "test_data" / \
    "enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2"


def clean_paragraph(line: str) -> str:
    line = re.sub(r"'{2,}", "", line)                  # bold/italic quotes
    line = re.sub(r"\s+", " ", line).strip()
    return line


def main(out: Path = Path(__file__).with_name("wikipedia-100.txt.gz")) -> None:
    articles = []
    for _title, text, _pageid in extract_pages(bz2.BZ2File(DUMP), filter_namespaces=("0",)):
        if text.lstrip().lower().startswith("#redirect"):
            continue
        sentences = []
        for line in filter_wiki(text).splitlines():
            line = clean_paragraph(line)
            if not line or line.startswith(("=", "*", "#", "|", "{", "!", ":", ";")) or len(line.split()) < 6:
                continue
            sentences += [s for s in split_sentences(line) if len(s.split()) >= 3]
        if len(sentences) >= 2:
            articles.append("\n".join(sentences))
    out.write_bytes(gzip.compress(("\n\n".join(articles) + "\n").encode("utf-8"), mtime=0))
    print(f"{len(articles)} articles -> {out}")


if __name__ == "__main__":
    main()
