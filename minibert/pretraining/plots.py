"""Training curves from metrics.jsonl: loss, and held-out MLM / NSP accuracy, with matplotlib."""
from __future__ import annotations

import json
from pathlib import Path


def plot_metrics(metrics: Path, out: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    records = [json.loads(line) for line in Path(metrics).read_text().splitlines() if line.strip()]
    train = [r for r in records if "loss" in r]
    evals = [r for r in records if "eval_mlm_accuracy" in r]
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.6))
    a.plot([r["step"] for r in train], [r["mlm_loss"] for r in train], label="MLM loss")
    a.plot([r["step"] for r in train], [r["nsp_loss"] for r in train], label="NSP loss")
    a.set_xlabel("step")
    a.set_title("training loss")
    a.legend()
    if evals:
        steps = [r["step"] for r in evals]
        b.plot(steps, [r["eval_mlm_accuracy"] for r in evals], "o-", label="MLM accuracy")
        b.plot(steps, [r["eval_nsp_accuracy"] for r in evals], "s-", label="NSP accuracy")
        b.plot(steps, [r["eval_most_frequent_token_accuracy"] for r in evals], "--", label="most frequent token")
        b.set_ylim(0, 1)
        b.legend()
    b.set_xlabel("step")
    b.set_title("held-out accuracy")
    fig.tight_layout()
    fig.savefig(out, dpi=80)
    plt.close(fig)
    return out
