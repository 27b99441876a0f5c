"""word2vec one example at a time, compiled: gensim's inner loop, for CPUs.

The same rule as `train.step` with one example per step (tests hold it equal to gensim's and to
torch's batch of one), written as `word2vec_inner.pyx` writes it: walk each sentence, for each
centre word its (shrunk) window, and for each example the binary logistic terms of the output
layer — the Huffman path's turns (hierarchical softmax), then the word against `negative` noise
words drawn with gensim's linear congruential generator (`randomness.py`). `numba` compiles it (see
`minibert.backend.jit`); `workers` threads take gensim's jobs in turn and share the vectors without
locks, as gensim's threads do, while the next jobs are prepared (`Workers`). Lesson: lessons/05-word2vec.md.
"""
from __future__ import annotations

import math
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from minibert.backend import jit

from .randomness import lcg_next, noise_word

MAX_EXP = 6.0
TABLE_SCALE = 83                  # the C code's (f + 6)·(1000 / 6 / 2), integer division


@jit(inline=True)
def logistic_term(H, hr, work, OUT, o, label, alpha, table):
    """One binary term: σ(OUT[o]·H[hr]) should be `label` (1 or 0). Adds g·OUT[o] to `work` (the
    input's update, applied later) and g·H[hr] to OUT[o], g = (label − σ)·alpha. Returns the
    loss −log σ(±f) = max(∓f, 0) + log(1 + e^−|f|) as its two parts, the second not yet logged:
    `output_layer` takes one log of their product, not one per term (a cost the loop's time
    showed). Rows are indexed in place, never sliced (see `minibert.backend.jit`)."""
    d = work.shape[0]
    f_dot = H[hr, 0] * OUT[o, 0]
    for b in range(1, d):
        f_dot += H[hr, b] * OUT[o, b]
    e = math.exp(-abs(f_dot))                                  # one exponential serves both:
    x = -f_dot if label > 0.5 else f_dot
    linear, factor = max(x, 0.0), 1.0 + e                      # −log σ(±f) = linear + log(factor)
    if len(table) > 0:                                         # the C table: terms past ±6 are skipped
        if f_dot <= -MAX_EXP or f_dot >= MAX_EXP:
            return linear, factor
        f = table[int((f_dot + MAX_EXP) * TABLE_SCALE)]
    else:
        f = 1 / (1 + e) if f_dot >= 0 else e / (1 + e)        # σ(f)
    g = np.float32((label - f) * alpha)                        # float32, as gensim: the loops stay float32
    for b in range(d):
        work[b] += g * OUT[o, b]
        OUT[o, b] += g * H[hr, b]
    return linear, factor


@jit(inline=True)
def output_layer(H, hr, work, word, alpha, use_hs, output_hs, points, codes, code_lens, output_ns, negative,
                 cum_table, next_random, table):
    """Every term of one output layer for the target `word` into `work` (zeroed first), the hidden
    layer being H[hr]: its Huffman path's turns if `use_hs`, else the word and `negative` noise
    draws. Returns (loss, next_random)."""
    for b in range(len(work)):
        work[b] = 0.0
    loss, product = 0.0, 1.0                                   # product of the terms' factors, each in (1, 2]
    if use_hs:
        for p in range(code_lens[word]):
            label = np.float32(1.0) - np.float32(codes[word, p])   # turn 0 is label 1, as gensim
            linear, factor = logistic_term(H, hr, work, output_hs, points[word, p], label, alpha, table)
            loss, product = loss + linear, product * factor
        return loss + math.log(product), next_random
    linear, factor = logistic_term(H, hr, work, output_ns, word, np.float32(1.0), alpha, table)
    loss, product = loss + linear, product * factor
    for _ in range(negative):
        noise, next_random = noise_word(cum_table, next_random)
        if noise != word:                                      # drawing the word itself: no term
            linear, factor = logistic_term(H, hr, work, output_ns, noise, np.float32(0.0), alpha, table)
            loss, product = loss + linear, product * factor
    return loss + math.log(product), next_random


