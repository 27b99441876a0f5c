"""minibert: BERT written out by hand, numerically equal to Hugging Face transformers.

Start with lessons/README.md. The tokenizer is `BertTokenizer`; the shared plumbing for all three
packages (minibert, word2vec, glove) is `minibert.backend`.
"""
from .tokenizer import BertTokenizer

__all__ = ["BertTokenizer"]
__version__ = "0.1.0"
