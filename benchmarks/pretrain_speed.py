"""Pretraining throughput: minibert's BertForPreTraining (MLM decoder at masked positions only)
vs transformers' BertForPreTraining (logits at every position), same config, batch and optimizer.

Config as issue #4: 4 layers, hidden 256, 4 heads, intermediate 1024, vocab 30522, batch 32 x
128, 20 masked positions per sequence, AdamW. Each side runs in its own child process so that
peak memory (RSS on CPU, max allocated on GPU) is its own; the two alternate, and the median
tokens/s ratio is printed. On a GPU both run under bf16 autocast.
Run: python benchmarks/pretrain_speed.py [--steps 10] [--rounds 3] [--device cuda]
"""
import argparse
import multiprocessing as mp
import resource
import statistics
import time

from tables import record


def worker(which: str, device: str, steps: int, queue) -> None:
    import torch
    import transformers

    import minibert

    torch.manual_seed(0)
    kw = dict(vocab_size=30522, hidden_size=256, num_hidden_layers=4, num_attention_heads=4,
              intermediate_size=1024, max_position_embeddings=128)
    if which == "minibert":
        model = minibert.BertForPreTraining(minibert.BertConfig(**kw))
    else:
        model = transformers.BertForPreTraining(transformers.BertConfig(**kw))
    model.to(device).train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    g = torch.Generator().manual_seed(0)
    B, T = 32, 128
    ids = torch.randint(1000, 30000, (B, T), generator=g)
    labels = torch.full_like(ids, -100)
    for r in range(B):
        pos = torch.randperm(T - 2, generator=g)[:20] + 1
        labels[r, pos] = ids[r, pos]
        ids[r, pos] = 103
    batch = dict(input_ids=ids, attention_mask=torch.ones_like(ids), token_type_ids=torch.zeros_like(ids),
                 labels=labels, next_sentence_label=torch.zeros(B, dtype=torch.long))
    batch = {k: v.to(device) for k, v in batch.items()}
    extra = {"only_masked": True} if which == "minibert" else {}

    def step():
        with torch.autocast(device.split(":")[0], dtype=torch.bfloat16, enabled=device.startswith("cuda")):
            loss = model(**batch, **extra).loss
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        return loss.item()

    step()  # warm-up
    if device.startswith("cuda"):
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    t0 = time.perf_counter()
    for _ in range(steps):
        loss = step()
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    dt = time.perf_counter() - t0
    peak = torch.cuda.max_memory_allocated() / 2**20 if device.startswith("cuda") else \
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put((B * T * steps / dt, peak, loss))


def measure(which, device, steps):
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=worker, args=(which, device, steps, q))
    p.start()
    result = q.get()
    p.join()
    return result


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args()
    runs = {"minibert": [], "transformers": []}
    for _ in range(args.rounds):
        for which in ("transformers", "minibert"):
            runs[which].append(measure(which, args.device, args.steps))
    for which, rs in runs.items():
        print(f"{which:13s} {statistics.median(r[0] for r in rs):9.0f} tokens/s   peak memory "
              f"{max(r[1] for r in rs):7.0f} MiB   last loss {rs[-1][2]:.3f}")
    ratio = statistics.median(r[0] for r in runs["minibert"]) / statistics.median(r[0] for r in runs["transformers"])
    print(f"throughput ratio minibert / transformers: {ratio:.2f}x")
    record("pretrain-speed", throughput_ratio=ratio,
           memory_ratio=max(r[1] for r in runs["minibert"]) / max(r[1] for r in runs["transformers"]))


if __name__ == "__main__":
    main()