@jit(refcounts=False)   # its helpers take arrays for every example: see minibert.backend.jit
def train_jobs(input_vectors, output_hs, points, codes, code_lens, output_ns, negative, cum_table, table,
               ids, sentence_starts, reduce, job_starts, job_alpha, job_seed, my_jobs, sg, window, cbow_mean,
               h, work):
    """Train on the jobs `my_jobs`. ids (N,) the kept words; sentence s is ids[sentence_starts[s]:
    sentence_starts[s+1]]; job k is sentences job_starts[k]..job_starts[k+1]-1, with learning rate
    job_alpha[k] and random seed job_seed[k]. h (1, d) and work (d,) are scratch buffers of the
    vectors' dtype (`scratch`), a pair per job. Returns (summed loss, number of examples)."""
    d = input_vectors.shape[1]
    loss, examples = 0.0, 0
    use_hs = len(output_hs) > 0
    layers = int(use_hs) + int(negative > 0)                 # hierarchical softmax first, as gensim
    for job in my_jobs:
        alpha, next_random = job_alpha[job], job_seed[job]
        for s in range(job_starts[job], job_starts[job + 1]):
            lo, hi = sentence_starts[s], sentence_starts[s + 1]
            for i in range(lo, hi):
                a, b = max(lo, i - window + reduce[i]), min(hi, i + window + 1 - reduce[i])
                if sg:      # each context word's input vector predicts the centre word, in turn
                    for j in range(a, b):
                        if j == i:
                            continue
                        row = ids[j]
                        for layer in range(layers):
                            term, next_random = output_layer(input_vectors, row, work, ids[i], alpha,
                                                             layer == 0 and use_hs, output_hs, points, codes,
                                                             code_lens, output_ns, negative, cum_table,
                                                             next_random, table)
                            loss += term
                            for c in range(d):
                                input_vectors[row, c] += work[c]
                        examples += 1
                elif b - a > 1:   # CBOW: the context words together predict the centre word
                    scale = np.float32(1.0) / np.float32(b - a - 1)
                    for layer in range(layers):
                        for c in range(d):
                            h[0, c] = 0.0
                        for m in range(a, b):
                            if m != i:
                                row = ids[m]          # read once: numba cannot tell that writing h leaves
                                for c in range(d):    # ids alone, and re-reading it kept this loop scalar
                                    h[0, c] += input_vectors[row, c]
                        if cbow_mean:
                            for c in range(d):
                                h[0, c] *= scale
                        term, next_random = output_layer(h, 0, work, ids[i], alpha, layer == 0 and use_hs,
                                                         output_hs, points, codes,
                                                         code_lens, output_ns, negative, cum_table,
                                                         next_random, table)
                        loss += term
                        if not cbow_mean:
                            for c in range(d):
                                work[c] *= scale              # gensim's rule, not the gradient
                        for m in range(a, b):
                            if m != i:
                                row = ids[m]
                                for c in range(d):
                                    input_vectors[row, c] += work[c]
                    examples += 1
                elif negative > 0:  # no context: nothing learns, but gensim still draws the noise words
                    for _ in range(negative):
                        next_random = lcg_next(next_random)
    return loss, examples


def scratch(input_vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A job's scratch buffers for `train_jobs`: the hidden layer h (1, d) of CBOW and the input
    side's pending update work (d,)."""
    d = input_vectors.shape[1]
    return np.empty((1, d), input_vectors.dtype), np.empty(d, input_vectors.dtype)


class Workers:
    """gensim's producer and workers: the caller prepares blocks of jobs (in Python) and submits
    them; `workers` threads train them (compiled, without the GIL) meanwhile, so preparing the
    next block, even the next epoch's, overlaps training. Each thread takes the next job when it
    is free, as gensim's do; with one thread the jobs run in the order submitted, as in gensim.
    At most `max_jobs` jobs wait or run: memory holds a few blocks, never the corpus."""

    def __init__(self, arrays: dict, *, workers: int, sg: bool, window: int, cbow_mean: bool, max_jobs: int):
        """`arrays`: the numpy views (shared memory) of the weights and tables."""
        a = arrays
        self.tables = (a["input"], a["output_hs"], a["points"], a["codes"], a["code_lens"], a["output_ns"],
                       a["negative"], a["cum_table"], a["table"])
        self.flags, self.max_jobs = (sg, window, cbow_mean), max_jobs
        self.pool = ThreadPoolExecutor(workers)
        self.running: deque = deque()    # (epoch, future), one per job, in the order submitted
        self.totals: dict = {}           # epoch -> [summed loss, examples] of its finished jobs
        self.submitted: set = set()      # the epochs whose blocks have all been submitted
        self.ended: dict = {}            # epoch -> when its latest job ended (perf_counter)

    def submit(self, epoch: int, ids, sentence_starts, reduce, job_starts, job_alpha, job_seed) -> None:
        """One block's jobs (arrays as `train_jobs` takes them); first waits while `max_jobs` are in hand."""
        self.totals.setdefault(epoch, [0.0, 0])
        for k in range(len(job_alpha)):
            while len(self.running) >= self.max_jobs:
                self._settle()
            future = self.pool.submit(train_jobs, *self.tables, ids, sentence_starts, reduce, job_starts,
                                      job_alpha, job_seed, np.arange(k, k + 1), *self.flags,
                                      *scratch(self.tables[0]))
            future.add_done_callback(lambda _, e=epoch: self.ended.__setitem__(e, time.perf_counter()))
            self.running.append((epoch, future))

    def _settle(self) -> None:
        epoch, future = self.running.popleft()
        loss, examples = future.result()
        self.totals[epoch][0] += loss
        self.totals[epoch][1] += examples

    def end_epoch(self, epoch: int, wait: bool = False) -> list[tuple[int, float, int, float]]:
        """Every block of `epoch` is submitted; returns (epoch, loss, examples, when it ended) for
        each epoch now wholly trained, in order (`wait`: wait for every job first)."""
        self.totals.setdefault(epoch, [0.0, 0])
        self.submitted.add(epoch)
        while self.running and (wait or self.running[0][1].done()):
            self._settle()
        return self._finished()

    def _finished(self) -> list[tuple[int, float, int, float]]:
        """The epochs wholly trained, in order, up to the first that is not (their totals handed over)."""
        busy, done = {epoch for epoch, _ in self.running}, []
        for e in sorted(self.totals):
            if e not in self.submitted or e in busy:
                break
            done.append((e, *self.totals.pop(e), self.ended.get(e, time.perf_counter())))
        return done

    def stop(self) -> list[tuple[int, float, int, float]]:
        """On Ctrl-C: drop the jobs not started, let the running ones end; the epochs wholly trained."""
        self.pool.shutdown(wait=True, cancel_futures=True)
        while self.running:
            if self.running[0][1].cancelled():
                self.submitted.discard(self.running.popleft()[0])
            else:
                self._settle()
        return self._finished()
