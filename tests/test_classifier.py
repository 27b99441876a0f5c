"""Our logistic regression against scikit-learn's, on real features; the labelled data readers.

Features: all-MiniLM-L6-v2 mean-pooled sentence vectors of gensim's pang_lee_polarity.cor
(float64 for both sides: scikit-learn keeps float32 input in float32 and then stops far from the
minimum). scikit-learn runs lbfgs with tol=1e-10: at its default tol=1e-4 it stops short of the
minimum by up to 0.1 on these coefficients, while ours converges (gradient ~1e-8).
"""
import numpy as np
import pytest

import minibert
from minibert.classifier import LogisticRegression, cross_val_accuracy, stratified_folds
from minibert.evaluation import average_word_vectors, lee_pearson, read_lee, read_polarity
from minibert.vectors import KeyedVectors


@pytest.fixture(scope="module")
def polarity(gensim_data, minilm_dir):
    texts, labels = read_polarity(gensim_data / "pang_lee_polarity.cor")
    model, tok = minibert.BertModel.from_pretrained(minilm_dir), minibert.BertTokenizer.from_pretrained(minilm_dir)
    return minibert.sentence_vectors(model, tok, texts).double().numpy(), np.array(labels)


def test_readers(gensim_data):
    texts, labels = read_polarity(gensim_data / "pang_lee_polarity.cor")
    assert len(texts) == 200 and labels.count("pos") == labels.count("neg") == 100
    assert any("—" in t for t in texts)  # the file is Windows-1252: 0x97 is an em dash
    docs, ratings = read_lee(gensim_data / "lee.cor", gensim_data / "similarities0-1.txt")
    assert len(docs) == 50 and ratings.shape == (50, 50)
    assert np.allclose(ratings, ratings.T) and (np.diag(ratings) == 1).all()


@pytest.mark.parametrize("C", [0.1, 1.0, 10.0])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_equal_to_scikit_learn(polarity, C, n_classes):
    from sklearn.linear_model import LogisticRegression as Reference

    X, y = polarity
    if n_classes == 3:  # split the negative sentences into two classes: a three-way softmax
        y = np.where(y == "neg", np.where(np.arange(len(y)) % 2 == 0, "neg-a", "neg-b"), y)
    ours = LogisticRegression(C=C).fit(X, y)
    ref = Reference(C=C, solver="lbfgs", tol=1e-10, max_iter=10000).fit(X, y)
    assert ours.coef_.shape == ref.coef_.shape
    assert list(ours.classes_) == list(ref.classes_)
    assert np.abs(ours.coef_ - ref.coef_).max() <= 1e-4
    assert np.abs(ours.intercept_ - ref.intercept_).max() <= 1e-4
    assert (ours.predict(X) == ref.predict(X)).all()
    assert np.abs(ours.predict_proba(X) - ref.predict_proba(X)).max() <= 1e-5


def test_polarity_accuracy_target(polarity):
    """The issue's target: mean-pooled MiniLM + our logistic regression >= 0.65 over 10 folds."""
    X, y = polarity
    folds = stratified_folds(y, 10, seed=0)
    assert sorted(np.concatenate(folds).tolist()) == list(range(len(y)))
    assert all(abs((y[f] == "pos").sum() - (y[f] == "neg").sum()) <= 1 for f in folds)
    assert cross_val_accuracy(X, y, 10).mean() >= 0.65


def test_lee_pearson_and_averages():
    ratings = np.array([[1, 0.9, 0.1], [0.9, 1, 0.2], [0.1, 0.2, 1]])
    vectors = np.array([[1.0, 0.0], [1.0, 0.1], [0.0, 1.0]])
    cos = [vectors[0] @ vectors[1] / np.linalg.norm(vectors[1]), 0.0, vectors[1] @ vectors[2] / np.linalg.norm(vectors[1])]
    assert abs(lee_pearson(vectors, ratings) - np.corrcoef(cos, [0.9, 0.1, 0.2])[0, 1]) < 1e-12
    kv = KeyedVectors(["a", "b"], np.array([[1.0, 2.0], [3.0, 4.0]]))
    avg, coverage = average_word_vectors(kv, [["a", "b", "c"], ["zzz"]])
    assert np.allclose(avg, [[2.0, 3.0], [0.0, 0.0]]) and coverage == 0.5


def test_bad_input():
    X = np.random.default_rng(0).normal(size=(6, 3))
    with pytest.raises(ValueError, match="two classes"):
        LogisticRegression().fit(X, ["a"] * 6)
    with pytest.raises(ValueError, match="labels of shape"):
        LogisticRegression().fit(X, ["a", "b"])
    with pytest.raises(ValueError, match="NaN"):
        LogisticRegression().fit(np.full((2, 2), np.nan), ["a", "b"])
    with pytest.raises(ValueError, match="C must be positive"):
        LogisticRegression(C=0)
    with pytest.raises(RuntimeError, match="fit"):
        LogisticRegression().predict(X)
    with pytest.raises(ValueError, match="fitted on 3 features"):
        LogisticRegression().fit(X, ["a", "b"] * 3).predict(X[:, :2])


def test_tfidf_equal_to_scikit_learn(gensim_data):
    from sklearn.feature_extraction.text import TfidfVectorizer

    from minibert.evaluation import tfidf

    docs, _ = read_lee(gensim_data / "lee.cor", gensim_data / "similarities0-1.txt")
    words = [d.lower().split() for d in docs]
    ref = TfidfVectorizer(analyzer=lambda ws: ws).fit(words)
    expected = ref.transform(words).toarray()[:, np.argsort(ref.get_feature_names_out())]
    assert np.abs(tfidf(words) - expected).max() <= 1e-12
