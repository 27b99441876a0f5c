"""`distill`: a BERT model -> a `StaticModel`, by Model2Vec's recipe, written out on our backend.

Each vocabulary piece is encoded alone, as `[CLS] piece [SEP]`, and its three output vectors are
averaged; PCA turns the table's axes to its directions of most variance and keeps `pca_dims`; each
row is then scaled by a SIF weight a / (a + p), p the piece's probability under Zipf's law (vocabulary
rank r: p ∝ 1/(r + 2)), so frequent pieces weigh less in a text's mean. Tests hold the result equal to
`model2vec.distill` and the PCA to scikit-learn's. Lesson 7. V pieces, H hidden, D = pca_dims.
"""
from __future__ import annotations

import re

import numpy as np
import torch

from .staticmodel import StaticModel
from .tokenizer import BertTokenizer
from .wordvectors import (_batch, _by_length, _encode_all, _encoder, _hidden, _inference, _layers, _texts_iter,
                          check_pair, max_length)


def sif_weights(n: int, sif_coefficient: float) -> np.ndarray:
    """(n,) float64 a / (a + p_r): p_r = (1/(r+2)) / sum_k 1/(k+2), the Zipf probability of rank r."""
    inv_rank = 1.0 / np.arange(2, n + 2, dtype=np.float64)
    p = inv_rank / inv_rank.sum()
    return sif_coefficient / (sif_coefficient + p)


def pca(x: torch.Tensor, n_components: int) -> torch.Tensor:
    """(V, H) -> (V, n_components) float64: the centred rows projected on the covariance matrix's top
    eigenvectors, each axis signed so that its largest-magnitude score is positive."""
    x = x.double()
    centred = x - x.mean(dim=0)                                   # (V, H)
    cov = centred.T @ centred / (x.shape[0] - 1)                  # (H, H)
    _, vectors = torch.linalg.eigh(cov)                           # ascending eigenvalues
    components = vectors.flip(1)[:, :n_components]                # (H, D), most variance first
    scores = centred @ components                                 # (V, D)
    top = scores.abs().argmax(dim=0)
    return scores * torch.sign(scores[top, torch.arange(scores.shape[1])])


def static_vocabulary(tokenizer: BertTokenizer, token_remove_pattern: str | None) -> list[int]:
    """The ids that get a row, in id order: all but [CLS], [SEP], [MASK] and the pattern's matches."""
    remove = re.compile(token_remove_pattern) if token_remove_pattern else None
    drop = set(tokenizer.all_special_tokens) - {tokenizer.pad_token, tokenizer.unk_token}  # Model2Vec keeps these
    ids = sorted(tokenizer.ids_to_tokens)
    keep = [i for i in ids if tokenizer.ids_to_tokens[i] not in drop
            and not (remove and remove.match(tokenizer.ids_to_tokens[i]))]
    if not keep:
        raise ValueError(f"token_remove_pattern={token_remove_pattern!r} removes the whole vocabulary")
    return keep


def piece_vectors(model, tokenizer: BertTokenizer, ids: list[int], layer: int = -1,
                  batch_size: int = 256) -> torch.Tensor:
    """(len(ids), H) float32: hidden_states[layer] of `[CLS] piece [SEP]`, averaged over its 3 positions."""
    encoder = _encoder(model)
    layers = _layers(encoder, layer)
    cls, sep = tokenizer.cls_token_id, tokenizer.sep_token_id
    if cls is None or sep is None:
        raise ValueError("the tokenizer has no [CLS] or [SEP]: it is not a BERT model's tokenizer")
    out = torch.empty(len(ids), encoder.config.hidden_size)
    with _inference(encoder):
        for start in range(0, len(ids), batch_size):
            chunk = torch.tensor(ids[start:start + batch_size])
            input_ids = torch.stack([torch.full_like(chunk, cls), chunk, torch.full_like(chunk, sep)], 1)  # (B, 3)
            batch = {"input_ids": input_ids, "attention_mask": torch.ones_like(input_ids),
                     "token_type_ids": torch.zeros_like(input_ids)}
            out[start:start + len(chunk)] = _hidden(encoder, batch, layers)[0].mean(dim=1)
    return out


