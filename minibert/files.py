"""Files, read and written safely: atomic replacement, and UTF-8 text with clear errors.

The plumbing that needs no torch (the tokenizer saves through it); minibert.backend re-exports it
for the three packages. Written for every OS: os.replace replaces a file on Windows too.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "wb"):
    """Open a temporary file beside `path`; on success it replaces `path` in one rename.

    If the block raises (or the process dies), `path` keeps its previous content. The file gets
    the permissions a plain `open` would give (0666 less the umask), not mkstemp's private 0600.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~umask())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _read_umask() -> int:
    mask = os.umask(0)  # reading the umask means setting it; put it straight back (once, at import)
    os.umask(mask)
    return mask


_UMASK = _read_umask()


def umask() -> int:
    """The process's file-creation mask (e.g. 0o022), as it was when minibert was imported."""
    return _UMASK


def _text_file(path: str | os.PathLike, what: str) -> Path:
    """`path` as a Path, or a clear error for a folder or a missing file."""
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder; give a {what} (one file)")
    if not path.is_file():
        raise FileNotFoundError(f"no {what} at {path}")
    return path


def _not_gzip(path: Path, e: Exception) -> ValueError:
    return ValueError(f"{path} is not a complete gzip file ({e}); give it whole, or uncompressed")


def read_text(path: str | os.PathLike, what: str = "text file") -> str:
    """A UTF-8 text file (gzip-compressed if it ends in .gz), with a clear error for a missing,
    binary, truncated or non-UTF-8 file."""
    import gzip
    import zlib

    path = _text_file(path, what)
    data = path.read_bytes()
    if path.suffix == ".gz":
        try:
            data = gzip.decompress(data)
        except (EOFError, gzip.BadGzipFile, zlib.error) as e:
            raise _not_gzip(path, e) from None
    if b"\x00" in data[:65536]:
        raise ValueError(f"{path} looks binary (it holds NUL bytes); give a UTF-8 {what}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ValueError(f"{path} is not UTF-8 text (bad byte at offset {e.start}); convert it first") from None


class TextLines:
    """A UTF-8 text file (gzip-compressed if it ends in .gz) read from disk line by line, again on
    every pass: corpora larger than memory stream through it. Lines come without their line break;
    a missing file, a folder, NUL bytes or a non-UTF-8 line give a clear error naming the line."""

    def __init__(self, path: str | os.PathLike, what: str = "text file"):
        self.path, self.what = _text_file(path, what), what

    def __iter__(self):
        import gzip
        import itertools
        import zlib

        opener = gzip.open if self.path.suffix == ".gz" else open
        with opener(self.path, "rb") as f:
            offset, lines = 0, iter(f)
            for n in itertools.count(1):     # split at b"\n" only, as gensim's LineSentence
                try:
                    raw = next(lines)
                except StopIteration:
                    return
                except (EOFError, gzip.BadGzipFile, zlib.error) as e:
                    raise _not_gzip(self.path, e) from None
                if b"\x00" in raw:
                    raise ValueError(f"{self.path} looks binary (NUL bytes on line {n}); give a UTF-8 {self.what}")
                try:
                    yield raw.decode("utf-8").removesuffix("\n")
                except UnicodeDecodeError as e:
                    raise ValueError(f"{self.path} is not UTF-8 text (bad byte at offset {offset + e.start}, "
                                     f"line {n}); convert it first") from None
                offset += len(raw)
