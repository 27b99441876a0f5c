"""Reading a pretraining corpus: documents made of sentences.

Google's format: one sentence per line, a blank line between documents. Plain text works too:
every line is cut into sentences, and a file of paragraphs with no blank line is read as one
document per paragraph. A folder is read file by file (sorted). Lesson: lessons/04-pretraining.md.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

from ..backend import read_text

# A sentence ends at . ! ? (maybe with a closing quote or bracket) before whitespace and an
# upper-case letter, digit or opening quote; a CJK full stop, ！ or ？ ends one anywhere.
_SENTENCE_END = re.compile(r"([.!?][\"'”’)\]]?)\s+(?=[\"“‘(\[]?[A-Z0-9])|([。！？])")


def split_sentences(text: str) -> list[str]:
    marked = _SENTENCE_END.sub(lambda m: (m.group(1) or m.group(2)) + "\n", text)
    return [s.strip() for s in marked.split("\n") if s.strip()]


def _documents_of(text: str) -> list[list[str]]:
    lines = [line.strip() for line in text.splitlines()]
    blocks, current = [], []
    for line in lines:
        if line:
            current.append(line)
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    if len(blocks) == 1:  # no blank lines: paragraphs (several sentences a line) are documents
        sentences_per_line = [len(split_sentences(line)) for line in blocks[0]]
        if len(blocks[0]) > 1 and sum(sentences_per_line) / len(blocks[0]) > 1.5:
            blocks = [[line] for line in blocks[0]]
    return [[s for line in block for s in split_sentences(line)] for block in blocks]


def read_documents(path: str | os.PathLike) -> list[list[str]]:
    """A file or folder of text -> documents, each a list of sentences. Clear errors for bad input."""
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
    elif path.is_file():
        files = [path]
    else:
        raise FileNotFoundError(f"no corpus at {path}")
    documents = [doc for f in files for doc in _documents_of(read_text(f, "corpus file")) if doc]
    if not documents:
        raise ValueError(f"the corpus at {path} is empty: no sentences found")
    return documents
