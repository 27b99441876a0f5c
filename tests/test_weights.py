"""Checkpoints: round trips with transformers, key drift, HF cache layout, and clear errors."""
import json
import shutil

import pytest
import torch
import transformers
from safetensors.torch import load_file, save_file

import minibert
from minibert.backend import WeightsFileError

CFG = dict(vocab_size=97, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=37,
           max_position_embeddings=40)


@pytest.fixture
def hf_folder(tmp_path):
    torch.manual_seed(0)
    hf = transformers.BertForPreTraining(transformers.BertConfig(**CFG))
    with torch.no_grad():
        for p in hf.parameters():
            p.add_(0.02 * torch.randn_like(p))
    folder = tmp_path / "hf"
    hf.save_pretrained(folder)
    (folder / "vocab.txt").write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] +
                                                [f"w{i}" for i in range(92)]) + "\n")
    return folder


def batch():
    ids = torch.tensor([[2, 10, 11, 12, 3, 0], [2, 20, 21, 3, 30, 3]])
    return dict(input_ids=ids, attention_mask=(ids != 0).long(), token_type_ids=torch.tensor([[0] * 6, [0, 0, 0, 0, 1, 1]]))


def logits(model):
    with torch.no_grad():
        out = model(**batch())
    return out.prediction_logits, out.seq_relationship_logits


def test_round_trip_through_transformers(hf_folder, tmp_path):
    hf = transformers.BertForPreTraining.from_pretrained(hf_folder).eval()
    ours = minibert.BertForPreTraining.from_pretrained(hf_folder)
    ours.save_pretrained(tmp_path / "ours")
    assert (tmp_path / "ours" / "vocab.txt").is_file()
    back = transformers.BertForPreTraining.from_pretrained(tmp_path / "ours").eval()
    for x, y in zip(logits(hf), logits(back)):
        assert torch.equal(x, y)
    for x, y in zip(logits(ours), logits(back)):
        assert (x - y).abs().max() <= 1e-5
    saved = load_file(tmp_path / "ours" / "model.safetensors")
    assert set(saved) == set(load_file(hf_folder / "model.safetensors"))


def test_gamma_beta_and_missing_decoder(hf_folder, tmp_path):
    state = load_file(hf_folder / "model.safetensors")
    old = {k.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias", "LayerNorm.beta"): v
           for k, v in state.items()}
    old["bert.embeddings.position_ids"] = torch.arange(CFG["max_position_embeddings"])[None]
    old["cls.predictions.decoder.bias"] = old.pop("cls.predictions.bias")
    assert not any(k.endswith("decoder.weight") for k in old)
    folder = tmp_path / "old"
    folder.mkdir()
    shutil.copy(hf_folder / "config.json", folder)
    save_file(old, folder / "model.safetensors")
    a = minibert.BertForPreTraining.from_pretrained(hf_folder)
    b = minibert.BertForPreTraining.from_pretrained(folder)
    for x, y in zip(logits(a), logits(b)):
        assert torch.equal(x, y)


def test_prefix_both_ways(hf_folder, tmp_path, minilm_dir):
    # a head model's file into BertModel: the heads are ignored and reported
    base, info = minibert.BertModel.from_pretrained(hf_folder, output_loading_info=True)
    assert all(k.startswith("cls.") for k in info["unexpected_keys"]) and not info["missing_keys"]
    hf_base = transformers.BertModel.from_pretrained(hf_folder, attn_implementation="eager").eval()
    with torch.no_grad():
        assert (base(**batch()).last_hidden_state - hf_base(**batch()).last_hidden_state).abs().max() <= 1e-5
    # a BertModel file (MiniLM, no bert. prefix) into a pretraining model: heads start fresh
    model, info = minibert.BertForPreTraining.from_pretrained(minilm_dir, output_loading_info=True)
    assert info["missing_keys"] and all(k.startswith("cls.") for k in info["missing_keys"])
    ref = minibert.BertModel.from_pretrained(minilm_dir)
    assert torch.equal(model.bert.encoder.layers[3].ffn.up.weight, ref.encoder.layers[3].ffn.up.weight)
    # ... and back: save it, load the encoder alone, in ours and in transformers
    model.save_pretrained(tmp_path / "pt")
    again = minibert.BertModel.from_pretrained(tmp_path / "pt")
    hf_again = transformers.BertModel.from_pretrained(tmp_path / "pt", attn_implementation="eager").eval()
    with torch.no_grad():
        ids = torch.tensor([[101, 7592, 2088, 102]])
        assert torch.equal(again(ids).last_hidden_state, ref(ids).last_hidden_state)
        assert (hf_again(ids).last_hidden_state - ref(ids).last_hidden_state).abs().max() <= 1e-5


