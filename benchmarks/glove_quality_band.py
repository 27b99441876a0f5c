"""The C tool's quality band: the Stanford GloVe pipeline over several seeds, beside ours.

On a corpus this small one run of GloVe moves by several hundredths in rho from seed to seed, so
a quality claim needs the reference's spread, not one run. Each seed runs the C tools' four
stages (`shuffle -seed s`, `glove -seed s`) with the settings of glove_speed.py, and minibert's
GloVe with `seed=s` as tests/test_glove.py trains it (float32, compiled loop, one thread).
The test's band is the lowest C score of these seeds.
Run: python benchmarks/glove_quality_band.py --c-glove-dir GloVe/build [--seeds 1 2 3 4 5]
"""
import argparse
import statistics
import tempfile
from pathlib import Path

from glove_speed import run_c
from enwiki import enwiki_sentences, evaluate  # noqa: E402 (glove_speed puts tests/ on the path)

from glove import GloVe


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--c-glove-dir", type=Path, required=True, help="folder with the built vocab_count, cooccur, shuffle, glove")
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    ap.add_argument("--epochs", type=int, default=15)
    args = ap.parse_args()
    sentences = [list(s) for s in enwiki_sentences()]
    keys = ("wordsim353", "simlex999", "analogy")
    scores = {"C tool": [], "minibert": []}
    with tempfile.TemporaryDirectory() as tmp:
        text = Path(tmp) / "corpus.txt"
        text.write_text("\n".join(" ".join(s) for s in sentences) + "\n", encoding="utf-8")
        for seed in args.seeds:
            run_c(args.c_glove_dir.resolve(), text, args.epochs, Path(tmp) / "c.txt", seed=seed)
            scores["C tool"].append(evaluate(Path(tmp) / "c.txt"))
            model = GloVe(sentences, vector_size=100, window_size=15, min_count=5, x_max=10, epochs=args.epochs,
                          seed=seed, threads=1, dtype="float32")
            model.wv.save_word2vec_format(Path(tmp) / "ours.txt")
            scores["minibert"].append(evaluate(Path(tmp) / "ours.txt"))
            print(f"seed {seed}: C tool " + ", ".join(f"{k} {scores['C tool'][-1][k]:.3f}" for k in keys) +
                  "; minibert " + ", ".join(f"{k} {scores['minibert'][-1][k]:.3f}" for k in keys), flush=True)
    for system, runs in scores.items():
        print(f"{system} over seeds {args.seeds}: " + "; ".join(
            f"{k} min {min(r[k] for r in runs):.3f} mean {statistics.mean(r[k] for r in runs):.3f} "
            f"max {max(r[k] for r in runs):.3f}" for k in keys))


if __name__ == "__main__":
    main()
