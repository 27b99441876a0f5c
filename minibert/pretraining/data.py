"""From a corpus to reproducible batches: tokenize, split off held-out documents, make pairs,
mask them (statically, `dupe_factor` copies, or dynamically, anew every epoch), and collate.

Every batch is a pure function of (seed, step): that is what makes resuming exact and lets
each distributed rank take its own shard of the same global batch. Lesson: lessons/04-pretraining.md.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

import torch

from ..tokenizer import BertTokenizer
from .baseline import NeighbourCloze
from .instances import MaskedInstance, PairInstance, create_pairs, mask_pair, pairs_from_document


@dataclass
class DataConfig:
    max_seq_length: int = 128
    masked_lm_prob: float = 0.15
    max_predictions_per_seq: int = 20
    short_seq_prob: float = 0.1
    whole_word_mask: bool = False
    masking: str = "dynamic"   # or "static"
    dupe_factor: int = 10      # static masking: how many masked copies of each pair
    heldout_fraction: float = 0.05

    def __post_init__(self):
        if self.masking not in ("dynamic", "static"):
            raise ValueError(f"masking must be 'dynamic' or 'static', got {self.masking!r}")
        if self.max_seq_length < 8:
            raise ValueError(f"max_seq_length={self.max_seq_length} is too short for a sentence pair")


class PretrainingData:
    """Tokenized documents -> training pairs and held-out masked examples."""

    def __init__(self, documents: list[list[str]], tokenizer: BertTokenizer, config: DataConfig, seed: int):
        self.tok, self.config, self.seed = tokenizer, config, seed
        self.continuation = {i for t, i in tokenizer.vocab.items() if t.startswith("##")} \
            if config.whole_word_mask else None
        docs = [[ids for ids in (tokenizer.encode(s, add_special_tokens=False) for s in d) if ids] for d in documents]
        docs = [d for d in docs if d]
        if len(docs) < 2:
            raise ValueError(f"next-sentence prediction needs at least two documents; this corpus has "
                             f"{len(docs)}. Separate documents with blank lines (or give a folder of files).")
        n_heldout = int(len(docs) * config.heldout_fraction) if len(docs) >= 10 else 0
        self.heldout_index = list(range(len(docs) - n_heldout, len(docs)))
        train_docs = docs[: len(docs) - n_heldout]
        self.train_documents = train_docs
        self._baseline_accuracy: float | None = None
        rng = random.Random(seed)
        copies = config.dupe_factor if config.masking == "static" else 1
        self.pairs: list[PairInstance] = []
        for _ in range(copies):
            self.pairs += create_pairs(train_docs, config.max_seq_length, config.short_seq_prob, rng)
        if not self.pairs:
            raise ValueError("the corpus gave no sentence pairs: are its documents empty?")
        self.static = [self.mask(p, random.Random(f"{seed}/static/{i}")) for i, p in enumerate(self.pairs)] \
            if config.masking == "static" else None
        eval_rng = random.Random(f"{seed}/heldout")
        self.heldout = [self.mask(p, eval_rng, held_out=True) for i in self.heldout_index
                        for p in pairs_from_document(docs, i, config.max_seq_length, config.short_seq_prob, eval_rng)]
        self._order: tuple[int, list[int]] = (-1, [])

    def neighbour_count_accuracy(self) -> float:
        """The counting baseline (baseline.NeighbourCloze, fitted on the training documents) on
        exactly the held-out masked positions the model is scored on."""
        if self._baseline_accuracy is None:
            cloze = NeighbourCloze(self.train_documents, self.tok.vocab_size)
            hits = total = 0
            for e in self.heldout:
                for pos, gold in zip(e.masked_positions, e.masked_labels):
                    hits += cloze.predict(e.input_ids, pos) == gold
                    total += 1
            self._baseline_accuracy = hits / max(total, 1)
        return self._baseline_accuracy

    def mask(self, pair: PairInstance, rng: random.Random, held_out: bool = False) -> MaskedInstance:
        """Training examples use the configured masking rate; held-out ones always BERT's 15% (at
        most 20 per sequence), so that runs trained with other rates are scored on the same task."""
        c, tok = self.config, self.tok
        prob, most = (0.15, 20) if held_out else (c.masked_lm_prob, c.max_predictions_per_seq)
        return mask_pair(pair, rng, tok.vocab_size, tok.cls_token_id, tok.sep_token_id, tok.mask_token_id,
                         prob, most, self.continuation)

    def example(self, position: int) -> MaskedInstance:
        """The `position`-th example of the endless training stream (epochs reshuffled by seed)."""
        n = len(self.pairs)
        epoch, k = divmod(position, n)
        if self._order[0] != epoch:
            order = list(range(n))
            random.Random(f"{self.seed}/epoch/{epoch}").shuffle(order)
            self._order = (epoch, order)
        i = self._order[1][k]
        if self.static is not None:
            return self.static[i]
        return self.mask(self.pairs[i], random.Random(f"{self.seed}/mask/{position}"))

    def batch(self, step: int, batch_size: int, shard: int = 0, n_shards: int = 1) -> dict[str, torch.Tensor]:
        """Shard `shard` of `n_shards` of global batch `step` (examples step*B .. step*B+B-1, every
        n_shards-th from the shard's own). Ranks and accumulation steps split a batch the same way,
        so two ranks and one process accumulating two micro-batches see the same micro-batches."""
        start = step * batch_size
        return collate([self.example(p) for p in range(start + shard, start + batch_size, n_shards)],
                       self.tok.pad_token_id)


def collate(examples: list[MaskedInstance], pad_id: int) -> dict[str, torch.Tensor]:
    """Pad on the right to the longest example; labels are -100 except at masked positions."""
    T = max(len(e.input_ids) for e in examples)
    ids = torch.full((len(examples), T), pad_id, dtype=torch.long)
    types = torch.zeros_like(ids)
    mask = torch.zeros_like(ids)
    labels = torch.full_like(ids, -100)
    for r, e in enumerate(examples):
        n = len(e.input_ids)
        ids[r, :n] = torch.tensor(e.input_ids)
        types[r, :n] = torch.tensor(e.token_type_ids)
        mask[r, :n] = 1
        labels[r, e.masked_positions] = torch.tensor(e.masked_labels)
    nsp = torch.tensor([e.next_sentence_label for e in examples])
    return {"input_ids": ids, "token_type_ids": types, "attention_mask": mask, "labels": labels,
            "next_sentence_label": nsp}