def test_sharded_and_pickled_checkpoints(hf_folder, tmp_path):
    hf = transformers.BertForPreTraining.from_pretrained(hf_folder)
    hf.save_pretrained(tmp_path / "sharded", max_shard_size="20KB")
    assert (tmp_path / "sharded" / "model.safetensors.index.json").is_file()
    pickled = tmp_path / "pickled"
    pickled.mkdir()
    shutil.copy(hf_folder / "config.json", pickled)
    torch.save(load_file(hf_folder / "model.safetensors"), pickled / "pytorch_model.bin")
    ref = logits(minibert.BertForPreTraining.from_pretrained(hf_folder))
    for folder in (tmp_path / "sharded", pickled):
        for x, y in zip(ref, logits(minibert.BertForPreTraining.from_pretrained(folder))):
            assert torch.equal(x, y)


def test_hf_cache_layout(hf_folder, tmp_path, monkeypatch):
    snap = tmp_path / "cache" / "models--local-org--tiny-bert" / "snapshots" / "0123abcd"
    shutil.copytree(hf_folder, snap)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "cache"))
    model = minibert.BertForPreTraining.from_pretrained("local-org/tiny-bert")
    assert model.config.hidden_size == 32


def test_dtype_and_config_overrides(hf_folder):
    model = minibert.BertForSequenceClassification.from_pretrained(hf_folder, dtype="float64", num_labels=3)
    assert model.classifier.weight.dtype == torch.float64 and model.classifier.out_features == 3
    assert not model.training


# --- bad input: a clear error, and no model ------------------------------------------------------
def test_missing_files(tmp_path, hf_folder):
    with pytest.raises(FileNotFoundError, match="config.json"):
        minibert.BertModel.from_pretrained(tmp_path)
    folder = tmp_path / "noweights"
    folder.mkdir()
    shutil.copy(hf_folder / "config.json", folder)
    with pytest.raises(FileNotFoundError, match="model.safetensors"):
        minibert.BertModel.from_pretrained(folder)
    with pytest.raises(FileNotFoundError, match="HF cache"):
        minibert.BertModel.from_pretrained("nobody/no-such-model")


@pytest.mark.parametrize("damage", ["truncate", "header", "garbage", "empty"])
def test_damaged_safetensors(hf_folder, damage):
    path = hf_folder / "model.safetensors"
    data = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "header":
        path.write_bytes(data[:8] + b"{not json" + data[17:])
    elif damage == "garbage":
        path.write_bytes(b"\xff" * 100)
    else:
        path.write_bytes(b"")
    with pytest.raises(WeightsFileError, match="model.safetensors"):
        minibert.BertForPreTraining.from_pretrained(hf_folder)


