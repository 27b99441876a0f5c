"""The `glove` command: corpus in, vectors out (word2vec text format, or GloVe's headerless one).

    glove train corpus.txt vectors.txt --vector-size 100 --min-count 5 --epochs 15 --x-max 10
    glove similar vectors.txt police sydney
"""
from __future__ import annotations

import argparse
import sys
import time


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="glove", description="GloVe word vectors, as the Stanford C tool trains them.")
    sub = ap.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train vectors on a text file (one sentence per line)")
    t.add_argument("corpus")
    t.add_argument("output")
    for flag, kind, default in (("--vector-size", int, 50), ("--window-size", int, 15), ("--min-count", int, 5),
                                ("--epochs", int, 25), ("--x-max", float, 100.0), ("--alpha", float, 0.75),
                                ("--eta", float, 0.05), ("--seed", int, 1), ("--model", int, 2),
                                ("--threads", int, None)):
        t.add_argument(flag, type=kind, default=default)
    t.add_argument("--batch-size", type=int, help="torch mini-batches of this many records (default: one "
                   "record at a time, compiled, on a CPU; 4096 on a GPU)")
    t.add_argument("--dtype", default="float64", help="float64 as the C tool computes, or float32 (faster)")
    t.add_argument("--asymmetric", action="store_true", help="left context only (C: -symmetric 0)")
    t.add_argument("--no-header", action="store_true", help="write GloVe's headerless text format")
    s = sub.add_parser("similar", help="nearest neighbours in a vectors file")
    s.add_argument("vectors")
    s.add_argument("words", nargs="+")
    s.add_argument("--topn", type=int, default=10)
    s.add_argument("--no-header", action="store_true")
    args = ap.parse_args(argv)
    try:
        if args.command == "train":
            from .model import GloVe

            t0 = time.perf_counter()
            model = GloVe(corpus_file=args.corpus, vector_size=args.vector_size, window_size=args.window_size,
                          symmetric=not args.asymmetric, min_count=args.min_count, epochs=args.epochs,
                          x_max=args.x_max, alpha=args.alpha, eta=args.eta, seed=args.seed, model=args.model,
                          batch_size=args.batch_size, threads=args.threads, dtype=args.dtype, verbose=True)
            model.wv.save_word2vec_format(args.output, write_header=not args.no_header)
            print(f"{len(model.vocab)} words, {len(model.values)} co-occurrence records, "
                  f"{time.perf_counter() - t0:.1f}s; vectors in {args.output}")
        else:
            from minibert.vectors import print_neighbours

            print_neighbours(args.vectors, args.words, args.topn, no_header=args.no_header)
        return 0
    except (ValueError, KeyError, FileNotFoundError, IsADirectoryError) as e:
        print(f"glove: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
