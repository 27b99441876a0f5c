"""Screening pretraining recipes: held-out MLM accuracy of `minibert pretrain` with one change at a time.

Each configuration is `minibert pretrain` with a few flags (the rest at their defaults) on the
bundled corpus, for the steps given, evaluated every 100 steps on the same held-out documents,
always masked at 15%, beside the two baselines on the same positions. One seed per
configuration unless `--seeds` asks for more: differences under about 0.01 are noise, and a run
can lose the local start altogether (seed 0 of `local init` on 2026-12-06). `--jobs 2` runs two at a time, one
thread each (times are then not those of a run alone). `--group screen` is the first screen, all
with BERT's random initialisation, at 400 steps; `--group local` the runs with the local start;
`--group scale` the screen of higher learning rates, masking shares and embedding scales; `--group
third` the ingredients of the third default at their full lengths. Every flag of a group's time
is pinned, so a group reproduces after the defaults change.
Run: python benchmarks/pretrain_recipe.py [--group local] [--figure F.png] [--only NAME ...] [--jobs 2]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

# the data and optimiser defaults of the first two recipes (the third changed them), pinned
EARLY = ["--learning-rate", "2e-3", "--intermediate-size", "512", "--embedding-std", "0.02", "--batch-size", "64",
         "--num-attention-heads", "2", "--warmup-steps", "60", "--vocab-size", "5000", "--max-seq-length", "64"]
OLD = [*EARLY, "--dropout", "0.1", "--num-hidden-layers", "2", "--nsp", "--masked-lm-prob", "0.15",
       "--max-predictions-per-seq", "20"]           # the defaults before the local start
RANDOM = ["--attention-init", "random", *OLD, "--steps", "400"]
LOCAL = ["--attention-init", "local", *OLD, "--steps", "800"]
ONE = [*EARLY, "--attention-init", "local", "--dropout", "0", "--num-hidden-layers", "1", "--nsp", "--masked-lm-prob", "0.15",
       "--max-predictions-per-seq", "20", "--learning-rate", "2e-3", "--intermediate-size", "512",
       "--embedding-std", "0.02", "--batch-size", "64", "--num-attention-heads", "2", "--steps", "800"]  # the 2nd default
M25 = ["--masked-lm-prob", "0.25", "--max-predictions-per-seq", "16"]
THIRD = [*ONE[:-2], *M25, "--embedding-std", "0.1", "--learning-rate", "6e-3", "--intermediate-size", "256"]
CONFIGS = {  # name: (group, flags); a later flag overrides an earlier one
    "BERT's random init": ("screen", RANDOM),
    "random init, no dropout": ("screen", RANDOM + ["--dropout", "0"]),
    "random init, no NSP": ("screen", RANDOM + ["--no-nsp"]),
    "random init, no dropout, no NSP": ("screen", RANDOM + ["--dropout", "0", "--no-nsp"]),
    "random init, no dropout, no NSP, lr 1e-3": ("screen", RANDOM + ["--dropout", "0", "--no-nsp", "--learning-rate", "1e-3"]),
    "random init, no dropout, lr 5e-3": ("screen", RANDOM + ["--dropout", "0", "--learning-rate", "5e-3"]),
    "random init, no dropout, no NSP, 4 heads": ("screen", RANDOM + ["--dropout", "0", "--no-nsp", "--num-attention-heads", "4"]),
    "random init, 800 steps": ("local", RANDOM + ["--steps", "800"]),
    "local init": ("local", LOCAL),
    "local init, no dropout": ("local", LOCAL + ["--dropout", "0"]),
    "local init, no dropout, 1 layer, 1600 steps": (
        "local", LOCAL + ["--dropout", "0", "--num-hidden-layers", "1", "--steps", "1600"]),
    "local init, no dropout, 1 layer, 1600 steps, 25% masked": (
        "local", LOCAL + ["--dropout", "0", "--num-hidden-layers", "1", "--steps", "1600", "--masked-lm-prob", "0.25",
                          "--max-predictions-per-seq", "16"]),
    "local init, no dropout, 1 layer, 400 steps": (
        "local", LOCAL + ["--dropout", "0", "--num-hidden-layers", "1", "--steps", "400"]),
    "local init, no dropout, 1 layer, 400 steps, no NSP": (
        "local", LOCAL + ["--dropout", "0", "--num-hidden-layers", "1", "--steps", "400", "--no-nsp"]),
    # --group scale: what the local start survives, 800 steps each (one seed, two at a time)
    "1 layer, lr 2e-3 (the 2nd default, 800 steps)": ("scale", ONE),
    "4 heads": ("scale", ONE + ["--num-attention-heads", "4"]),
    "batch 32, 1600 steps": ("scale", ONE + ["--batch-size", "32", "--steps", "1600"]),
    "lr 4e-3": ("scale", ONE + ["--learning-rate", "4e-3"]),
    "lr 1.4e-3, 25% masked": ("scale", ONE + M25 + ["--learning-rate", "1.4e-3"]),
    "25% masked": ("scale", ONE + M25),
    "40% masked": ("scale", ONE + ["--masked-lm-prob", "0.4", "--max-predictions-per-seq", "26"]),
    "25% masked, untied decoder": ("scale", ONE + M25 + ["--no-tie-word-embeddings"]),
    "25% masked, FFN 256": ("scale", ONE + M25 + ["--intermediate-size", "256"]),
    "25% masked, warm-up 200": ("scale", ONE + M25 + ["--warmup-steps", "200"]),
    "25% masked, embeddings 0.05": ("scale", ONE + M25 + ["--embedding-std", "0.05"]),
    "25% masked, embeddings 0.1": ("scale", ONE + M25 + ["--embedding-std", "0.1"]),
    "25% masked, embeddings 0.1, lr 4e-3": ("scale", ONE + M25 + ["--embedding-std", "0.1", "--learning-rate", "4e-3"]),
    "25% masked, embeddings 0.1, lr 4e-3, FFN 256": (
        "scale", ONE + M25 + ["--embedding-std", "0.1", "--learning-rate", "4e-3", "--intermediate-size", "256"]),
    "25% masked, embeddings 0.1, lr 6e-3, FFN 256": (
        "scale", ONE + M25 + ["--embedding-std", "0.1", "--learning-rate", "6e-3", "--intermediate-size", "256"]),
    "the same, 1700 steps": (
        "scale", ONE + M25 + ["--embedding-std", "0.1", "--learning-rate", "6e-3", "--intermediate-size", "256",
                              "--steps", "1700"]),
    "the same, 1700 steps, no NSP": (
        "scale", ONE + M25 + ["--embedding-std", "0.1", "--learning-rate", "6e-3", "--intermediate-size", "256",
                              "--steps", "1700", "--no-nsp"]),
    # --group third: the third default's ingredients at their full lengths (README, lesson 4)
    "25% masked, embeddings 0.1, lr 6e-3, FFN 256, 1800 steps": ("third", THIRD + ["--steps", "1800"]),
    "the same, hidden 192, FFN 384, 1800 steps": (
        "third", THIRD + ["--steps", "1800", "--hidden-size", "192", "--intermediate-size", "384"]),
    "the same, 3600 steps": ("third", THIRD + ["--steps", "3600"]),
    "the same, 5000 steps": ("third", THIRD + ["--steps", "5000"]),
    "the same, 4500 steps": ("third", THIRD + ["--steps", "4500"]),
    "the same without NSP": ("third", THIRD + ["--steps", "4500", "--no-nsp"]),
    "the third default: without NSP, 4000 steps": ("third", THIRD + ["--steps", "4000", "--no-nsp"]),
    "the same, hidden 192, FFN 384, 3500 steps": (
        "third", THIRD + ["--steps", "3500", "--hidden-size", "192", "--intermediate-size", "384"]),
}


def folder_of(out: Path, name: str, seed: int) -> Path:
    """A configuration's run folder: its name made safe, with the seed unless it is 0."""
    return out / ("".join(ch if ch.isalnum() else "-" for ch in name) + (f"-seed-{seed}" if seed else ""))


