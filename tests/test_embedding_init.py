"""Word vectors into BERT: which rows change, the PCA map against scikit-learn's PCA, the scale,
and `minibert pretrain --init-embeddings` on a real run."""
import subprocess
import sys

import numpy as np
import pytest
import torch

from minibert import BertConfig, BertModel, BertTokenizer, init_word_embeddings
from minibert.embedding_init import read_vectors
from minibert.vectors import KeyedVectors

VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "[unused0]", "king", "queen", "walk", "##ing",
         "##s", "paris", "river", "."]


@pytest.fixture
def tok():
    return BertTokenizer(vocab={t: i for i, t in enumerate(VOCAB)}, do_lower_case=True)


def model_of(hidden=8):
    torch.manual_seed(0)
    return BertModel(BertConfig(vocab_size=len(VOCAB), hidden_size=hidden, num_hidden_layers=1,
                                num_attention_heads=2, intermediate_size=11, max_position_embeddings=16))


def vectors(dim, words=("King", "queen", "walk", "Paris", "mountain", "ing", "king")):
    rng = np.random.default_rng(5)
    return KeyedVectors(list(words), rng.normal(size=(len(words), dim)))


def test_same_size_rows_centred_and_scaled(tok):
    model = model_of(8)
    before = model.embeddings.word.weight.detach().clone()
    kv = vectors(8)
    report = init_word_embeddings(model, tok, kv)
    # King (first, more frequent) wins over king for an uncased vocabulary; "ing" is a word, not ##ing
    assert report == {"initialised": 4, "continuation_pieces": 2, "missing": 2, "vocab_size": len(VOCAB)}
    ids = [VOCAB.index(w) for w in ("king", "queen", "walk", "paris")]
    X = kv.vectors[[0, 1, 2, 3]].astype(np.float64)
    expected = (X - X.mean(0)) * (0.02 / (X - X.mean(0)).std())  # centred, BERT's 0.02 scale
    after = model.embeddings.word.weight.detach()
    assert np.abs(after[ids].numpy() - expected).max() <= 1e-7
    assert abs(after[ids].double().std(unbiased=False).item() - 0.02) <= 1e-7
    untouched = [i for i in range(len(VOCAB)) if i not in ids]  # specials, [unused0], ## pieces, river, .
    assert torch.equal(after[untouched], before[untouched])


def test_pca_equal_to_scikit_learn(tok):
    from sklearn.decomposition import PCA

    model = model_of(4)
    kv = vectors(6)
    init_word_embeddings(model, tok, kv, projection="pca")
    ref = PCA(n_components=4, svd_solver="full").fit_transform(kv.vectors.astype(np.float64))[[0, 1, 2, 3]]
    ref = ref - ref.mean(0)
    ref *= 0.02 / ref.std()
    ours = model.embeddings.word.weight.detach()[[VOCAB.index(w) for w in ("king", "queen", "walk", "paris")]].numpy()
    signs = np.sign((ours * ref).sum(0))  # a principal direction is defined up to its sign
    assert np.abs(ours - ref * signs).max() <= 1e-7


def test_random_projection_is_fixed_by_seed(tok):
    a, b, c = model_of(8), model_of(8), model_of(8)
    kv = vectors(5)
    for m, seed in ((a, 1), (b, 1), (c, 2)):
        init_word_embeddings(m, tok, kv, projection="random", seed=seed)
    assert torch.equal(a.embeddings.word.weight, b.embeddings.word.weight)
    assert not torch.equal(a.embeddings.word.weight, c.embeddings.word.weight)


def test_bad_input(tok, tmp_path):
    with pytest.raises(ValueError, match="none of the tokenizer's"):
        init_word_embeddings(model_of(), tok, KeyedVectors(["犬", "猫"], np.ones((2, 3))))
    bad = vectors(8)
    bad.vectors[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        init_word_embeddings(model_of(), tok, bad)
    with pytest.raises(ValueError, match="projection"):
        init_word_embeddings(model_of(), tok, vectors(8), projection="svd")
    with pytest.raises(ValueError, match="do not match"):
        init_word_embeddings(model_of(), BertTokenizer(vocab={t: i for i, t in enumerate(VOCAB + ["extra"])}), vectors(8))


def test_read_vectors_formats(tmp_path):
    kv = vectors(3)
    kv.save_word2vec_format(tmp_path / "w2v.txt")
    kv.save_word2vec_format(tmp_path / "glove.txt", write_header=False)
    kv.save_word2vec_format(tmp_path / "w2v.bin", binary=True)
    for name in ("w2v.txt", "glove.txt", "w2v.bin"):
        back = read_vectors(tmp_path / name)
        assert back.index_to_key == kv.index_to_key
        assert np.abs(back.vectors - kv.vectors).max() <= 1e-6


def test_pretrain_option(tmp_path):
    """The command reads the file, reports what it initialised, and trains from it."""
    corpus = tmp_path / "corpus.txt"
    docs = [[f"the {w} walks along the river ." for w in ("king", "queen", "dog")] for _ in range(12)]
    corpus.write_text("\n\n".join("\n".join(d) for d in docs) + "\n")
    kv = KeyedVectors(["the", "king", "queen", "river", "walks"], np.random.default_rng(0).normal(size=(5, 20)))
    kv.save_word2vec_format(tmp_path / "vectors.txt")
    r = subprocess.run([sys.executable, "-m", "minibert", "pretrain", "--corpus", str(corpus), "--out",
                        str(tmp_path / "run"), "--steps", "2", "--vocab-size", "60", "--hidden-size", "16",
                        "--num-attention-heads", "2", "--intermediate-size", "20", "--eval-every", "2",
                        "--init-embeddings", str(tmp_path / "vectors.txt")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "word embeddings: 5 of" in r.stdout
    r = subprocess.run([sys.executable, "-m", "minibert", "pretrain", "--corpus", str(corpus), "--out",
                        str(tmp_path / "run2"), "--init-embeddings", str(tmp_path / "missing.txt")],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "missing.txt" in r.stderr and not (tmp_path / "run2").exists()
