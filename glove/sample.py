"""The small corpus the GloVe lesson and tests train on, shipped with the package.

The first 2,000 lines of gensim's `lee_background.cor` (news text), lower-cased, apostrophes
removed, one sentence per line: 45,000 words. The C tool's golden outputs in tests/data/glove/
were made from it (its README says how).
"""
from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def sample_corpus() -> Path:
    """Path of the bundled corpus (glove/data/lee-2000.txt)."""
    return Path(str(files("glove") / "data" / "lee-2000.txt"))
