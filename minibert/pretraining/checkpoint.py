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
        old = None
        if final.exists():  # the same step saved again: swap, so a whole checkpoint is always on disk
            old = root / f".old-{final.name}"
            shutil.rmtree(old, ignore_errors=True)
            final.rename(old)
        tmp.rename(final)  # the checkpoint appears whole, or not at all
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
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
    """The checkpoint `checkpoints/latest` names; None if the run has none. A pointer to a folder
    that is gone is an error that names the newest intact checkpoint instead."""
    pointer = out / "checkpoints" / "latest"
    if not pointer.is_file():
        return None
    path = out / "checkpoints" / pointer.read_text().strip()
    if not path.is_dir():
        raise ValueError(f"{pointer} names {path.name}, which is missing. " + _fallback_hint(out, path))
    return path


def _readable(path: Path) -> bool:
    try:
        load_trainer_state(path, hint=False)
        return (path / "model.safetensors").is_file() and (path / "config.json").is_file()
    except ValueError:
        return False


def _fallback_hint(out: Path, broken: Path) -> str:
    """Name the newest intact checkpoint other than `broken`, and how to resume from it."""
    root = out / "checkpoints"
    for candidate in sorted(root.glob("step-*"), reverse=True):
        if candidate != broken and _readable(candidate):
            return (f"The newest intact checkpoint is {candidate.name}: to resume from it, run "
                    f"`echo {candidate.name} > {root / 'latest'}` and --resume again.")
    return "No intact checkpoint is left: start the run again (or in another --out)."


def load_trainer_state(path: Path, hint: bool = True) -> tuple[dict, dict]:
    """Optimizer/scheduler/RNG states (weights_only: nothing is unpickled) and the step info;
    one clear error, naming an older intact checkpoint, if they cannot be read."""
    try:
        state = torch.load(path / "trainer_state.pt", map_location="cpu", weights_only=True)
        info = json.loads((path / "trainer_state.json").read_text())
    except Exception as e:  # truncated, corrupt, missing: torch raises several kinds
        message = f"checkpoint {path} is unreadable ({type(e).__name__}: {str(e).splitlines()[0][:120] if str(e) else ''})."
        raise ValueError(message + (" " + _fallback_hint(path.parent.parent, path) if hint else "")) from None
    return state, info
