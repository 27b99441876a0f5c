"""Fine-tuning `BertForSequenceClassification` on a labelled TSV: the article's §5.4, made to work.

Data: one example per line, `label<TAB>text`. A stratified share is held out (never trained on)
and scored at the end: accuracy and a confusion table. Training is the usual recipe (Devlin et
al., 2019, §4.1; HF's Trainer defaults): AdamW with weight decay 0.01, linear warm-up over 10% of
the steps then linear decay, gradient clipping at 1.0, a few epochs at lr 2e-5–5e-5. The model
folder is written once, complete, in place of any older one (an interrupted run leaves the old
folder as it was): transformers loads it, labels included. Lesson 8.
"""
from __future__ import annotations

import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from .backend import atomic_write, read_text, umask
from .pretraining.trainer import linear_schedule, make_optimizer


def read_tsv(path: str | os.PathLike) -> tuple[list[str], list[str]]:
    """`label<TAB>text` lines -> (texts, labels). One line names the first problem it finds."""
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder: give a TSV file of label<TAB>text lines")
    texts, labels = [], []
    for n, line in enumerate(read_text(path, "TSV file").splitlines(), 1):
        if not line.strip():
            continue
        label, tab, text = line.partition("\t")
        if not tab:
            raise ValueError(f"{path}:{n}: no tab: each line must be label<TAB>text")
        if not label.strip() or not text.strip():
            raise ValueError(f"{path}:{n}: empty {'label' if not label.strip() else 'text'}")
        labels.append(label.strip())
        texts.append(text.strip())
    if not texts:
        raise ValueError(f"{path} holds no examples")
    if len(set(labels)) < 2:
        raise ValueError(f"{path}: every example has the label {labels[0]!r}: a classifier needs two classes or more")
    return texts, labels


def heldout_split(labels: list[str], fraction: float, seed: int) -> tuple[list[int], list[int]]:
    """Stratified: `fraction` of each class (rounded, at least one of a class with two or more)."""
    if not 0 <= fraction < 1:
        raise ValueError(f"the held-out fraction must be in [0, 1), got {fraction}")
    rng = random.Random(seed)
    train, test = [], []
    for label in sorted(set(labels)):
        members = [i for i, x in enumerate(labels) if x == label]
        rng.shuffle(members)
        k = min(len(members) - 1, max(1, round(fraction * len(members)))) if fraction > 0 else 0
        test += members[:k]
        train += members[k:]
    return sorted(train), sorted(test)


def _batches(tokenizer, texts, ids, batch_size, max_length, rng=None):
    order = list(ids)
    if rng is not None:
        rng.shuffle(order)
    for start in range(0, len(order), batch_size):
        rows = order[start:start + batch_size]
        yield rows, tokenizer([texts[i] for i in rows], padding=True, truncation=True,
                              max_length=max_length, return_tensors="pt")


@torch.no_grad()
def predict(model, tokenizer, texts: list[str], batch_size: int = 32, max_length: int = 128) -> np.ndarray:
    """Class index of each text."""
    model.eval()
    device = next(model.parameters()).device
    out = np.zeros(len(texts), dtype=int)
    for rows, batch in _batches(tokenizer, texts, range(len(texts)), batch_size, max_length):
        logits = model(**{k: v.to(device) for k, v in batch.items()}).logits
        out[rows] = logits.argmax(-1).cpu().numpy()
    return out


def confusion(true: list[int], pred: list[int], n: int) -> np.ndarray:
    """(n, n): row = true class, column = predicted class."""
    table = np.zeros((n, n), dtype=int)
    for t, p in zip(true, pred):
        table[t, p] += 1
    return table


