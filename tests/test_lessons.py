"""Run every Python block of every lesson, in order, in one namespace per lesson."""
import re
from pathlib import Path

import pytest

LESSONS = sorted((Path(__file__).parent.parent / "lessons").glob("[0-9]*.md"))
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


@pytest.mark.parametrize("lesson", LESSONS, ids=[p.stem for p in LESSONS])
def test_lesson_runs(lesson, tmp_path, monkeypatch):
    monkeypatch.setenv("MINIBERT_FIGURES", str(tmp_path))  # never overwrite the checked-in figures
    monkeypatch.chdir(lesson.parent.parent)
    blocks = BLOCK.findall(lesson.read_text(encoding="utf-8"))
    assert blocks, f"{lesson.name} has no python blocks"
    namespace = {"__name__": "__lesson__"}
    for i, code in enumerate(blocks):
        exec(compile(code, f"{lesson.name}[block {i}]", "exec"), namespace)


def test_lessons_exist():
    assert len(LESSONS) >= 3
