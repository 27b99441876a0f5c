"""Training curves from metrics.jsonl, both panels by step: the training loss, and held-out MLM
accuracy with its two baselines (neighbour counts, most frequent token) as horizontal lines and
the training time on a top axis."""
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
    if any(r["nsp_loss"] for r in train):
        a.plot([r["step"] for r in train], [r["nsp_loss"] for r in train], label="NSP loss")
    a.set_xlabel("step")
    a.set_title("training loss")
    a.legend()
    if evals:
        steps = [r["step"] for r in evals]
        b.plot(steps, [r["eval_mlm_accuracy"] for r in evals], "o-", label="MLM accuracy")
        for key, name, style in (("eval_neighbour_count_accuracy", "neighbour counts", "--"),
                                 ("eval_most_frequent_token_accuracy", "most frequent token", ":")):
            if key in evals[-1]:
                b.axhline(evals[-1][key], linestyle=style, color="gray", label=name)
        b.set_ylim(0, max(0.5, 1.1 * max(r["eval_mlm_accuracy"] for r in evals)))
        b.legend(loc="lower right")
        b.set_xlabel("step")
        b.set_xlim(a.get_xlim())
        times = [r.get("time") for r in evals]
        if None not in times and len(times) > 1 and all(t2 > t1 for t1, t2 in zip(times, times[1:])):
            import numpy as np  # the same steps, read as seconds of training on the top axis

            top = b.secondary_xaxis("top", functions=(lambda s: np.interp(s, steps, times),
                                                      lambda t: np.interp(t, times, steps)))
            top.set_xlabel("training time (s)")
    b.set_title("held-out masked-token accuracy")
    fig.tight_layout()
    fig.savefig(out, dpi=80, metadata={"Software": None})
    plt.close(fig)
    return out
