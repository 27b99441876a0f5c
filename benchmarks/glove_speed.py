"""GloVe speed and quality: co-occurrence, time per epoch and end to end, and the C tool beside it.

Settings of shared/reference/corpora/README.md: min count 5, window 15, symmetric, 100
dimensions, x_max 10, 15 epochs, 2 threads, word + context vectors. The corpus is that README's
(rebuilt from gensim's Wikipedia excerpt; --copies 16 repeats it 16 times, each copy's lines
shuffled) unless --corpus names another. Ours runs what `GloVe(corpus_file=...)` runs: the file
streamed for the vocabulary and again for the counts. With --c-glove-dir (a folder
holding the C tool's built vocab_count, cooccur, shuffle and glove) the C pipeline runs on the same
text with 2 threads, and the end-to-end ratio is printed; a folder with `glove` alone times the C
training stage on our vocabulary and shuffled records (which tests hold equal to vocab_count's and
cooccur's) beside ours. Quality is gensim's evaluation of each.
Ours and the C tool alternate for --rounds rounds (this machine's speed drifts); the last line is
the median of the rounds' ratios.
Run: python benchmarks/glove_speed.py [--corpus enwiki.txt.gz] [--dtype float64] [--c-glove-dir GloVe/build]
    [--rounds 3]
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from glove import CorpusFile, GloVe, build_vocab, cooccurrence, read_corpus

sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))
from enwiki import evaluate, write_enwiki  # noqa: E402
from tables import record  # noqa: E402

SETTINGS = dict(vector_size=100, window_size=15, symmetric=True, min_count=5, x_max=10.0, threads=2)


def c_vectors_to_word2vec(c_file: Path, out: Path) -> None:
    """The C tool's headerless text vectors, without its <unk> line, as a word2vec text file."""
    lines = [ln for ln in c_file.read_text().splitlines() if not ln.startswith("<unk> ")]
    out.write_text(f"{len(lines)} 100\n" + "\n".join(lines) + "\n")


def glove_command(c_dir: Path, epochs: int, seed: int | None = None) -> list[str]:
    """The C tool's training stage as an argument list (no shell), on cooc.shuf.bin and vocab.txt."""
    return [str(c_dir / "glove"), "-save-file", "vectors", "-threads", "2", "-input-file", "cooc.shuf.bin",
            "-x-max", "10", "-iter", str(epochs), "-vector-size", "100", "-binary", "0", "-model", "2",
            "-vocab-file", "vocab.txt", "-verbose", "0", *(["-seed", str(seed)] if seed else [])]


def run_c(c_dir: Path, text: Path, epochs: int, out: Path, seed: int | None = None) -> float:
    """The C tool's four stages on `text`, 2 threads; returns the wall time. Vectors go to `out`.
    `seed` (not 0) fixes the shuffle's and the training's random numbers (else: the clock's)."""
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        stages = [([c_dir / "vocab_count", "-min-count", "5", "-verbose", "0"], text, "vocab.txt"),
                  ([c_dir / "cooccur", "-memory", "4.0", "-vocab-file", "vocab.txt", "-verbose", "0",
                    "-window-size", "15"], text, "cooc.bin"),
                  ([c_dir / "shuffle", "-memory", "4.0", "-verbose", "0", *(["-seed", str(seed)] if seed else [])],
                   Path(tmp, "cooc.bin"), "cooc.shuf.bin"),
                  (glove_command(c_dir, epochs, seed), None, None)]
        for argv, stdin, stdout in stages:  # argument lists, no shell: paths are never parsed as commands
            with open(stdin, "rb") if stdin else open(os.devnull, "rb") as i, \
                    open(Path(tmp, stdout), "wb") if stdout else open(os.devnull, "wb") as o:
                subprocess.run([str(a) for a in argv], stdin=i, stdout=o, cwd=tmp, check=True)
        seconds = time.perf_counter() - t0
        c_vectors_to_word2vec(Path(tmp, "vectors.txt"), out)
        return seconds


