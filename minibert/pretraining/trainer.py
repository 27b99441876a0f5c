"""The pretraining loop: MLM + NSP with AdamW, linear warm-up and decay, clipping, accumulation.

Weight decay 0.01 spares LayerNorm weights and biases (as Google's optimizer); the gradient norm
is clipped at 1.0; on a GPU the forward runs under bf16 autocast. The MLM decoder runs only at
the masked positions (`only_masked=True`). Under `torchrun` the same code trains with
DistributedDataParallel, each rank taking its own shard of every global batch.
Lesson: lessons/04-pretraining.md.
"""
from __future__ import annotations

import json
import math
import os
import sys
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import torch
import torch.distributed as dist

from ..heads import BertForPreTraining
from .checkpoint import latest_checkpoint, load_trainer_state, save_checkpoint
from .data import PretrainingData


_STOP_AFTER = int(os.environ.get("MINIBERT_STOP_AFTER_STEP", "-1"))  # for tests only


@dataclass
class TrainConfig:
    steps: int = 1000
    batch_size: int = 32           # global batch, summed over ranks and accumulation
    grad_accumulation: int = 1
    learning_rate: float = 1e-3
    warmup_steps: int = 100
    weight_decay: float = 0.01
    max_grad_norm: float = 1.0
    eval_every: int = 100
    save_every: int = 200
    log_every: int = 10
    seed: int = 0
    nsp: bool = True               # False: MLM only (the NSP head is kept but not trained)
    time_budget: float | None = None  # minutes of training; then stop, evaluate and save


def make_optimizer(model: torch.nn.Module, lr: float, weight_decay: float) -> torch.optim.AdamW:
    """AdamW with decay on weight matrices and embeddings only (not LayerNorm, not biases)."""
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (no_decay if p.dim() < 2 or "norm" in name or name.endswith("bias") else decay).append(p)
    return torch.optim.AdamW([{"params": decay, "weight_decay": weight_decay},
                              {"params": no_decay, "weight_decay": 0.0}], lr=lr)


def linear_schedule(optimizer, warmup_steps: int, total_steps: int) -> torch.optim.lr_scheduler.LambdaLR:
    """lr·step/warmup, then linearly down to 0 at `total_steps` (HF's linear schedule)."""
    def factor(step: int) -> float:
        if step < warmup_steps:
            return step / max(1, warmup_steps)
        return max(0.0, (total_steps - step) / max(1, total_steps - warmup_steps))
    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


@torch.no_grad()
def evaluate(model: BertForPreTraining, data: PretrainingData, device, batch_size: int = 64) -> dict:
    """Held-out MLM accuracy and perplexity, NSP accuracy, and the baselines on the same examples:
    always the most frequent token, counting neighbours (baseline.py), always the majority NSP label."""
    from .data import collate

    if not data.heldout:
        return {}
    model.eval()
    n_tok = correct = nsp_correct = nsp_random = 0
    nll = 0.0
    label_counts: dict[int, int] = {}
    for start in range(0, len(data.heldout), batch_size):
        batch = {k: v.to(device) for k, v in collate(data.heldout[start:start + batch_size], data.tok.pad_token_id).items()}
        out = model(**batch, only_masked=True)
        gold = batch["labels"][batch["labels"] != -100]
        nll += torch.nn.functional.cross_entropy(out.prediction_logits.float(), gold, reduction="sum").item()
        correct += (out.prediction_logits.argmax(-1) == gold).sum().item()
        n_tok += gold.numel()
        nsp_correct += (out.seq_relationship_logits.argmax(-1) == batch["next_sentence_label"]).sum().item()
        nsp_random += batch["next_sentence_label"].sum().item()
        for t in gold.tolist():
            label_counts[t] = label_counts.get(t, 0) + 1
    model.train()
    return {"eval_mlm_accuracy": correct / n_tok, "eval_mlm_perplexity": math.exp(nll / n_tok),
            "eval_nsp_accuracy": nsp_correct / len(data.heldout),
            "eval_nsp_majority_accuracy": max(nsp_random, len(data.heldout) - nsp_random) / len(data.heldout),
            "eval_most_frequent_token_accuracy": max(label_counts.values()) / n_tok,
            "eval_neighbour_count_accuracy": data.neighbour_count_accuracy(),
            "eval_examples": len(data.heldout)}


