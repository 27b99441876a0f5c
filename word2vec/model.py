"""`Word2Vec`: gensim's parameters and defaults, trained on the torch backend.

    model = Word2Vec(sentences, vector_size=100, window=5, min_count=5, sg=1, negative=5)
    model.wv.most_similar("king")

On a CPU, examples are applied one at a time by the compiled loop (`loop.py`), `workers` threads
at once, as gensim does. What a torch backend adds: `batch_size` (examples per torch SGD step, on
any device; 1 reproduces gensim's sequential updates; 1024 on a GPU when not given), `device`,
`exp_table` (gensim's table sigmoid, for exact comparisons) and `softmax` (the full softmax of the
textbook formulas, for small vocabularies; always on torch). The corpus is streamed: a list, a
`LineSentence(path)` (as `corpus_file=path`) or any re-iterable is read once for the vocabulary
and once per epoch, a block of jobs at a time (`corpus.py`). Lesson: lessons/05-word2vec.md.
"""
from __future__ import annotations

import sys
import time

import numpy as np
import torch

from minibert.backend import check_reiterable, cpu_count, get_device, get_dtype
from minibert.vectors import KeyedVectors

from . import train as T
from .corpus import Block, LineSentence, blocks
from .randomness import EpochDraws, noise_words
from .sampling import cum_table, exp_table, huffman, huffman_table
from .vocab import finalize, sample_ints, scan


