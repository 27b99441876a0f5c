"""Pretraining: one step equal to transformers, the masking/NSP rules by counting, checkpoints
that transformers loads, exact resume, two-process DDP, learning, and bad input."""
import json
import os
import random
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import torch
import transformers

from minibert import BertConfig, BertForPreTraining, BertTokenizer
from minibert.pretraining.corpus import read_documents
from minibert.pretraining.data import DataConfig, PretrainingData, collate
from minibert.pretraining.instances import PairInstance, create_pairs, mask_pair
from minibert.pretraining.trainer import Trainer, TrainConfig, linear_schedule, make_optimizer
from minibert.weights import hf_key

ROOT = Path(__file__).parent.parent
CORPUS = ROOT / "minibert" / "data" / "wikipedia-100.txt.gz"


@pytest.fixture(scope="module")
def documents():
    return read_documents(CORPUS)[:30]


@pytest.fixture(scope="module")
def tok(minilm_dir):
    return BertTokenizer.from_pretrained(minilm_dir)


def tiny_config(tok, dropout=0.0):
    return BertConfig(vocab_size=tok.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                      intermediate_size=37, max_position_embeddings=64, hidden_dropout_prob=dropout,
                      attention_probs_dropout_prob=dropout)


def test_training_steps_equal_transformers(documents, tok, tmp_path):
    """Same weights, batches and AdamW settings: ours (MLM at masked positions only) and
    transformers.BertForPreTraining (logits everywhere) give the same losses and parameters."""
    data = PretrainingData(documents, tok, DataConfig(max_seq_length=64), seed=1)
    torch.manual_seed(0)
    ours = BertForPreTraining(tiny_config(tok))
    ours.save_pretrained(tmp_path)
    theirs = transformers.BertForPreTraining.from_pretrained(tmp_path, attn_implementation="eager")
    ours.train()
    theirs.train()
    opt = make_optimizer(ours, 1e-3, 0.01)
    sched = linear_schedule(opt, 2, 5)
    # the reference rule (google-research/bert, HF examples): no decay for LayerNorm and biases
    named = list(theirs.named_parameters())
    ref_opt = torch.optim.AdamW(
        [{"params": [p for n, p in named if not ("LayerNorm" in n or "bias" in n)], "weight_decay": 0.01},
         {"params": [p for n, p in named if "LayerNorm" in n or "bias" in n], "weight_decay": 0.0}], lr=1e-3)
    ref_sched = transformers.get_linear_schedule_with_warmup(ref_opt, 2, 5)
    assert sum(len(g["params"]) for g in opt.param_groups if g["weight_decay"]) == \
        sum(len(g["params"]) for g in ref_opt.param_groups if g["weight_decay"])
    for step in range(4):
        batch = data.batch(step, 8)
        a = ours(**batch, only_masked=True)
        b = theirs(**batch)
        assert abs(a.loss.item() - b.loss.item()) <= 1e-5, step
        a.loss.backward()
        b.loss.backward()
        for model, o, s in ((ours, opt, sched), (theirs, ref_opt, ref_sched)):
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            o.step()
            s.step()
            o.zero_grad()
    ref = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        assert (p - ref[hf_key(name)]).abs().max().item() <= 1e-6, name


