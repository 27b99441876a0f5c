"""Vectors out of BERT, held to the same computation written with HF transformers on the same weights.

The reference side uses transformers' BertModel (eager attention) and BertTokenizer (v5, Rust):
each text alone (no padding), words from the Rust pre-tokenizer, pieces from its word_ids. Ours
batches, sorts by length and pads, so equality also checks that padding changes nothing.
Tolerance 1e-5 (float32).
"""
import numpy as np
import pytest
import torch

import minibert
from minibert.vectors import KeyedVectors

TOL = 1e-5


@pytest.fixture(scope="module")
def hf_model(minilm_dir):
    from transformers import BertModel

    return BertModel.from_pretrained(minilm_dir, attn_implementation="eager").eval()


@pytest.fixture(scope="module")
def model(minilm_dir):
    return minibert.BertModel.from_pretrained(minilm_dir)


@pytest.fixture(scope="module")
def texts(gensim_data):
    lines = (gensim_data / "lee_background.cor").read_text(encoding="utf-8").splitlines()
    # short and long (past 512 tokens: truncated), a CJK text, an accented one, an empty one
    return lines[:6] + [max(lines, key=len), "我是一个人工智能模型", "Crème brûlée, naïve café!", ""]


def hf_hidden(hf_model, hf_tokenizer, text, layer):
    enc = hf_tokenizer(text, truncation=True, max_length=512, return_tensors="pt")
    with torch.no_grad():
        out = hf_model(**enc, output_hidden_states=True)
    return out.hidden_states[layer][0], enc  # (T, H)


def hf_words(hf_tokenizer, text):
    """The words transformers' word_ids count: normaliser, then pre-tokenizer."""
    backend = hf_tokenizer.backend_tokenizer
    return [w for w, _ in backend.pre_tokenizer.pre_tokenize_str(backend.normalizer.normalize_str(text))]


@pytest.mark.parametrize("layer", [-1, 0, 3])
@pytest.mark.parametrize("pooling", ["mean", "cls"])
def test_sentence_vectors_equal_transformers(model, tokenizer, hf_model, hf_tokenizer, texts, layer, pooling):
    ours = minibert.sentence_vectors(model, tokenizer, texts, layer=layer, pooling=pooling, batch_size=4)
    assert ours.shape == (len(texts), 384) and ours.dtype == torch.float32
    for i, text in enumerate(texts):
        hidden, _ = hf_hidden(hf_model, hf_tokenizer, text, layer)
        ref = hidden.mean(0) if pooling == "mean" else hidden[0]
        assert (ours[i] - ref).abs().max() <= TOL, (i, text[:40])


def test_sentence_vectors_truncate_and_keep_mode(model, tokenizer, texts):
    long = max(texts, key=len)
    assert len(tokenizer(long)["input_ids"]) > 512  # the long text really is cut
    model.train()
    minibert.sentence_vectors(model, tokenizer, [long])
    assert model.training  # the caller's mode is given back
    model.eval()


@pytest.mark.parametrize("layer", [-1, 2])
@pytest.mark.parametrize("pooling", ["mean", "first", "last"])
def test_word_vectors_equal_transformers(model, tokenizer, hf_model, hf_tokenizer, texts, layer, pooling):
    ours = minibert.word_vectors(model, tokenizer, texts[:3] + texts[-3:], layer=layer, pooling=pooling)
    for (words, vectors), text in zip(ours, texts[:3] + texts[-3:]):
        hidden, enc = hf_hidden(hf_model, hf_tokenizer, text, layer)
        ref_words = hf_words(hf_tokenizer, text)
        assert words == ref_words
        assert vectors.shape == (len(words), 384)
        word_ids = enc.word_ids(0)
        for w in range(len(words)):
            pos = [t for t, x in enumerate(word_ids) if x == w]
            ref = hidden[pos].mean(0) if pooling == "mean" else hidden[pos[0] if pooling == "first" else pos[-1]]
            assert (vectors[w] - ref).abs().max() <= TOL, (text[:30], words[w])


def test_word_vectors_of_a_truncated_text(model, tokenizer, hf_tokenizer, texts):
    long = max(texts, key=len)
    (words, vectors), = minibert.word_vectors(model, tokenizer, [long])
    enc = hf_tokenizer(long, truncation=True, max_length=512)
    kept = [w for w in enc.word_ids() if w is not None]
    all_words = hf_words(hf_tokenizer, long)
    last = kept[-1]
    whole = len(hf_tokenizer.tokenize(all_words[last])) == kept.count(last)
    assert words == all_words[:last + 1 if whole else last]  # a word cut in the middle is left out


WORDS = ["king", "queen", "bank", "river", "money", "unaffable", "tokenization", "café", "Paris", "人"]


