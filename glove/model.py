"""`GloVe`: word vectors from weighted least squares on log co-occurrence counts.

Minimises Σ f(X_ij)·(w_i·c_j + b_i + b̃_j − log X_ij)² over the non-zero X_ij, with the C tool's
names and defaults (`vector_size=50, x_max=100, alpha=0.75, eta=0.05, epochs=25, grad_clip=100`).
`model` picks what `wv` holds: 0 word vectors with biases and context vectors, 1 word vectors,
2 word + context vectors (the default, as in the C tool).
On a CPU, records are applied one at a time by the compiled loop (`loop.py`), `threads` at once, as
the C tool does; `batch_size=B` (and any GPU) uses mini-batches of B records on torch instead
(4096 on a GPU when not given). Parameters are float64 like the C tool's `double` (with one
thread and its record order, it is reproduced to 1e-15); `dtype="float32"` trains faster, within
the C tool's quality band (benchmarks/glove_speed.py prints both). `shuffle=True` shuffles the
records once, as the C tool's `shuffle` stage, and every epoch reads them in that order (False:
as counted, sorted by word and context). The corpus is streamed: a
list, a `CorpusFile(path)` (as `corpus_file=path`) or any re-iterable. Lesson: lessons/06-glove.md.
"""
from __future__ import annotations

import sys
import time

import numpy as np
import torch

from minibert.backend import check_reiterable, cpu_count, get_device, get_dtype, make_generator
from minibert.vectors import KeyedVectors

from .cooccur import cooccurrence
from .train import Params, record_order, train_epoch, weighting
from .vocab import CorpusFile, build_vocab


class GloVe:
    def __init__(self, sentences=None, *, corpus_file=None, vector_size: int = 50, window_size: int = 15,
                 symmetric: bool = True, min_count: int = 5, max_vocab: int | None = None,
                 x_max: float = 100.0, alpha: float = 0.75, eta: float = 0.05, epochs: int = 25,
                 grad_clip: float = 100.0, seed: int = 1, model: int = 2, batch_size: int | None = None,
                 threads: int | None = None, shuffle: bool = True, device=None, dtype="float64",
                 verbose: bool = False):
        if x_max <= 0:
            raise ValueError(f"x_max must be positive, got {x_max}")
        if vector_size < 1 or epochs < 0 or (batch_size is not None and batch_size < 1) or eta <= 0:
            raise ValueError("vector_size and batch_size must be >= 1, epochs >= 0, eta > 0")
        if threads is not None and threads < 1:
            raise ValueError(f"threads must be >= 1, got {threads}")
        self.vector_size, self.window_size, self.symmetric = vector_size, window_size, symmetric
        self.min_count, self.max_vocab = min_count, max_vocab
        self.x_max, self.alpha, self.eta, self.epochs, self.grad_clip = x_max, alpha, eta, epochs, grad_clip
        self.seed, self.model, self.shuffle = seed, model if model in (0, 1) else 2, shuffle
        self.device, self.dtype, self.verbose = get_device(device), get_dtype(dtype), verbose
        if batch_size is None and (self.device.type != "cpu" or self.dtype not in (torch.float32, torch.float64)):
            batch_size = 4096                    # the compiled loop is for float32/64 on CPUs
        self.batch_size, self.threads = batch_size, threads or min(8, cpu_count())
        self.costs: list[float] = []
        if corpus_file is not None:
            sentences = CorpusFile(corpus_file)
        if sentences is not None:
            self.build(sentences)
            self.train()

    def build(self, sentences) -> None:
        """Vocabulary, co-occurrence records and initial parameters: two passes over `sentences`
        (a list, a CorpusFile or any re-iterable), which is streamed, never held whole."""
        check_reiterable(sentences)
        self.vocab = build_vocab(sentences, self.min_count, self.max_vocab)
        if len(self.vocab) < 2:
            raise ValueError(f"GloVe needs at least two distinct words; the vocabulary is {self.vocab}")
        rows, cols, values = cooccurrence(sentences, self.vocab, self.window_size, self.symmetric,
                                          threads=self.threads)
        if len(values) == 0:
            raise ValueError("no two vocabulary words co-occur on a line: nothing to learn from")
        self.set_records(rows, cols, values)
        self.init_params()

    def set_records(self, rows, cols, values) -> None:
        as_t = lambda a, dt: torch.as_tensor(np.array(a), dtype=dt, device=self.device)  # noqa: E731
        self.rows, self.cols = as_t(rows, torch.long), as_t(cols, torch.long)
        self.values = as_t(values, self.dtype)

    def init_params(self, c_layout: np.ndarray | None = None) -> None:
        """Uniform in ±0.5/d (biases too) as the C tool, or the C tool's own saved array (2V, d+1)."""
        V, d = len(self.vocab), self.vector_size
        if c_layout is None:
            gen = make_generator(self.seed)
            c_layout = (torch.rand(2 * V, d + 1, generator=gen, dtype=torch.float64) - 0.5) / d
        W = torch.as_tensor(np.asarray(c_layout), dtype=self.dtype).to(self.device)
        if W.shape != (2 * V, d + 1):
            raise ValueError(f"parameters of shape {tuple(W.shape)}, expected {(2 * V, d + 1)}")
        self.params = Params.from_c_layout(W)

    def train(self, epochs: int | None = None) -> list[float]:
        """Run AdaGrad epochs; returns (and logs) the mean cost per record of each."""
        n_epochs = self.epochs if epochs is None else epochs
        if n_epochs <= 0:
            return self.costs
        gen = make_generator(self.seed + 1, self.device) if self.shuffle else None
        order = record_order(len(self.rows), gen, self.rows.device)   # shuffled once, as the C tool
        if self.batch_size is None:                    # the compiled loop: records packed once, in order
            from .loop import LoopParams, pack_records, train_records
            packed = pack_records(self.rows, self.cols, self.values.log(),
                                  weighting(self.values, self.x_max, self.alpha), order)
            del order
            with LoopParams(self.params) as rows:      # copied back into self.params at the end
                for _ in range(n_epochs):
                    t0 = time.perf_counter()
                    cost = train_records(rows, packed, eta=self.eta, grad_clip=self.grad_clip, threads=self.threads)
                    self._log(cost / max(1, len(self.rows)), t0)
            return self.costs
        for _ in range(n_epochs):
            t0 = time.perf_counter()
            cost = train_epoch(self.params, self.rows, self.cols, self.values, x_max=self.x_max,
                               alpha=self.alpha, eta=self.eta, grad_clip=self.grad_clip,
                               batch_size=self.batch_size, order=order, threads=self.threads)
            self._log(cost, t0)
        return self.costs

    def _log(self, cost: float, started: float) -> None:
        """Keep an epoch's mean cost per record (and print it, verbose)."""
        self.costs.append(cost)
        if self.verbose:
            print(f"epoch {len(self.costs):3d}  cost {cost:.6f}  ({time.perf_counter() - started:.1f}s)",
                  file=sys.stderr)

    @property
    def wv(self) -> KeyedVectors:
        """The word vectors as the `model` setting says (2: word + context, as the C tool)."""
        p = self.params
        if self.model == 0:
            v = torch.cat([p.w, p.bw[:, None], p.c, p.bc[:, None]], 1)
        elif self.model == 1:
            v = p.w
        else:
            v = p.w + p.c
        return KeyedVectors([w for w, _ in self.vocab], v.detach().cpu().numpy())