def context_piece_vectors(model, tokenizer: BertTokenizer, ids: list[int], contexts, layer: int = -1,
                          max_contexts: int = 10, batch_size: int = 32) -> tuple[torch.Tensor, torch.Tensor]:
    """(len(ids), H) float32 and (len(ids),) counts: each piece's mean hidden_states[layer] over its first
    `max_contexts` occurrences in the contexts, in reading order (Bommasani et al.'s corpus average, for
    pieces); 0 and a zero vector where a piece never occurs."""
    encoder = _encoder(model)
    layers = _layers(encoder, layer)
    if max_contexts < 1:
        raise ValueError(f"max_contexts must be at least 1, got {max_contexts}")
    texts = list(_texts_iter(contexts))
    limit = max_length(encoder, tokenizer)
    row_of = {i: r for r, i in enumerate(ids)}
    counts = torch.zeros(len(ids), dtype=torch.long)
    chosen: dict[int, tuple[list[int], list[int]]] = {}  # text -> (positions, rows) of the occurrences taken
    encodings = _encode_all(tokenizer, texts, limit)
    for t, enc in enumerate(encodings):
        positions, rows = [], []
        for pos, i in enumerate(enc["input_ids"][1:-1], start=1):  # not [CLS] and [SEP]
            r = row_of.get(i)
            if r is not None and counts[r] < max_contexts:
                counts[r] += 1
                positions.append(pos)
                rows.append(r)
        if rows:
            chosen[t] = (positions, rows)
    sums = torch.zeros(len(ids), encoder.config.hidden_size, dtype=torch.float64)
    used = sorted(chosen)
    with _inference(encoder):
        for batch_rows in _by_length([encodings[t]["input_ids"] for t in used], batch_size):
            batch_texts = [used[k] for k in batch_rows]
            hidden = _hidden(encoder, _batch(tokenizer, texts, batch_texts, limit), layers)[0]  # (B, T, H)
            for b, t in enumerate(batch_texts):
                positions, rows = chosen[t]
                sums.index_add_(0, torch.tensor(rows), hidden[b, positions].double())
    return (sums / counts.clamp(min=1)[:, None]).float(), counts


def distill(model, tokenizer: BertTokenizer, pca_dims: int | None = 256, sif_coefficient: float | None = 1e-4,
            token_remove_pattern: str | None = r"\[unused\d+\]", layer: int = -1, contexts=None,
            max_contexts: int = 10, dtype: str = "float32", batch_size: int = 256) -> StaticModel:
    """A `StaticModel` over the tokenizer's vocabulary (less [CLS]/[SEP]/[MASK] and [unusedN]).

    pca_dims=None keeps the hidden size without PCA; sif_coefficient=None keeps every weight 1.
    layer picks hidden_states[layer] (Model2Vec: the last). contexts=sentences replaces each piece's
    vector alone by its mean over its first `max_contexts` occurrences there (pieces never seen keep
    theirs alone). dtype "float16" stores the table as Model2Vec does by default; "float32" keeps it.
    """
    encoder = _encoder(model)
    check_pair(encoder, tokenizer)
    hidden = encoder.config.hidden_size
    if sif_coefficient is not None and not 0 < sif_coefficient < 1:
        raise ValueError(f"sif_coefficient must lie strictly between 0 and 1, got {sif_coefficient}")
    if dtype not in ("float16", "float32", "float64"):
        raise ValueError(f"dtype={dtype!r}: expected 'float16', 'float32' or 'float64'")
    ids = static_vocabulary(tokenizer, token_remove_pattern)
    if pca_dims is not None:
        if not isinstance(pca_dims, int) or pca_dims < 1:
            raise ValueError(f"pca_dims must be a positive int or None, got {pca_dims!r}")
        if pca_dims > hidden:
            raise ValueError(f"pca_dims={pca_dims} is above the model's hidden size {hidden}: "
                             f"PCA can keep at most {hidden} axes (pca_dims=None skips PCA)")
        if pca_dims >= len(ids):
            raise ValueError(f"pca_dims={pca_dims} is not below the vocabulary's {len(ids)} pieces: "
                             "PCA needs more rows than axes (pca_dims=None skips PCA)")
    table = piece_vectors(model, tokenizer, ids, layer, batch_size)             # (V, H)
    seen = 0
    if contexts is not None:
        averaged, counts = context_piece_vectors(model, tokenizer, ids, contexts, layer, max_contexts)
        table = torch.where(counts[:, None] > 0, averaged, table)
        seen = int((counts > 0).sum())
    table = pca(table, pca_dims).numpy() if pca_dims is not None else table.numpy().astype(np.float64)
    if sif_coefficient is not None:
        table = table * sif_weights(len(ids), sif_coefficient)[:, None]
    vocab = {tokenizer.ids_to_tokens[i]: row for row, i in enumerate(ids)}
    static_tokenizer = BertTokenizer(vocab=vocab, do_lower_case=tokenizer.do_lower_case,
                                     strip_accents=tokenizer.strip_accents,
                                     tokenize_chinese_chars=tokenizer.tokenize_chinese_chars,
                                     unk_token=tokenizer.unk_token, pad_token=tokenizer.pad_token,
                                     max_input_chars_per_word=tokenizer.wordpiece.max_input_chars_per_word)
    config = {"apply_pca": pca_dims, "sif_coefficient": sif_coefficient, "pooling": "mean", "layer": layer,
              **({"pieces_from_contexts": seen, "max_contexts": max_contexts} if contexts is not None else {}),
              "tokenizer_name": getattr(encoder.config, "_name_or_path", "") or ""}
    return StaticModel(table.astype(dtype), static_tokenizer, normalize=True, config=config)
