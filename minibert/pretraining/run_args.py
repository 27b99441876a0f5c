"""A run's arguments, kept beside its checkpoints, so that `--resume` continues the *same* run.

`minibert pretrain --out runs/mine --resume` takes the corpus, sizes and data settings from
`runs/mine/run_args.json`; a value given again on the command line must agree with it (one line
says which does not), and a corpus whose contents changed since the run began is refused: its
fingerprint (SHA-256 of the files) is stored too. Only how often to evaluate, save and log, and
the time budget, may change on resume.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from ..backend import atomic_write

RUN_FILE = "run_args.json"
NOT_KEPT = {"out", "resume", "fn", "needs_model", "interrupted_note", "argv", "command"}
MAY_CHANGE = {"eval_every", "save_every", "log_every", "time_budget"}


def corpus_fingerprint(path: str | Path) -> str:
    """SHA-256 over the corpus file(s): names relative to the corpus folder, and contents."""
    path = Path(path)
    files = sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")) if path.is_dir() else [path]
    h = hashlib.sha256()
    for f in files:
        h.update(str(f.relative_to(path) if path.is_dir() else f.name).encode() + b"\0")
        h.update(f.read_bytes())
    return h.hexdigest()


def save_run_args(out: Path, args) -> None:
    kept = {k: v for k, v in vars(args).items() if k not in NOT_KEPT}
    kept["corpus"] = str(Path(args.corpus).resolve())
    kept["corpus_sha256"] = corpus_fingerprint(args.corpus)
    with atomic_write(out / RUN_FILE, "w") as f:
        json.dump(kept, f, indent=2)


def given_on_command_line(argv: list[str], name: str) -> bool:
    flag = "--" + name.replace("_", "-")
    return any(a == flag or a.startswith(flag + "=") for a in argv)


def resume_args(out: Path, args, argv: list[str]):
    """args with the saved run's values filled in; ValueError if a given value contradicts them."""
    path = out / RUN_FILE
    if not path.is_file():
        return args  # a run from before run_args.json: the command line must repeat its settings
    saved = json.loads(path.read_text(encoding="utf-8"))
    fingerprint = saved.pop("corpus_sha256", None)
    for name, value in saved.items():
        if name == "init_embeddings":
            continue  # only used when the run began
        if given_on_command_line(argv, name) and name not in MAY_CHANGE:
            mine = str(Path(args.corpus).resolve()) if name == "corpus" else getattr(args, name)
            if mine != value:
                raise ValueError(f"--{name.replace('_', '-')} {getattr(args, name)} contradicts the run in {out} "
                                 f"({value}); leave it out to continue that run, or choose another --out")
        elif name not in MAY_CHANGE or not given_on_command_line(argv, name):
            setattr(args, name, value)
    if fingerprint is not None:
        if not Path(args.corpus).exists():
            raise FileNotFoundError(f"the run in {out} was trained on {args.corpus}, which is gone")
        if corpus_fingerprint(args.corpus) != fingerprint:
            raise ValueError(f"the corpus {args.corpus} has changed since the run in {out} began; "
                             "resuming on other text would not continue the same run")
    return args