def test_wrong_shapes_and_missing_keys(hf_folder):
    config = json.loads((hf_folder / "config.json").read_text())
    (hf_folder / "config.json").write_text(json.dumps({**config, "intermediate_size": 40}))
    with pytest.raises(WeightsFileError, match="intermediate.dense.weight"):
        minibert.BertModel.from_pretrained(hf_folder)
    (hf_folder / "config.json").write_text(json.dumps(config))
    state = load_file(hf_folder / "model.safetensors")
    del state["bert.encoder.layer.1.output.dense.weight"]
    state["bert.encoder.layer.9.strange.weight"] = torch.zeros(2)
    save_file(state, hf_folder / "model.safetensors")
    with pytest.raises(WeightsFileError, match="layer.1.output.dense.weight"):
        minibert.BertForPreTraining.from_pretrained(hf_folder)
    model, info = minibert.BertForPreTraining.from_pretrained(hf_folder, strict=False, output_loading_info=True)
    assert "bert.encoder.layer.1.output.dense.weight" in info["missing_keys"]
    assert "bert.encoder.layer.9.strange.weight" in info["unexpected_keys"]


@pytest.mark.parametrize("change,match", [
    (dict(position_embedding_type="relative_key"), "relative_key"),
    (dict(hidden_act="mish"), "mish"),
    (dict(hidden_size=30), "multiple"),
    (dict(is_decoder=True), "decoder"),
    (dict(model_type="roberta"), "roberta"),
])
def test_unsupported_config_values(hf_folder, change, match):
    config = json.loads((hf_folder / "config.json").read_text())
    (hf_folder / "config.json").write_text(json.dumps({**config, **change}))
    with pytest.raises(ValueError, match=match):
        minibert.BertModel.from_pretrained(hf_folder)


def test_metadata_keys_are_accepted():
    # keys the Google checkpoints (bert-base-chinese) carry
    cfg = minibert.BertConfig.from_dict({"directionality": "bidi", "pooler_fc_size": 768, "pooler_type":
                                         "first_token_transform", "architectures": ["BertForMaskedLM"],
                                         "vocab_size": 21128, "transformers_version": "4.0"})
    assert cfg.vocab_size == 21128 and cfg.extra["directionality"] == "bidi"


def test_bad_model_inputs():
    cfg = minibert.BertConfig(**CFG, type_vocab_size=2)
    model = minibert.BertModel(cfg).eval()
    with pytest.raises(ValueError, match="max_position_embeddings"):
        model(torch.ones(1, 41, dtype=torch.long))
    with pytest.raises(ValueError, match="vocabulary"):
        model(torch.tensor([[1, 97]]))
    with pytest.raises(ValueError, match="vocabulary"):
        model(torch.tensor([[1, -1]]))
    with pytest.raises(ValueError, match="token_type_ids"):
        model(torch.tensor([[1, 2]]), token_type_ids=torch.tensor([[0, 2]]))
    with pytest.raises(ValueError, match="attention_mask"):
        model(torch.tensor([[1, 2]]), attention_mask=torch.tensor([[1, 1, 1]]))
    with pytest.raises(ValueError, match="integers"):
        model(torch.tensor([[1.0, 2.0]]))


def test_pretraining_file_into_models_without_pooler_or_nsp(hf_folder):
    mlm, info = minibert.BertForMaskedLM.from_pretrained(hf_folder, output_loading_info=True)
    assert "bert.pooler.dense.weight" in info["unexpected_keys"] and not info["missing_keys"]
    hf = transformers.BertForMaskedLM.from_pretrained(hf_folder, attn_implementation="eager").eval()
    with torch.no_grad():
        assert (mlm(**batch()).logits - hf(**batch()).logits).abs().max() <= 1e-4


def test_saved_files_have_the_usual_permissions(hf_folder, tmp_path):
    """Atomic writes go through mkstemp (0600); a saved model must be readable like any file."""
    import stat

    from minibert.backend import umask

    model = minibert.BertModel.from_pretrained(hf_folder)
    model.save_pretrained(tmp_path / "saved")
    for name in ("config.json", "model.safetensors"):
        assert stat.S_IMODE((tmp_path / "saved" / name).stat().st_mode) == 0o666 & ~umask()


