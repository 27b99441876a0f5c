"""`explore`: one self-contained HTML page to look inside a BERT — attention and vector spaces.

The page holds its data, script and style inline (no CDN, no network; it opens from file://):
a head view (lines from each token to the tokens it attends to, opacity = weight), a model view
(every layer x head as a small map; click one to open it), each token's nearest vocabulary pieces
in context against alone (lesson 7's "bank"), and, given word2vec/GloVe files, the same words
mapped in each space beside BERT's static space. Attention weights travel as bytes (weight x 255).
"""
from __future__ import annotations

import base64
import html
import json
import os
from importlib.resources import files
from pathlib import Path

import numpy as np
import torch

from .files import atomic_write
from .vectors import KeyedVectors
from .wordvectors import _encoder, _inference, check_pair, static_vectors

LINE_THRESHOLD = 5  # the head view draws weights of at least 5/255 (about 0.02)


class Page(str):
    """The page's HTML; Jupyter shows it inline (in an iframe, so its script and style stay apart)."""

    def _repr_html_(self) -> str:
        return (f'<iframe srcdoc="{html.escape(self, quote=True)}" style="width:100%;height:900px;border:0">'
                "</iframe>")

    def save(self, path: str | os.PathLike) -> None:
        with atomic_write(path, "w") as f:  # a page is written whole or not at all
            f.write(self)


def _sentence(text, what: str) -> str:
    if not isinstance(text, str):
        raise TypeError(f"{what} must be a string, got {type(text).__name__}")
    if not text.strip():
        raise ValueError(f"{what} is empty")
    return text


