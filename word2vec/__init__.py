"""word2vec from scratch: skip-gram and CBOW with negative sampling, hierarchical softmax or the
full softmax, on the torch backend, with gensim's parameters and numbers. Lesson: lessons/05-word2vec.md."""
from .corpus import LineSentence
from .model import Word2Vec

__all__ = ["LineSentence", "Word2Vec"]
