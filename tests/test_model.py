"""minibert's BERT against transformers' BERT (eager attention, eval mode): same weights, same
inputs, padded batches -> same hidden states, attentions, pooled output, logits, losses, gradients.

Tolerances (max abs difference): float32 hidden states 1e-5,
logits 1e-4, gradients 1e-5 relative to the largest gradient; float64 everything 1e-10.
"""
import pytest
import torch
import transformers

import minibert
from minibert.weights import hf_key

# odd sizes, so a transposed weight or a wrong head split cannot pass
CONFIGS = [
    dict(vocab_size=97, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=37,
         max_position_embeddings=40, type_vocab_size=2),
    dict(vocab_size=101, hidden_size=48, num_hidden_layers=3, num_attention_heads=6, intermediate_size=53,
         max_position_embeddings=24, type_vocab_size=3, hidden_act="gelu_new"),
    dict(vocab_size=89, hidden_size=30, num_hidden_layers=2, num_attention_heads=3, intermediate_size=41,
         max_position_embeddings=20, type_vocab_size=1, hidden_act="relu", layer_norm_eps=1e-7),
]
HEADS = ["BertModel", "BertForPreTraining", "BertForMaskedLM", "BertForSequenceClassification",
         "BertForTokenClassification", "BertForQuestionAnswering"]
TOL = {torch.float32: dict(hidden=1e-5, logits=1e-4, grad=1e-5), torch.float64: dict(hidden=1e-10, logits=1e-10, grad=1e-10)}


def make_batch(cfg, seed=0, B=3, T=11):
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(1, cfg["vocab_size"], (B, T), generator=g)
    mask = torch.ones(B, T, dtype=torch.long)
    mask[1, 7:] = 0
    mask[2, 4:] = 0
    ids[mask == 0] = 0
    types = torch.randint(0, cfg.get("type_vocab_size", 2), (B, T), generator=g) * mask
    return dict(input_ids=ids, attention_mask=mask, token_type_ids=types)


def pair(cfg, head, tmp_path, dtype, seed=0, attn="sdpa"):
    torch.manual_seed(seed)
    hf_cls = getattr(transformers, head)
    config = transformers.BertConfig(**cfg, num_labels=3 if "Classification" in head else 2)
    config._attn_implementation = "eager"
    hf = hf_cls(config)
    with torch.no_grad():  # give biases and LayerNorms non-trivial values too
        for p in hf.parameters():
            p.add_(0.02 * torch.randn_like(p))
    hf.save_pretrained(tmp_path)
    ours = getattr(minibert, head).from_pretrained(tmp_path, dtype=dtype, attn_implementation=attn)
    return ours, hf.to(dtype).eval()


def maxdiff(a, b, mask=None):
    d = (a - b).abs()
    if mask is not None:
        d = d[mask.bool()]
    return d.max().item()


