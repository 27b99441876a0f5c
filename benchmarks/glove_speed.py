"""GloVe speed: co-occurrence time and time per epoch on a real corpus, and the C tool beside it.

Settings of shared/reference/corpora/README.md: min count 5, window 15, symmetric, 100
dimensions, x_max 10, 15 epochs. With --c-glove-dir (a folder holding the C tool's built
vocab_count, cooccur, shuffle and glove), the C pipeline runs on the same file with 2 threads and
the end-to-end ratio is printed.
Run: python benchmarks/glove_speed.py --corpus enwiki.txt [--epochs 15] [--c-glove-dir GloVe/build]
"""
import argparse
import gzip
import subprocess
import tempfile
import time
from pathlib import Path

from glove import GloVe, build_vocab, cooccurrence


def read(path: Path) -> list[list[str]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [line.split() for line in f]


def run_c(c_dir: Path, corpus: Path, epochs: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        text = Path(tmp) / "corpus.txt"
        text.write_bytes(gzip.open(corpus).read() if corpus.suffix == ".gz" else corpus.read_bytes())
        t0 = time.perf_counter()
        sh = (f"{c_dir}/vocab_count -min-count 5 -verbose 0 < {text} > vocab.txt && "
              f"{c_dir}/cooccur -memory 4.0 -vocab-file vocab.txt -verbose 0 -window-size 15 < {text} > cooc.bin && "
              f"{c_dir}/shuffle -memory 4.0 -verbose 0 < cooc.bin > cooc.shuf.bin && "
              f"{c_dir}/glove -save-file vectors -threads 2 -input-file cooc.shuf.bin -x-max 10 -iter {epochs} "
              f"-vector-size 100 -binary 0 -vocab-file vocab.txt -verbose 0")
        subprocess.run(sh, shell=True, cwd=tmp, check=True)
        return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, required=True, help="one sentence per line (.txt or .txt.gz)")
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--batch-size", type=int, default=4096)
    ap.add_argument("--c-glove-dir", type=Path)
    args = ap.parse_args()
    t0 = time.perf_counter()
    sentences = read(args.corpus)
    vocab = build_vocab(sentences, min_count=5)
    t1 = time.perf_counter()
    rows, cols, values = cooccurrence(sentences, vocab, window_size=15, symmetric=True)
    t2 = time.perf_counter()
    model = GloVe(vector_size=100, window_size=15, min_count=5, x_max=10, epochs=args.epochs,
                  batch_size=args.batch_size, dtype="float32")
    model.vocab = vocab
    model.set_records(rows, cols, values)
    model.init_params()
    t3 = time.perf_counter()
    model.train()
    t4 = time.perf_counter()
    n_tokens = sum(map(len, sentences))
    print(f"{n_tokens:,} tokens, {len(vocab):,} words, {len(values):,} records")
    print(f"minibert: read+vocab {t1 - t0:.1f}s, co-occurrence {t2 - t1:.1f}s, "
          f"{(t4 - t3) / max(1, args.epochs):.2f}s per epoch ({len(values) / ((t4 - t3) / max(1, args.epochs)) / 1e6:.2f}M "
          f"record updates/s), end to end {t4 - t0:.1f}s; cost {model.costs[0]:.4f} -> {model.costs[-1]:.4f}")
    if args.c_glove_dir:
        c = run_c(args.c_glove_dir, args.corpus, args.epochs)
        print(f"C tool end to end {c:.1f}s; minibert takes {(t4 - t0) / c:.2f}x the C tool's time")


if __name__ == "__main__":
    main()
