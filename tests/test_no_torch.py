"""The tokenizer without torch: `import minibert` and tokenising need only the standard library,
as HF's `tokenizers` does; what needs torch says so in one line.

Here torch is made unimportable in a child process; CI's Python 3.12 and 3.13 runs have no torch
installed at all and run this file and the tokenizer tests there.
"""
import json
import subprocess
import sys

TEXTS = ["我是一个人工智能模型", "BERT has no decoder.", "Café naïve résumé", "[MASK] ΣΑΣ"]
BLOCK = "import sys; sys.modules['torch'] = None\n"


def run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", BLOCK + code], capture_output=True, text=True, encoding="utf-8")


def test_tokenizer_runs_without_torch(minilm_dir, hf_tokenizer):
    r = run("import json, minibert\n"
            f"tok = minibert.BertTokenizer.from_pretrained({str(minilm_dir)!r})\n"
            f"enc = tok({TEXTS!r}, ['a pair'] * {len(TEXTS)}, padding=True, truncation=True, max_length=12)\n"
            "print(json.dumps(dict(enc)))\n"
            "import tempfile; tok.save_pretrained(tempfile.mkdtemp())\n"
            "print(sorted(m for m, mod in sys.modules.items() if mod and m.split('.')[0] in ('torch', 'numpy', 'numba')))")
    assert r.returncode == 0, r.stderr
    ours, loaded = r.stdout.splitlines()
    expected = hf_tokenizer(TEXTS, ["a pair"] * len(TEXTS), padding=True, truncation=True, max_length=12)
    ours = json.loads(ours)
    for key in ("input_ids", "token_type_ids", "attention_mask"):
        assert ours[key] == expected[key], key
    assert loaded == "[]"


def test_what_needs_torch_says_so(minilm_dir):
    r = run("import minibert\ntry:\n    minibert.BertModel\nexcept ModuleNotFoundError as e:\n    print(e)\n"
            f"tok = minibert.BertTokenizer.from_pretrained({str(minilm_dir)!r})\n"
            "try:\n    tok('x', return_tensors='pt')\nexcept ModuleNotFoundError as e:\n    print(e)")
    assert r.returncode == 0, r.stderr
    model, tensors = r.stdout.splitlines()
    assert model.startswith("minibert.BertModel runs on torch, which is not installed: pip install torch")
    assert tensors.startswith("return_tensors='pt' needs torch, which is not installed")


def test_commands_without_torch(minilm_dir):
    r = run(f"from minibert.cli import main\nsys.exit(main(['tokenize', '我是一个人工智能模型', '--model', {str(minilm_dir)!r}]))")
    assert r.returncode == 0, r.stderr
    assert "[CLS] 我 [UNK] 一" in r.stdout
    r = run(f"from minibert.cli import main\nsys.exit(main(['embed', 'hi', '--model', {str(minilm_dir)!r}]))")
    assert r.returncode == 2
    assert r.stderr.strip() == ("minibert: error: 'embed' runs on torch, which is not installed: pip install torch "
                                "('minibert tokenize' needs no torch)")
