"""word2vec speed and quality: ours vs gensim (workers=2) on the same corpus and settings.

The corpus of shared/reference/corpora/README.md (rebuilt from gensim's Wikipedia excerpt) and its
settings: 100 dimensions, window 5, negative 5, sample 1e-3, min count 5, 5 epochs. Prints raw
words per second (corpus words x epochs / training time), the ratio, and gensim's evaluation of both.
Ours runs its compiled loop on 2 threads unless --batch-size asks for torch mini-batches.
Run: python benchmarks/word2vec_speed.py [--sg 1] [--batch-size 1024]
"""
import argparse
import sys
import tempfile
import time
from pathlib import Path

from gensim.models import Word2Vec as GensimW2V

from word2vec import Word2Vec

sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))
from enwiki import enwiki_sentences, evaluate  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sg", type=int, default=1)
    ap.add_argument("--batch-size", type=int, help="torch mini-batches instead of the compiled loop")
    args = ap.parse_args()
    sentences = [list(s) for s in enwiki_sentences()]
    n_words = sum(map(len, sentences))
    kw = dict(vector_size=100, window=5, min_count=5, negative=5, sample=1e-3, epochs=5, sg=args.sg, seed=1)
    rates = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, make in (("gensim", lambda: GensimW2V(sentences, workers=2, **kw).wv),
                           ("minibert", lambda: Word2Vec(sentences, batch_size=args.batch_size, workers=2, **kw).wv)):
            t0 = time.perf_counter()
            wv = make()
            dt = time.perf_counter() - t0
            wv.save_word2vec_format(str(Path(tmp) / f"{name}.txt"))
            rates[name] = n_words * kw["epochs"] / dt
            print(f"{name:9s} {'skip-gram' if args.sg else 'CBOW'}: {dt:6.1f}s, {rates[name]:10,.0f} raw words/s, "
                  f"{evaluate(Path(tmp) / f'{name}.txt')}")
    print(f"throughput ratio minibert / gensim: {rates['minibert'] / rates['gensim']:.2f}x")


if __name__ == "__main__":
    main()
