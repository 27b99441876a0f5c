"""`minibert finetune`: bad TSVs refused up front, a folder transformers loads with the same logits,
an interrupted run that loses nothing. Data: gensim's pang_lee_polarity.cor as label<TAB>text."""
import json
import stat

import numpy as np
import pytest
import torch

from minibert.cli import main
from minibert.evaluation import read_polarity
from minibert.finetuning import confusion, heldout_split, read_tsv


@pytest.fixture(scope="module")
def tsv(gensim_data, tmp_path_factory):
    texts, labels = read_polarity(gensim_data / "pang_lee_polarity.cor")
    rows = [(lab, t) for lab, t in zip(labels, texts)][::5]  # 40 examples, both classes
    path = tmp_path_factory.mktemp("data") / "polarity.tsv"
    path.write_text("".join(f"{lab}\t{t}\n" for lab, t in rows), encoding="utf-8")
    return path


@pytest.mark.parametrize("content,message", [
    ("pos\tgood film\nneg no tab here\n", "polarity.tsv:2: no tab"),
    ("pos\tgood\npos\tfine\n", "every example has the label 'pos'"),
    ("\n\n", "holds no examples"),
    ("pos\t \nneg\tbad\n", "polarity.tsv:1: empty text"),
    (b"pos\t\xff\xfe bad bytes\n", "not UTF-8"),
])
def test_bad_tsv_is_one_line_before_any_model(tmp_path, capsys, content, message):
    path = tmp_path / "polarity.tsv"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    # --model names nothing: the file must be refused before a model is looked for
    assert main(["finetune", str(path), "--model", str(tmp_path / "no-model"), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1
    assert not (tmp_path / "o").exists()


def test_folder_and_split(tmp_path, capsys):
    assert main(["finetune", str(tmp_path), "--out", str(tmp_path / "o")]) == 2
    assert "is a folder" in capsys.readouterr().err
    labels = ["a"] * 10 + ["b"] * 5 + ["c"] * 2
    train, test = heldout_split(labels, 0.2, seed=3)
    assert sorted(train + test) == list(range(17))
    assert [labels[i] for i in test].count("a") == 2 and [labels[i] for i in test].count("b") == 1
    assert [labels[i] for i in test].count("c") == 1  # at least one of each class with two or more
    assert confusion([0, 1, 1], [0, 0, 1], 2).tolist() == [[1, 0], [1, 1]]


def test_finetune_loads_in_transformers(tsv, minilm_dir, tmp_path, capsys):
    from transformers import BertForSequenceClassification as HF

    import minibert

    out = tmp_path / "model"
    args = ["finetune", str(tsv), "--model", str(minilm_dir), "--out", str(out), "--epochs", "1",
            "--batch-size", "8", "--max-length", "48", "--learning-rate", "1e-4"]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "held-out accuracy" in printed and "confusion" in printed
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["heldout_examples"] == 8 and metrics["train_examples"] == 32
    assert sum(map(sum, metrics["confusion"])) == 8
    for p in out.iterdir():
        assert stat.S_IMODE(p.stat().st_mode) == 0o644
    ours = minibert.BertForSequenceClassification.from_pretrained(out)
    ref = HF.from_pretrained(out, attn_implementation="eager").eval()
    assert ref.config.id2label == {0: "neg", 1: "pos"}
    texts, _ = read_tsv(tsv)
    tok = minibert.BertTokenizer.from_pretrained(out)
    batch = tok(texts[:6], padding=True, truncation=True, max_length=48, return_tensors="pt")
    with torch.no_grad():
        diff = (ours(**batch).logits - ref(**batch).logits).abs().max().item()
    assert diff <= 1e-5

    # a second run into the same folder is refused without --overwrite ...
    assert main(args) == 2
    assert "--overwrite" in capsys.readouterr().err
    # ... and with it, a run interrupted mid-training leaves the saved model as it was
    before = (out / "model.safetensors").read_bytes()
    calls = {"n": 0}
    real_clip = torch.nn.utils.clip_grad_norm_

    def interrupt(*a, **k):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real_clip(*a, **k)

    torch.nn.utils.clip_grad_norm_ = interrupt
    try:
        assert main(args + ["--overwrite"]) == 130
    finally:
        torch.nn.utils.clip_grad_norm_ = real_clip
    assert "interrupted; a model already in --out is left as it was" in capsys.readouterr().err
    assert (out / "model.safetensors").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]  # no half-written folders left
    assert np.isfinite(metrics["heldout_accuracy"])
