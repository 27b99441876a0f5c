"""Pretraining examples as google-research/bert's `create_pretraining_data.py` makes them.

documents (lists of tokenized sentences) -> sentence pairs "[CLS] A [SEP] B [SEP]" packed to a
target length, B the true continuation or (50%) a random span of *another* document -> masked
copies: exactly min(max_predictions, max(1, round(n·masked_lm_prob))) positions, never [CLS] or
[SEP]; each is [MASK] (80%), a random vocabulary id (10%) or kept (10%).
Randomness comes from an explicit `random.Random`. Lesson: lessons/04-pretraining.md.
One deliberate change: Google draws the random document up to 10 times and may, rarely, keep
the same one; we draw among the *other* documents, so a "random" B never comes from A's document.
"""
from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass
class PairInstance:
    """One unmasked example: token ids of A and B, and whether B is random (NSP label 1)."""
    tokens_a: list[int]
    tokens_b: list[int]
    is_random_next: bool


@dataclass
class MaskedInstance:
    input_ids: list[int]        # [CLS] A [SEP] B [SEP], some ids replaced
    token_type_ids: list[int]
    masked_positions: list[int]  # sorted
    masked_labels: list[int]     # the original ids there
    next_sentence_label: int     # 0 = IsNext, 1 = random


def truncate_seq_pair(a: list[int], b: list[int], max_num_tokens: int, rng: random.Random) -> None:
    """Trim the longer list (B on ties) one token at a time, from the front or back at random."""
    while len(a) + len(b) > max_num_tokens:
        longer = a if len(a) > len(b) else b
        if rng.random() < 0.5:
            del longer[0]
        else:
            longer.pop()


def pairs_from_document(documents: list[list[list[int]]], index: int, max_seq_length: int,
                        short_seq_prob: float, rng: random.Random) -> list[PairInstance]:
    """Google's `create_instances_from_document`, on token ids."""
    document = documents[index]
    max_num_tokens = max_seq_length - 3
    target = rng.randint(2, max_num_tokens) if rng.random() < short_seq_prob else max_num_tokens
    out, chunk, length, i = [], [], 0, 0
    while i < len(document):
        chunk.append(document[i])
        length += len(document[i])
        if i == len(document) - 1 or length >= target:
            if chunk:
                a_end = rng.randint(1, len(chunk) - 1) if len(chunk) >= 2 else 1
                a = [t for seg in chunk[:a_end] for t in seg]
                b: list[int] = []
                is_random = len(chunk) == 1 or rng.random() < 0.5
                if is_random:
                    other = rng.randrange(len(documents) - 1)
                    other += other >= index  # any document but this one
                    random_doc = documents[other]
                    for seg in random_doc[rng.randrange(len(random_doc)):]:
                        b.extend(seg)
                        if len(b) >= target - len(a):
                            break
                    i -= len(chunk) - a_end  # the unused segments are put back
                else:
                    b = [t for seg in chunk[a_end:] for t in seg]
                truncate_seq_pair(a, b, max_num_tokens, rng)
                if a and b:
                    out.append(PairInstance(a, b, is_random))
            chunk, length = [], 0
        i += 1
    return out


def create_pairs(documents: list[list[list[int]]], max_seq_length: int = 128, short_seq_prob: float = 0.1,
                 rng: random.Random | None = None) -> list[PairInstance]:
    """Pairs from every document (shuffled), as one pass of `create_pretraining_data.py`."""
    if len(documents) < 2:
        raise ValueError(f"next-sentence prediction needs at least two documents, the corpus has "
                         f"{len(documents)}: separate documents with blank lines")
    rng = rng or random.Random(12345)
    pairs = [p for i in range(len(documents)) for p in
             pairs_from_document(documents, i, max_seq_length, short_seq_prob, rng)]
    rng.shuffle(pairs)
    return pairs


def mask_pair(pair: PairInstance, rng: random.Random, vocab_size: int, cls_id: int, sep_id: int,
              mask_id: int, masked_lm_prob: float = 0.15, max_predictions_per_seq: int = 20,
              continuation: set[int] | None = None) -> MaskedInstance:
    """Google's `create_masked_lm_predictions`. `continuation`: ids of "##" pieces, for whole-word
    masking (a word's pieces are chosen together; each piece still gets its own 80/10/10 draw)."""
    tokens = [cls_id, *pair.tokens_a, sep_id, *pair.tokens_b, sep_id]
    types = [0] * (len(pair.tokens_a) + 2) + [1] * (len(pair.tokens_b) + 1)
    candidates: list[list[int]] = []
    for i, t in enumerate(tokens):
        if t in (cls_id, sep_id):
            continue
        if continuation is not None and candidates and t in continuation:
            candidates[-1].append(i)
        else:
            candidates.append([i])
    rng.shuffle(candidates)
    n_predict = min(max_predictions_per_seq, max(1, int(round(len(tokens) * masked_lm_prob))))
    output = list(tokens)
    chosen: list[int] = []
    for group in candidates:
        if len(chosen) >= n_predict:
            break
        if len(chosen) + len(group) > n_predict:
            continue
        for i in group:
            if rng.random() < 0.8:
                output[i] = mask_id
            elif rng.random() < 0.5:
                output[i] = tokens[i]
            else:
                output[i] = rng.randint(0, vocab_size - 1)  # any id, specials included, as Google
            chosen.append(i)
    chosen.sort()
    return MaskedInstance(output, types, chosen, [tokens[i] for i in chosen], int(pair.is_random_next))
