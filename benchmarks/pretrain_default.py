"""The default `minibert pretrain`, seed by seed: held-out MLM accuracy beside its baselines, and time.

Runs `minibert pretrain --seed S [flags]` (every other setting at its default: the bundled corpus) for
each seed, one after another so that each run has the machine to itself, and prints one Markdown
row per seed: held-out MLM accuracy and perplexity, the two baselines scored on exactly the same
masked positions (counting neighbours, most frequent piece), NSP accuracy beside always answering
the held-out majority label, the wall-clock time of the whole command and of training alone.
Then the first seed's model answers the README's fill-mask sentences (or `--fill-mask`'s), and
`--figure` copies that run's curves.png.
Run: python benchmarks/pretrain_default.py [--seeds 0 1 2] [--figure F.png] [--fill-mask TEXT ...] [-- --nsp]
"""
import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from tables import record

FILL_MASK = ["The history of the [MASK] is long.", "The capital of France is [MASK].",
             "He was born in [MASK] and studied at the university.",
             "The [MASK] of the United States is elected every four years."]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--out", default="runs/pretrain-default")
    ap.add_argument("--figure", help="copy the first seed's curves.png here")
    ap.add_argument("--fill-mask", nargs="+", default=FILL_MASK, metavar="TEXT")
    ap.add_argument("--shown-as", default="runs/pretrain", help="the model folder the printed fill-mask command names")
    ap.add_argument("flags", nargs=argparse.REMAINDER, help="more `minibert pretrain` flags, after --")
    args = ap.parse_args()
    flags = [f for f in args.flags if f != "--"]
    rows, seeds = [], []
    for seed in args.seeds:
        folder = Path(args.out) / f"seed-{seed}"
        shutil.rmtree(folder, ignore_errors=True)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "minibert", "pretrain", "--out", str(folder), "--seed", str(seed), *flags],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wall = time.perf_counter() - t0
        e = [json.loads(line) for line in (folder / "metrics.jsonl").read_text().splitlines() if "eval_mlm" in line][-1]
        nsp = json.loads((folder / "run_args.json").read_text())["nsp"]  # an untrained NSP head's accuracy means nothing
        rows.append(f"| {seed} | **{e['eval_mlm_accuracy']:.3f}** | {e['eval_neighbour_count_accuracy']:.3f} | "
                    f"{e['eval_most_frequent_token_accuracy']:.3f} | {e['eval_mlm_perplexity']:.0f} | "
                    + (f"{e['eval_nsp_accuracy']:.3f} | " if nsp else "not trained | ")
                    + f"{e['eval_nsp_majority_accuracy']:.3f} | {wall:.0f} | {e['time']:.0f} |")
        print(rows[-1], flush=True)
        seeds.append(dict(seed=seed, mlm_accuracy=e["eval_mlm_accuracy"], perplexity=e["eval_mlm_perplexity"],
                          neighbour_count_accuracy=e["eval_neighbour_count_accuracy"],
                          most_frequent_accuracy=e["eval_most_frequent_token_accuracy"], wall_time=wall,
                          training_time=e["time"]))
    print("\n| seed | held-out MLM accuracy | neighbour counts | most frequent piece | perplexity | "
          "NSP accuracy | NSP majority label | wall time (s) | training time (s) |\n"
          "|---|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    first = Path(args.out) / f"seed-{args.seeds[0]}"
    r = subprocess.run([sys.executable, "-m", "minibert", "fill-mask", str(first), *args.fill_mask],
                       check=True, capture_output=True, text=True)
    print(f"\n$ minibert fill-mask {args.shown_as} {' '.join(repr(t).replace(chr(39), chr(34)) for t in args.fill_mask)}")
    print(r.stdout, end="")
    record("pretrain-default", flags=flags, seeds=seeds, fill_mask={"texts": args.fill_mask, "output": r.stdout})
    if args.figure:
        shutil.copyfile(first / "curves.png", args.figure)


if __name__ == "__main__":
    main()