def run_c_training(c_dir: Path, vocab, rows, cols, values, epochs: int, out: Path) -> float:
    """Only the C tool's `glove` stage, on our vocabulary and records shuffled once (its record
    layout: int32 word, int32 context, 1-based, float64 count). Returns the wall time."""
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "vocab.txt").write_text("".join(f"{w} {c}\n" for w, c in vocab), encoding="utf-8")
        records = np.zeros(len(values), dtype=[("i", "<i4"), ("j", "<i4"), ("x", "<f8")])
        order = np.random.default_rng(0).permutation(len(values))
        records["i"], records["j"], records["x"] = np.asarray(rows)[order] + 1, np.asarray(cols)[order] + 1, \
            np.asarray(values)[order]
        records.tofile(Path(tmp, "cooc.shuf.bin"))
        t0 = time.perf_counter()
        subprocess.run(glove_command(c_dir, epochs), cwd=tmp, check=True, capture_output=True)
        seconds = time.perf_counter() - t0
        c_vectors_to_word2vec(Path(tmp, "vectors.txt"), out)
        return seconds


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, help="one sentence per line (.txt or .txt.gz); default: enwiki")
    ap.add_argument("--copies", type=int, default=1, help="enwiki this many times, each copy shuffled by line")
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--dtype", default="float64", help="float64 (the default, the C tool's) or float32")
    ap.add_argument("--batch-size", type=int, help="torch mini-batches instead of the compiled loop")
    ap.add_argument("--c-glove-dir", type=Path)
    ap.add_argument("--rounds", type=int, default=3, help="ours and the C tool alternate this many times")
    args = ap.parse_args()
    ratios = []
    with tempfile.TemporaryDirectory() as tmp:
        text = Path(tmp) / "corpus.txt"
        if args.corpus:
            text.write_text("\n".join(" ".join(s) for s in read_corpus(args.corpus)) + "\n", encoding="utf-8")
        else:
            write_enwiki(text, args.copies)
        for r in range(args.rounds):
            ratios.append(one_round(args, text, Path(tmp), f"round {r + 1}"))
    if ratios and ratios[0] is not None:
        print(f"speed ratio, median of {args.rounds} rounds: {statistics.median(ratios):.2f}x "
              f"(rounds: {', '.join(f'{x:.2f}' for x in ratios)})")
        if not args.corpus:
            record(f"glove-{args.dtype}-x{args.copies}", ratio=statistics.median(ratios), rounds=ratios)


def one_round(args, text: Path, tmp: Path, label: str) -> float | None:
    """Ours end to end on `text`, then the C tool's (if given); prints both, returns the speed ratio."""
    t0 = time.perf_counter()               # what GloVe(corpus_file=...) runs: the file is streamed twice
    vocab = build_vocab(CorpusFile(text), min_count=5)
    t1 = time.perf_counter()
    rows, cols, values = cooccurrence(CorpusFile(text), vocab, window_size=15, symmetric=True,
                                      threads=SETTINGS["threads"])
    t2 = time.perf_counter()
    model = GloVe(epochs=args.epochs, batch_size=args.batch_size, dtype=args.dtype, **SETTINGS)
    model.vocab = vocab
    model.set_records(rows, cols, values)
    model.init_params()
    t3 = time.perf_counter()
    model.train()
    t4 = time.perf_counter()
    model.wv.save_word2vec_format(tmp / "ours.txt")
    ours = t4 - t0
    per_epoch = (t4 - t3) / max(1, args.epochs)
    print(f"{label}: {sum(c for _, c in vocab):,} tokens in the vocabulary, {len(vocab):,} words, "
          f"{len(values):,} records")
    print(f"{label} minibert ({args.dtype}, {'batches of %d' % args.batch_size if args.batch_size else 'compiled loop'}, "
          f"2 threads): read+vocab {t1 - t0:.1f}s, co-occurrence {t2 - t1:.1f}s, {per_epoch:.2f}s per epoch "
          f"({len(values) / per_epoch / 1e6:.2f}M record updates/s), end to end {ours:.1f}s; "
          f"cost {model.costs[0]:.4f} -> {model.costs[-1]:.4f}; {scores(tmp / 'ours.txt')}")
    c_dir = args.c_glove_dir.resolve() if args.c_glove_dir else None
    if c_dir and all((c_dir / tool).exists() for tool in ("vocab_count", "cooccur", "shuffle")):
        c = run_c(c_dir, text, args.epochs, tmp / "c.txt")
        print(f"{label} C tool end to end {c:.1f}s; {scores(tmp / 'c.txt')}")
        print(f"{label} speed ratio: minibert is {c / ours:.2f}x the C tool's speed end to end")
        return c / ours
    if c_dir:
        c = run_c_training(c_dir, vocab, rows, cols, values, args.epochs, tmp / "c.txt")
        print(f"{label} C tool's glove stage alone {c:.1f}s ({c / max(1, args.epochs):.2f}s per epoch); "
              f"{scores(tmp / 'c.txt')}")
        print(f"{label} speed ratio: minibert's training is {c / (t4 - t3):.2f}x the C tool's speed")
        return c / (t4 - t3)
    return None


def scores(path: Path) -> str:
    return ", ".join(f"{k} {v:.3f}" for k, v in evaluate(path).items())

if __name__ == "__main__":
    main()