class Word2Vec:
    block_jobs = 64   # jobs trained per pass of the workers: memory holds one block of the corpus

    def __init__(self, sentences=None, *, corpus_file=None, vector_size: int = 100, alpha: float = 0.025,
                 window: int = 5, min_count: int = 5, max_vocab_size: int | None = None, sample: float = 1e-3,
                 seed: int = 1, min_alpha: float = 0.0001, sg: int = 0, hs: int = 0, negative: int = 5,
                 ns_exponent: float = 0.75, cbow_mean: int = 1, epochs: int = 5, shrink_windows: bool = True,
                 max_final_vocab: int | None = None, batch_words: int = 10000, softmax: bool = False,
                 batch_size: int | None = None, exp_table: bool = False, device=None, dtype=torch.float32,
                 verbose: bool = False, workers: int | None = None):
        if not (hs or negative or softmax):
            raise ValueError("choose an output layer: hs=1, negative > 0, or softmax=True")
        if vector_size < 1 or window < 1 or epochs < 0 or (batch_size is not None and batch_size < 1):
            raise ValueError("vector_size, window and batch_size must be >= 1, epochs >= 0")
        if workers is not None and workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        self.vector_size, self.alpha, self.window, self.min_count = vector_size, alpha, window, min_count
        self.max_vocab_size, self.sample, self.seed, self.min_alpha = max_vocab_size, sample, seed, min_alpha
        self.sg, self.hs, self.negative, self.ns_exponent = sg, hs, negative, ns_exponent
        self.cbow_mean, self.epochs, self.shrink_windows = cbow_mean, epochs, shrink_windows
        self.max_final_vocab, self.batch_words, self.softmax = max_final_vocab, batch_words, softmax
        self.use_exp_table, self.verbose = exp_table, verbose
        self.device, self.dtype = get_device(device), get_dtype(dtype)
        if batch_size is None and (self.device.type != "cpu" or softmax or self.dtype != torch.float32):
            batch_size = 1024   # the compiled loop is for float32 on CPUs, without the full softmax
        self.batch_size, self.workers = batch_size, workers or min(3, cpu_count())
        self.random = np.random.RandomState(seed)   # gensim's: job seeds and window reductions
        self.epoch_losses: list[float] = []   # mean loss per example, one entry per epoch
        self.epoch_examples: list[int] = []
        if corpus_file is not None:
            sentences = LineSentence(corpus_file)
        if sentences is not None:
            check_reiterable(sentences)
            self.build_vocab(sentences)
            self.train(sentences)

    # --- vocabulary and tables ------------------------------------------------------------------
    def build_vocab(self, sentences) -> None:
        counts, self.corpus_total_words, self.corpus_count = scan(sentences, self.max_vocab_size)
        if self.corpus_total_words == 0:
            raise ValueError("the corpus is empty: no words to learn from")
        words, self.counts = finalize(counts, self.min_count, self.max_final_vocab)
        V, d = len(words), self.vector_size
        self.sample_int = sample_ints(self.counts, self.sample)
        self.cum_table = cum_table(self.counts, self.ns_exponent) if self.negative else None
        self.codes, self.points = huffman(self.counts) if self.hs else (None, None)
        rng = np.random.default_rng(seed=self.seed)  # gensim >= 4: uniform in [-1/d, 1/d)
        vectors = rng.random((V, d), dtype=np.float32)
        vectors *= 2.0
        vectors -= 1.0
        vectors /= d
        zeros = lambda n: torch.zeros(n, d, dtype=self.dtype, device=self.device)  # noqa: E731
        self.weights = T.Weights(torch.as_tensor(vectors, dtype=self.dtype, device=self.device),
                                 zeros(V) if self.negative else None, zeros(V) if self.hs else None,
                                 zeros(V) if self.softmax else None)
        self.index_to_key = words
        self.key_to_index = {w: i for i, w in enumerate(words)}
        for table in ("_loop_tables", "_hs_tables", "_cum"):   # built from the vocabulary on first use
            self.__dict__.pop(table, None)

    @property
    def wv(self) -> KeyedVectors:
        return KeyedVectors(self.index_to_key, self.weights.input_vectors.detach().cpu().float().numpy())

    # --- training ---------------------------------------------------------------------------------
    def _alpha(self, epoch: int, progress: float) -> float:
        """alpha falling linearly to min_alpha over this call's epochs, as gensim's schedule."""
        a = self.alpha - (self.alpha - self.min_alpha) * (epoch + progress) / self._epochs_this_call
        return max(self.min_alpha, a)

    def _block_words(self, epoch: int, block: Block):
        """One block's words kept by subsampling this epoch, each sentence's offsets among them, each
        word's window reduction, each job's learning rate (gensim's linear decay, per job), each
        job's generator state after subsampling and its offsets among the kept words: gensim's
        draws (`randomness.py`), in corpus order, so that one worker reproduces gensim's run."""
        job_words = block.sentence_starts[block.job_starts]                      # (J+1,) word offsets
        draws = EpochDraws(self.random, block.ids, job_words,
                           sample_int=self.sample_int if self.sample else None,
                           needs_seed=bool(self.negative or self.sample), window=self.window,
                           shrink_windows=self.shrink_windows)
        n_sentences = len(block.sentence_starts) - 1
        sentence_of = np.repeat(np.arange(n_sentences), np.diff(block.sentence_starts))   # (N,)
        starts = np.zeros(n_sentences + 1, dtype=np.int64)
        np.cumsum(np.bincount(sentence_of[draws.keep], minlength=n_sentences), out=starts[1:])
        done = block.first_sentence + block.job_starts[:-1]
        job_alpha = np.array([self._alpha(epoch, s / max(1, self._total_examples)) for s in done])
        return block.ids[draws.keep], starts, draws.reduce, job_alpha, draws.states, starts[block.job_starts]

    def _targets(self, centre_ids: torch.Tensor, noise: torch.Tensor | None):
        """Output rows, labels and validity for each example's centre word; `noise` (B, negative)
        the noise words drawn for each example."""
        if self.hs:
            if not hasattr(self, "_hs_tables"):
                points, codes, lengths = huffman_table(self.codes, self.points)
                ok = np.arange(codes.shape[1]) < lengths[:, None]       # (V, L) the real turns
                self._hs_tables = (torch.as_tensor(points, device=self.device),
                                   torch.as_tensor(1 - codes.astype(np.float64), dtype=self.dtype, device=self.device),
                                   torch.as_tensor(ok, device=self.device))
            pts, lab, ok = self._hs_tables
            yield self.weights.output_hs, pts[centre_ids], lab[centre_ids], ok[centre_ids]
        if self.negative:
            targets = torch.cat([centre_ids[:, None], noise], 1)
            labels = torch.zeros(targets.shape, dtype=self.dtype, device=self.device)
            labels[:, 0] = 1
            valid = torch.ones_like(targets, dtype=torch.bool)
            valid[:, 1:] = noise != centre_ids[:, None]                 # a noise draw equal to the word is skipped
            yield self.weights.output_ns, targets, labels, valid

    def train(self, sentences, epochs: int | None = None, total_examples: int | None = None) -> list[float]:
        """Run the epochs over `sentences` (any re-iterable, streamed a block of jobs at a time);
        returns the mean loss per example of each epoch (stops cleanly on Ctrl-C). total_examples:
        the number of sentences, for the learning-rate schedule (default: len(sentences), else the
        count build_vocab saw)."""
        check_reiterable(sentences)
        table = torch.as_tensor(exp_table(), device=self.device) if self.use_exp_table else None
        n_epochs = self.epochs if epochs is None else epochs
        self._epochs_this_call = max(1, n_epochs)
        self._total_examples = total_examples or (len(sentences) if hasattr(sentences, "__len__") else self.corpus_count)
        workers = self._loop_workers() if self.batch_size is None else None   # the compiled loop's threads
        self._clock = time.perf_counter()
        try:
            for epoch in range(n_epochs):
                loss, n = 0.0, 0
                for block in blocks(sentences, self.key_to_index, self.batch_words, self.block_jobs):
                    if workers is not None:      # trained by the threads while the next block is prepared
                        workers.submit(epoch, *self._loop_block(epoch, block))
                    else:
                        block_loss, block_n = self._train_block(epoch, block, table)
                        loss, n = loss + block_loss, n + block_n
                last = epoch == n_epochs - 1     # the threads may still train this epoch as the next is read
                finished = workers.end_epoch(epoch, wait=last) if workers is not None \
                    else [(epoch, loss, n, time.perf_counter())]
                self._record(finished)
        except KeyboardInterrupt:
            if workers is not None:
                self._record(workers.stop())
            print("training stopped; the vectors so far are kept", file=sys.stderr)
        finally:
            if workers is not None:
                workers.pool.shutdown(cancel_futures=True)
        return self.epoch_losses

    def _record(self, finished) -> None:
        """Each wholly trained epoch's mean loss per example and examples, from (epoch, summed loss,
        examples, when it ended) in order; verbose: its words per second."""
        for _, loss, n, ended in finished:
            self.epoch_losses.append(loss / max(1, n))
            self.epoch_examples.append(n)
            seconds, self._clock = ended - self._clock, ended
            if self.verbose:
                print(f"epoch {len(self.epoch_losses)}: loss {self.epoch_losses[-1]:.4f} per example, "
                      f"{self.corpus_total_words / max(seconds, 1e-9):,.0f} words/s", file=sys.stderr)

    def _loop_workers(self):
        """The compiled loop's threads (`loop.Workers`) on this vocabulary's weights and tables."""
        from .loop import Workers

        w, d = self.weights, self.vector_size
        if not hasattr(self, "_loop_tables"):
            points, codes, lengths = huffman_table(self.codes, self.points) if self.hs else \
                (np.zeros((1, 1), np.int64), np.zeros((1, 1), np.uint8), np.zeros(1, np.int64))
            self._loop_tables = dict(
                points=points, codes=codes, code_lens=lengths,
                cum_table=self._loop_cum() if self.negative else np.ones(1, np.int64),
                table=exp_table() if self.use_exp_table else np.zeros(0, np.float32), negative=int(self.negative))
        empty = np.zeros((0, d), np.float32)
        arrays = dict(self._loop_tables, input=w.input_vectors.numpy(),
                      output_hs=w.output_hs.numpy() if self.hs else empty,
                      output_ns=w.output_ns.numpy() if self.negative else empty)
        return Workers(arrays, workers=self.workers, sg=bool(self.sg), window=self.window,
                       cbow_mean=bool(self.cbow_mean), max_jobs=2 * self.block_jobs)

    def _loop_block(self, epoch, block) -> tuple:
        """One block as `loop.train_jobs` takes it: the kept words, sentence offsets, reductions,
        job offsets, learning rates and generator states."""
        ids, starts, reduce, job_alpha, states, _ = self._block_words(epoch, block)
        return ids, starts, reduce, block.job_starts, job_alpha.astype(np.float32), states

    def _train_block(self, epoch, block, table) -> tuple[float, int]:
        """Torch mini-batches of `batch_size` examples, on any device, job by job (a batch never
        spans two jobs: each job's noise words come from its own generator, as in gensim)."""
        ids, starts, reduce, job_alpha, states, job_words = self._block_words(epoch, block)
        sent = np.repeat(np.arange(len(starts) - 1), np.diff(starts))
        total, examples = 0.0, 0
        for k in range(len(job_alpha)):
            lo, hi = job_words[k], job_words[k + 1]
            centre, context = T.window_pairs(ids[lo:hi], sent[lo:hi], self.window, reduce[lo:hi])
            loss, n = self._train_job(ids[lo:hi], centre, context, float(job_alpha[k]), states[k], table)
            total, examples = total + loss, examples + n
        return total, examples

    def _train_job(self, ids, centre, context, alpha, state, table) -> tuple[float, int]:
        """One job's examples in gensim's order (centre by centre; skip-gram: context left to right),
        `batch_size` at a time. ids (n,) the job's kept words; (centre, context) positions among them."""
        dev = self.device
        ids_t = torch.as_tensor(ids, device=dev)
        if self.sg:   # one example per (centre, context) pair: the context word predicts the centre
            inputs = ids_t[torch.as_tensor(context, device=dev)][:, None]
            mask = torch.ones(inputs.shape, dtype=self.dtype, device=dev)
            centres = ids_t[torch.as_tensor(centre, device=dev)]
            drawn_for = slice(None)                  # every example draws its noise words
        else:         # one example per centre: its context words together predict it
            starts = np.flatnonzero(np.r_[True, centre[1:] != centre[:-1]]) if len(centre) else np.zeros(0, int)
            slot = np.arange(len(centre)) - np.repeat(starts, np.diff(np.r_[starts, len(centre)]))
            grid = np.zeros((len(starts), 2 * self.window), dtype=np.int64)
            has = np.zeros(grid.shape, dtype=bool)
            row = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(centre)]))
            grid[row, slot] = ids[context]
            has[row, slot] = True
            inputs = torch.as_tensor(grid, device=dev)
            mask = torch.as_tensor(has, dtype=self.dtype, device=dev)
            centres = ids_t[torch.as_tensor(centre[starts], device=dev)]
            drawn_for = centre[starts]               # gensim draws for every kept word, context or not
        noise = None
        if self.negative:
            per = len(centre) if self.sg else len(ids)
            words, _ = noise_words(self._loop_cum(), state, per * self.negative)
            noise = torch.as_tensor(words.reshape(per, self.negative)[drawn_for], device=dev)
        total = 0.0
        for s in range(0, len(centres), self.batch_size):
            b = slice(s, s + self.batch_size)
            if self.softmax:
                total += T.softmax_step(self.weights, inputs[b], mask[b], centres[b], alpha, bool(self.cbow_mean)).item()
            for output, targets, labels, valid in self._targets(centres[b], None if noise is None else noise[b]):
                total += T.step(self.weights, inputs[b], mask[b], targets, labels, valid, alpha, output,
                                bool(self.cbow_mean), table).item()
        return total, len(centres)

    def _loop_cum(self) -> np.ndarray:
        """The noise table as int64, for the compiled draws (built once per vocabulary)."""
        if not hasattr(self, "_cum"):
            self._cum = self.cum_table.astype(np.int64)
        return self._cum
