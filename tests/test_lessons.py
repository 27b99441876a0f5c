"""Run every Python block of every lesson, in order, in one namespace per lesson.

Blocks are found the way Markdown (CommonMark) finds them: a fence opens with three or more
backticks and an info string, and closes only on a line of backticks alone, at least as long. A
fence left open would swallow the rest of the lesson when rendered, so it fails the test.
"""
import re
from pathlib import Path

import pytest

LESSONS = sorted((Path(__file__).parent.parent / "lessons").glob("[0-9]*.md"))
OPEN = re.compile(r"^ {0,3}(`{3,})\s*([^`]*)$")
CLOSE = re.compile(r"^ {0,3}(`{3,})\s*$")


def code_blocks(text: str, name: str = "lesson") -> list[tuple[str, str]]:
    """(info string, code) of every fenced block; an unclosed fence is an error."""
    blocks, fence, info, start, lines = [], None, "", 0, []
    for n, line in enumerate(text.splitlines(), 1):
        if fence is None:
            m = OPEN.match(line)
            if m:
                fence, info, start, lines = m.group(1), m.group(2).strip(), n, []
        elif (m := CLOSE.match(line)) and len(m.group(1)) >= len(fence):
            blocks.append((info, "".join(x + "\n" for x in lines)))
            fence = None
        elif OPEN.match(line):  # "``` text" or "```python" inside a block: a fence meant to close it
            raise AssertionError(f"{name}: line {n} looks like a fence but does not close the one opened "
                                 f"on line {start} (a closing fence has nothing after its backticks)")
        else:
            lines.append(line)
    if fence is not None:
        raise AssertionError(f"{name}: the fence opened on line {start} is never closed")
    return blocks


def test_fences_are_parsed_as_markdown_does():
    assert code_blocks("a\n```python\nx = 1\n```\nb\n```\nplain\n```\n") == [("python", "x = 1\n"), ("", "plain\n")]
    with pytest.raises(AssertionError, match="line 1 is never closed"):
        code_blocks("```python\nx = 1\n")
    with pytest.raises(AssertionError, match="line 3 looks like a fence"):
        code_blocks("```python\nx = 1\n``` text after the fence does not close it\n```\n")


@pytest.mark.parametrize("lesson", LESSONS, ids=[p.stem for p in LESSONS])
def test_lesson_runs(lesson, tmp_path, monkeypatch):
    monkeypatch.setenv("MINIBERT_FIGURES", str(tmp_path))  # never overwrite the checked-in figures
    monkeypatch.chdir(lesson.parent.parent)
    blocks = [code for info, code in code_blocks(lesson.read_text(encoding="utf-8"), lesson.name) if info == "python"]
    assert blocks, f"{lesson.name} has no python blocks"
    namespace = {"__name__": "__lesson__"}
    for i, code in enumerate(blocks):
        exec(compile(code, f"{lesson.name}[block {i}]", "exec"), namespace)
    check_figures(tmp_path, lesson.parent / "figures")


def check_figures(made_here: Path, checked_in: Path) -> None:
    """Each figure a lesson draws is checked in, and drawing it again gives the same picture
    whenever this matplotlib is the one that wrote it (a PNG names its writer): the same bytes on
    the machine that drew it; on another CPU, float rounding in BLAS may move a point of a map by a
    pixel (three-maps.png: 61 of 332,800 pixels, 0.02%), while another seed moves every point
    (word2vec's seed 2 instead of 1 there: 3.3% of the pixels change). The bound sits between: 0.1%."""
    import matplotlib
    import numpy as np
    from PIL import Image

    for made in sorted(made_here.glob("*.png")):
        ours = checked_in / made.name
        assert ours.is_file(), f"the lesson draws {made.name}, which is not in {checked_in}"
        writer = Image.open(ours).info.get("Software", "")
        if writer.startswith(f"Matplotlib version{matplotlib.__version__},") and made.read_bytes() != ours.read_bytes():
            a, b = (np.asarray(Image.open(p).convert("RGB")) for p in (made, ours))
            assert a.shape == b.shape, f"{made.name} drawn again has another size than the checked-in file"
            changed = (a != b).any(-1).mean()
            assert changed <= 0.001, (f"{made.name} drawn again differs from the checked-in file in {changed:.2%} "
                                      "of its pixels: a seed or thread count is not fixed")


def test_lessons_exist():
    assert len(LESSONS) >= 8
