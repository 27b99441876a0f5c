"""The `word2vec` command: train vectors from a text file, query neighbours.

    word2vec train corpus.txt vectors.txt --sg 1 --vector-size 100 --epochs 5
    word2vec similar vectors.txt king --topn 5
"""
from __future__ import annotations

import argparse
import sys
import time


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="word2vec", description="word2vec (skip-gram / CBOW) with gensim's parameters.")
    sub = ap.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train on a text file: one sentence per line, words split on whitespace")
    t.add_argument("corpus")
    t.add_argument("output", help="vectors in the word2vec text format")
    for flag, kind, default in (("--vector-size", int, 100), ("--window", int, 5), ("--min-count", int, 5),
                                ("--sample", float, 1e-3), ("--sg", int, 0), ("--hs", int, 0),
                                ("--negative", int, 5), ("--alpha", float, 0.025), ("--epochs", int, 5),
                                ("--seed", int, 1), ("--workers", int, None)):
        t.add_argument(flag, type=kind, default=default)
    t.add_argument("--batch-size", type=int, help="torch mini-batches of this many examples (default: one "
                   "example at a time, compiled, on a CPU; 1024 on a GPU)")
    t.add_argument("--binary", action="store_true")
    s = sub.add_parser("similar", help="nearest neighbours in a vectors file")
    s.add_argument("vectors")
    s.add_argument("words", nargs="+")
    s.add_argument("--topn", type=int, default=10)
    s.add_argument("--binary", action="store_true")
    args = ap.parse_args(argv)
    try:
        if args.command == "train":
            from .model import Word2Vec

            t0 = time.perf_counter()
            model = Word2Vec(corpus_file=args.corpus, vector_size=args.vector_size, window=args.window,
                             min_count=args.min_count, sample=args.sample, sg=args.sg, hs=args.hs,
                             negative=args.negative, alpha=args.alpha, epochs=args.epochs, seed=args.seed,
                             batch_size=args.batch_size, workers=args.workers, verbose=True)
            model.wv.save_word2vec_format(args.output, binary=args.binary)
            print(f"{len(model.index_to_key)} words, {model.corpus_total_words} tokens, "
                  f"{time.perf_counter() - t0:.1f}s; vectors in {args.output}")
        else:
            from minibert.vectors import print_neighbours

            print_neighbours(args.vectors, args.words, args.topn, binary=args.binary)
        return 0
    except (ValueError, KeyError, FileNotFoundError, IsADirectoryError) as e:
        print(f"word2vec: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
