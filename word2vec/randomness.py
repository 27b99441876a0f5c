"""gensim's random numbers, drawn as gensim draws them, so that one worker reproduces its vectors.

Two generators. The model's `numpy.random.RandomState(seed)` gives each job, in order, a seed
2²⁴·randint(2²⁴) + randint(2²⁴) (only when negative sampling or subsampling needs one) and then,
with `shrink_windows`, one reduction in [0, window) per word the job kept. The job's own linear
congruential generator r ← (r·25214903917 + 11) mod 2⁴⁸, started at that seed, first decides
which words subsampling keeps (one draw per in-vocabulary word, in order) and then, continuing,
draws every noise word of the job. Lesson: lessons/05-word2vec.md.
"""
from __future__ import annotations

import numpy as np

from minibert.backend import jit

LCG_MUL = np.uint64(25214903917)
LCG_ADD = np.uint64(11)
LCG_MASK = np.uint64(2**48 - 1)
SHIFT = np.uint64(16)


def job_seed(random: np.random.RandomState) -> int:
    """The seed gensim's `init_w2v_config` gives a job: the first draw is the high half."""
    high = int(random.randint(0, 2**24))
    return 2**24 * high + int(random.randint(0, 2**24))


@jit
def lcg_next(state):
    """One step of the job's generator: r ← (r·25214903917 + 11) mod 2⁴⁸."""
    return (state * LCG_MUL + LCG_ADD) & LCG_MASK


@jit
def subsample(ids, sample_int, state, keep):
    """keep[i] = whether word ids[i] survives: its threshold sample_int >= (r >> 16), one LCG step
    per word. Returns the generator's state after the last word (where noise drawing goes on)."""
    for i in range(len(ids)):
        keep[i] = np.uint64(sample_int[ids[i]]) >= (state >> SHIFT)
        state = lcg_next(state)
    return state


@jit
def bisect_left(table, x):
    """The first index whose entry is >= x (the table is sorted): draws word i with probability
    (table[i] − table[i−1]) / table[−1], as gensim's noise sampler."""
    lo, hi = 0, len(table)
    while lo < hi:
        mid = (lo + hi) // 2
        if table[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo


@jit
def noise_word(cum_table, state):
    """One noise word, (r >> 16) mod total located in the cumulative table; and the next state."""
    draw = np.int64((state >> SHIFT) % np.uint64(cum_table[-1]))
    return bisect_left(cum_table, draw), lcg_next(state)


@jit
def noise_words(cum_table, state, n):
    """The next `n` noise words of a job's generator (for the torch path); and the state after."""
    out = np.empty(n, np.int64)
    for i in range(n):
        out[i], state = noise_word(cum_table, state)
    return out, state


class EpochDraws:
    """One epoch's randomness for the jobs in order: which words are kept, each kept word's window
    reduction, and each job's generator state once subsampling is done."""

    def __init__(self, random: np.random.RandomState, ids: np.ndarray, job_words: np.ndarray, *,
                 sample_int: np.ndarray | None, needs_seed: bool, window: int, shrink_windows: bool):
        """ids (N,) the epoch's in-vocabulary words; job k is ids[job_words[k]:job_words[k+1]]."""
        self.keep = np.ones(len(ids), dtype=np.bool_)
        reduce, states = [], np.zeros(len(job_words) - 1, dtype=np.uint64)
        for k in range(len(job_words) - 1):
            lo, hi = job_words[k], job_words[k + 1]
            state = np.uint64(job_seed(random)) if needs_seed else np.uint64(0)
            if sample_int is not None:
                state = subsample(ids[lo:hi], sample_int, state, self.keep[lo:hi])
            kept = int(self.keep[lo:hi].sum())
            reduce.append(random.randint(0, window, kept) if shrink_windows else np.zeros(kept, np.int64))
            states[k] = state
        self.reduce = np.concatenate(reduce).astype(np.int64) if reduce else np.zeros(0, np.int64)
        self.states = states
