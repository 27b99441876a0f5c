"""minibert: BERT written out by hand, numerically equal to Hugging Face transformers.

Start with lessons/README.md. The tokenizer is `BertTokenizer`; the model is `BertModel` with
its heads; the shared plumbing for all three packages (minibert, word2vec, glove) is
`minibert.backend`.

Names are imported when first used (PEP 562), so the tokenizer works without torch installed, as
HF's `tokenizers` does: `import minibert` loads no torch until a model or vector function is asked for.
"""
from importlib import import_module

_WHERE = {"BertConfig": "config", "BertModel": "model", "BertTokenizer": "tokenizer",
          "BertForPreTraining": "heads", "BertForMaskedLM": "heads", "BertForSequenceClassification": "heads",
          "BertForTokenClassification": "heads", "BertForQuestionAnswering": "heads",
          "sentence_vectors": "wordvectors", "word_vectors": "wordvectors", "static_vectors": "wordvectors",
          "init_word_embeddings": "embedding_init", "distill": "distillation", "StaticModel": "staticmodel",
          "explore": "explorer"}

__all__ = list(_WHERE)
__version__ = "0.1.0"


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module 'minibert' has no attribute {name!r}")
    try:
        value = getattr(import_module(f".{_WHERE[name]}", __name__), name)
    except ModuleNotFoundError as e:
        if e.name != "torch":
            raise
        raise ModuleNotFoundError(f"minibert.{name} runs on torch, which is not installed: pip install torch "
                                  "(the tokenizer, minibert.BertTokenizer, needs no torch)", name="torch") from None
    globals()[name] = value
    return value


def __dir__():
    return sorted(list(globals()) + __all__)
