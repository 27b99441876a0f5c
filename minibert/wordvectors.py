"""Vectors out of BERT: sentence vectors, contextual word vectors, and static word vectors.

"Everything is a mapping": BERT maps each token *in context* to a vector; word2vec and GloVe map
each word to one vector. Here BERT's maps are read off as (1) one vector per text (mean or [CLS]
pooling), (2) one vector per word of a sentence (pooled over its WordPiece pieces), and (3) one
vector per word, full stop: the word alone, or its mean over real contexts (Bommasani et al., ACL
2020). Static vectors land in `KeyedVectors`, so they are evaluated exactly as word2vec/GloVe are.
Tests hold every function equal to the same computation in HF transformers. Lesson 7.
N texts, T tokens, H hidden, L layers.
"""
from __future__ import annotations

from contextlib import contextmanager

import numpy as np
import torch

from .vectors import KeyedVectors

POOLINGS = {"sentence": ("mean", "cls"), "word": ("mean", "first", "last")}


def _encoder(model):
    """The BertModel inside a model with a head (`.bert`), or the model itself."""
    encoder = getattr(model, "bert", model)
    if not hasattr(encoder, "embeddings") or not hasattr(encoder, "config"):
        raise TypeError(f"expected a minibert BertModel (or a model with .bert), got {type(model).__name__}")
    return encoder


def check_pair(encoder, tokenizer) -> None:
    """A tokenizer whose ids the model has no rows for is a mismatch: say so before any work."""
    if len(tokenizer) > encoder.config.vocab_size:
        raise ValueError(f"tokenizer and model do not match: the tokenizer has {len(tokenizer)} tokens, "
                         f"the model's vocab_size is {encoder.config.vocab_size}")


def max_length(encoder, tokenizer) -> int:
    """Longest input the pair takes: the model's positions, or the tokenizer's limit if smaller."""
    limit = encoder.config.max_position_embeddings
    return min(limit, tokenizer.model_max_length or limit)


def _layers(encoder, layer) -> list[int]:
    """`layer` (an int, or a list of ints for several layers in one pass) -> checked list."""
    layers = [layer] if isinstance(layer, int) else list(layer)
    n = encoder.config.num_hidden_layers + 1  # hidden_states: embeddings + each layer
    for x in layers:
        if not isinstance(x, int) or not -n <= x < n:
            raise ValueError(f"layer={x} is out of range: hidden_states has {n} entries (0 = embeddings)")
    if not layers:
        raise ValueError("no layer given")
    return layers


def _check_pooling(pooling: str, kind: str) -> None:
    if pooling not in POOLINGS[kind]:
        raise ValueError(f"pooling={pooling!r}: expected one of {POOLINGS[kind]}")


def _texts(texts, what: str = "texts") -> list[str]:
    if isinstance(texts, str):
        raise TypeError(f"{what} must be a list of strings, not one string")
    texts = list(texts)
    for t in texts:
        if not isinstance(t, str):
            raise TypeError(f"{what} must be strings, got {type(t).__name__}")
    return texts


@contextmanager
def _inference(encoder):
    """eval() and no_grad() for the duration, then the model's mode as it was."""
    was_training = encoder.training
    encoder.eval()
    try:
        with torch.no_grad():
            yield
    finally:
        encoder.train(was_training)


def _hidden(encoder, batch: dict, layers: list[int]) -> torch.Tensor:
    """The chosen layers' hidden states (nL, B, T, H), float32 on the CPU, for a tokenised batch."""
    device = encoder.embeddings.word.weight.device
    inputs = {k: batch[k].to(device) for k in ("input_ids", "attention_mask", "token_type_ids")}
    out = encoder(**inputs, output_hidden_states=layers != [-1], skip_padding=True)  # padding is never read
    states = [out.last_hidden_state] if layers == [-1] else [out.hidden_states[x] for x in layers]
    return torch.stack(states).float().cpu()


def _by_length(encodings: list[list[int]], batch_size: int):
    """Batches of indices, texts of similar length together: less padding, same results."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    order = sorted(range(len(encodings)), key=lambda i: len(encodings[i]))
    return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]


def _encode_all(tokenizer, texts: list[str], limit: int):
    """Each text's ids and word ids, cut at `limit` tokens ([CLS] ... [SEP])."""
    return [tokenizer(t, truncation=True, max_length=limit) for t in texts]


def _batch(tokenizer, texts: list[str], rows: list[int], limit: int) -> dict:
    """The tokenizer's own padded batch of texts[rows] (the same ids as `_encode_all`'s)."""
    return tokenizer([texts[i] for i in rows], padding=True, truncation=True, max_length=limit, return_tensors="pt")


