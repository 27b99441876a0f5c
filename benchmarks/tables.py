"""The README's and the lessons' result tables, written from what one run of benchmarks/all.sh measured.

Each benchmark script calls `record(name, ...)`; when `MINIBERT_RESULTS` names a folder (all.sh sets
it) that writes NAME.json there, else nothing. all.sh moves a finished run's folder to
benchmarks/results/ and runs this script, which renders each table from those files and puts it
between its markers (`<!-- table: NAME -->` ... `<!-- end table -->`) in README.md and the lessons.
Prose that quotes a run's numbers sits between `<!-- numbers from: NAME -->` and `<!-- end numbers
-->`: every number written with three decimals there must be one of NAME.json's. `--check` changes
nothing and fails when a marked table differs from its rendering or a quoted number is not measured.
Run: python benchmarks/tables.py [--check]
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
DOCUMENTS = ("README.md", "lessons/04-pretraining.md", "lessons/07-bert-and-word-vectors.md")
MARKED = re.compile(r"(<!-- table: ([a-z-]+) -->\n)(.*?)(<!-- end table -->)", re.S)
QUOTED = re.compile(r"<!-- numbers from: ([a-z-]+) -->\n(.*?)<!-- end numbers -->", re.S)


def record(name: str, **values) -> None:
    """Keep a benchmark's numbers as NAME.json in $MINIBERT_RESULTS."""
    folder = os.environ.get("MINIBERT_RESULTS")
    if not folder:
        return
    path = Path(folder) / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    data = dict(values)
    data["measured"] = {"date": datetime.date.today().isoformat(), "cpus": os.cpu_count(),
                        "machine": platform.machine(), "python": platform.python_version()}
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False, default=lambda x: x.item()) + "\n")


def load(folder: Path, name: str) -> dict:
    path = folder / f"{name}.json"
    if not path.is_file():
        sys.exit(f"{path} is missing: run benchmarks/all.sh")
    return json.loads(path.read_text())


def speed(r: Path) -> str:
    tok, bert, pre = load(r, "tokenizer"), load(r, "bert-inference"), load(r, "pretrain-speed")
    sg, cbow, static = load(r, "word2vec-sg1"), load(r, "word2vec-sg0"), load(r, "static-speed")
    g64, g32 = load(r, "glove-float64-x1"), load(r, "glove-float32-x1")
    rows = [
        (f"tokenizer, {tok['tokens'] / 1000:.0f}k tokens", "`python benchmarks/tokenizer_speed.py`",
         f"{tok['time_ratio']:.2f}× transformers' Rust tokenizer's time"),
        ("MiniLM forward, 8×128", "`python benchmarks/bert_inference.py`",
         f"{bert['minilm']:.2f}× transformers' time ({bert['minilm_skip_padding']:.2f}× skipping padding)"),
        ("bert-base-size forward", "same", f"{bert['bert_base']:.2f}×"),
        ("pretraining, 4 layers × 256", "`python benchmarks/pretrain_speed.py`",
         f"{pre['throughput_ratio']:.2f}× transformers' tokens/s at {pre['memory_ratio']:.2f}× its memory"),
        ("word2vec on enwiki, 2 workers", "`python benchmarks/word2vec_speed.py --sg 1` (`--sg 0`)",
         f"{sg['ratio']:.2f}× gensim's words/s for skip-gram, {cbow['ratio']:.2f}× for CBOW"),
        ("GloVe on enwiki, end to end", "`python benchmarks/glove_speed.py --c-glove-dir DIR`",
         f"{g64['ratio']:.1f}× the C tools' speed in float64, {g32['ratio']:.1f}× in float32"),
        ("static model from MiniLM", "`python benchmarks/static_speed.py`",
         f"{static['model2vec_ratio']:.2f}× model2vec's sentences/s with the same table; "
         f"{static['minilm_ratio']:.0f}× MiniLM's"),
    ]
    return table(("what", "command", "ratio"), rows)


def pretraining(r: Path) -> str:
    rows = [(str(s["seed"]), f"**{s['mlm_accuracy']:.3f}**", f"{s['neighbour_count_accuracy']:.3f}",
             f"{s['most_frequent_accuracy']:.3f}", f"{s['perplexity']:.0f}", f"{s['wall_time']:.0f}")
            for s in load(r, "pretrain-default")["seeds"]]
    return table(("seed", "held-out MLM accuracy", "counting neighbours", "most frequent piece", "perplexity",
                  "wall time (s)"), rows)


def fill_mask(r: Path) -> str:
    lines = load(r, "pretrain-default")["fill_mask"]["output"].rstrip("\n").split("\n")
    rows = [(text.replace("[MASK]", "\\[MASK\\]"), answers.strip().replace("|", "\\|"))
            for text, answers in zip(lines[::2], lines[1::2])]
    return table(("`minibert fill-mask runs/pretrain TEXT`", "the five likeliest pieces"), rows)


def vectors(r: Path) -> str:
    return load(r, "vectors")["table"]


def measured_numbers(data) -> set[str]:
    """Every number of a results file, written with three decimals."""
    if isinstance(data, float):
        return {f"{data:.3f}"}
    if isinstance(data, dict):
        data = list(data.values())
    return set().union(*map(measured_numbers, data)) if isinstance(data, list) else set()


def unmeasured(text: str, folder: Path) -> list[str]:
    """The three-decimal numbers of the marked prose that its results file does not hold."""
    missing = []
    for m in QUOTED.finditer(text):
        known = measured_numbers(load(folder, m.group(1)))
        missing += [f"{x} ({m.group(1)})" for x in re.findall(r"(?<![\d.])-?\d\.\d{3}(?!\d)", m.group(2))
                    if x not in known]
    return missing


def table(header, rows) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


TABLES = {"speed": speed, "pretraining": pretraining, "fill-mask": fill_mask, "vectors": vectors}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="change nothing; fail if a table differs from its rendering")
    ap.add_argument("--results", type=Path, default=RESULTS)
    args = ap.parse_args()
    stale, found, missing = [], set(), []
    for name in DOCUMENTS:
        path = ROOT / name
        text = path.read_text(encoding="utf-8")
        missing += [f"{name}: {x}" for x in unmeasured(text, args.results)]

        def fill(m):
            if m.group(2) not in TABLES:
                sys.exit(f"{name}: no table called {m.group(2)!r} (known: {', '.join(TABLES)})")
            found.add(m.group(2))
            return m.group(1) + TABLES[m.group(2)](args.results) + "\n" + m.group(4)

        new = MARKED.sub(fill, text)
        if new != text:
            stale.append(name)
            if not args.check:
                path.write_text(new, encoding="utf-8")
    if set(TABLES) - found:
        sys.exit(f"no marker for {', '.join(sorted(set(TABLES) - found))} in {', '.join(DOCUMENTS)}")
    if missing:
        sys.exit("numbers quoted but not measured: " + "; ".join(missing))
    if args.check and stale:
        sys.exit(f"tables differ from benchmarks/results/ in {', '.join(stale)}: run python benchmarks/tables.py")
    print(("differ: " if args.check else "rewrote: ") + ", ".join(stale) if stale else "every table is up to date")


if __name__ == "__main__":
    main()
