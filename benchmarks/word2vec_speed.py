"""word2vec speed and quality: ours vs gensim (workers=2) on the same corpus and settings.

The corpus of shared/reference/corpora/README.md (rebuilt from gensim's Wikipedia excerpt) and its
settings: 100 dimensions, window 5, negative 5, sample 1e-3, min count 5, 5 epochs. Prints raw
words per second (corpus words x epochs / time from the vocabulary scan to the trained vectors),
the ratio, and gensim's evaluation of both. Ours runs its compiled loop on 2 threads unless
--batch-size asks for torch mini-batches. The two alternate for --rounds rounds (this machine's
speed drifts from minute to minute); the last line is the median of the rounds' ratios.
Run: python benchmarks/word2vec_speed.py [--sg 1] [--batch-size 1024] [--rounds 3]
"""
import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from gensim.models import Word2Vec as GensimW2V

from word2vec import Word2Vec

sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))
from enwiki import enwiki_sentences, evaluate  # noqa: E402
from tables import record  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sg", type=int, default=1)
    ap.add_argument("--batch-size", type=int, help="torch mini-batches instead of the compiled loop")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    sentences = [list(s) for s in enwiki_sentences()]
    n_words = sum(map(len, sentences))
    kw = dict(vector_size=100, window=5, min_count=5, negative=5, sample=1e-3, epochs=5, sg=args.sg, seed=1)
    ratios = []
    Word2Vec(sentences[:100], workers=2, **kw)   # compiles (or loads) the loop before any timing
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            rates = {}
            for name, make in (("gensim", lambda: GensimW2V(sentences, workers=2, **kw).wv),
                               ("minibert", lambda: Word2Vec(sentences, batch_size=args.batch_size, workers=2,
                                                             **kw).wv)):
                t0 = time.perf_counter()
                wv = make()
                dt = time.perf_counter() - t0
                wv.save_word2vec_format(str(Path(tmp) / f"{name}.txt"))
                rates[name] = n_words * kw["epochs"] / dt
                print(f"round {r + 1} {name:9s} {'skip-gram' if args.sg else 'CBOW'}: {dt:6.2f}s, "
                      f"{rates[name]:10,.0f} raw words/s, "
                      + ", ".join(f"{k} {v:.3f}" for k, v in evaluate(Path(tmp) / f"{name}.txt").items()))
            ratios.append(rates["minibert"] / rates["gensim"])
            print(f"round {r + 1} throughput ratio minibert / gensim: {ratios[-1]:.2f}x")
    print(f"throughput ratio minibert / gensim, median of {args.rounds} rounds: {statistics.median(ratios):.2f}x "
          f"(rounds: {', '.join(f'{x:.2f}' for x in ratios)})")
    record(f"word2vec-sg{args.sg}", ratio=statistics.median(ratios), rounds=ratios)


if __name__ == "__main__":
    main()