def test_masking_rule_by_counting(tok):
    rng = random.Random(0)
    vocab_size, cls, sep, mask = tok.vocab_size, tok.cls_token_id, tok.sep_token_id, tok.mask_token_id
    kinds = Counter()
    for _ in range(3000):
        a = [rng.randint(1000, 29000) for _ in range(rng.randint(1, 60))]
        b = [rng.randint(1000, 29000) for _ in range(rng.randint(1, 60))]
        inst = mask_pair(PairInstance(a, b, False), rng, vocab_size, cls, sep, mask)
        original = [cls, *a, sep, *b, sep]
        n = len(original)
        assert len(inst.masked_positions) == min(20, max(1, int(round(n * 0.15))))  # exactly
        assert inst.masked_positions == sorted(set(inst.masked_positions))
        for pos, label in zip(inst.masked_positions, inst.masked_labels):
            assert original[pos] not in (cls, sep) and label == original[pos]
            got = inst.input_ids[pos]
            kinds["mask" if got == mask else "kept" if got == label else "random"] += 1
        unmasked = set(range(n)) - set(inst.masked_positions)
        assert all(inst.input_ids[i] == original[i] for i in unmasked)
    total = sum(kinds.values())  # about 28,700 chosen tokens
    for kind, p in (("mask", 0.8), ("kept", 0.1), ("random", 0.1)):
        # a binomial share over `total` draws: standard deviation sqrt(p(1-p)/total), allowed 4 of them
        assert abs(kinds[kind] / total - p) < 4 * (p * (1 - p) / total) ** 0.5, (kind, kinds[kind] / total)


def test_whole_word_masking_takes_whole_words(tok):
    rng = random.Random(1)
    continuation = {i for t, i in tok.vocab.items() if t.startswith("##")}
    ids = tok.encode("unaffable unbelievably transformational tokenization of hyperparameters", add_special_tokens=False)
    for _ in range(500):
        inst = mask_pair(PairInstance(ids, ids, False), rng, tok.vocab_size, tok.cls_token_id, tok.sep_token_id,
                         tok.mask_token_id, continuation=continuation)
        full = [tok.cls_token_id, *ids, tok.sep_token_id, *ids, tok.sep_token_id]
        chosen = set(inst.masked_positions)
        for pos in chosen:  # a chosen piece's whole word is chosen
            if full[pos] in continuation:
                assert pos - 1 in chosen
            if pos + 1 < len(full) and full[pos + 1] in continuation:
                assert pos + 1 in chosen


