"""Every lesson runs as a notebook in a real Jupyter kernel (nbclient), started in an empty folder,
and prints what its output blocks show; lessons/notebooks/ holds the notebooks of today's lessons.

The lessons' Markdown and notebooks are made and parsed by lessons/notebooks.py.
"""
import importlib.util
from pathlib import Path

import pytest

_SPEC = importlib.util.spec_from_file_location("lesson_notebooks", Path(__file__).parent.parent / "lessons" / "notebooks.py")
nbtool = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(nbtool)
LESSONS = nbtool.lesson_files()


def test_fences_are_parsed_as_markdown_does():
    text = "a\n```python\nx = 1\nprint(x)\n```\n\n```output\n1\n```\nb\n```\nplain\n```\n"
    assert nbtool.parse(text) == [{"markdown": "a"}, {"code": "x = 1\nprint(x)\n", "output": "1\n", "line": 2},
                                  {"markdown": "b\n```\nplain\n```"}]
    with pytest.raises(AssertionError, match="line 1 is never closed"):
        nbtool.parse("```python\nx = 1\n")
    with pytest.raises(AssertionError, match="line 3 looks like a fence"):
        nbtool.parse("```python\nx = 1\n``` text after the fence does not close it\n```\n")
    with pytest.raises(AssertionError, match="does not follow a python block"):
        nbtool.parse("```python\nx = 1\n```\nsome words\n```output\n1\n```\n")


def test_output_blocks_are_matched_strictly():
    assert nbtool.matches("loss 0.308\n[1, 2]\n", "loss 0.3091\n[1, 2]")       # one unit and a half
    assert not nbtool.matches("loss 0.308", "loss 0.310")
    assert not nbtool.matches("[1, 2]", "[1, 3]")                              # integers are exact
    assert nbtool.matches("took ... s\nok", "took 12.5 s\nok")                 # ... is any text
    assert not nbtool.matches("took ... s\nok", "took 12.5 s\nnot ok")
    assert not nbtool.matches("a", "a\nb")


def test_notebooks_are_up_to_date():
    assert nbtool.stale() == [], "run: python lessons/notebooks.py"


@pytest.mark.parametrize("lesson", LESSONS, ids=[p.stem for p in LESSONS])
def test_lesson_runs(lesson, tmp_path):
    work, figures = tmp_path / "work", tmp_path / "figures"  # never the checked-in figures
    work.mkdir()
    results = nbtool.execute(lesson, work, figures)
    assert results, f"{lesson.name} has no python blocks"
    for piece, printed in results:
        where = f"{lesson.name}, the block on line {piece['line']}"
        if piece["output"] is None:
            assert not printed.strip(), f"{where} prints but shows no output block:\n{printed}"
        else:
            assert nbtool.matches(piece["output"], printed), \
                f"{where} prints\n{printed}\nbut its output block shows\n{piece['output']}"
    check_figures(figures, lesson.parent / "figures")


def check_figures(made_here: Path, checked_in: Path) -> None:
    """Each figure a lesson draws is checked in, and drawing it again gives the same picture
    whenever this matplotlib is the one that wrote it (a PNG names its writer): the same bytes on
    the machine that drew it; on another CPU, float rounding in BLAS may move a point of a map by a
    pixel (three-maps.png, since redrawn as word-maps.png: 61 of 332,800 pixels, 0.02%), while another seed moves every point
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
