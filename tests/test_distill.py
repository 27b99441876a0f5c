"""Static models, held to Model2Vec (the reference, `model2vec.distill`) and scikit-learn's PCA.

Model2Vec runs its own pipeline on transformers' BertModel; ours runs on minibert's. The tables
are compared axis by axis, relative to the axis's largest value: model2vec does its PCA in float32
(6.4e-5 from float64's on MiniLM) and MiniLM's axes 213 and 214 have eigenvalues 3.6e-5 apart, so
the 3e-6 the two forward passes differ by turns them by up to 1.03e-4 (measured). The parts are also
held one by one, tighter: piece vectors 1e-5, PCA 1e-9 in float64, SIF weights 1e-15.
"""
import json

import numpy as np
import pytest
import torch

import minibert
from minibert.distillation import pca, piece_vectors, sif_weights, static_vocabulary
from minibert.staticmodel import StaticModel

pytest.importorskip("model2vec")
AXIS_TOL = 2e-4  # relative, per PCA axis: see the docstring (measured 1.03e-4 at worst, 1e-5 on most axes)
TEXTS = ["The bank raised its interest rates.", "", "我是一个人工智能模型", "naïve Café ÉCOLE!",
         "[UNK] [PAD] literal specials", "x" * 300, "a " * 2000, "Qu'est-ce que c'est? don't"]


def per_axis(ours, theirs) -> float:
    return float((np.abs(ours - theirs).max(0) / np.abs(theirs).max(0)).max())


@pytest.fixture(scope="module")
def model(minilm_dir):
    return minibert.BertModel.from_pretrained(minilm_dir)


@pytest.fixture(scope="module")
def theirs(minilm_dir):
    from model2vec.distill import distill

    return distill(str(minilm_dir), quantize_to="float32")


@pytest.fixture(scope="module")
def ours(model, tokenizer):
    return minibert.distill(model, tokenizer)


def test_distill_equals_model2vec_on_minilm(ours, theirs):
    assert ours.tokens == list(theirs.tokens) and len(ours.tokens) == 29525  # no [CLS]/[SEP]/[MASK]/[unusedN]
    assert ours.embedding.shape == theirs.embedding.shape == (29525, 256)
    assert per_axis(ours.embedding, theirs.embedding) <= AXIS_TOL
    assert np.abs(ours.embedding - theirs.embedding).max(0)[:200].max() <= 1e-4  # the well-separated axes
    np.testing.assert_allclose(ours.encode(TEXTS), theirs.encode(TEXTS), atol=1e-4)


def test_the_parts_equal_model2vec_and_scikit_learn(model, tokenizer, minilm_dir):
    from model2vec.distill.inference import apply_pca, compute_weights, create_embeddings
    from sklearn.decomposition import PCA
    from transformers import BertModel

    ids = static_vocabulary(tokenizer, r"\[unused\d+\]")
    sample = ids[::10]  # every tenth piece: the forward pass
    hf = BertModel.from_pretrained(minilm_dir).eval()
    reference = create_embeddings(hf, [[101, i, 102] for i in sample], "cpu", 0)
    assert np.abs(piece_vectors(model, tokenizer, sample).numpy() - reference).max() <= 1e-5
    x = reference.astype(np.float64)  # PCA, on the same float64 input
    ours = pca(torch.from_numpy(x), 64).numpy()
    assert np.abs(ours - apply_pca(x, 64)).max() <= 1e-9
    sk = PCA(64, svd_solver="full").fit_transform(x)
    assert np.abs(ours - sk * np.sign((ours * sk).sum(0))).max() <= 1e-9
    np.testing.assert_allclose(sif_weights(len(ids), 1e-4), compute_weights(len(ids), 1e-4), rtol=1e-15)