def sentence_vectors(model, tokenizer, texts, layer: int | list[int] = -1, pooling: str = "mean",
                     batch_size: int = 32) -> torch.Tensor:
    """(N, H) float32: one vector per text from hidden_states[layer] ((nL, N, H) for a list of layers).

    "mean" averages every non-padding token, [CLS] and [SEP] included (sentence-transformers'
    mean pooling); "cls" takes the [CLS] token (not the pooler's tanh layer). Texts longer than the
    model takes are truncated; an empty text is [CLS] [SEP] and gets their mean.
    """
    encoder, texts = _encoder(model), _texts(texts)
    check_pair(encoder, tokenizer)
    layers = _layers(encoder, layer)
    _check_pooling(pooling, "sentence")
    limit = max_length(encoder, tokenizer)
    encodings = _encode_all(tokenizer, texts, limit)
    out = torch.zeros(len(layers), len(texts), encoder.config.hidden_size, dtype=torch.float32)
    with _inference(encoder):
        for rows in _by_length([e["input_ids"] for e in encodings], batch_size):
            batch = _batch(tokenizer, texts, rows, limit)
            hidden = _hidden(encoder, batch, layers)  # (nL, B, T, H)
            if pooling == "cls":
                pooled = hidden[:, :, 0]
            else:
                mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)  # (B, T, 1)
                pooled = (hidden * mask).sum(2) / mask.sum(1)
            out[:, rows] = pooled
    return out[0] if isinstance(layer, int) else out


def _pool_words(hidden: torch.Tensor, word_ids: list, n_words: int, pooling: str) -> torch.Tensor:
    """(nL, T, H) token vectors -> (nL, n_words, H): each word's pieces pooled."""
    hidden = hidden.transpose(0, 1)  # (T, nL, H)
    vectors = torch.zeros(n_words, *hidden.shape[1:], dtype=torch.float32)
    positions: list[list[int]] = [[] for _ in range(n_words)]
    for t, w in enumerate(word_ids):
        if w is not None and w < n_words:
            positions[w].append(t)
    for w, pos in enumerate(positions):
        if pooling == "first":
            vectors[w] = hidden[pos[0]]
        elif pooling == "last":
            vectors[w] = hidden[pos[-1]]
        else:
            vectors[w] = hidden[pos].mean(0)
    return vectors.transpose(0, 1)


def word_vectors(model, tokenizer, sentences, layer: int | list[int] = -1, pooling: str = "mean",
                 batch_size: int = 32) -> list[tuple[list[str], torch.Tensor]]:
    """For each sentence: (its words, (n_words, H) float32), each word in its context
    ((nL, n_words, H) for a list of layers).

    Words are the tokenizer's words before WordPiece (lower-cased for uncased models; punctuation
    and each CJK character a word of its own). A word's vector pools its pieces' vectors ("mean",
    "first" or "last" piece). Words cut off by truncation at the model's length are left out.
    """
    encoder, sentences = _encoder(model), _texts(sentences, "sentences")
    check_pair(encoder, tokenizer)
    layers = _layers(encoder, layer)
    _check_pooling(pooling, "word")
    limit = max_length(encoder, tokenizer)
    encodings = _encode_all(tokenizer, sentences, limit)
    results: list = [None] * len(sentences)
    with _inference(encoder):
        for rows in _by_length([e["input_ids"] for e in encodings], batch_size):
            batch = _batch(tokenizer, sentences, rows, limit)
            hidden = _hidden(encoder, batch, layers)  # (nL, B, T, H)
            for b, i in enumerate(rows):
                words = tokenizer.split_words(sentences[i])
                n = whole_words(tokenizer, words, encodings[i].word_ids())
                vectors = _pool_words(hidden[:, b], encodings[i].word_ids(), n, pooling)  # (nL, n, H)
                results[i] = (words[:n], vectors[0] if isinstance(layer, int) else vectors)
    return results


def whole_words(tokenizer, words: list[str], word_ids: list) -> int:
    """How many leading words kept all their pieces after truncation."""
    seen = [w for w in word_ids if w is not None]
    if not seen:
        return 0
    last = seen[-1]
    full = len(tokenizer.word_pieces(words[last])) == seen.count(last)
    return last + 1 if full else last


def _decontextualised(encoder, tokenizer, words: list[str], layers: list[int], pooling: str,
                      batch_size: int) -> np.ndarray:
    """Each word encoded alone, [CLS] pieces [SEP], pooled over its pieces only."""
    limit = max_length(encoder, tokenizer)
    encodings = _encode_all(tokenizer, words, limit)
    for word, e in zip(words, encodings):
        if len(e["input_ids"]) <= 2:
            raise ValueError(f"{word!r} gives no tokens (empty, blank or control characters only)")
    vectors = np.zeros((len(layers), len(words), encoder.config.hidden_size), dtype=np.float32)
    with _inference(encoder):
        for rows in _by_length([e["input_ids"] for e in encodings], batch_size):
            batch = _batch(tokenizer, words, rows, limit)
            hidden = _hidden(encoder, batch, layers)  # (nL, B, T, H)
            for b, i in enumerate(rows):
                n = len(encodings[i]["input_ids"]) - 2
                pieces = hidden[:, b, 1:1 + n]  # (nL, n, H): the pieces, without [CLS]/[SEP]
                vectors[:, i] = (pieces[:, 0] if pooling == "first" else pieces[:, -1] if pooling == "last"
                                 else pieces.mean(1)).numpy()
    return vectors  # (nL, N, H)


