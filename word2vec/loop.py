"""word2vec one example at a time, compiled: gensim's inner loop, for CPUs.

The same rule as `train.step` with one example per step (tests hold it equal to gensim's and to
torch's batch of one), written as `word2vec_inner.pyx` writes it: walk each sentence, for each
centre word its (shrunk) window, and for each example the binary logistic terms of the output
layer — the Huffman path's turns (hierarchical softmax), then the word against `negative` noise
words drawn with gensim's linear congruential generator (`randomness.py`). `numba` compiles it (see
`minibert.backend.jit`); `workers` copies take gensim's jobs in turn and share the vectors without
locks, as gensim's threads do. Lesson: lessons/05-word2vec.md.
"""
from __future__ import annotations

import math

import numpy as np

from minibert.backend import jit, run_threads

from .randomness import lcg_next, noise_word

MAX_EXP = 6.0
TABLE_SCALE = 83                  # the C code's (f + 6)·(1000 / 6 / 2), integer division


@jit
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


@jit
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


@jit
def train_jobs(input_vectors, output_hs, points, codes, code_lens, output_ns, negative, cum_table, table,
               ids, sentence_starts, reduce, job_starts, job_alpha, job_seed, my_jobs, sg, window, cbow_mean):
    """Train on the jobs `my_jobs`. ids (N,) the kept words; sentence s is ids[sentence_starts[s]:
    sentence_starts[s+1]]; job k is sentences job_starts[k]..job_starts[k+1]-1, with learning rate
    job_alpha[k] and random seed job_seed[k]. Returns (summed loss, number of examples)."""
    d = input_vectors.shape[1]
    h = np.empty((1, d), input_vectors.dtype)                 # (1, d) the hidden layer (CBOW)
    work = np.empty(d, input_vectors.dtype)                   # (d,) the input side's pending update
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
                                row = ids[m]          # read once: numba cannot tell that writing h
                                for c in range(d):    # leaves ids alone, and re-reading it unvectorised this
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


def train_epoch_loop(arrays: dict, ids: np.ndarray, sentence_starts: np.ndarray, reduce: np.ndarray,
                     job_starts: np.ndarray, job_alpha: np.ndarray, job_seed: np.ndarray, *, sg: bool,
                     window: int, cbow_mean: bool, workers: int) -> tuple[float, int]:
    """One epoch: job k goes to worker k mod `workers`, the workers run at once. `arrays` holds the
    numpy views (shared memory) of the weights and tables. Returns (summed loss, examples)."""
    n_jobs = len(job_alpha)
    jobs = []
    for w in range(max(1, min(workers, n_jobs))):
        jobs.append((arrays["input"], arrays["output_hs"], arrays["points"], arrays["codes"], arrays["code_lens"],
                     arrays["output_ns"], arrays["negative"], arrays["cum_table"], arrays["table"],
                     ids, sentence_starts, reduce, job_starts, job_alpha, job_seed,
                     np.arange(w, n_jobs, workers), sg, window, cbow_mean))
    results = run_threads(train_jobs, jobs)
    return sum(r[0] for r in results), sum(r[1] for r in results)
