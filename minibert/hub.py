"""Find a model folder: a local path, or a model id already in the Hugging Face cache.

`from_pretrained("bert-base-chinese")` works offline when the model sits in the HF cache
(`$HF_HUB_CACHE`, else `$HF_HOME/hub`, else `~/.cache/huggingface/hub`, laid out as
`models--org--name/snapshots/<revision>/`). Only when it is not found there, and the optional
`huggingface_hub` package is installed, is a download tried.
"""
from __future__ import annotations

import os
from pathlib import Path


def hf_cache_dir() -> Path:
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"])
    if os.environ.get("HF_HOME"):
        return Path(os.environ["HF_HOME"]) / "hub"
    return Path.home() / ".cache" / "huggingface" / "hub"


def _cached_snapshot(model_id: str, cache_dir: Path, revision: str) -> Path | None:
    repo = cache_dir / ("models--" + model_id.replace("/", "--"))
    snapshots = repo / "snapshots"
    if not snapshots.is_dir():
        return None
    ref = repo / "refs" / revision
    if ref.is_file():
        snap = snapshots / ref.read_text().strip()
        if snap.is_dir():
            return snap
    if (snapshots / revision).is_dir():  # a commit hash given as revision
        return snapshots / revision
    found = sorted(snapshots.iterdir(), key=lambda p: p.stat().st_mtime)
    return found[-1] if found else None


def resolve_model_dir(name_or_path: str | os.PathLike, cache_dir: str | os.PathLike | None = None,
                      revision: str = "main") -> Path:
    """The local folder for a path or a model id; a clear FileNotFoundError if there is none."""
    path = Path(name_or_path).expanduser()
    if path.is_dir():
        return path
    if path.exists():
        raise NotADirectoryError(f"{path} is a file; expected a model folder")
    model_id = str(name_or_path)
    cache = Path(cache_dir) if cache_dir is not None else hf_cache_dir()
    snap = _cached_snapshot(model_id, cache, revision)
    if snap is not None:
        return snap
    if os.environ.get("HF_HUB_OFFLINE", "0") not in ("1", "true", "True"):
        try:
            from huggingface_hub import snapshot_download
        except ImportError:
            pass
        else:
            try:
                return Path(snapshot_download(model_id, revision=revision, cache_dir=cache))
            except Exception as e:  # offline, unknown id, ...
                raise FileNotFoundError(
                    f"{model_id!r} is not a folder, is not in the HF cache at {cache}, "
                    f"and could not be downloaded ({type(e).__name__})") from None
    raise FileNotFoundError(f"{model_id!r} is not a folder and is not in the HF cache at {cache}")