@pytest.mark.parametrize("attn", ["sdpa", "eager"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("cfg", CONFIGS)
def test_pretraining_outputs_losses_and_gradients(cfg, dtype, attn, tmp_path):
    """Both attention paths: "sdpa", the default users run (attention maps not asked for, so the
    fused kernel runs), and "eager", the written-out formula (attention maps compared too)."""
    ours, hf = pair(cfg, "BertForPreTraining", tmp_path, dtype, attn=attn)
    assert ours.bert.attn_implementation == attn
    tol = TOL[dtype]
    batch = make_batch(cfg)
    labels = torch.full_like(batch["input_ids"], -100)
    labels[0, 2], labels[0, 5], labels[1, 3], labels[2, 1] = 5, 17, 9, 33
    nsp = torch.tensor([0, 1, 0])
    maps = attn == "eager"
    a = ours(**batch, labels=labels, next_sentence_label=nsp, output_hidden_states=True, output_attentions=maps)
    b = hf(**batch, labels=labels, next_sentence_label=nsp, output_hidden_states=True, output_attentions=maps)
    mask = batch["attention_mask"]
    assert len(a.hidden_states) == len(b.hidden_states) == cfg["num_hidden_layers"] + 1
    for x, y in zip(a.hidden_states, b.hidden_states):
        assert maxdiff(x, y, mask) <= tol["hidden"]
    assert (a.attentions is None) == (not maps)
    for x, y in zip(a.attentions or (), b.attentions or ()):
        assert maxdiff(x, y) <= tol["hidden"]
    assert maxdiff(a.prediction_logits, b.prediction_logits, mask) <= tol["logits"]
    assert maxdiff(a.seq_relationship_logits, b.seq_relationship_logits) <= tol["logits"]
    assert abs(a.loss.item() - b.loss.item()) <= tol["logits"]
    assert_same_gradients(ours, hf, a.loss, b.loss, tol)


def assert_same_gradients(ours, hf, our_loss, their_loss, tol):
    """Back-propagate both losses; every parameter's gradient equal to its HF twin's."""
    our_loss.backward()
    their_loss.backward()
    theirs = dict(hf.named_parameters())
    scale = max(p.grad.abs().max().item() for p in hf.parameters() if p.grad is not None)
    for name, p in ours.named_parameters():
        q = theirs[hf_key(name)]
        assert p.grad is not None and q.grad is not None, name
        assert maxdiff(p.grad, q.grad) <= tol["grad"] * max(scale, 1.0), name


@pytest.mark.parametrize("head", HEADS)
def test_every_head_equals_transformers(head, tmp_path):
    cfg = CONFIGS[0]
    ours, hf = pair(cfg, head, tmp_path, torch.float32, seed=1)
    hf = getattr(transformers, head).from_pretrained(tmp_path, attn_implementation="eager").eval()
    batch = make_batch(cfg, seed=1)
    kw = {}
    if head in ("BertForSequenceClassification",):
        kw = dict(labels=torch.tensor([0, 2, 1]))
    elif head in ("BertForTokenClassification",):
        kw = dict(labels=torch.randint(0, 3, batch["input_ids"].shape, generator=torch.Generator().manual_seed(0)))
    elif head == "BertForMaskedLM":
        kw = dict(labels=torch.where(batch["attention_mask"].bool(), batch["input_ids"], -100))
    elif head == "BertForQuestionAnswering":
        kw = dict(start_positions=torch.tensor([1, 2, 30]), end_positions=torch.tensor([3, 5, 2]))
    a, b = ours(**batch, **kw), hf(**batch, **kw)
    for key in b.keys():
        x, y = a[key], b[key]
        if isinstance(y, torch.Tensor):
            assert maxdiff(x, y) <= 1e-4, (head, key)


def test_only_masked_logits_equal_full_logits(tmp_path):
    cfg = CONFIGS[1]
    ours, hf = pair(cfg, "BertForPreTraining", tmp_path, torch.float32)
    batch = make_batch(cfg)
    labels = torch.full_like(batch["input_ids"], -100)
    labels[0, 1], labels[2, 2] = 4, 8
    full = hf(**batch, labels=labels)
    fast = ours(**batch, labels=labels, only_masked=True)
    assert fast.prediction_logits.shape == (2, cfg["vocab_size"])
    assert maxdiff(fast.prediction_logits, full.prediction_logits[labels != -100]) <= 1e-4
    assert abs(fast.mlm_loss.item() - torch.nn.functional.cross_entropy(
        full.prediction_logits.flatten(0, 1), labels.flatten()).item()) <= 1e-5


def graph_has(loss: torch.Tensor, node: str) -> bool:
    """Whether autograd's graph behind `loss` has a node of that name (e.g. a fast path's backward)."""
    seen, todo = set(), [loss.grad_fn]
    while todo:
        fn = todo.pop()
        if fn is None or fn in seen:
            continue
        seen.add(fn)
        if type(fn).__name__ == node:
            return True
        todo.extend(f for f, _ in fn.next_functions)
    return False


@pytest.mark.parametrize("dtype,products", [(torch.float32, "onednn"), (torch.float32, "plain"),
                                            (torch.float64, "plain")])
@pytest.mark.parametrize("attn", ["sdpa", "eager"])
@pytest.mark.parametrize("cfg", CONFIGS, ids=["c0", "c1", "c2"])
def test_only_masked_rows_loss_and_gradients_equal_transformers(cfg, attn, dtype, products, tmp_path, monkeypatch):
    """only_masked=True also runs the last layer at [CLS] and the masked positions only (heads.read_rows):
    the pretraining loss and every parameter's gradient equal transformers' full computation, in
    padded batches where sequences predict different numbers of tokens (one predicts none). In
    float32 on both paths of minibert.linear's training products: oneDNN (the CPU default) and F.linear."""
    monkeypatch.setattr(minibert.linear, "onednn_training", products == "onednn")
    ours, hf = pair(cfg, "BertForPreTraining", tmp_path, dtype, attn=attn)
    ours.train()  # these configs have dropout: compare in train mode with dropout off
    for m in ours.modules():
        if isinstance(m, torch.nn.Dropout):
            m.p = 0.0
    ours.bert.set_attn_implementation(attn)
    for layer in ours.bert.encoder.layers:
        layer.attention.dropout_p = 0.0
    batch = make_batch(cfg, seed=3, B=4, T=12)
    labels = torch.full_like(batch["input_ids"], -100)
    for row, positions in ((0, [1, 5, 6, 11]), (1, [2]), (3, [1, 3])):  # row 2 predicts nothing
        labels[row, positions] = batch["input_ids"][row, positions]
    nsp = torch.tensor([0, 1, 1, 0])
    a = ours(**batch, labels=labels, next_sentence_label=nsp, only_masked=True)
    b = hf(**batch, labels=labels, next_sentence_label=nsp)
    tol = TOL[dtype]
    assert a.prediction_logits.shape == (7, cfg["vocab_size"])
    assert maxdiff(a.prediction_logits, b.prediction_logits[labels != -100]) <= tol["logits"]
    assert maxdiff(a.seq_relationship_logits, b.seq_relationship_logits) <= tol["logits"]
    assert abs(a.loss.item() - b.loss.item()) <= tol["hidden"]
    assert graph_has(a.loss, "TrainingProductBackward") == (products == "onednn" and minibert.linear._onednn())
    assert_same_gradients(ours, hf, a.loss, b.loss, tol)


def test_sdpa_fast_path_equals_plain_attention():
    cfg = minibert.BertConfig(**CONFIGS[0])
    model = minibert.BertModel(cfg).eval()
    batch = make_batch(CONFIGS[0])
    fast = model(**batch).last_hidden_state  # SDPA (no attention probabilities asked for)
    plain = model(**batch, output_attentions=True).last_hidden_state  # the written-out formula
    assert maxdiff(fast, plain, batch["attention_mask"]) <= 1e-5


@pytest.fixture(scope="module")
def minilm_pair(minilm_dir):
    ours = minibert.BertModel.from_pretrained(minilm_dir)
    hf = transformers.BertModel.from_pretrained(minilm_dir, attn_implementation="eager").eval()
    return ours, hf


@pytest.mark.parametrize("packed", [True, False], ids=["packed-linear", "plain-linear"])
@pytest.mark.parametrize("attn", ["sdpa", "eager"])
def test_real_minilm_weights(minilm_pair, tokenizer, attn, packed, monkeypatch):
    """Inference (no autograd) on both paths of minibert.linear: W packed for oneDNN, the
    default on a CPU in float32, and plain F.linear."""
    ours, hf = minilm_pair
    monkeypatch.setattr(minibert.linear, "packed_inference", packed)
    ours.set_attn_implementation(attn)
    texts = ["我是一个人工智能模型", "The quick brown fox jumps over the lazy dog.", "BERT has no decoder."]
    batch = tokenizer(texts, ["体育、科技、娱乐", "", "It is an encoder."], padding=True, return_tensors="pt")
    assert not batch["attention_mask"].all()  # padding is in play
    with torch.no_grad():
        a = ours(**batch, output_hidden_states=True, output_attentions=attn == "eager")
        b = hf(**batch, output_hidden_states=True, output_attentions=attn == "eager")
    ours.set_attn_implementation("sdpa")
    mask = batch["attention_mask"]
    for x, y in zip(a.hidden_states, b.hidden_states):
        assert maxdiff(x, y, mask) <= 1e-5
    for x, y in zip(a.attentions or (), b.attentions or ()):
        assert maxdiff(x, y) <= 1e-5
    assert maxdiff(a.pooler_output, b.pooler_output) <= 1e-5
    query = ours.encoder.layers[0].attention.query
    assert (query._packed is not None) == (packed and minibert.linear._onednn())


def test_packed_linear_follows_its_weight():
    """The packed copy of W is made again when W changes (an optimizer's in-place step, a new
    tensor, an edit through .data followed by .eval()), and dropped when autograd records; each
    output equals F.linear with the current weight."""
    torch.manual_seed(0)
    layer, x = minibert.linear.Linear(48, 37), torch.randn(5, 7, 48)

    def step():
        with torch.no_grad():
            layer.weight.add_(0.5)

    def edit_data_then_eval():
        layer.weight.data.mul_(-1.0)
        layer.eval()

    for change in (lambda: None, step, lambda: setattr(layer.weight, "data", torch.randn(37, 48)),
                   edit_data_then_eval):
        change()
        with torch.inference_mode():
            y = layer(x)
        assert maxdiff(y, torch.nn.functional.linear(x, layer.weight, layer.bias)) <= 1e-5
        assert y.abs().max() > 1.0   # not a vacuous comparison
    assert minibert.linear._onednn() == torch.backends.mkldnn.is_available()   # the probe finds the kernels
    assert (layer._packed is not None) == minibert.linear._onednn()
    layer(x).sum().backward()        # training: W reordered for each product, the copy dropped
    assert layer._packed is None and layer.weight.grad is not None


@pytest.mark.parametrize("shape", [(48,), (5, 48), (3, 4, 48), "transposed"])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("needs", ["x and W", "x only", "W only"])
def test_training_product_equals_f_linear(shape, bias, needs):
    """With autograd on (training), a CPU float32 Linear runs TrainingProduct: its output and the
    gradients of x, W and b equal F.linear's, for any leading shape, a non-contiguous input,
    without a bias, and with x or W frozen."""
    torch.manual_seed(0)
    layer = minibert.linear.Linear(48, 37, bias=bias)
    layer.weight.requires_grad_(needs != "x only")
    x = torch.randn(7, 5, 48).transpose(0, 1) if shape == "transposed" else torch.randn(*shape)
    x.requires_grad_(needs != "W only")
    ref_x, ref_w = x.detach().clone().requires_grad_(x.requires_grad), \
        layer.weight.detach().clone().requires_grad_(layer.weight.requires_grad)
    ref_b = None if not bias else layer.bias.detach().clone().requires_grad_()
    y, ref = layer(x), torch.nn.functional.linear(ref_x, ref_w, ref_b)
    upstream = torch.randn(ref.shape)
    (y * upstream).sum().backward()
    (ref * upstream).sum().backward()
    assert graph_has(y.sum(), "TrainingProductBackward") == minibert.linear._onednn()
    assert maxdiff(y, ref) <= 1e-5 and ref.abs().max() > 1.0
    for ours, theirs in ((x, ref_x), (layer.weight, ref_w), (layer.bias, ref_b)):
        if theirs is not None and theirs.requires_grad:
            assert maxdiff(ours.grad, theirs.grad) <= 1e-5 and theirs.grad.abs().max() > 1.0
        elif ours is not None:
            assert ours.grad is None


@pytest.mark.parametrize("attn", ["sdpa", "eager"])
def test_real_minilm_gradients(minilm_pair, tokenizer, attn):
    ours, hf = minilm_pair
    ours.set_attn_implementation(attn)
    batch = tokenizer(["a short text", "and a longer text, padded less"], padding=True, return_tensors="pt")
    ours.zero_grad()
    hf.zero_grad()
    ours(**batch).last_hidden_state.pow(2).mean().backward()
    hf(**batch).last_hidden_state.pow(2).mean().backward()
    theirs = dict(hf.named_parameters())
    for name, p in ours.named_parameters():
        if name.startswith("pooler"):
            continue  # the pooler is not in this loss
        q = theirs[hf_key(name)]
        assert maxdiff(p.grad, q.grad) <= 1e-6, name
    ours.set_attn_implementation("sdpa")


@pytest.mark.parametrize("attn", ["sdpa", "eager"])
def test_skipping_padding_equals_transformers(minilm_pair, tokenizer, attn):
    """skip_padding=True runs the layers on the real tokens only: every hidden state there, the
    pooled output and the gradients equal transformers'; the padding positions come back as zeros."""
    ours, hf = minilm_pair
    ours.set_attn_implementation(attn)
    texts = ["我是一个人工智能模型", "A longer English sentence, padded far less than the others.", "x"]
    batch = tokenizer(texts, padding=True, return_tensors="pt")
    mask = batch["attention_mask"]
    assert (mask == 0).sum() >= 10
    ours.zero_grad()
    hf.zero_grad()
    a = ours(**batch, output_hidden_states=True, skip_padding=True)
    b = hf(**batch, output_hidden_states=True)
    ours.set_attn_implementation("sdpa")
    for x, y in zip(a.hidden_states, b.hidden_states):
        assert maxdiff(x, y, mask) <= 1e-5
        assert x[mask == 0].abs().max() == 0
    assert maxdiff(a.pooler_output, b.pooler_output) <= 1e-5
    m = mask.unsqueeze(-1)
    (a.last_hidden_state * m).pow(2).mean().backward()
    (b.last_hidden_state * m).pow(2).mean().backward()
    theirs = dict(hf.named_parameters())
    for name, p in ours.named_parameters():
        if not name.startswith("pooler"):
            assert maxdiff(p.grad, theirs[hf_key(name)].grad) <= 1e-6, name


def mean_pool(model, tok, texts):
    batch = tok(texts, padding=True, return_tensors="pt")
    with torch.no_grad():
        h = model(**batch).last_hidden_state
    m = batch["attention_mask"].unsqueeze(-1).float()
    v = (h * m).sum(1) / m.sum(1)
    return torch.nn.functional.normalize(v, dim=-1)


def test_minilm_sentence_similarity_ranks_paraphrase_first(minilm_pair, tokenizer):
    ours, _ = minilm_pair
    v = mean_pool(ours, tokenizer, ["A man is playing a guitar.", "Someone plays the guitar.",
                                    "The stock market fell sharply today."])
    assert v[0] @ v[1] > v[0] @ v[2] + 0.2


def test_attention_implementation_switch(tmp_path):
    ours, _ = pair(CONFIGS[0], "BertForSequenceClassification", tmp_path, torch.float32, attn="eager")
    assert all(not layer.attention.use_sdpa for layer in ours.bert.encoder.layers)
    with pytest.raises(ValueError, match="'sdpa' or 'eager'"):
        ours.bert.set_attn_implementation("flash")


def test_parameter_count_of_bert_base():
    model = minibert.BertModel(minibert.BertConfig())
    assert sum(p.numel() for p in model.parameters()) == 109_482_240


def test_without_onednn_kernels_everything_runs_on_f_linear(minilm_pair, tokenizer, monkeypatch):
    """torch.ops.mkldnn is private and missing from some builds (macOS arm64, Windows): with it
    gone, the probe says so and inference and training run on F.linear, still equal to transformers."""
    import types

    ours, hf = minilm_pair
    monkeypatch.setattr(torch.ops, "mkldnn", types.SimpleNamespace())   # no oneDNN ops at all
    minibert.linear._onednn.cache_clear()
    try:
        assert not minibert.linear._onednn()
        batch = tokenizer(["BERT has no decoder.", "我是一个人工智能模型"], padding=True, return_tensors="pt")
        with torch.no_grad():
            a, b = ours(**batch).last_hidden_state, hf(**batch).last_hidden_state
        assert maxdiff(a, b, batch["attention_mask"]) <= 1e-5 and b.abs().max() > 1.0
        assert ours.encoder.layers[0].attention.query._packed is None
        y = ours(**batch).last_hidden_state                                   # autograd on: training path
        assert not graph_has(y.sum(), "TrainingProductBackward")
        assert maxdiff(y.detach(), b, batch["attention_mask"]) <= 1e-5
    finally:
        minibert.linear._onednn.cache_clear()