def test_untied_decoder_both_ways(tmp_path):
    """A transformers model saved with tie_word_embeddings=False keeps its own decoder in ours,
    and ours saves it back; a tied config with a different decoder in the file is reported."""
    from minibert.backend import load_safetensors, save_safetensors

    torch.manual_seed(1)
    hf = transformers.BertForPreTraining(transformers.BertConfig(**CFG, tie_word_embeddings=False)).eval()
    with torch.no_grad():
        hf.cls.predictions.decoder.weight.normal_(0, 0.5)  # clearly not the word embeddings
        hf.cls.predictions.decoder.bias.normal_(0, 0.5)    # untied, transformers computes with this bias
        hf.cls.predictions.bias.normal_(0, 0.5)            # ... and leaves this one unused
    hf.save_pretrained(tmp_path / "untied")
    assert "cls.predictions.decoder.weight" in load_safetensors(tmp_path / "untied" / "model.safetensors")
    ours = minibert.BertForPreTraining.from_pretrained(tmp_path / "untied")
    assert ours.mlm.decoder is not None
    ids = torch.randint(5, CFG["vocab_size"], (2, 9))
    with torch.no_grad():
        diff = (ours(ids).prediction_logits - hf(ids).prediction_logits).abs().max().item()
    assert diff <= 1e-5
    ours.save_pretrained(tmp_path / "back")
    again = transformers.BertForPreTraining.from_pretrained(tmp_path / "back").eval()
    assert not again.config.tie_word_embeddings
    with torch.no_grad():
        assert (again(ids).prediction_logits - hf(ids).prediction_logits).abs().max().item() <= 1e-5

    # the same file under a config that ties: the decoder would be lost, so strict loading refuses
    config = json.loads((tmp_path / "untied" / "config.json").read_text())
    config["tie_word_embeddings"] = True
    (tmp_path / "untied" / "config.json").write_text(json.dumps(config))
    with pytest.raises(WeightsFileError, match="would be discarded"):
        minibert.BertForPreTraining.from_pretrained(tmp_path / "untied")
    minibert.BertForPreTraining.from_pretrained(tmp_path / "untied", strict=False)  # warned, loads
    # a decoder that merely repeats the tied embeddings is no loss, and loads silently
    state = load_safetensors(tmp_path / "untied" / "model.safetensors")
    state["cls.predictions.decoder.weight"] = state["bert.embeddings.word_embeddings.weight"].clone()
    save_safetensors(state, tmp_path / "untied" / "model.safetensors")
    minibert.BertForPreTraining.from_pretrained(tmp_path / "untied")


def test_a_save_interrupted_between_weights_and_config_is_caught(hf_folder, tmp_path, monkeypatch):
    """save_pretrained writes the weights, then config.json (each atomically). A crash between the
    two leaves new weights beside the old config: loading must refuse, not run the wrong model."""
    first = minibert.BertModel.from_pretrained(hf_folder)
    first.save_pretrained(tmp_path / "m")
    assert minibert.BertModel.from_pretrained(tmp_path / "m").config.hidden_act == "gelu"
    transformers.BertModel.from_pretrained(tmp_path / "m")  # the extra metadata does not bother transformers

    second = minibert.BertModel(minibert.BertConfig(**{**CFG, "hidden_act": "relu"}))  # same shapes
    def crash(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(minibert.BertConfig, "to_json_file", crash)
    with pytest.raises(KeyboardInterrupt):
        second.save_pretrained(tmp_path / "m")
    monkeypatch.undo()
    with pytest.raises(WeightsFileError, match="hidden_act.*interrupted save_pretrained"):
        minibert.BertModel.from_pretrained(tmp_path / "m")
    second.save_pretrained(tmp_path / "m")  # saved again: the two files agree
    assert minibert.BertModel.from_pretrained(tmp_path / "m").config.hidden_act == "relu"
