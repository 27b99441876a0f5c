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

__all__ = ["BertConfig", "BertModel", "BertForPreTraining", "BertForMaskedLM",
           "BertForSequenceClassification", "BertForTokenClassification", "BertForQuestionAnswering",
           "BertTokenizer"]
__version__ = "0.1.0"
