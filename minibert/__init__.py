"""minibert: BERT written out by hand, numerically equal to Hugging Face transformers.

Start with lessons/README.md. The tokenizer is `BertTokenizer`; the model is `BertModel` with
its heads; the shared plumbing for all three packages (minibert, word2vec, glove) is
`minibert.backend`.
"""
from .config import BertConfig
from .heads import (BertForMaskedLM, BertForPreTraining, BertForQuestionAnswering,
                    BertForSequenceClassification, BertForTokenClassification)
from .model import BertModel
from .tokenizer import BertTokenizer
from .wordvectors import sentence_vectors, static_vectors, word_vectors
from .embedding_init import init_word_embeddings

__all__ = ["BertConfig", "BertModel", "BertForPreTraining", "BertForMaskedLM",
           "BertForSequenceClassification", "BertForTokenClassification", "BertForQuestionAnswering",
           "BertTokenizer", "sentence_vectors", "word_vectors", "static_vectors", "init_word_embeddings"]
__version__ = "0.1.0"