def train_classifier(model_dir, texts: list[str], labels: list[str], train: list[int], *, epochs: int = 3,
                     learning_rate: float = 5e-5, batch_size: int = 16, max_length: int = 128, seed: int = 0,
                     progress: bool = True):
    """Fine-tune a BertForSequenceClassification from `model_dir` on texts[train]. Returns
    (model, tokenizer, per-epoch history); the classes are the sorted distinct labels."""
    from .heads import BertForSequenceClassification
    from .tokenizer import BertTokenizer

    if epochs < 1 or batch_size < 1 or learning_rate <= 0 or max_length < 3:
        raise ValueError("epochs and batch_size must be >= 1, learning_rate > 0, max_length >= 3")
    label2id = {c: i for i, c in enumerate(sorted(set(labels)))}
    target = torch.tensor([label2id[x] for x in labels])
    torch.manual_seed(seed)  # the new classifier layer's initial weights, and dropout
    tok = BertTokenizer.from_pretrained(model_dir)
    model = BertForSequenceClassification.from_pretrained(
        model_dir, num_labels=len(label2id), id2label={str(i): c for c, i in label2id.items()}, label2id=label2id)
    max_length = min(max_length, model.config.max_position_embeddings)
    steps = epochs * -(-len(train) // batch_size)
    optimizer = make_optimizer(model, learning_rate, 0.01)
    scheduler = linear_schedule(optimizer, round(0.1 * steps), steps)
    rng, history, step, t0 = random.Random(seed), [], 0, time.perf_counter()
    for epoch in range(epochs):
        model.train()
        total = 0.0
        for rows, batch in _batches(tok, texts, train, batch_size, max_length, rng):
            loss = model(**batch, labels=target[rows]).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            total += loss.item() * len(rows)
            step += 1
            if progress:
                bar = "#" * (30 * step // steps) + "-" * (30 - 30 * step // steps)
                print(f"\r[{bar}] epoch {epoch + 1}/{epochs} step {step}/{steps} loss {loss.item():.3f} "
                      f"{time.perf_counter() - t0:.0f}s", end="", file=sys.stderr, flush=True)
        history.append({"epoch": epoch + 1, "train_loss": total / len(train)})
    if progress:
        print(file=sys.stderr)
    return model.eval(), tok, history


def finetune(model_dir, texts: list[str], labels: list[str], out, *, epochs: int = 3, learning_rate: float = 5e-5,
             batch_size: int = 16, max_length: int = 128, heldout: float = 0.2, seed: int = 0,
             overwrite: bool = False, progress: bool = True) -> dict:
    """Train, score the held-out part, and write an HF folder to `out`. Returns the metrics."""
    out = Path(out)
    if (out / "config.json").exists() and not overwrite:
        raise FileExistsError(f"{out} already holds a model: pass --overwrite to replace it, or choose another --out")
    train, test = heldout_split(labels, heldout, seed)
    model, tok, history = train_classifier(model_dir, texts, labels, train, epochs=epochs, learning_rate=learning_rate,
                                           batch_size=batch_size, max_length=max_length, seed=seed, progress=progress)
    classes = sorted(set(labels))
    metrics = {"classes": classes, "train_examples": len(train), "heldout_examples": len(test),
               "epochs": history, "seed": seed}
    if test:
        pred = predict(model, tok, [texts[i] for i in test], max_length=max_length)
        truth = [classes.index(labels[i]) for i in test]
        metrics["heldout_accuracy"] = float(np.mean(pred == np.array(truth)))
        metrics["confusion"] = confusion(truth, pred.tolist(), len(classes)).tolist()
    save_replacing(model, tok, out, metrics)
    return metrics


def save_replacing(model, tokenizer, out: Path, metrics: dict) -> None:
    """Write the folder beside `out`, then swap it in: `out` always holds a complete model (old or new)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.writing-", dir=out.parent))
    try:
        model.save_pretrained(tmp, tokenizer=tokenizer)
        with atomic_write(tmp / "metrics.json", "w") as f:
            json.dump(metrics, f, indent=2)
        old = out.with_name(f".{out.name}.old") if out.exists() else None
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
            out.rename(old)
        tmp.rename(out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    out.chmod(0o777 & ~umask())  # mkdtemp makes a private 0700 folder; a model folder is shared


def format_report(metrics: dict) -> str:
    """Accuracy and the confusion table, as the command prints them."""
    if "heldout_accuracy" not in metrics:
        return "no held-out examples (--heldout 0): nothing scored"
    classes = metrics["classes"]
    width = max(8, *(len(c) for c in classes)) + 1
    lines = [f"held-out accuracy {metrics['heldout_accuracy']:.3f} on {metrics['heldout_examples']} examples",
             "confusion (rows: true, columns: predicted):",
             " " * width + "".join(f"{c:>{width}}" for c in classes)]
    for c, row in zip(classes, metrics["confusion"]):
        lines.append(f"{c:>{width}}" + "".join(f"{x:>{width}}" for x in row))
    return "\n".join(lines)
