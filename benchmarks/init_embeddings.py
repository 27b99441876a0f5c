"""Does starting BERT's word embeddings from word2vec or GloVe help small-corpus pretraining? Measured.

For each seed: word2vec (skip-gram) and GloVe are trained on the *training* documents of the
bundled corpus (the held-out 5% that `minibert pretrain` evaluates on are left out), with
vector_size = the model's hidden size; then `minibert pretrain` runs three times with the settings
these figures were measured with (SETTINGS: the defaults before the local attention start, which
came later) otherwise: random embeddings, --init-embeddings word2vec, --init-embeddings GloVe. Prints the
held-out MLM accuracy at every evaluation (mean, min-max over seeds) and writes a Markdown table
and a PNG of the curves. About 25 minutes on 2 CPU cores with the defaults.
Run: python benchmarks/init_embeddings.py [--seeds 0 1 2] [--steps 800] [--out runs/init-embeddings]
"""
import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

from glove import GloVe
from minibert.basic_tokenizer import BasicTokenizer
from minibert.pretraining.cli import BUNDLED_CORPUS
from minibert.pretraining.corpus import read_documents
from word2vec import Word2Vec

CONDITIONS = ("random", "word2vec", "glove")


def training_sentences(corpus: Path) -> list[list[str]]:
    """The pretraining run's training documents (it holds out the last 5%), as lower-cased words."""
    docs = read_documents(corpus)
    n_heldout = int(len(docs) * 0.05) if len(docs) >= 10 else 0
    split = BasicTokenizer(do_lower_case=True).split
    return [split(s) for d in docs[: len(docs) - n_heldout] for s in d]


def train_vectors(sentences, size: int, seed: int, out: Path) -> dict[str, Path]:
    paths = {"word2vec": out / f"word2vec-{seed}.txt", "glove": out / f"glove-{seed}.txt"}
    if all(p.is_file() for p in paths.values()):  # deterministic (one thread each): made once
        return paths
    Word2Vec(sentences, vector_size=size, window=5, min_count=3, sg=1, negative=5, epochs=10,
             seed=seed + 1, workers=1).wv.save_word2vec_format(paths["word2vec"])
    GloVe(sentences, vector_size=size, window_size=10, min_count=3, x_max=10, epochs=25,
          seed=seed + 1, threads=1).wv.save_word2vec_format(paths["glove"])
    return paths


# the README's and lesson 7's figures: two layers, dropout 0.1, BERT's random start, 800 steps
SETTINGS = ["--num-hidden-layers", "2", "--dropout", "0.1", "--attention-init", "random", "--steps", "800",
            "--learning-rate", "2e-3", "--intermediate-size", "512", "--embedding-std", "0.02", "--batch-size", "64",
            "--num-attention-heads", "2", "--warmup-steps", "60", "--masked-lm-prob", "0.15",
            "--max-predictions-per-seq", "20", "--vocab-size", "5000", "--max-seq-length", "64", "--nsp"]


def pretrain(out: Path, seed: int, steps: int | None, vectors: Path | None) -> list[dict]:
    cmd = [sys.executable, "-m", "minibert", "pretrain", "--out", str(out), "--seed", str(seed), *SETTINGS]
    if steps:
        cmd += ["--steps", str(steps)]
    if vectors:
        cmd += ["--init-embeddings", str(vectors)]
    done = out / "done.json"  # a finished run is kept, so the script can be stopped and run again
    if not done.is_file():
        shutil.rmtree(out, ignore_errors=True)
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        done.write_text("{}")
    records = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    return [r for r in records if "eval_mlm_accuracy" in r]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--steps", type=int, help="pretraining steps (default: SETTINGS')")
    ap.add_argument("--hidden-size", type=int, default=128, help="minibert pretrain's default")
    ap.add_argument("--out", default="runs/init-embeddings")
    ap.add_argument("--figure", help="also write the PNG here (e.g. lessons/figures/init-embeddings.png)")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    sentences = training_sentences(BUNDLED_CORPUS)
    curves = {c: [] for c in CONDITIONS}  # condition -> one list of eval records per seed
    for seed in args.seeds:
        paths = train_vectors(sentences, args.hidden_size, seed, out)
        for c in CONDITIONS:
            curves[c].append(pretrain(out / f"{c}-{seed}", seed, args.steps, paths.get(c)))
            print(f"seed {seed} {c:9s} held-out MLM accuracy {curves[c][-1][-1]['eval_mlm_accuracy']:.4f}", flush=True)
    steps = [r["step"] for r in curves["random"][0]]
    acc = {c: np.array([[r["eval_mlm_accuracy"] for r in run] for run in curves[c]]) for c in CONDITIONS}
    lines = [f"Held-out MLM accuracy, `minibert pretrain` {' '.join(SETTINGS)}, seeds {args.seeds} "
             f"(mean, and min-max over seeds):", "",
             "| step | " + " | ".join(CONDITIONS) + " |", "|---|" + "---|" * len(CONDITIONS)]
    for j, step in enumerate(steps):
        lines.append(f"| {step} | " + " | ".join(
            f"{acc[c][:, j].mean():.4f} ({acc[c][:, j].min():.4f}-{acc[c][:, j].max():.4f})" for c in CONDITIONS) + " |")
    table = "\n".join(lines)
    print(table)
    (out / "init-embeddings.md").write_text(table + "\n")
    plot(steps, acc, [out / "init-embeddings.png"] + ([Path(args.figure)] if args.figure else []))


def plot(steps, acc, paths):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.6))
    for c in CONDITIONS:
        ax.plot(steps, acc[c].mean(0), "o-", label=f"{c} embeddings")
        ax.fill_between(steps, acc[c].min(0), acc[c].max(0), alpha=0.2)
    ax.set_xlabel("step")
    ax.set_ylabel("held-out MLM accuracy")
    ax.set_title(f"initial word embeddings ({acc['random'].shape[0]} seeds, min-max shaded)")
    ax.legend()
    fig.tight_layout()
    for p in paths:
        fig.savefig(p, dpi=80, metadata={"Software": None})
    plt.close(fig)


if __name__ == "__main__":
    main()
