"""The shared tensor backend: device and dtype choice, explicit random generators, safetensors I/O.

minibert, word2vec and glove all stand on this one module (and on `minibert.vectors`), so that
device handling, seeding and file writing are written once. Files are written atomically: a crash
mid-write leaves the previous file intact. Nothing here ever unpickles.
"""
from __future__ import annotations

import functools
import json
import os
import struct
from pathlib import Path

import torch

from .files import TextLines, atomic_write, read_text, umask  # noqa: F401  (shared by all three packages)

_DTYPES = {
    "float32": torch.float32, "fp32": torch.float32, "float": torch.float32,
    "float64": torch.float64, "fp64": torch.float64, "double": torch.float64,
    "bfloat16": torch.bfloat16, "bf16": torch.bfloat16,
    "float16": torch.float16, "fp16": torch.float16, "half": torch.float16,
}


class WeightsFileError(ValueError):
    """A weights file that is missing, truncated, corrupt, or does not fit the model."""


def get_device(device: str | torch.device | None = None) -> torch.device:
    """The device to compute on: the one asked for, else CUDA when present, else the CPU."""
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {str(device)!r} was asked for, but CUDA is not available here")
    return device


def get_dtype(dtype: str | torch.dtype | None, default: torch.dtype = torch.float32) -> torch.dtype:
    """A torch floating dtype from a name such as 'float32' or 'bf16' (None gives `default`)."""
    if dtype is None:
        return default
    if isinstance(dtype, torch.dtype):
        if not dtype.is_floating_point:
            raise ValueError(f"dtype must be a floating type, got {dtype}")
        return dtype
    key = str(dtype).lower().removeprefix("torch.")
    if key not in _DTYPES:
        raise ValueError(f"unknown dtype {dtype!r}; expected one of {sorted(_DTYPES)}")
    return _DTYPES[key]


def make_generator(seed: int, device: str | torch.device = "cpu") -> torch.Generator:
    """A torch random generator seeded with `seed`: randomness is passed in, never global."""
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}")
    gen = torch.Generator(device=torch.device(device))
    gen.manual_seed(seed)
    return gen


def _check_safetensors_layout(path: Path) -> dict:
    """Validate the header and byte ranges, so a truncated file fails with a clear message;
    return the header."""
    size = path.stat().st_size
    with open(path, "rb") as f:
        head = f.read(8)
        if len(head) < 8:
            raise WeightsFileError(f"{path}: not a safetensors file (only {size} bytes)")
        (n,) = struct.unpack("<Q", head)
        if n > size - 8:
            raise WeightsFileError(f"{path}: truncated or corrupt (header says {n} bytes, file has {size})")
        try:
            header = json.loads(f.read(n))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise WeightsFileError(f"{path}: corrupt safetensors header ({e})") from None
    if not isinstance(header, dict):
        raise WeightsFileError(f"{path}: corrupt safetensors header (not a JSON object)")
    data_len = size - 8 - n
    for name, info in header.items():
        if name == "__metadata__":
            continue
        try:
            start, end = info["data_offsets"]
        except (TypeError, KeyError, ValueError):
            raise WeightsFileError(f"{path}: corrupt entry for tensor {name!r}") from None
        if end > data_len:
            raise WeightsFileError(
                f"{path}: truncated: tensor {name!r} needs bytes up to {end}, the file holds {data_len}")
    return header


def safetensors_metadata(path: str | os.PathLike) -> dict[str, str]:
    """The free-form `__metadata__` strings of a .safetensors file (empty if it has none)."""
    meta = _check_safetensors_layout(Path(path)).get("__metadata__") or {}
    return meta if isinstance(meta, dict) else {}


def load_safetensors(path: str | os.PathLike, device: str | torch.device = "cpu") -> dict[str, torch.Tensor]:
    """Read every tensor of a .safetensors file, with a clear error for missing or damaged files."""
    from safetensors.torch import load_file

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no safetensors file at {path}")
    _check_safetensors_layout(path)
    try:
        return load_file(str(path), device=str(device))
    except Exception as e:  # the library's own errors name no file
        raise WeightsFileError(f"{path}: cannot read safetensors ({e})") from None


def save_safetensors(tensors: dict[str, torch.Tensor], path: str | os.PathLike,
                     metadata: dict[str, str] | None = None) -> None:
    """Write tensors to `path` atomically. Shared (tied) tensors are written as separate copies."""
    from safetensors.torch import save

    seen: set[int] = set()
    plain = {}
    for name, t in tensors.items():
        t = t.detach().to("cpu")
        key = t.untyped_storage().data_ptr()
        plain[name] = t.contiguous().clone() if key in seen else t.contiguous()
        seen.add(key)
    blob = save(plain, metadata=metadata)
    with atomic_write(path, "wb") as f:
        f.write(blob)


