"""GloVe from scratch: co-occurrence counts and weighted least squares, equal to the Stanford C tool.

`build_vocab` and `cooccurrence` follow `vocab_count` and `cooccur`; `GloVe` trains with AdaGrad
on the torch backend (minibert.backend) and gives a shared word-vectors container (`.wv`).
"""
from .cooccur import cooccurrence
from .model import GloVe
from .published import published_vectors
from .sample import sample_corpus
from .vocab import CorpusFile, build_vocab, read_corpus

__all__ = ["CorpusFile", "GloVe", "build_vocab", "cooccurrence", "published_vectors", "read_corpus", "sample_corpus"]