def static_vectors(model, tokenizer, words, layer: int | list[int] = -1, pooling: str = "mean", contexts=None,
                   max_contexts: int = 100, unseen: str = "skip", batch_size: int = 32) -> KeyedVectors:
    """One vector per word, as `KeyedVectors` (evaluated exactly as word2vec/GloVe vectors); for a
    list of layers, one `KeyedVectors` per layer, all from one pass.

    contexts=None: each word alone, `[CLS] pieces [SEP]`, its pieces pooled ("decontextualised").
    contexts=sentences: the mean of the word's contextual vectors over its first `max_contexts`
    occurrences (Bommasani et al., 2020, "aggregated"). A word matches a context word after the
    tokenizer's own normalisation (case, accents); words never seen are left out (unseen="skip") or
    get their decontextualised vector (unseen="decontextualised").
    """
    encoder, words = _encoder(model), _texts(words, "words")
    check_pair(encoder, tokenizer)
    layers = _layers(encoder, layer)
    _check_pooling(pooling, "word")
    if unseen not in ("skip", "decontextualised"):
        raise ValueError(f"unseen={unseen!r}: expected 'skip' or 'decontextualised'")
    if max_contexts < 1:
        raise ValueError(f"max_contexts must be at least 1, got {max_contexts}")
    words = list(dict.fromkeys(words))  # duplicates once, first order kept
    if not words:
        raise ValueError("no words given")
    if contexts is None:
        table = _decontextualised(encoder, tokenizer, words, layers, pooling, batch_size)  # (nL, N, H)
        kept = words
    else:
        sums, counts = _context_sums(encoder, tokenizer, words, contexts, layers, pooling, max_contexts, batch_size)
        vectors = {w: (sums[w] / counts[w]).astype(np.float32) for w in words if counts.get(w)}  # (nL, H) each
        if unseen == "decontextualised":
            missing = [w for w in words if w not in vectors]
            if missing:
                alone = _decontextualised(encoder, tokenizer, missing, layers, pooling, batch_size)
                for j, w in enumerate(missing):
                    vectors[w] = alone[:, j]
        kept = [w for w in words if w in vectors]
        if not kept:
            raise ValueError("none of the words occurs in the contexts")
        table = np.stack([vectors[w] for w in kept], axis=1)  # (nL, N, H)
    per_layer = [KeyedVectors(kept, table[j]) for j in range(len(layers))]
    return per_layer[0] if isinstance(layer, int) else per_layer


def _context_sums(encoder, tokenizer, words, contexts, layers, pooling, max_contexts, batch_size):
    """Sum (float64) and count of each word's contextual vectors over its first occurrences."""
    key_of = {}  # normalised form (the tokenizer's one word) -> the word as the caller gave it
    for w in words:
        split = tokenizer.split_words(w)
        if len(split) == 1:
            key_of.setdefault(split[0], w)
    sums: dict[str, np.ndarray] = {}
    counts: dict[str, int] = {}
    pending: list[str] = []

    def flush():
        for sentence_words, vecs in word_vectors(encoder, tokenizer, pending, layers, pooling, batch_size):
            for token, vec in zip(sentence_words, vecs.transpose(0, 1).numpy()):  # vec: (nL, H)
                w = key_of.get(token)
                if w is not None and counts.get(w, 0) < max_contexts:
                    sums[w] = sums.get(w, 0.0) + vec.astype(np.float64)
                    counts[w] = counts.get(w, 0) + 1
        pending.clear()

    limit = max_length(encoder, tokenizer)
    planned: dict[str, int] = {}  # occurrences queued so far, so no more sentences are read than needed
    for sentence in _texts_iter(contexts):
        words_here = tokenizer.split_words(sentence)
        if not any(t in key_of for t in words_here):
            continue
        # only words that survive truncation count, so the first max_contexts *vectors* are taken
        kept = whole_words(tokenizer, words_here, tokenizer(sentence, truncation=True, max_length=limit).word_ids())
        hits = [key_of[t] for t in words_here[:kept] if t in key_of]
        if not any(planned.get(w, 0) < max_contexts for w in hits):
            continue
        for w in hits:
            planned[w] = planned.get(w, 0) + 1
        pending.append(sentence)
        if len(pending) >= 256:
            flush()
        if len(planned) == len(set(key_of.values())) and all(n >= max_contexts for n in planned.values()):
            break
    if pending:
        flush()
    return sums, counts


def _texts_iter(contexts):
    if isinstance(contexts, str):
        raise TypeError("contexts must be an iterable of sentences, not one string")
    for s in contexts:
        if not isinstance(s, str):
            raise TypeError(f"contexts must be strings, got {type(s).__name__}")
        yield s
