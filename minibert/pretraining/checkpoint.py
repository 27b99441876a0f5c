"""Checkpoints that survive a crash: a new folder is written beside the old ones, then one
atomic rename publishes it and an atomic pointer file names it `latest`. Weights are an HF folder
(transformers loads it); optimizer, scheduler and RNG states go through torch.save and are read
back with `weights_only=True` (never unpickling arbitrary objects). Lesson: lessons/04-pretraining.md.
"""
from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import torch

from ..backend import atomic_write


def save_checkpoint(out: Path, step: int, model, tokenizer, optimizer, scheduler, extra: dict, keep: int = 2) -> Path:
    """Write checkpoints/step-N atomically, point `latest` at it, and mirror the weights in `out`."""
    root = out / "checkpoints"
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".writing-", dir=root))
    try:
        model.save_pretrained(tmp, tokenizer=tokenizer)
        state = {"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
                 "torch_rng": torch.get_rng_state()}
        if torch.cuda.is_available():
            state["cuda_rng"] = torch.cuda.get_rng_state_all()
        with atomic_write(tmp / "trainer_state.pt") as f:
            torch.save(state, f)
        with atomic_write(tmp / "trainer_state.json", "w") as f:
            json.dump({"step": step, **extra}, f, indent=2)
        final = root / f"step-{step:07d}"
        if final.exists():
            shutil.rmtree(final)
        tmp.rename(final)  # the checkpoint appears whole, or not at all
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    with atomic_write(root / "latest", "w") as f:
        f.write(final.name)
    model.save_pretrained(out, tokenizer=tokenizer)  # the folder itself loads with from_pretrained
    for old in sorted(root.glob("step-*"))[:-keep]:
        shutil.rmtree(old, ignore_errors=True)
    return final


def latest_checkpoint(out: Path) -> Path | None:
    pointer = out / "checkpoints" / "latest"
    if not pointer.is_file():
        return None
    path = out / "checkpoints" / pointer.read_text().strip()
    return path if path.is_dir() else None


def load_trainer_state(path: Path) -> tuple[dict, dict]:
    state = torch.load(path / "trainer_state.pt", map_location="cpu", weights_only=True)
    info = json.loads((path / "trainer_state.json").read_text())
    return state, info