@pytest.mark.parametrize("layer,pooling", [(-1, "mean"), (0, "mean"), (4, "first"), (1, "last")])
def test_static_decontextualised_equal_transformers(model, tokenizer, hf_model, hf_tokenizer, layer, pooling):
    kv = minibert.static_vectors(model, tokenizer, WORDS + ["king"], layer=layer, pooling=pooling)
    assert isinstance(kv, KeyedVectors) and kv.index_to_key == WORDS  # duplicates once
    for word in WORDS:
        hidden, _ = hf_hidden(hf_model, hf_tokenizer, word, layer)
        pieces = hidden[1:-1]  # [CLS] pieces [SEP] -> the pieces
        ref = pieces.mean(0) if pooling == "mean" else pieces[0] if pooling == "first" else pieces[-1]
        assert np.abs(kv[word] - ref.numpy()).max() <= TOL, word


def test_static_from_contexts_equal_transformers(model, tokenizer, hf_model, hf_tokenizer, gensim_data):
    contexts = (gensim_data / "lee_background.cor").read_text(encoding="utf-8").splitlines()[:60]
    targets = ["the", "government", "Australia", "said", "police", "zzzunseen"]
    layer, max_contexts = 3, 4
    kv = minibert.static_vectors(model, tokenizer, targets, layer=layer, contexts=contexts, max_contexts=max_contexts)
    assert "zzzunseen" not in kv and len(kv) == 5
    # the reference: read the contexts in order, every occurrence of a target word, first 4 of each
    sums, counts = {}, {}
    for text in contexts:
        hidden, enc = hf_hidden(hf_model, hf_tokenizer, text, layer)
        words, word_ids = hf_words(hf_tokenizer, text), enc.word_ids(0)
        kept = [w for w in word_ids if w is not None]
        for w, word in enumerate(words):
            if word not in {t.lower() for t in targets} or w not in kept or counts.get(word, 0) >= max_contexts:
                continue
            if w == kept[-1] and len(hf_tokenizer.tokenize(word)) != kept.count(w):
                continue
            pos = [t for t, x in enumerate(word_ids) if x == w]
            sums[word] = sums.get(word, 0) + hidden[pos].mean(0).double()
            counts[word] = counts.get(word, 0) + 1
    assert all(n == max_contexts for n in counts.values())
    for word in targets[:-1]:
        ref = (sums[word.lower()] / counts[word.lower()]).float().numpy()
        assert np.abs(kv[word] - ref).max() <= TOL, word
    # unseen words may take their decontextualised vector instead
    filled = minibert.static_vectors(model, tokenizer, targets, layer=layer, contexts=contexts,
                                     max_contexts=max_contexts, unseen="decontextualised")
    hidden, _ = hf_hidden(hf_model, hf_tokenizer, "zzzunseen", layer)
    assert np.abs(filled["zzzunseen"] - hidden[1:-1].mean(0).numpy()).max() <= TOL


def test_bad_input(model, tokenizer, minilm_dir, tmp_path):
    with pytest.raises(TypeError, match="list of strings"):
        minibert.sentence_vectors(model, tokenizer, "one string")
    with pytest.raises(ValueError, match="layer=7"):
        minibert.sentence_vectors(model, tokenizer, ["a"], layer=7)
    with pytest.raises(ValueError, match="pooling"):
        minibert.word_vectors(model, tokenizer, ["a"], pooling="max")
    with pytest.raises(ValueError, match="gives no tokens"):
        minibert.static_vectors(model, tokenizer, ["king", "  "])
    with pytest.raises(ValueError, match="none of the words occurs"):
        minibert.static_vectors(model, tokenizer, ["zzzunseen"], contexts=["a text without it"])
    assert minibert.sentence_vectors(model, tokenizer, []).shape == (0, 384)
    small = minibert.BertTokenizer(vocab={t: i for i, t in enumerate(
        ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + [f"w{i}" for i in range(40000)])})
    with pytest.raises(ValueError, match="do not match"):
        minibert.sentence_vectors(model, small, ["w1 w2"])


def test_several_layers_in_one_pass_equal_transformers(model, tokenizer, hf_model, hf_tokenizer, texts):
    layers = [0, 2, -1]
    sentences = minibert.sentence_vectors(model, tokenizer, texts[:4], layer=layers)  # (nL, N, H)
    words = minibert.word_vectors(model, tokenizer, texts[:2], layer=layers, pooling="first")
    static = minibert.static_vectors(model, tokenizer, WORDS, layer=layers)
    assert sentences.shape == (3, 4, 384) and len(static) == 3
    for j, layer in enumerate(layers):
        for i, text in enumerate(texts[:4]):
            hidden, enc = hf_hidden(hf_model, hf_tokenizer, text, layer)
            assert (sentences[j, i] - hidden.mean(0)).abs().max() <= TOL
            if i < 2:
                word_ids = enc.word_ids(0)
                first = [word_ids.index(w) for w in range(len(words[i][0]))]
                assert (words[i][1][j] - hidden[first]).abs().max() <= TOL
        for word in WORDS:
            hidden, _ = hf_hidden(hf_model, hf_tokenizer, word, layer)
            assert np.abs(static[j][word] - hidden[1:-1].mean(0).numpy()).max() <= TOL
