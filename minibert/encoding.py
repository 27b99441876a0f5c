"""Truncation and padding of encoded texts, and the `BatchEncoding` the tokenizer returns.

The rules are transformers' (Rust `tokenizers`): `longest_first` splits the budget in closed
form (the shorter sequence keeps what it can, the rest is halved, the odd token going to the
longer one -- the second on ties); padding goes on the right. Lesson: lessons/01-tokenization.md.
"""
from __future__ import annotations

STRATEGIES = ("longest_first", "only_first", "only_second", "do_not_truncate")


def truncate_pair(len_a: int, len_b: int | None, budget: int, strategy: bool | str = True,
                  max_length: int | None = None) -> tuple[int, int | None]:
    """How many tokens of A and B to keep so that they fit `budget` (max_length minus specials)."""
    if strategy is True:
        strategy = "longest_first"
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown truncation strategy {strategy!r}; expected one of {STRATEGIES}")
    if budget < 0:
        raise ValueError(f"max_length={max_length} is smaller than the {max_length - budget} "
                         "special tokens ([CLS]/[SEP]) every sequence needs")
    total = len_a + (len_b or 0)
    if strategy == "do_not_truncate" or total <= budget:
        return len_a, len_b
    if budget == 0:  # room for the special tokens only: tokenizers empties both texts, whatever the strategy
        return 0, (None if len_b is None else 0)
    if strategy in ("only_first", "only_second"):
        if strategy == "only_second" and len_b is None:
            raise ValueError("truncation='only_second' needs a text pair")
        own = len_a if strategy == "only_first" else len_b
        excess = total - budget
        if own <= excess:
            raise ValueError(f"cannot fit max_length={max_length} with truncation={strategy!r}: "
                             f"that sequence has {own} tokens but {excess} must go")
        return (len_a - excess, len_b) if strategy == "only_first" else (len_a, len_b - excess)
    if len_b is None:
        return budget, None
    short, long = sorted((len_a, len_b))
    keep_short, keep_long = short, max(short, budget - short) if short <= budget else short
    if keep_short + keep_long > budget:  # both must give up tokens: halve the budget
        keep_short, keep_long = budget // 2, budget // 2 + budget % 2
    return (keep_short, keep_long) if len_a <= len_b else (keep_long, keep_short)


class BatchEncoding(dict):
    """A dict of model inputs (`input_ids`, `token_type_ids`, `attention_mask`) with helpers.

    `word_ids(i)` gives, for each token of text `i`, the index of the word it came from (None for
    special and padding tokens): what word-level pooling needs.
    """

    def __init__(self, data: dict, word_ids: list, sequence_ids: list, batched: bool):
        super().__init__(data)
        self._word_ids = word_ids
        self._sequence_ids = sequence_ids
        self.is_batched = batched

    def __getattr__(self, name: str):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def word_ids(self, batch_index: int = 0) -> list[int | None]:
        return list(self._word_ids[batch_index])

    def sequence_ids(self, batch_index: int = 0) -> list[int | None]:
        return list(self._sequence_ids[batch_index])

    def to(self, device) -> "BatchEncoding":
        for k, v in self.items():
            if hasattr(v, "to"):
                self[k] = v.to(device)
        return self


def pad_and_stack(rows: list[dict], padding: bool | str, max_length: int | None, pad_id: int,
                  pad_to_multiple_of: int | None, return_tensors: str | None, batched: bool) -> BatchEncoding:
    """Pad the encoded rows on the right and return them as lists or torch tensors."""
    if padding is True:
        padding = "longest"
    if padding not in (False, "longest", "max_length", "do_not_pad"):
        raise ValueError(f"unknown padding {padding!r}; expected True, 'longest', 'max_length' or False")
    lengths = [len(r["input_ids"]) for r in rows]
    target = None
    if padding == "longest" or (padding == "max_length" and max_length is None):
        target = max(lengths)
    elif padding == "max_length":
        target = max_length
    if target is not None and pad_to_multiple_of:
        target = -(-target // pad_to_multiple_of) * pad_to_multiple_of
    data = {k: [] for k in ("input_ids", "token_type_ids", "attention_mask", "special_tokens_mask")}
    words, seqs = [], []
    for r, n in zip(rows, lengths):
        extra = max(0, (target or 0) - n)
        if not extra:  # nothing to pad: the row's own (fresh) lists, not copies
            for k in ("input_ids", "token_type_ids", "special_tokens_mask"):
                data[k].append(r[k])
            data["attention_mask"].append([1] * n)
            words.append(r["word_ids"])
            seqs.append(r["sequence_ids"])
            continue
        data["input_ids"].append(r["input_ids"] + [pad_id] * extra)
        data["token_type_ids"].append(r["token_type_ids"] + [0] * extra)
        data["attention_mask"].append([1] * n + [0] * extra)
        data["special_tokens_mask"].append(r["special_tokens_mask"] + [1] * extra)
        words.append(r["word_ids"] + [None] * extra)
        seqs.append(r["sequence_ids"] + [None] * extra)
    if return_tensors == "pt":
        if len({len(x) for x in data["input_ids"]}) > 1:
            raise ValueError("texts of different lengths cannot form one tensor: pass padding=True")
        try:
            import torch
        except ModuleNotFoundError:
            raise ModuleNotFoundError("return_tensors='pt' needs torch, which is not installed: pip install torch, "
                                      "or leave return_tensors out for lists of ids", name="torch") from None
        data = {k: torch.tensor(v, dtype=torch.long) for k, v in data.items()}
    elif return_tensors is not None:
        raise ValueError(f"return_tensors={return_tensors!r} is not supported; use None or 'pt'")
    elif not batched:
        data = {k: v[0] for k, v in data.items()}
    return BatchEncoding(data, words, seqs, batched)
