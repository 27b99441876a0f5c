"""`BertTokenizer`: text -> input_ids, token_type_ids, attention_mask, as transformers gives them.

The pieces: `BasicTokenizer` (cleaning, CJK, accents, case, punctuation), `WordPiece` (subwords),
and here the special tokens, pairs, truncation, padding and tensors. Written from scratch, no
`tokenizers` at run time; tests hold it equal to transformers' `BertTokenizer` (v5, Rust-backed).
Lesson: lessons/01-tokenization.md. Not handled: offsets mapping, stride/overflow, added tokens.
"""
from __future__ import annotations

import json
import os
import re
from itertools import accumulate, chain
from pathlib import Path

from .basic_tokenizer import BasicTokenizer
from .encoding import BatchEncoding, pad_and_stack, truncate_pair
from .hub import resolve_model_dir
from .wordpiece import WordPiece

SPECIAL_TOKENS = ("unk_token", "sep_token", "pad_token", "cls_token", "mask_token")
_CONFIG_KEYS = ("do_lower_case", "strip_accents", "tokenize_chinese_chars", "model_max_length",
                *SPECIAL_TOKENS)


def load_vocab(path: str | os.PathLike) -> dict[str, int]:
    """vocab.txt -> {token: line number}. A clear error for a missing or empty file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"vocabulary file not found: {path}")
    try:
        lines = path.read_text(encoding="utf-8").split("\n")
    except UnicodeDecodeError as e:
        raise ValueError(f"vocabulary file {path} is not UTF-8 text ({e})") from None
    if lines and lines[-1] == "":
        lines.pop()
    vocab: dict[str, int] = {}
    for i, token in enumerate(lines):
        vocab[token.rstrip("\r")] = i  # a later duplicate wins, as in transformers
    if not vocab:
        raise ValueError(f"vocabulary file {path} is empty")
    return vocab


class BertTokenizer:
    """BERT's WordPiece tokenizer with the Hugging Face call signature.

    >>> tok = BertTokenizer.from_pretrained(folder)             # folder with vocab.txt
    >>> tok("unaffable", "second text", truncation=True, max_length=32)["input_ids"]
    """

    cache_limit = 500_000  # whitespace-free pieces of text whose ids are kept; then the cache restarts

    def __init__(self, vocab_file: str | os.PathLike | None = None, *, vocab: dict[str, int] | None = None,
                 do_lower_case: bool = True, strip_accents: bool | None = None,
                 tokenize_chinese_chars: bool = True, unk_token: str = "[UNK]", sep_token: str = "[SEP]",
                 pad_token: str = "[PAD]", cls_token: str = "[CLS]", mask_token: str = "[MASK]",
                 model_max_length: int | None = None, max_input_chars_per_word: int = 100):
        if vocab is None:
            if vocab_file is None:
                raise ValueError("give a vocab_file (vocab.txt) or a vocab dict")
            vocab = load_vocab(vocab_file)
        if not vocab:
            raise ValueError("the vocabulary is empty")
        self.vocab = dict(vocab)
        self.unk_token, self.sep_token, self.pad_token = unk_token, sep_token, pad_token
        self.cls_token, self.mask_token = cls_token, mask_token
        if unk_token not in self.vocab:  # [CLS] and [SEP] are needed only to add them (a static model has none)
            raise ValueError(f"the vocabulary lacks the unknown token {unk_token!r}")
        self.do_lower_case = do_lower_case
        self.strip_accents = strip_accents
        self.tokenize_chinese_chars = tokenize_chinese_chars
        self.model_max_length = model_max_length
        self.basic = BasicTokenizer(do_lower_case, strip_accents, tokenize_chinese_chars)
        self.wordpiece = WordPiece(self.vocab, unk_token, max_input_chars_per_word)
        self.ids_to_tokens = self.wordpiece.tokens  # {id: token}, one table for both
        # Special tokens written literally in the text ("[MASK]") are kept whole, never lower-cased.
        self._special_ids = {t: (self.vocab[t],) for t in self.all_special_tokens if t in self.vocab}
        self._chunk_ids: dict[str, tuple[int, ...]] = {}     # raw text between whitespace -> ids
        self._chunk_starts: dict[str, tuple[int, ...]] = {}  # ... -> 1 where an id begins a word
        self._start_patterns: dict[tuple[int, ...], tuple[int, ...]] = {}
        specials = sorted(self._special_ids, key=len, reverse=True)
        self._special_re = re.compile("(" + "|".join(map(re.escape, specials)) + ")") if specials else None

    # --- loading and saving ------------------------------------------------------------------
    @classmethod
    def from_pretrained(cls, name_or_path: str | os.PathLike, **overrides) -> "BertTokenizer":
        """From a folder (vocab.txt, optional tokenizer_config.json), a vocab.txt path, or a cached id."""
        path = Path(name_or_path)
        if path.is_file():
            folder, vocab_file = path.parent, path
        else:
            folder = resolve_model_dir(name_or_path)
            vocab_file = folder / "vocab.txt"
        kwargs = {}
        config_file = folder / "tokenizer_config.json"
        if config_file.is_file():
            config = json.loads(config_file.read_text(encoding="utf-8"))
            for key in _CONFIG_KEYS:
                value = config.get(key)
                if isinstance(value, dict):  # AddedToken written as a dict
                    value = value.get("content")
                if value is not None:
                    kwargs[key] = value
            if kwargs.get("model_max_length", 0) > 10**9:  # transformers' "no limit"
                kwargs.pop("model_max_length")
        kwargs.update(overrides)
        return cls(vocab_file, **kwargs)

    def save_pretrained(self, folder: str | os.PathLike) -> None:
        """Write vocab.txt and tokenizer_config.json, readable by transformers."""
        from .files import atomic_write

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        with atomic_write(folder / "vocab.txt", "w") as f:
            f.writelines(self.ids_to_tokens[i] + "\n" for i in range(len(self.ids_to_tokens)))
        config = {"tokenizer_class": "BertTokenizer", "do_lower_case": self.do_lower_case,
                  "strip_accents": self.strip_accents, "tokenize_chinese_chars": self.tokenize_chinese_chars,
                  **{k: getattr(self, k) for k in SPECIAL_TOKENS}}
        if self.model_max_length is not None:
            config["model_max_length"] = self.model_max_length
        with atomic_write(folder / "tokenizer_config.json", "w") as f:
            json.dump(config, f, indent=2, ensure_ascii=False)

    # --- vocabulary -----------------------------------------------------------------------------
    @property
    def vocab_size(self) -> int:
        return len(self.vocab)

    def __len__(self) -> int:
        return len(self.vocab)

    def get_vocab(self) -> dict[str, int]:
        return dict(self.vocab)

    @property
    def all_special_tokens(self) -> list[str]:
        return [getattr(self, k) for k in SPECIAL_TOKENS]

    @property
    def all_special_ids(self) -> list[int]:
        return [self.vocab[t] for t in self.all_special_tokens if t in self.vocab]

    def __getattr__(self, name: str):
        # unk_token_id, cls_token_id, ... as in transformers
        if name.endswith("_token_id") and name[:-3] in SPECIAL_TOKENS:
            return self.vocab.get(getattr(self, name[:-3]))
        raise AttributeError(name)

    def convert_tokens_to_ids(self, tokens: str | list[str]) -> int | list[int]:
        if isinstance(tokens, str):
            return self.vocab.get(tokens, self.vocab[self.unk_token])
        return [self.vocab.get(t, self.vocab[self.unk_token]) for t in tokens]

    def convert_ids_to_tokens(self, ids: int | list[int], skip_special_tokens: bool = False):
        if isinstance(ids, int):
            return self.ids_to_tokens.get(ids, self.unk_token)
        special = set(self.all_special_ids) if skip_special_tokens else set()
        return [self.ids_to_tokens.get(int(i), self.unk_token) for i in ids if int(i) not in special]

    # --- text -> tokens ---------------------------------------------------------------------------
    def _words(self, text: str) -> list[str]:
        """Split out literal special tokens, basic-tokenize the rest: the "words" of the text."""
        words: list[str] = []
        for part, special in self._parts(text):
            if special:
                words.append(part)
            else:
                words.extend(self.basic.split(part))
        return words

    def split_words(self, text: str) -> list[str]:
        """The words `word_ids` count: text after cleaning, case/accent rules and splitting, before
        WordPiece (transformers: the pre-tokenizer's output). "Don't!" -> ['don', "'", 't', '!']."""
        return self._words(text)

    def word_pieces(self, word: str) -> tuple[int, ...]:
        """The ids of one word of `split_words`: its WordPiece pieces (or itself, if special)."""
        return self._special_ids.get(word) or self.wordpiece.ids(word)

    def _encode_text(self, text: str) -> tuple[list[int], list[int]]:
        """Ids of one text (no [CLS]/[SEP]) and, for each id, the index of its word.

        The hot loop, kept out of Python bytecode: the raw text is cut at whitespace, each piece's
        ids are looked up in a cache (running text repeats its pieces; new ones are encoded first),
        and the word index comes from counting the tokens that begin a word.
        """
        ids: list[int] = []
        starts: list[int] = []  # 1 where a token begins a new word, else 0
        chunk_ids, chunk_starts = self._chunk_ids, self._chunk_starts
        for part, special in self._parts(text):
            if special:
                ids.append(self.vocab[part])
                starts.append(1)
                continue
            chunks = self.basic.chunks(part)
            self._learn_chunks(chunks)
            ids.extend(chain.from_iterable(map(chunk_ids.__getitem__, chunks)))
            starts.extend(chain.from_iterable(map(chunk_starts.__getitem__, chunks)))
        word_ids = list(accumulate(starts, initial=-1))  # -1, then the running count of words, less one
        del word_ids[0]
        return ids, word_ids

    def _parts(self, text: str) -> list[tuple[str, bool]]:
        """The text cut around literal special tokens: (piece, is_special) in order."""
        if self._special_re is None:
            return [(text, False)]
        return [(part, bool(i % 2)) for i, part in enumerate(self._special_re.split(text)) if part]

    def _learn_chunks(self, chunks: list[str]) -> None:
        """Put the whitespace-free pieces of raw text that the cache lacks into it: their ids and,
        for each id, whether it begins a word. Stored as tuples, which the garbage collector stops
        tracking."""
        new = set(chunks).difference(self._chunk_ids)
        if not new:
            return
        if len(self._chunk_ids) + len(new) > self.cache_limit:  # bound the memory: start again
            self._chunk_ids.clear()
            self._chunk_starts.clear()
            new = set(chunks)
        split, word_pieces, patterns = self.basic.split_chunk, self.word_pieces, self._start_patterns
        for chunk in new:
            words = split(chunk)
            if len(words) == 1:  # the usual case, made quick
                ids = word_pieces(words[0])
                starts = (1,) + (0,) * (len(ids) - 1)
            else:
                pieces = [word_pieces(word) for word in words]
                ids = tuple(chain.from_iterable(pieces))
                starts = tuple(chain.from_iterable((1,) + (0,) * (len(p) - 1) for p in pieces))
            self._chunk_ids[chunk] = ids
            self._chunk_starts[chunk] = patterns.setdefault(starts, starts)  # shared: few patterns

    def tokenize(self, text: str) -> list[str]:
        """Text -> WordPiece tokens, e.g. 'unaffable' -> ['una', '##ffa', '##ble']."""
        return [self.ids_to_tokens[i] for i in self._encode_text(text)[0]]

    def encode(self, text: str, text_pair: str | None = None, **kwargs) -> list[int]:
        return self(text, text_pair, **kwargs)["input_ids"]

    def build_inputs_with_special_tokens(self, ids_a: list[int], ids_b: list[int] | None = None) -> list[int]:
        """[CLS] A [SEP]  or  [CLS] A [SEP] B [SEP]."""
        missing = [t for t in (self.cls_token, self.sep_token) if t not in self.vocab]
        if missing:
            raise ValueError(f"the vocabulary lacks the special token(s) {missing}: "
                             "encode with add_special_tokens=False")
        cls, sep = self.vocab[self.cls_token], self.vocab[self.sep_token]
        return [cls, *ids_a, sep] if ids_b is None else [cls, *ids_a, sep, *ids_b, sep]

    def get_special_tokens_mask(self, ids_a: list[int], ids_b: list[int] | None = None) -> list[int]:
        if ids_b is None:
            return [1] + [0] * len(ids_a) + [1]
        return [1] + [0] * len(ids_a) + [1] + [0] * len(ids_b) + [1]

    def _encode_one(self, text, text_pair, add_special_tokens, truncation, max_length):
        a, wa = self._encode_text(text)
        b, wb = self._encode_text(text_pair) if text_pair is not None else (None, None)
        if truncation:
            n_special = (2 if b is None else 3) if add_special_tokens else 0
            keep_a, keep_b = truncate_pair(len(a), None if b is None else len(b), max_length - n_special,
                                           strategy=truncation, max_length=max_length)
            a, wa = a[:keep_a], wa[:keep_a]
            if b is not None:
                b, wb = b[:keep_b], wb[:keep_b]
        if not add_special_tokens:
            ids = a + (b or [])
            return {"input_ids": ids, "token_type_ids": [0] * len(a) + [1] * len(b or []),
                    "special_tokens_mask": [0] * len(ids),
                    "word_ids": wa + (wb or []), "sequence_ids": [0] * len(a) + [1] * len(b or [])}
        ids = self.build_inputs_with_special_tokens(a, b)
        types = [0] * (len(a) + 2) + ([] if b is None else [1] * (len(b) + 1))
        words = [None, *wa, None] + ([] if b is None else [*wb, None])
        seqs = [None] + [0] * len(a) + [None] + ([] if b is None else [1] * len(b) + [None])
        return {"input_ids": ids, "token_type_ids": types,
                "special_tokens_mask": self.get_special_tokens_mask(a, b),
                "word_ids": words, "sequence_ids": seqs}

    def __call__(self, text: str | list[str], text_pair: str | list[str] | None = None, *,
                 add_special_tokens: bool = True, padding: bool | str = False,
                 truncation: bool | str = False, max_length: int | None = None,
                 return_tensors: str | None = None, return_token_type_ids: bool = True,
                 return_attention_mask: bool = True, return_special_tokens_mask: bool = False,
                 pad_to_multiple_of: int | None = None) -> BatchEncoding:
        """Encode one text (or pair), or a batch of them, as transformers' tokenizer does.

        padding: False | True/"longest" | "max_length". truncation: False | True/"longest_first" |
        "only_first" | "only_second". return_tensors: None (lists) or "pt" (torch tensors).
        """
        batched = isinstance(text, (list, tuple))
        texts = list(text) if batched else [text]
        if text_pair is None or (text_pair == "" and not batched):
            # transformers v5 treats a single empty pair as no pair (but keeps "" inside a batch);
            # we give the same ids. See tests/test_tokenizer.py::test_empty_pair.
            pairs = [None] * len(texts)
        else:
            pairs = list(text_pair) if batched else [text_pair]
            if len(pairs) != len(texts):
                raise ValueError(f"{len(texts)} texts but {len(pairs)} text pairs")
        for t in texts + [p for p in pairs if p is not None]:
            if not isinstance(t, str):
                raise TypeError(f"texts must be str, got {type(t).__name__}")
        if truncation and max_length is None:
            max_length = self.model_max_length
            if max_length is None:
                truncation = False  # nothing to truncate to, as in transformers
        rows = [self._encode_one(t, p, add_special_tokens, truncation, max_length) for t, p in zip(texts, pairs)]
        enc = pad_and_stack(rows, padding=padding, max_length=max_length, pad_id=self.vocab.get(self.pad_token, 0),
                            pad_to_multiple_of=pad_to_multiple_of, return_tensors=return_tensors,
                            batched=batched)
        if not return_token_type_ids:
            enc.pop("token_type_ids")
        if not return_attention_mask:
            enc.pop("attention_mask")
        if not return_special_tokens_mask:
            enc.pop("special_tokens_mask")
        return enc

    # --- ids -> text ------------------------------------------------------------------------------
    def convert_tokens_to_string(self, tokens: list[str]) -> str:
        """Glue '##' pieces to the piece before, space the rest, and tidy punctuation (as
        transformers' v5 WordPiece decoder does): ['hello', ',', 'world'] -> 'hello, world'."""
        out = []
        for i, token in enumerate(tokens):
            if i > 0:
                token = token[2:] if token.startswith("##") else " " + token
            out.append(_cleanup(token))
        return "".join(out)

    def decode(self, ids, skip_special_tokens: bool = False) -> str:
        """Ids -> text: 'hello, world!' (lower-cased and without accents for uncased models)."""
        if hasattr(ids, "tolist"):
            ids = ids.tolist()
        if isinstance(ids, int):
            ids = [ids]
        return self.convert_tokens_to_string(self.convert_ids_to_tokens(list(ids), skip_special_tokens))

    def batch_decode(self, batch, skip_special_tokens: bool = False) -> list[str]:
        if hasattr(batch, "tolist"):
            batch = batch.tolist()
        return [self.decode(ids, skip_special_tokens) for ids in batch]


def _cleanup(token: str) -> str:
    """The decoder's per-token clean-up of spaces before punctuation and English contractions."""
    for dirty, clean in ((" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"),
                         (" n't", "n't"), (" 'm", "'m"), (" do not", " don't"), (" 's", "'s"),
                         (" 've", "'ve"), (" 're", "'re")):
        token = token.replace(dirty, clean)
    return token