def test_a_model_we_trained_distils_as_in_model2vec(gensim_data, tmp_path):
    """Another vocabulary (specials at 0..4, no [unusedN]), hidden size and pca_dims: still equal."""
    from model2vec.distill import distill_from_model
    from transformers import AutoModel, AutoTokenizer

    from minibert.pretraining.vocab_trainer import train_wordpiece

    lines = (gensim_data / "lee_background.cor").read_text(encoding="utf-8").splitlines()
    vocab = train_wordpiece(lines, vocab_size=1500)
    (tmp_path / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    torch.manual_seed(0)
    config = minibert.BertConfig(vocab_size=len(vocab), hidden_size=48, num_hidden_layers=2,
                                 num_attention_heads=4, intermediate_size=96)
    minibert.BertModel(config).save_pretrained(tmp_path)
    tokenizer = minibert.BertTokenizer.from_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    model = minibert.BertModel.from_pretrained(tmp_path)
    ours = minibert.distill(model, tokenizer, pca_dims=32, sif_coefficient=1e-3)
    theirs = distill_from_model(AutoModel.from_pretrained(tmp_path), AutoTokenizer.from_pretrained(tmp_path),
                                pca_dims=32, sif_coefficient=1e-3, quantize_to="float32")
    assert ours.tokens == list(theirs.tokens) and len(ours) == len(vocab) - 3
    assert per_axis(ours.embedding, theirs.embedding) <= AXIS_TOL
    np.testing.assert_allclose(ours.encode(lines[:50]), theirs.encode(lines[:50]), atol=1e-4)
    plain = minibert.distill(model, tokenizer, pca_dims=None, sif_coefficient=None)
    reference = distill_from_model(AutoModel.from_pretrained(tmp_path), AutoTokenizer.from_pretrained(tmp_path),
                                   pca_dims=None, sif_coefficient=None, quantize_to="float32")
    assert np.abs(plain.embedding - reference.embedding).max() <= 1e-5


def test_folders_load_both_ways(ours, theirs, tmp_path):
    from model2vec import StaticModel as Model2VecStatic

    ours.save_pretrained(tmp_path / "ours")
    loaded = Model2VecStatic.from_pretrained(tmp_path / "ours")
    assert list(loaded.tokens) == ours.tokens
    np.testing.assert_array_equal(loaded.embedding, ours.embedding)
    np.testing.assert_allclose(loaded.encode(TEXTS), ours.encode(TEXTS), atol=1e-6)
    theirs.save_pretrained(tmp_path / "theirs")
    back = StaticModel.from_pretrained(tmp_path / "theirs")
    np.testing.assert_array_equal(back.embedding, theirs.embedding)
    np.testing.assert_allclose(back.encode(TEXTS), theirs.encode(TEXTS), atol=1e-6)
    assert json.loads((tmp_path / "ours" / "config.json").read_text())["model_type"] == "model2vec"
    half = minibert.StaticModel(ours.embedding.astype(np.float16), ours.tokenizer)  # model2vec's default dtype
    half.save_pretrained(tmp_path / "half")
    np.testing.assert_allclose(Model2VecStatic.from_pretrained(tmp_path / "half").encode(TEXTS),
                               half.encode(TEXTS), atol=1e-3)


def test_encode_unnormalised_and_words(ours, theirs):
    np.testing.assert_allclose(ours.encode(TEXTS, normalize=False), theirs.encode(TEXTS, normalize=False), atol=1e-4)
    assert not ours.encode("").any() and ours.encode("bank").shape == (256,)
    wv = ours.wv
    assert "bank" in wv and "##s" not in wv and "[PAD]" not in wv
    np.testing.assert_allclose(wv["bank"], theirs.encode(["bank"], normalize=False)[0], atol=1e-4)
    words = ours.word_vectors(["unaffable", "bank"])  # several pieces: their mean
    np.testing.assert_allclose(words["unaffable"], theirs.encode(["unaffable"], normalize=False)[0], atol=1e-4)


def test_bad_input_is_one_line(model, tokenizer, minilm_dir, tmp_path):
    with pytest.raises(ValueError, match="above the model's hidden size 384"):
        minibert.distill(model, tokenizer, pca_dims=500)
    small = minibert.BertTokenizer(vocab={t: i for i, t in enumerate(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "a"])})
    with pytest.raises(ValueError, match="not below the vocabulary's 3 pieces"):
        minibert.distill(model, small, pca_dims=4)
    big = minibert.BertTokenizer(vocab={**tokenizer.vocab, "newword": 30522})
    with pytest.raises(ValueError, match="tokenizer and model do not match"):
        minibert.distill(model, big)
    with pytest.raises(ValueError, match="sif_coefficient"):
        minibert.distill(model, tokenizer, sif_coefficient=1.5)
    with pytest.raises(ValueError, match="not a Model2Vec config"):
        StaticModel.from_pretrained(minilm_dir)  # a BERT folder: config, safetensors and tokenizer.json, but BERT
    with pytest.raises(FileNotFoundError, match="lacks config.json, model.safetensors, tokenizer.json"):
        StaticModel.from_pretrained(tmp_path)
    with pytest.raises(TypeError, match="strings"):
        StaticModel.encode(minibert.distill(model, small, pca_dims=None), [None])


def test_corpus_averaged_pieces_equal_transformers(model, tokenizer, hf_tokenizer, minilm_dir, gensim_data):
    """Each piece's mean over its first occurrences, in reading order, on transformers' hidden states."""
    from transformers import BertModel

    from minibert.distillation import context_piece_vectors

    hf = BertModel.from_pretrained(minilm_dir).eval()
    texts = (gensim_data / "lee_background.cor").read_text(encoding="utf-8").splitlines()[:30]
    ids = tokenizer.convert_tokens_to_ids(["the", "bank", "##s", ",", "police", "zebra"])
    ours, counts = context_piece_vectors(model, tokenizer, ids, texts, layer=3, max_contexts=4)
    sums, seen = torch.zeros(len(ids), 384, dtype=torch.float64), [0] * len(ids)
    for text in texts:
        enc = hf_tokenizer(text, truncation=True, max_length=512, return_tensors="pt")
        with torch.no_grad():
            hidden = hf(**enc, output_hidden_states=True).hidden_states[3][0]
        for pos, i in enumerate(enc["input_ids"][0].tolist()[1:-1], start=1):
            if i in ids and seen[ids.index(i)] < 4:
                sums[ids.index(i)] += hidden[pos].double()
                seen[ids.index(i)] += 1
    assert counts.tolist() == seen and 0 in seen and 4 in seen
    reference = (sums / torch.tensor(seen).clamp(min=1)[:, None]).float()
    assert (ours - reference).abs().max() <= 1e-5
    keep = r"^(?!(\[PAD\]|\[UNK\]|the|zebra)$)"  # a pattern that removes all but these: a quick model
    static = minibert.distill(model, tokenizer, pca_dims=None, sif_coefficient=None, token_remove_pattern=keep,
                              contexts=texts, max_contexts=4)
    assert static.tokens == ["[PAD]", "[UNK]", "the", "zebra"] and static.config["pieces_from_contexts"] == 1
    last, _ = context_piece_vectors(model, tokenizer, ids, texts, layer=-1, max_contexts=4)
    for token, j in (("the", 0), ("zebra", 5)):  # seen: its corpus mean; never seen: its vector alone
        assert (seen[j] > 0) == (token == "the")
        expected = last[j].numpy() if seen[j] else static_alone(model, tokenizer, ids[j])
        assert np.abs(static.embedding[static.tokens.index(token)] - expected).max() <= 1e-6


def static_alone(model, tokenizer, i):
    return piece_vectors(model, tokenizer, [i])[0].numpy()
