"""Nothing on a user's path is POSIX-only, so minibert runs on Windows and macOS too.

CI runs Linux only, so this reads the source instead: no module that exists only on POSIX
(fcntl, pwd, resource, ...), no call that Windows lacks or treats otherwise (os.fork, symlinks,
os.rename, which refuses to replace a file there: os.replace does), and the one POSIX-only
call we make (the CPU affinity mask) has its fallback exercised here. The folder swaps in
checkpoint.py and finetuning.py rename a folder only onto a name just freed, which Windows allows;
numba's cache falls back to a per-user folder where the package folder is read-only.
"""
import ast
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
SOURCES = sorted(p for pkg in ("minibert", "word2vec", "glove") for p in (ROOT / pkg).rglob("*.py"))
POSIX_MODULES = {"fcntl", "pwd", "grp", "resource", "termios", "tty", "pty", "posix", "syslog", "crypt"}
POSIX_CALLS = {"fork", "forkpty", "symlink", "symlink_to", "getuid", "geteuid", "getgid", "setsid", "killpg",
               "rename", "link", "hardlink_to", "mkfifo", "O_DIRECTORY", "SIGKILL", "SIGALRM", "SIGHUP", "alarm"}
ALLOWED = {("os", "sched_getaffinity")}   # guarded: see test_cpu_count_without_an_affinity_mask


def _problems(path: Path, root: Path = ROOT) -> list[str]:
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name.split(".")[0] for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module.split(".")[0]]
        out += [f"{path.relative_to(root)}:{node.lineno} imports {n}" for n in names if n in POSIX_MODULES]
        if isinstance(node, ast.Attribute) and node.attr in POSIX_CALLS:
            base = node.value.id if isinstance(node.value, ast.Name) else ""
            if node.attr == "rename" and base not in ("os", "shutil"):
                continue  # Path.rename onto a free name: allowed (see the module docstring)
            out.append(f"{path.relative_to(root)}:{node.lineno} uses {base}.{node.attr}")
    return out


def test_no_posix_only_calls():
    problems = [p for path in SOURCES for p in _problems(path)]
    assert problems == []


def test_the_check_finds_what_it_looks_for(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import fcntl\nimport os\nos.rename('a', 'b')\nos.fork()\n")
    assert len(_problems(bad, tmp_path)) == 3


def test_cpu_count_without_an_affinity_mask(monkeypatch):
    """macOS and Windows have no os.sched_getaffinity: the thread count falls back to os.cpu_count."""
    from minibert import backend

    monkeypatch.delattr(os, "sched_getaffinity", raising=False)
    assert backend.cpu_count() == (os.cpu_count() or 1)


@pytest.mark.parametrize("existing", [False, True])
def test_atomic_write_replaces_with_os_replace(tmp_path, existing, monkeypatch):
    """atomic_write ends in os.replace, which replaces an existing file on Windows too."""
    from minibert.backend import atomic_write

    calls = []
    real = os.replace
    monkeypatch.setattr(os, "replace", lambda a, b: (calls.append(b), real(a, b)))
    target = tmp_path / "x.json"
    if existing:
        target.write_text("old")
    with atomic_write(target, "w") as f:
        f.write("new")
    assert target.read_text() == "new" and calls == [target]