def _read_vectors(path) -> tuple[str, KeyedVectors]:
    """A word2vec text file (with its 'count dims' header) or a GloVe one (without)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no vectors file at {path}")
    with open(path, "rb") as f:
        first = f.readline().split()
    header = len(first) == 2 and all(x.isdigit() for x in first)
    return path.name, KeyedVectors.load_word2vec_format(path, no_header=not header)


def _piece_table(model, tokenizer, layer: int) -> tuple[list[str], torch.Tensor]:
    """Every whole-word piece of the vocabulary encoded alone at `layer`, unit length: (P, H)."""
    from .distillation import piece_vectors

    specials = set(tokenizer.all_special_tokens)
    ids = [i for i, t in sorted(tokenizer.ids_to_tokens.items()) if not t.startswith("##") and t not in specials
           and not (t.startswith("[unused") and t.endswith("]"))]
    table = piece_vectors(model, tokenizer, ids, layer)
    return [tokenizer.ids_to_tokens[i] for i in ids], torch.nn.functional.normalize(table, dim=1)


def _nearest(table: torch.Tensor, pieces: list[str], vector: torch.Tensor, skip: str, n: int) -> list[str]:
    scores = table @ torch.nn.functional.normalize(vector, dim=0)
    return [pieces[i] for i in scores.argsort(descending=True)[: n + 1].tolist() if pieces[i] != skip][:n]


def _map2d(vectors: np.ndarray) -> list[list[float]]:
    """The rows on their two main directions (PCA), scaled into [-1, 1]."""
    x = vectors.astype(np.float64) - vectors.mean(0)
    if len(x) < 2:
        return [[0.0, 0.0] for _ in x]
    p = x @ np.linalg.svd(x, full_matrices=False)[2][:2].T
    p = p / (np.abs(p).max(0) + 1e-12)
    return [[round(float(a), 4), round(float(b), 4)] for a, b in p]


def _spaces(model, tokenizer, words: list[str], spaces: list, layer: int, pieces, table, n: int) -> dict:
    """The sentence's words found in every space (and a few neighbours), mapped in each space; the
    neighbours shown on hover come from the whole of each space."""
    # the sentence's words in every space, less the 100 most frequent of any (files list words by
    # frequency): "the", "of" and "." would crowd the maps and say little; then two neighbours each
    common = {w for _, kv in spaces for w in kv.index_to_key[:100]}
    shared = [w for w in dict.fromkeys(words) if w not in common and all(w in kv for _, kv in spaces)]
    extra = [nb for w in shared for _, kv in spaces for nb, _ in kv.most_similar(w, topn=2)]
    chosen = list(dict.fromkeys(shared + [w for w in extra if all(w in kv for _, kv in spaces)]))[:40]
    out = {"words": chosen, "sentence_words": shared, "maps": []}
    if not chosen:
        return out
    for name, kv in spaces:
        out["maps"].append({"name": name, "xy": _map2d(np.stack([kv[w] for w in chosen])),
                            "neighbours": [[w for w, _ in kv.most_similar(c, topn=n)] for c in chosen]})
    bert = static_vectors(model, tokenizer, chosen, layer=layer)
    out["maps"].append({"name": f"BERT static, layer {layer}", "xy": _map2d(bert.vectors),
                        "neighbours": [_nearest(table, pieces, torch.from_numpy(bert[c]), c, n) for c in chosen]})
    return out


def explore(model, tokenizer, sentence: str, sentence_b: str | None = None, *, vectors=(), layer: int | None = None,
            max_length: int = 128, neighbours: int = 5, title: str = "") -> Page:
    """The page for one sentence (or a pair): attention of every layer and head, tokens in context
    against alone at `layer` (default: the middle one), and `vectors` (word2vec/GloVe files, or
    (name, KeyedVectors) pairs) side by side with BERT's static space. Inputs past `max_length`
    tokens are cut, and the page says so."""
    encoder = _encoder(model)
    check_pair(encoder, tokenizer)
    sentence = _sentence(sentence, "the sentence")
    if sentence_b is not None:
        sentence_b = _sentence(sentence_b, "the second sentence")
    spaces = [_read_vectors(v) if isinstance(v, (str, os.PathLike)) else tuple(v) for v in vectors]  # bad files first
    n_layers = encoder.config.num_hidden_layers
    layer = n_layers // 2 if layer is None else layer
    if not 0 <= layer <= n_layers:
        raise ValueError(f"layer={layer}: the model has hidden states 0..{n_layers}")
    limit = min(max_length, encoder.config.max_position_embeddings)
    full = len(tokenizer(sentence, sentence_b)["input_ids"])
    enc = tokenizer(sentence, sentence_b, truncation=True, max_length=limit, return_tensors="pt")
    tokens = tokenizer.convert_ids_to_tokens(enc["input_ids"][0].tolist())
    with _inference(encoder):
        out = encoder(**{k: enc[k] for k in ("input_ids", "attention_mask", "token_type_ids")},
                      output_attentions=True, output_hidden_states=True)
    attn = torch.stack(out.attentions)[:, 0]                                    # (L, heads, T, T)
    quantised = (attn.clamp(0, 1) * 255).round().to(torch.uint8).numpy()
    pieces, table = _piece_table(model, tokenizer, layer)
    hidden = out.hidden_states[layer][0]                                        # (T, H)
    alone = {t: v for t, v in zip(pieces, table)}
    context = []
    for t, h in zip(tokens, hidden):
        near_alone = _nearest(table, pieces, alone[t], t, neighbours) if t in alone else []
        context.append({"token": t, "in_context": _nearest(table, pieces, h, t, neighbours), "alone": near_alone})
    specials = set(tokenizer.all_special_tokens)
    words = [w for w in tokenizer.split_words(sentence + " " + (sentence_b or "")) if w not in specials]
    data = {"title": title or "minibert explore", "sentence": sentence, "sentence_b": sentence_b, "tokens": tokens,
            "layers": int(attn.shape[0]), "heads": int(attn.shape[1]), "threshold": LINE_THRESHOLD,
            "attention": base64.b64encode(quantised.tobytes()).decode("ascii"), "vector_layer": layer,
            "truncated": f"The input has {full} tokens; the page shows the first {limit}." if full > limit else "",
            "context": context,
            "spaces": _spaces(model, tokenizer, words, spaces, layer, pieces, table, neighbours) if spaces else None}
    template = (files("minibert") / "data" / "explore.html").read_text(encoding="utf-8")
    payload = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")  # no '</script>' inside the data
    return Page(template.replace("/*DATA*/null", payload).replace("{{TITLE}}", html.escape(data["title"])))