class Trainer:
    def __init__(self, model: BertForPreTraining, tokenizer, data: PretrainingData, config: TrainConfig,
                 out: Path, device=None, resume: bool = False, progress: bool = True):
        self.rank = int(os.environ.get("RANK", 0))
        self.world = int(os.environ.get("WORLD_SIZE", 1))
        if self.world > 1 and not dist.is_initialized():
            dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
        if device is None:
            device = f"cuda:{int(os.environ.get('LOCAL_RANK', 0))}" if torch.cuda.is_available() else "cpu"
        self.device = torch.device(device)
        if config.batch_size % (self.world * config.grad_accumulation):
            raise ValueError(f"batch_size={config.batch_size} must divide by ranks x grad_accumulation "
                             f"= {self.world * config.grad_accumulation}")
        self.model, self.tok, self.data, self.config, self.out = model.to(self.device), tokenizer, data, config, Path(out)
        self.progress = progress and self.rank == 0
        self.optimizer = make_optimizer(model, config.learning_rate, config.weight_decay)
        self.scheduler = linear_schedule(self.optimizer, config.warmup_steps, config.steps)
        self.step = 0
        self.elapsed = 0.0  # seconds of training before this session (from the checkpoint on --resume)
        self.clock = 0.0    # seconds of training so far, this session included
        if resume:
            self._resume()
        elif latest_checkpoint(self.out) is not None:
            raise FileExistsError(f"{self.out} already holds a training run: pass --resume to continue it, "
                                  "or choose another --out")
        elif self.rank == 0 and (self.out / "metrics.jsonl").exists():
            (self.out / "metrics.jsonl").unlink()  # an aborted run's log, without a checkpoint: start it anew
        if not config.nsp:  # nothing trains the pooler and the NSP head: frozen, so DDP waits for no gradient of theirs
            for p in (*model.bert.pooler.parameters(), *model.nsp.parameters()):
                p.requires_grad_(False)
        self.ddp = torch.nn.parallel.DistributedDataParallel(model) if self.world > 1 else None

    def _resume(self) -> None:
        path = latest_checkpoint(self.out)
        if path is None:
            raise FileNotFoundError(f"nothing to resume in {self.out} (no checkpoints/latest)")
        saved_vocab = (path / "vocab.txt").read_text(encoding="utf-8").splitlines()
        if saved_vocab != [self.tok.ids_to_tokens[i] for i in range(self.tok.vocab_size)]:
            raise ValueError(f"the vocabulary does not match the checkpoint in {path}")
        weights = BertForPreTraining.from_pretrained(path)
        sizes = lambda c: {f.name: getattr(c, f.name) for f in fields(c) if f.name != "extra"}  # noqa: E731
        if sizes(weights.config) != sizes(self.model.config):
            raise ValueError(f"the model configuration differs from the checkpoint in {path}")
        self.model.load_state_dict(weights.state_dict())
        state, info = load_trainer_state(path)
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        torch.set_rng_state(state["torch_rng"])
        if "cuda_rng" in state and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state["cuda_rng"])
        self.step = info["step"]
        self.elapsed = self.clock = info.get("elapsed", 0.0)
        metrics = self.out / "metrics.jsonl"
        if self.rank == 0 and metrics.is_file():  # forget what was logged after the checkpoint
            kept = [line for line in metrics.read_text().splitlines() if json.loads(line)["step"] <= self.step]
            metrics.write_text("".join(line + "\n" for line in kept))

    def _log(self, record: dict) -> None:
        if self.rank != 0:
            return
        self.out.mkdir(parents=True, exist_ok=True)
        with open(self.out / "metrics.jsonl", "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")

    def train_step(self, step: int) -> dict:
        """One optimizer step over the global batch `step` (this rank's shard, in micro-batches)."""
        c, model = self.config, self.ddp or self.model
        micro = c.batch_size // c.grad_accumulation
        totals = {"loss": 0.0, "mlm_loss": 0.0, "nsp_loss": 0.0}
        for m in range(c.grad_accumulation):
            # micro-batch m of this rank: shard m·world + rank of the global batch
            batch = self.data.batch(step, c.batch_size, m * self.world + self.rank, self.world * c.grad_accumulation)
            batch = {k: v.to(self.device) for k, v in batch.items() if c.nsp or k != "next_sentence_label"}
            with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.device.type == "cuda"):
                out = model(**batch, only_masked=True)
            (out.loss / c.grad_accumulation).backward()
            for k in totals:
                if out[k] is not None:
                    totals[k] += out[k].item() / c.grad_accumulation
        if self.world > 1:  # report the global batch's loss, not this rank's shard
            stats = torch.tensor(list(totals.values()), device=self.device)
            dist.all_reduce(stats)
            totals = dict(zip(totals, (stats / self.world).tolist()))
        grad_norm = torch.nn.utils.clip_grad_norm_(self.model.parameters(), c.max_grad_norm).item()
        lr = self.scheduler.get_last_lr()[0]
        self.optimizer.step()
        self.scheduler.step()
        self.optimizer.zero_grad(set_to_none=True)
        return {**totals, "grad_norm": grad_norm, "lr": lr}

    def train(self) -> list[dict]:
        c = self.config
        self.model.train()
        history, t0, tokens = [], time.perf_counter(), 0
        while self.step < c.steps:
            record = {"step": self.step + 1, **self.train_step(self.step)}
            self.step += 1
            history.append(record)
            self.clock = record["time"] = self.elapsed + time.perf_counter() - t0
            last = self.step == c.steps or self._out_of_time()
            if self.step % c.log_every == 0 or last:
                self._log(record)
                if self.progress:
                    done = self.step / c.steps
                    bar = "#" * int(30 * done) + "-" * (30 - int(30 * done))
                    print(f"\r[{bar}] step {self.step}/{c.steps} loss {record['loss']:.3f} "
                          f"(mlm {record['mlm_loss']:.3f}, nsp {record['nsp_loss']:.3f}) "
                          f"{time.perf_counter() - t0:.0f}s", end="", file=sys.stderr, flush=True)
            if self.rank == 0 and (self.step % c.eval_every == 0 or last):
                self._log({"step": self.step, "time": record["time"], **evaluate(self.model, self.data, self.device)})
            if self.step % c.save_every == 0 or last:
                self.save()
            if last:
                break
            if self.step == _STOP_AFTER:
                raise KeyboardInterrupt  # tests: an interruption right after a checkpoint
        if self.progress:
            print(file=sys.stderr)
        return history

    def _out_of_time(self) -> bool:
        """Past --time-budget? Rank 0's clock decides for every rank, so all stop at the same step."""
        if self.config.time_budget is None:
            return False
        over = torch.tensor([float(self.clock >= 60 * self.config.time_budget)], device=self.device)
        if self.world > 1:
            dist.broadcast(over, 0)
        return bool(over.item())

    def save(self) -> None:
        if self.rank == 0:
            save_checkpoint(self.out, self.step, self.model, self.tok, self.optimizer, self.scheduler,
                            {"train_config": asdict(self.config), "data_config": asdict(self.data.config),
                             "elapsed": self.clock})
        if self.world > 1:
            dist.barrier()