def run(name: str, flags: list[str], out: Path, threads: int, seed: int = 0) -> str:
    folder = folder_of(out, name, seed)
    if not (folder / "done.json").is_file():
        shutil.rmtree(folder, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "minibert", "pretrain", "--out", str(folder), "--seed", str(seed),
                        "--eval-every", "100", "--save-every", str(10 ** 9), *flags], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       env={**os.environ, "OMP_NUM_THREADS": str(threads)})
        (folder / "done.json").write_text("{}")
    evals = [json.loads(line) for line in (folder / "metrics.jsonl").read_text().splitlines() if "eval_mlm" in line]
    last = evals[-1]
    curve = " ".join(f"{r['eval_mlm_accuracy']:.3f}" for r in evals)
    return (f"| {name}{f' (seed {seed})' if seed else ''} | {curve} | {last['eval_neighbour_count_accuracy']:.3f} | "
            f"{last['eval_most_frequent_token_accuracy']:.3f} | {last['time']:.0f} |")


STARTS = ["random init, 800 steps", "local init"]   # lesson 4's figure: the same model from each start


def plot_starts(out: Path, names: list[str], seeds: list[int], figure: Path) -> None:
    """Held-out accuracy by step for these runs, one line per seed, with the baselines."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 3.8))
    baselines = {"eval_neighbour_count_accuracy": [], "eval_most_frequent_token_accuracy": []}
    for colour, name in zip(("C0", "C1", "C2", "C3"), names):
        for seed in seeds:
            lines = (folder_of(out, name, seed) / "metrics.jsonl").read_text().splitlines()
            evals = [json.loads(line) for line in lines if "eval_mlm" in line]
            ax.plot([0] + [r["step"] for r in evals], [0] + [r["eval_mlm_accuracy"] for r in evals], "o-", ms=3,
                    color=colour, alpha=0.8, label=f"{name}, seeds {', '.join(map(str, seeds))}" if seed == seeds[0] else None)
            for key in baselines:                       # each seed holds out other documents
                baselines[key].append(evals[-1][key])
    for (key, values), style, label in zip(baselines.items(), ("--", ":"), ("neighbour counts", "most frequent token")):
        for value in sorted(set(values)):
            ax.axhline(value, linestyle=style, color="gray", linewidth=1,
                       label=f"{label} ({', '.join(f'{v:.3f}' for v in sorted(set(values)))})" if value == min(values) else None)
    ax.set_xlabel("step")
    ax.set_ylabel("held-out MLM accuracy")
    ax.set_ylim(0, 0.4)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))  # beside the curves, hiding none
    fig.tight_layout()
    fig.savefig(figure, dpi=80, metadata={"Software": None})
    plt.close(fig)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--group", choices=["screen", "local", "scale", "third"], help="run this group only")
    ap.add_argument("--out", default="runs/pretrain-recipe")
    ap.add_argument("--only", nargs="+", choices=list(CONFIGS), help="run these configurations only")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0], help="run each configuration with each seed")
    ap.add_argument("--figure", help="also draw the curves of the 'local' group's random- and local-start runs "
                    "here (run with --only with those two: --only 'random init, 800 steps' 'local init' --seeds 0 1 2)")
    args = ap.parse_args()
    names = args.only or [n for n, (group, _) in CONFIGS.items() if args.group in (None, group)]
    threads = max(1, (os.cpu_count() or 2) // args.jobs)
    jobs = [(n, s) for n in names for s in args.seeds]
    with ThreadPoolExecutor(args.jobs) as pool:
        rows = list(pool.map(lambda job: run(job[0], CONFIGS[job[0]][1], Path(args.out), threads, job[1]), jobs))
    print(f"| configuration | held-out MLM accuracy every 100 steps | neighbour counts | most frequent | "
          f"time (s) |\n|---|---|---|---|---|")
    print("\n".join(rows))
    if args.figure:
        plot_starts(Path(args.out), STARTS, args.seeds, Path(args.figure))


if __name__ == "__main__":
    main()