def known_ids(ids: list[int], lengths: list[int]):
    """Word ids of consecutive sentences, -1 for a word outside the vocabulary, `lengths[s]` of
    them in sentence s -> (the known ids (N,), the sentence each came from (N,)), as int64 arrays:
    out-of-vocabulary words are dropped before any window is drawn (word2vec and GloVe alike)."""
    import numpy as np

    ids_ = np.array(ids, dtype=np.int64)
    sentence_of = np.repeat(np.arange(len(lengths)), lengths)
    known = ids_ >= 0
    return ids_[known], sentence_of[known]


def check_reiterable(sentences) -> None:
    """word2vec and GloVe read a corpus more than once (vocabulary, then counts or epochs): a
    generator would be empty after the first pass, and a string is not a list of sentences."""
    if isinstance(sentences, str):
        raise TypeError("sentences must be lists of words, not strings: split them first")
    if iter(sentences) is sentences:                 # a generator or any other one-pass iterator
        raise TypeError("sentences is a one-pass iterator (a generator?): training reads it more than once; "
                        "give a list, a corpus file (corpus_file=path) or any re-iterable object")


def scatter_add_rows(target: torch.Tensor, rows: torch.Tensor, values: torch.Tensor) -> torch.Tensor:
    """target[rows[k]] += values[k] for every k, repeated rows summed; returns `target`.

    The sparse update of embedding-style SGD (word2vec, GloVe). Measured on 2 CPU cores:
    `index_add_` is ~9x faster for thousands of rows, but its thread start-up costs ~15 us (and
    milliseconds when cores are busy) for a handful, where `index_put_(accumulate=True)` takes 3 us.
    """
    if rows.numel() < 256:
        return target.index_put_((rows,), values, accumulate=True)
    return target.index_add_(0, rows, values)


# LLVM's fast-math flags minus 'nnan' and 'ninf': the loops below test for NaN and infinity
# (as the C tools do), which those two flags would let the compiler delete. Not 'nsz' either:
# with 'reassoc' it let GloVe's loop keep an infinite step that its test should have undone
# (tests/test_glove.py, the non-finite record).
_FASTMATH = {"contract", "arcp", "afn", "reassoc"}


def jit(fn=None, *, inline: bool = False, refcounts: bool = True):
    """Compile a plain-Python loop over numpy arrays to machine code with numba (cached on disk).

    The CPU fast path of word2vec and GloVe: their reference tools update one example at a time,
    which eager torch cannot do quickly. The compiled loop releases the GIL, so threads can run
    several at once on shared arrays, without locks, as gensim and the C tools do ("Hogwild").
    Inside such loops, index a matrix as `a[i, b]`, never take a row view `a[i]`: each view counts a
    reference on the whole array, atomically, and threads then fight over that one counter.
    `@jit(inline=True)`: a small helper compiled into each caller, as a C compiler would inline it.
    `@jit(refcounts=False)`: compiled without numba's runtime (its `_nrt` option, as numba's own
    string helpers are), so it cannot allocate: the caller passes its buffers. Each array handed
    to a helper otherwise has its reference counted on the way in and out, by a locked
    instruction that waits for every pending store; in a loop that calls helpers per example,
    those add up (numba issue 2350; word2vec's loop, README's speed section).
    """
    import numba

    options = dict(cache=True, nogil=True, fastmath=_FASTMATH, error_model="numpy")
    if inline:
        options["inline"] = "always"
    if not refcounts:
        options["_nrt"] = False
    return numba.njit(**options)(fn) if fn is not None else numba.njit(**options)


@functools.cache
def prefetcher():
    """`prefetch(a, i, b)` for compiled loops: ask the CPU to start bringing a[i, b] into its cache
    (LLVM's `llvm.prefetch`, for writing) and go on meanwhile. It changes no result; a loop that
    reads rows in a known random order can ask for the next rows while it works on this one."""
    from llvmlite import ir
    from numba import types
    from numba.core import cgutils
    from numba.extending import intrinsic

    @intrinsic
    def prefetch(typingctx, a, i, b):
        def codegen(context, builder, signature, args):
            array = context.make_array(signature.args[0])(context, builder, args[0])
            index = [context.cast(builder, v, t, types.intp) for v, t in zip(args[1:], signature.args[1:])]
            where = cgutils.get_item_pointer(context, builder, signature.args[0], array, index, wraparound=False)
            byte_ptr = ir.IntType(8).as_pointer()
            fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(
                ir.VoidType(), [byte_ptr] + [ir.IntType(32)] * 3), "llvm.prefetch.p0")
            flag = lambda v: ir.Constant(ir.IntType(32), v)  # noqa: E731
            builder.call(fn, [builder.bitcast(where, byte_ptr), flag(1), flag(3), flag(1)])  # write, keep, data
            return context.get_dummy_value()
        return types.void(a, i, b), codegen

    return prefetch


def cpu_count() -> int:
    """The CPUs this process may run on (its affinity mask, which containers narrow), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:        # macOS and Windows have no affinity masks
        return os.cpu_count() or 1


def run_threads(fn, jobs: list[tuple]) -> list:
    """fn(*job) for each job, one thread per job (fn releases the GIL); the results in job order."""
    if len(jobs) == 1:
        return [fn(*jobs[0])]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(len(jobs)) as pool:
        return list(pool.map(lambda job: fn(*job), jobs))
