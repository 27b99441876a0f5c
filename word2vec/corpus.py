"""The corpus, streamed: gensim's `LineSentence`, and the epoch cut into gensim's jobs a block at a time.

Nothing here holds the whole corpus: a file is re-read on every pass, and training sees it a block
of `block_jobs` jobs (about `block_jobs · batch_words` words) at a time, so memory is bounded by the
vocabulary, the vectors and one block, whatever the corpus size. Jobs are gensim's: consecutive
sentences of at most `batch_words` raw words (an over-long first sentence closes an empty job, as
in gensim). Lesson: lessons/05-word2vec.md.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from itertools import repeat

import numpy as np

from minibert.backend import TextLines, known_ids

from .train import MAX_SENTENCE_LEN


class LineSentence:
    """A text file, one sentence per line, words split on whitespace, lines of more than
    `max_sentence_length` words cut into pieces (gensim's `LineSentence`); strict UTF-8."""

    def __init__(self, source: str | os.PathLike, max_sentence_length: int = MAX_SENTENCE_LEN):
        self.lines, self.max_sentence_length = TextLines(source, "corpus file"), max_sentence_length

    def __iter__(self):
        n = self.max_sentence_length
        for line in self.lines:
            words = line.split()
            for i in range(0, len(words), n):
                yield words[i:i + n]


@dataclass
class Block:
    """Consecutive jobs of one epoch. ids (N,) their in-vocabulary words; sentence s of the block is
    ids[sentence_starts[s]:sentence_starts[s+1]]; job k holds sentences job_starts[k]..job_starts[k+1]-1;
    first_sentence: the block's first sentence's number in the corpus (for the learning rate)."""
    ids: np.ndarray
    sentence_starts: np.ndarray
    job_starts: np.ndarray
    first_sentence: int


def blocks(sentences, key_to_index: dict[str, int], batch_words: int, block_jobs: int):
    """The corpus as Blocks of at most `block_jobs` of gensim's jobs, in order."""
    ids, lengths, job_starts, size, first = [], [], [0], 0, 0   # ids: -1 for a word outside the vocabulary
    get, missing = key_to_index.get, repeat(-1)

    def block():
        known, sentence_of = known_ids(ids, lengths)
        starts = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(np.bincount(sentence_of, minlength=len(lengths)), out=starts[1:])
        return Block(known, starts, np.array(job_starts), first)

    for sentence in sentences:
        if isinstance(sentence, str):
            raise TypeError("sentences must be lists of words, not strings: split them first")
        if not isinstance(sentence, (list, tuple)):
            sentence = list(sentence)
        n = len(sentence)
        if size + n > batch_words:            # this sentence opens the next job
            job_starts.append(len(lengths))
            size = 0
            if len(job_starts) - 1 == block_jobs:
                yield block()
                first += len(lengths)
                ids, lengths, job_starts = [], [], [0]
        kept = sentence[:MAX_SENTENCE_LEN]
        ids.extend(map(get, kept, missing))
        lengths.append(len(kept))
        size += n
    if lengths:
        job_starts.append(len(lengths))
        yield block()
