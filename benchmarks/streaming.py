"""Streaming corpora: word2vec and GloVe trained from a file of 1x, 4x and 16x enwiki, time and peak memory.

The corpus of shared/reference/corpora/README.md (rebuilt from gensim's Wikipedia excerpt) is
repeated k times, each copy's lines in another seeded order, and written to a file. Each run is a
fresh process that trains from `corpus_file=` (the file is streamed, never read whole) with the
reference settings (word2vec: CBOW, 100 dimensions, window 5, negative 5, sample 1e-3, 5 epochs,
2 workers; GloVe: 100 dimensions, window 15, x_max 10, 15 epochs, 2 threads), min count 5 per copy
(5k for k copies: every count is k times enwiki's, so the vocabulary stays enwiki's 9,237 words and
memory can only grow with the corpus itself). It reports wall time and peak resident memory; "at
start" is the same process after its imports, before it reads the corpus. Time should grow with
the corpus, memory stay flat.
Run: python benchmarks/streaming.py [--scales 1 4 16] [--only word2vec|glove]
"""
import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))
from enwiki import write_enwiki  # noqa: E402

CHILD = r"""
import json, resource, sys, time
import numpy as np, torch
from word2vec import Word2Vec
from glove import GloVe
peak = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # MiB (Linux: KiB)
system, path, min_count = sys.argv[1], sys.argv[2], int(sys.argv[3])
start = peak()
t0 = time.perf_counter()
if system == "word2vec":
    model = Word2Vec(corpus_file=path, vector_size=100, window=5, min_count=min_count, negative=5, sample=1e-3,
                     epochs=5, sg=0, workers=2, seed=1)
    size = f"{len(model.index_to_key)} words, {model.corpus_total_words} tokens"
else:
    model = GloVe(corpus_file=path, vector_size=100, window_size=15, min_count=min_count, x_max=10.0, epochs=15,
                  threads=2, seed=1)
    size = f"{len(model.vocab)} words, {len(model.values)} records"
print(json.dumps(dict(seconds=time.perf_counter() - t0, start_mib=start, peak_mib=peak(), size=size)))
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", type=int, nargs="+", default=[1, 4, 16])
    ap.add_argument("--only", choices=["word2vec", "glove"])
    args = ap.parse_args()
    systems = [args.only] if args.only else ["word2vec", "glove"]
    print("| system | corpus | tokens | file MB | wall s | s per million tokens | MiB at start | peak MiB | model |")
    print("|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for scale in args.scales:
            path = Path(tmp) / f"enwiki_x{scale}.txt"
            tokens = write_enwiki(path, scale)
            for system in systems:
                out = subprocess.run([sys.executable, "-c", CHILD, system, str(path), str(5 * scale)], check=True,
                                     capture_output=True, text=True).stdout
                r = json.loads(out.strip().splitlines()[-1])
                print(f"| {system} | {scale}x enwiki | {tokens:,} | {path.stat().st_size / 1e6:.0f} | "
                      f"{r['seconds']:.1f} | {r['seconds'] / tokens * 1e6:.2f} | {r['start_mib']:.0f} | "
                      f"{r['peak_mib']:.0f} | {r['size']} |", flush=True)
            path.unlink()


if __name__ == "__main__":
    main()