def test_nsp_pairs_by_counting():
    # documents whose token ids say which document they come from: doc d uses ids 1000*d + k
    rng = random.Random(0)
    docs = [[[1000 * d + rng.randint(0, 999) for _ in range(rng.randint(3, 25))] for _ in range(rng.randint(1, 12))]
            for d in range(1, 40)]
    pairs = []
    for r in range(20):
        pairs += create_pairs(docs, max_seq_length=64, short_seq_prob=0.1, rng=random.Random(r))
    for p in pairs:
        assert len(p.tokens_a) + len(p.tokens_b) <= 61 and p.tokens_a and p.tokens_b
        doc_a = {t // 1000 for t in p.tokens_a}
        doc_b = {t // 1000 for t in p.tokens_b}
        assert len(doc_a) == 1 and len(doc_b) == 1
        assert (doc_a != doc_b) == p.is_random_next  # random B never from A's document


def test_nsp_random_share_follows_googles_rule():
    """Google's rule: a chunk of one segment always gets a random B; any other chunk a random B with
    probability 1/2. With segments of 1-3 tokens and no short targets (target 61 tokens), a chunk
    has one segment only at a document's end, and then A is exactly that last segment, which no
    longer chunk can give (A never holds a chunk's last segment). Those pairs must all be random;
    the others' random share is a binomial proportion, held to 1/2 within 4 standard deviations."""
    rng = random.Random(0)
    # token id 100000*d + 100*s + k: document d, segment s, token k
    docs = [[[100000 * d + 100 * s + k for k in range(rng.randint(1, 3))] for s in range(rng.randint(2, 80))]
            for d in range(1, 60)]
    pairs = []
    for r in range(20):
        pairs += create_pairs(docs, max_seq_length=64, short_seq_prob=0.0, rng=random.Random(r))
    last = {tuple(d[-1]) for d in docs}
    single = [p for p in pairs if tuple(p.tokens_a) in last]
    multi = [p for p in pairs if tuple(p.tokens_a) not in last]
    assert single and all(p.is_random_next for p in single)
    share = sum(p.is_random_next for p in multi) / len(multi)
    assert abs(share - 0.5) < 4 * (0.25 / len(multi)) ** 0.5, (share, len(multi))


def run_cli(*args, env=None, timeout=600):
    return subprocess.run([sys.executable, "-m", "minibert", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT, env={**os.environ, **(env or {})})


SMALL = ["--steps", "16", "--hidden-size", "32", "--num-hidden-layers", "2", "--num-attention-heads", "4",
         "--intermediate-size", "37", "--max-seq-length", "64", "--batch-size", "8", "--vocab-size", "1500",
         "--eval-every", "8", "--save-every", "8", "--warmup-steps", "4"]


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory, documents):
    path = tmp_path_factory.mktemp("corpus") / "docs.txt"
    path.write_text("\n\n".join("\n".join(d) for d in documents) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("tie", [True, False])
def test_checkpoint_loads_in_transformers(small_corpus, tmp_path, tie):
    out = tmp_path / "run"
    flag = "--tie-word-embeddings" if tie else "--no-tie-word-embeddings"
    r = run_cli("pretrain", "--corpus", str(small_corpus), "--out", str(out), *SMALL, flag)
    assert r.returncode == 0, r.stderr
    assert "held-out MLM accuracy" in r.stdout and (out / "curves.png").is_file()
    ours = BertForPreTraining.from_pretrained(out)
    theirs = transformers.BertForPreTraining.from_pretrained(out, attn_implementation="eager").eval()
    assert ours.config.tie_word_embeddings == theirs.config.tie_word_embeddings == tie
    assert (ours.mlm.decoder is None) == tie
    tok = BertTokenizer.from_pretrained(out)
    batch = tok(["the history of the [MASK] begins here.", "a second text"], padding=True, return_tensors="pt")
    with torch.no_grad():
        a, b = ours(**batch), theirs(**batch)
    assert (a.prediction_logits - b.prediction_logits).abs().max() <= 1e-4
    assert (a.seq_relationship_logits - b.seq_relationship_logits).abs().max() <= 1e-5
    r = run_cli("fill-mask", str(out), "the history of the [MASK] begins here.")
    assert r.returncode == 0 and "[MASK]" not in r.stdout.splitlines()[-1]


class Stop(Exception):
    pass


def make_trainer(documents, tok, out, resume=False, steps=12):
    data = PretrainingData(documents, tok, DataConfig(max_seq_length=64), seed=3)
    torch.manual_seed(0)
    model = BertForPreTraining(tiny_config(tok, dropout=0.1))  # dropout on: the RNG must resume too
    return Trainer(model, tok, data, TrainConfig(steps=steps, batch_size=8, grad_accumulation=2, warmup_steps=3,
                                                 save_every=4, eval_every=100, log_every=1), out,
                   resume=resume, progress=False)


def losses(out):
    return [r["loss"] for r in map(json.loads, (out / "metrics.jsonl").read_text().splitlines()) if "loss" in r]


def test_resume_is_exact(documents, tok, tmp_path, monkeypatch):
    whole = make_trainer(documents, tok, tmp_path / "whole")
    whole.train()
    # killed mid-way, after the step-8 checkpoint, while working on step 10
    broken = make_trainer(documents, tok, tmp_path / "broken")
    real_step = broken.train_step
    monkeypatch.setattr(broken, "train_step", lambda s: real_step(s) if s < 9 else (_ for _ in ()).throw(Stop()))
    with pytest.raises(Stop):
        broken.train()
    # ... and killed again, this time in the middle of writing the step-12 checkpoint
    again = make_trainer(documents, tok, tmp_path / "broken", resume=True)
    assert again.step == 8

    def crash(*a, **k):
        raise Stop()
    monkeypatch.setattr(torch, "save", crash)
    with pytest.raises(Stop):
        again.train()
    monkeypatch.undo()
    assert (tmp_path / "broken" / "checkpoints" / "latest").read_text() == "step-0000008"
    assert not any(p.name.startswith(".writing") for p in (tmp_path / "broken" / "checkpoints").iterdir())
    BertForPreTraining.from_pretrained(tmp_path / "broken" / "checkpoints" / "step-0000008")  # intact
    final = make_trainer(documents, tok, tmp_path / "broken", resume=True)
    final.train()
    assert losses(tmp_path / "broken") == losses(tmp_path / "whole")
    for (n, p), q in zip(final.model.named_parameters(), whole.model.parameters()):
        assert torch.equal(p, q), n


@pytest.mark.parametrize("nsp", ["--nsp", "--no-nsp"])
def test_two_process_ddp_equals_one_process_accumulating(small_corpus, tmp_path, nsp):
    """Two ranks (gloo) against one process accumulating two micro-batches: the same micro-batches
    (a rank's shard is an accumulation step's), gradients averaged the same way, so the losses and
    the final weights agree to float rounding. A run whose ranks never synchronised would drift.
    Without NSP (the default) the pooler and NSP head get no gradient, which DDP must be spared."""
    common = ["pretrain", "--corpus", str(small_corpus), *SMALL, "--dropout", "0", "--steps", "12", "--log-every", "1",
              nsp]
    single = run_cli(*common, "--grad-accumulation", "2", "--out", str(tmp_path / "one"),
                     env={"OMP_NUM_THREADS": "1"})
    assert single.returncode == 0, single.stderr
    torchrun = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port", "29533",
                "-m", "minibert", *common, "--out", str(tmp_path / "two")]
    double = subprocess.run(torchrun, capture_output=True, text=True, timeout=600, cwd=ROOT,
                            env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert double.returncode == 0, double.stderr[-3000:]
    a, b = losses(tmp_path / "one"), losses(tmp_path / "two")
    assert len(a) == len(b) == 12
    assert max(abs(x - y) for x, y in zip(a, b)) <= 1e-5, (a, b)
    one = BertForPreTraining.from_pretrained(tmp_path / "one").state_dict()
    two = BertForPreTraining.from_pretrained(tmp_path / "two").state_dict()
    assert max((one[k] - two[k]).abs().max().item() for k in one) <= 1e-5


def test_learning_beats_most_frequent_token(tmp_path):
    """The default model and data settings, shortened: held-out MLM accuracy clearly above the
    most-frequent-token baseline (the README reports the full default run)."""
    r = run_cli("pretrain", "--out", str(tmp_path / "run"), "--steps", "300", "--eval-every", "300")
    assert r.returncode == 0, r.stderr
    last = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()][-1]
    baseline = last["eval_most_frequent_token_accuracy"]
    assert last["eval_mlm_accuracy"] > max(1.5 * baseline, baseline + 0.03), last


# --- bad input -------------------------------------------------------------------------------
def test_bad_corpora(tmp_path, tok):
    (tmp_path / "empty.txt").write_text("\n\n")
    (tmp_path / "one.txt").write_text("Only one document here.\nIt has two sentences.\n")
    (tmp_path / "binary.bin").write_bytes(b"\x00\x01\x02" * 100)
    (tmp_path / "latin1.txt").write_bytes("Caf\xe9 cr\xe8me.\n\nAutre doc.\n".encode("latin-1"))
    with pytest.raises(ValueError, match="empty"):
        read_documents(tmp_path / "empty.txt")
    with pytest.raises(ValueError, match="binary"):
        read_documents(tmp_path / "binary.bin")
    with pytest.raises(ValueError, match="UTF-8"):
        read_documents(tmp_path / "latin1.txt")
    with pytest.raises(FileNotFoundError):
        read_documents(tmp_path / "nope.txt")
    import gzip

    whole = gzip.compress("\n".join(f"Sentence number {i} of {i * 7 % 1000}." for i in range(20000)).encode())
    (tmp_path / "cut.txt.gz").write_bytes(whole[:len(whole) // 2])   # a download that stopped half-way
    with pytest.raises(ValueError, match="not a complete gzip file"):
        read_documents(tmp_path / "cut.txt.gz")
    with pytest.raises(ValueError, match="two documents"):
        PretrainingData(read_documents(tmp_path / "one.txt"), tok, DataConfig(), seed=0)
    r = run_cli("pretrain", "--corpus", str(tmp_path / "one.txt"), "--out", str(tmp_path / "o"), *SMALL)
    assert r.returncode == 2 and "two documents" in r.stderr and not (tmp_path / "o").exists()


def test_existing_run_and_mismatched_vocab(small_corpus, tmp_path, minilm_dir):
    out = tmp_path / "run"
    assert run_cli("pretrain", "--corpus", str(small_corpus), "--out", str(out), *SMALL).returncode == 0
    before = (out / "model.safetensors").read_bytes()
    r = run_cli("pretrain", "--corpus", str(small_corpus), "--out", str(out), *SMALL)
    assert r.returncode == 2 and "--resume" in r.stderr
    resume_with_other_vocab = ("pretrain", "--corpus", str(small_corpus), "--out", str(out), *SMALL, "--resume",
                               "--vocab", str(minilm_dir / "vocab.txt"))
    r = run_cli(*resume_with_other_vocab)
    assert r.returncode == 2 and "--vocab" in r.stderr and "contradicts the run" in r.stderr  # run_args.json
    (out / "run_args.json").unlink()  # a run from before run_args.json: the checkpoint's vocabulary decides
    r = run_cli(*resume_with_other_vocab)
    assert r.returncode == 2 and "vocabulary does not match" in r.stderr
    assert (out / "model.safetensors").read_bytes() == before  # nothing lost
    shutil.rmtree(out / "checkpoints")


def test_wordpiece_vocabulary_trainer(documents, tmp_path):
    """English: pieces with '##' that rebuild the words; Chinese: the characters themselves.
    The vocabulary works in transformers' tokenizer the same as in ours."""
    from transformers import BertTokenizer as HF

    from minibert.pretraining.vocab_trainer import train_wordpiece

    texts = [s for d in documents for s in d]
    vocab = train_wordpiece(texts, vocab_size=2000)
    assert vocab[:5] == ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] and len(vocab) == 2000
    assert len(set(vocab)) == len(vocab) and any(t.startswith("##") for t in vocab)
    (tmp_path / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    ours, theirs = BertTokenizer(tmp_path / "vocab.txt"), HF(vocab=str(tmp_path / "vocab.txt"))
    for text in texts[:300]:
        assert ours(text)["input_ids"] == theirs(text)["input_ids"]
    assert ours.tokenize("anarchism")[0] != "[UNK]"
    chinese = train_wordpiece(["我是一个人工智能模型。", "人工智能很有用。"], vocab_size=50, min_frequency=1)
    assert set("我是一个人工智能模型很有用") <= set(chinese)
    assert not any(len(t) > 1 and not t.startswith(("[", "##")) and not t.isascii() for t in chinese)
    # uncased BERT strips accents, which turns Cyrillic й into и; strip_accents=False keeps the letter
    bulgarian = ["Край на май.", "Краят на май."]
    assert "##й" not in train_wordpiece(bulgarian, vocab_size=40, min_frequency=1)
    kept = train_wordpiece(bulgarian, vocab_size=40, min_frequency=1, strip_accents=False)
    assert "##й" in kept and "##и" not in kept


def test_static_and_dynamic_masking(documents, tok):
    """Static: dupe_factor masked copies made once, the same in every epoch. Dynamic: new masks
    for every epoch."""
    def epoch(data, e):
        n = len(data.pairs)
        return sorted(tuple(data.example(e * n + k).input_ids) for k in range(n))

    static = PretrainingData(documents, tok, DataConfig(max_seq_length=64, masking="static", dupe_factor=2), seed=0)
    dynamic = PretrainingData(documents, tok, DataConfig(max_seq_length=64), seed=0)
    assert len(static.pairs) > 1.5 * len(dynamic.pairs)   # two passes of pair creation
    assert epoch(static, 0) == epoch(static, 1)
    assert epoch(dynamic, 0) != epoch(dynamic, 1)


def test_neighbour_count_baseline_by_hand():
    from minibert.pretraining.baseline import NeighbourCloze

    # documents of token ids: the streams are 5 6 7 5 6 8 and 9 6 7
    cloze = NeighbourCloze([[[5, 6, 7], [5, 6, 8]], [[9, 6, 7]]], vocab_size=10)
    assert cloze.both == {5 * 10 + 7: 6, 6 * 10 + 5: 7, 7 * 10 + 6: 5, 5 * 10 + 8: 6, 9 * 10 + 7: 6}
    assert cloze.left == {5: 6, 6: 7, 7: 5, 9: 6}      # after 6: 7 twice, 8 once
    assert cloze.right == {6: 5, 7: 6, 5: 7, 8: 6}     # before 6: 5 twice, 9 once
    assert cloze.unigram == 6
    assert cloze.predict([5, 4, 7], 1) == 6   # both neighbours seen together
    assert cloze.predict([7, 4, 3], 1) == 5   # back off to the left neighbour
    assert cloze.predict([1, 4, 8], 1) == 6   # then to the right one
    assert cloze.predict([2, 4], 1) == 6      # then the most frequent piece
    tie = NeighbourCloze([[[1, 3, 1, 2]]], vocab_size=4)
    assert tie.left[1] == 2                   # after 1: 3 once, 2 once -> the smaller id


def test_time_budget_stops_cleanly(small_corpus, tmp_path):
    out = tmp_path / "run"
    r = run_cli("pretrain", "--corpus", str(small_corpus), "--out", str(out), "--steps", "100000",
                "--hidden-size", "32", "--num-hidden-layers", "1", "--num-attention-heads", "2",
                "--intermediate-size", "37", "--vocab-size", "300", "--eval-every", "100000",
                "--time-budget", "0.05")
    assert r.returncode == 0, r.stderr
    records = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    final = records[-1]
    assert "eval_mlm_accuracy" in final and "eval_neighbour_count_accuracy" in final
    assert 3.0 <= final["time"] < 60 and final["step"] < 100000
    assert (out / "checkpoints" / f"step-{final['step']:07d}").is_dir()
    assert "neighbour counts" in r.stdout


@pytest.mark.parametrize("flag,value,message", [("--steps", "0", "--steps must be at least 1"),
                                                ("--steps", "-5", "--steps must be at least 1"),
                                                ("--batch-size", "0", "--batch-size must be at least 1"),
                                                ("--time-budget", "0", "--time-budget must be a positive"),
                                                ("--num-attention-heads", "3", "must divide by")])
def test_impossible_arguments_are_one_line_before_any_work(tmp_path, flag, value, message):
    r = run_cli("pretrain", "--corpus", str(tmp_path / "not-even-there"), "--out", str(tmp_path / "run"), flag, value)
    assert r.returncode == 2 and message in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "run").exists()


def test_resume_takes_the_runs_own_arguments(small_corpus, tmp_path):
    """`--out X --resume` alone continues the run in X: its corpus and sizes, not the defaults."""
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(small_corpus.read_text())
    out = tmp_path / "run"
    sizes = ["--hidden-size", "32", "--num-hidden-layers", "1", "--num-attention-heads", "2",
             "--intermediate-size", "37", "--vocab-size", "400", "--batch-size", "8", "--warmup-steps", "2",
             "--eval-every", "6", "--save-every", "3"]
    env = {"MINIBERT_STOP_AFTER_STEP": "3"}  # the run is cut after its first checkpoint
    r = run_cli("pretrain", "--corpus", str(corpus), "--out", str(out), "--steps", "6", *sizes, env=env)
    assert r.returncode == 130 and "--resume" in r.stderr, r.stderr
    r = run_cli("pretrain", "--out", str(out), "--resume")
    assert r.returncode == 0, r.stderr
    steps = [json.loads(line)["step"] for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert steps[-1] == 6 and (out / "config.json").is_file()
    assert json.loads((out / "config.json").read_text())["hidden_size"] == 32
    r = run_cli("pretrain", "--out", str(out), "--resume", "--hidden-size", "64")
    assert r.returncode == 2 and "--hidden-size 64 contradicts the run" in r.stderr
    corpus.write_text(corpus.read_text() + "\nOne more sentence.\n")
    r = run_cli("pretrain", "--out", str(out), "--resume")
    assert r.returncode == 2 and "has changed since the run" in r.stderr


def test_damaged_checkpoints_are_one_line_with_a_way_out(small_corpus, tmp_path):
    out = tmp_path / "run"
    r = run_cli("pretrain", "--corpus", str(small_corpus), "--out", str(out), *SMALL)
    assert r.returncode == 0, r.stderr
    root = out / "checkpoints"
    assert sorted(p.name for p in root.glob("step-*")) == ["step-0000008", "step-0000016"]
    state = root / "step-0000016" / "trainer_state.pt"
    state.write_bytes(state.read_bytes()[: state.stat().st_size // 2])  # truncated by a crash
    r = run_cli("pretrain", "--out", str(out), "--resume")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "step-0000016 is unreadable" in r.stderr and "newest intact checkpoint is step-0000008" in r.stderr
    (root / "latest").write_text("step-0000099")
    r = run_cli("pretrain", "--out", str(out), "--resume")
    assert r.returncode == 2 and "names step-0000099, which is missing" in r.stderr
    (root / "latest").write_text("step-0000008")  # the way out the message gives
    r = run_cli("pretrain", "--out", str(out), "--resume")
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("hidden,heads,positions", [(128, 2, 64), (64, 2, 128), (96, 4, 40), (256, 4, 512)])
def test_local_attention_init_looks_at_neighbours(hidden, heads, positions, tmp_path):
    """After local_attention_init, head h of the first layer looks at position i+δ_h (δ = -1, +1,
    -2, +2) in random text, in transformers too once saved; the other layers and the rest of the
    model keep BERT's random start."""
    from minibert.pretraining.local_init import local_attention_init, neighbour_offsets

    torch.manual_seed(0)
    config = BertConfig(vocab_size=400, hidden_size=hidden, num_hidden_layers=2, num_attention_heads=heads,
                        intermediate_size=2 * hidden, max_position_embeddings=positions)
    model = BertForPreTraining(config)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    local_attention_init(model)
    changed = {k for k, v in model.state_dict().items() if not torch.equal(v, before[k])}
    assert changed == {"bert.embeddings.position.weight", "bert.encoder.layers.0.attention.query.weight",
                       "bert.encoder.layers.0.attention.key.weight"}  # (their biases stay 0)
    model.save_pretrained(tmp_path)
    theirs = transformers.BertModel.from_pretrained(tmp_path, attn_implementation="eager").eval()
    ids = torch.randint(5, 400, (4, positions))
    with torch.no_grad():
        maps = theirs(ids, output_attentions=True).attentions[0]          # (B, heads, T, T)
    target = torch.arange(positions)[None, :] + torch.tensor(neighbour_offsets(heads))[:, None]   # (heads, T)
    inside = (target >= 0) & (target < positions)
    hits = (maps.argmax(-1) == target).float()                            # (B, heads, T)
    weight = maps.gather(-1, target.clamp(0, positions - 1)[None, :, :, None].expand(4, -1, -1, 1))[..., 0]
    # measured (argmaxes at the target, mean weight there): 128/2/64 1.00, 0.89; 64/2/128 0.35, 0.29;
    # 96/4/40 0.77, 0.63; 256/4/512 0.62, 0.38. A uniform head puts 1/positions everywhere.
    if positions <= hidden // heads:   # one orthogonal code per position
        assert hits[:, inside].mean() >= 0.95 and weight[:, inside].mean() >= 0.8
    else:                              # codes seen through a projection: weaker, far above uniform
        assert hits[:, inside].mean() >= 0.25 and weight[:, inside].mean() >= 20 / positions


def test_scale_embeddings_keeps_the_encoder_and_scales_the_tied_logits():
    """--embedding-std: the rows get the asked standard deviation; the LayerNorm after the
    embeddings keeps every hidden state as before (the local start included), while the MLM
    decoder, tied to the word embeddings, gives logits scaled by the same factor (0.1/0.02 = 5)."""
    from minibert.pretraining.local_init import local_attention_init, scale_embeddings

    torch.manual_seed(0)
    config = BertConfig(vocab_size=400, hidden_size=64, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=128, max_position_embeddings=32)
    model = BertForPreTraining(config).eval()
    local_attention_init(model)
    ids = torch.randint(5, 400, (3, 32))
    with torch.no_grad():
        before = model(ids, output_hidden_states=True)
        scale_embeddings(model, 0.1)
        after = model(ids, output_hidden_states=True)
    assert abs(model.bert.embeddings.word.weight.std().item() - 0.1) < 0.005
    for a, b in zip(after.hidden_states, before.hidden_states):
        assert (a - b).abs().max() <= 1e-5
    assert (after.seq_relationship_logits - before.seq_relationship_logits).abs().max() <= 1e-5
    assert (after.prediction_logits - 5 * before.prediction_logits).abs().max() <= 1e-5
    assert before.prediction_logits.abs().max() > 0.1


def test_shakespeare_corpus_builder_keeps_the_spoken_text_only():
    """make_shakespeare_corpus.parse_work on a hand-written excerpt in the Gutenberg edition's layout:
    title and cast list dropped, one document per scene, speakers and [directions] removed."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_shakespeare_corpus",
                                                  ROOT / "minibert" / "data" / "make_shakespeare_corpus.py")
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    play = ("HAMLET, PRINCE OF DENMARK\n\nby William Shakespeare\n\n\nPERSONS REPRESENTED.\n\n"
            "Claudius, King of Denmark.\nHamlet, Son to the former.\n\n\nACT I.\n\n"
            "Scene I. Elsinore. A platform before the Castle.\n\n[Francisco at his post.]\n\n"
            "Ber.\nWho's there?\n\nFran.\nNay, answer me: stand, and unfold yourself.\n\n"
            "FIRST LORD. [Aside.]\nLong live the king! He is\ncome. [Exit.]\n\n"
            "Scene II. A room of state.\n\nLYSANDER\nHow now, my love!\n\nSONG.\n\n")
    assert builder.parse_work(play) == [
        ["Who's there?", "Nay, answer me: stand, and unfold yourself.", "Long live the king!", "He is come."],
        ["How now, my love!"]]
    poem = ("THE RAPE OF LUCRECE\n\nby William Shakespeare\n\nFrom the besieged Ardea all in post,\n"
            "Borne by the trustless wings of false desire.\n\nHaply that name of chaste unhappily set.\n")
    assert builder.parse_work(poem) == [["From the besieged Ardea all in post, Borne by the trustless wings "
                                         "of false desire.", "Haply that name of chaste unhappily set."]]
    sonnets = ("THE SONNETS\nby William Shakespeare\n\n\nI\n\nFrom fairest creatures we desire increase,\n"
               "That thereby beauty's rose might never die.\n\nII\n\nWhen forty winters shall besiege thy brow,\n"
               "And dig deep trenches in thy beauty's field.\n")
    assert builder.parse_work(sonnets) == [
        ["From fairest creatures we desire increase, That thereby beauty's rose might never die."],
        ["When forty winters shall besiege thy brow, And dig deep trenches in thy beauty's field."]]
