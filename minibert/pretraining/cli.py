"""`minibert pretrain` and `minibert fill-mask`.

    minibert pretrain                         # a tiny BERT on the bundled Wikipedia sample
    minibert pretrain --corpus my_texts/ --out runs/mine --steps 3000 --hidden-size 256
    torchrun --nproc_per_node 2 -m minibert pretrain ...    # DistributedDataParallel
    minibert fill-mask runs/pretrain "The capital of France is [MASK]."
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

BUNDLED_CORPUS = Path(__file__).parent.parent / "data" / "wikipedia-100.txt.gz"


def add_commands(sub) -> None:
    p = sub.add_parser("pretrain", help="pretrain a small BERT (MLM + NSP) on a text corpus",
                       formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--corpus", default=str(BUNDLED_CORPUS),
                   help="a text file or folder: one sentence per line, blank lines between documents")
    p.add_argument("--out", default="runs/pretrain", help="output folder (an HF model folder)")
    p.add_argument("--steps", type=int, default=4000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--resume", action="store_true", help="continue the run in --out from its last checkpoint")
    p.add_argument("--vocab", help="an existing vocab.txt (default: train a WordPiece vocabulary on the corpus)")
    p.add_argument("--vocab-size", type=int, default=5000)
    p.add_argument("--cased", action="store_true", help="keep case (default: lower-case, as uncased BERT)")
    p.add_argument("--init-embeddings", metavar="VECTORS",
                   help="start the word-embedding rows of whole-word tokens from these word vectors "
                        "(word2vec text/binary or GloVe text; see minibert.init_word_embeddings)")
    p.add_argument("--init-projection", choices=["auto", "random", "pca"], default="auto",
                   help="how vectors of another size are mapped to --hidden-size")
    g = p.add_argument_group("model size")
    g.add_argument("--hidden-size", type=int, default=128)
    g.add_argument("--num-hidden-layers", type=int, default=1)
    g.add_argument("--num-attention-heads", type=int, default=2)
    g.add_argument("--intermediate-size", type=int, default=256)
    g.add_argument("--dropout", type=float, default=0.0, help="hidden and attention dropout")
    g.add_argument("--tie-word-embeddings", action=argparse.BooleanOptionalAction, default=True,
                   help="the MLM decoder is the word embeddings (BERT's choice); --no-tie-word-embeddings "
                        "gives it a matrix of its own")
    g.add_argument("--embedding-std", type=float, default=0.1,
                   help="initial standard deviation of the embedding rows (BERT's initializer_range is 0.02; "
                        "larger rows keep the local start through a high learning rate: local_init.scale_embeddings)")
    g.add_argument("--attention-init", choices=["local", "random"], default="local",
                   help="local: the first layer's heads start by attending to the neighbouring tokens "
                        "(minibert.pretraining.local_init); random: BERT's initialisation throughout")
    g = p.add_argument_group("data and optimisation")
    g.add_argument("--max-seq-length", type=int, default=64)
    g.add_argument("--batch-size", type=int, default=64)
    g.add_argument("--grad-accumulation", type=int, default=1)
    g.add_argument("--learning-rate", type=float, default=6e-3,
                   help="peak learning rate; 6e-3 is tuned for the default one-layer model (lesson 4)")
    g.add_argument("--warmup-steps", type=int, default=60)
    g.add_argument("--masking", choices=["dynamic", "static"], default="dynamic")
    g.add_argument("--dupe-factor", type=int, default=10)
    g.add_argument("--whole-word-mask", action="store_true")
    g.add_argument("--masked-lm-prob", type=float, default=0.25, help="share of each sequence's tokens to predict")
    g.add_argument("--max-predictions-per-seq", type=int, default=16)
    g.add_argument("--nsp", action=argparse.BooleanOptionalAction, default=False,
                   help="also train next-sentence prediction (BERT's second task; off by default: in a "
                        "five-minute run it stays below the majority label and the masked LM does as well "
                        "without it, README); the NSP head is kept either way")
    g.add_argument("--time-budget", type=float, metavar="MINUTES",
                   help="stop training after this many minutes of training (then evaluate and save)")
    g.add_argument("--eval-every", type=int, default=200)
    g.add_argument("--save-every", type=int, default=200)
    g.add_argument("--log-every", type=int, default=10)
    p.set_defaults(fn=run_pretrain, needs_model=False,
                   interrupted_note="the last checkpoint in --out is intact: add --resume to the same command to continue")

    f = sub.add_parser("fill-mask", help="predict the [MASK] tokens of a text with a (pre)trained model")
    f.add_argument("model", help="a folder written by `minibert pretrain` (or any BertForMaskedLM folder)")
    f.add_argument("texts", nargs="+")
    f.add_argument("--top-k", type=int, default=5)
    f.set_defaults(fn=run_fill_mask, needs_model=False)


def check_arguments(args) -> None:
    """Impossible values get one line, before any data is read or built."""
    at_least_1 = ("steps", "batch_size", "grad_accumulation", "vocab_size", "hidden_size", "num_hidden_layers",
                  "num_attention_heads", "intermediate_size", "eval_every", "save_every", "log_every",
                  "dupe_factor", "max_predictions_per_seq")
    for name in at_least_1:
        if getattr(args, name) < 1:
            raise ValueError(f"--{name.replace('_', '-')} must be at least 1, got {getattr(args, name)}")
    if args.warmup_steps < 0 or args.learning_rate <= 0:
        raise ValueError("--warmup-steps must be >= 0 and --learning-rate > 0")
    if not 0 <= args.dropout < 1 or not 0 < args.masked_lm_prob < 1:
        raise ValueError("--dropout must be in [0, 1) and --masked-lm-prob in (0, 1)")
    if args.embedding_std <= 0:
        raise ValueError(f"--embedding-std must be positive, got {args.embedding_std}")
    if args.time_budget is not None and args.time_budget <= 0:
        raise ValueError(f"--time-budget must be a positive number of minutes, got {args.time_budget}")
    if args.hidden_size % args.num_attention_heads:
        raise ValueError(f"--hidden-size {args.hidden_size} must divide by --num-attention-heads "
                         f"{args.num_attention_heads}")


def run_pretrain(args) -> int:
    import torch

    from ..config import BertConfig
    from ..embedding_init import init_word_embeddings, read_vectors
    from ..heads import BertForPreTraining
    from ..tokenizer import BertTokenizer
    from .checkpoint import latest_checkpoint
    from .corpus import read_documents
    from .data import DataConfig, PretrainingData
    from .local_init import local_attention_init, scale_embeddings
    from .plots import plot_metrics
    from .trainer import TrainConfig, Trainer
    from .vocab_trainer import train_wordpiece

    from .run_args import resume_args, save_run_args

    check_arguments(args)
    out = Path(args.out)
    if args.resume and latest_checkpoint(out) is not None:
        args = resume_args(out, args, getattr(args, "argv", []))
    init_vectors = read_vectors(args.init_embeddings) if args.init_embeddings and not args.resume else None
    documents = read_documents(args.corpus)
    lower = not args.cased
    if args.resume and latest_checkpoint(out) is not None and not args.vocab:
        tok = BertTokenizer.from_pretrained(latest_checkpoint(out))
    elif args.vocab:
        tok = BertTokenizer(args.vocab, do_lower_case=lower)
    else:
        vocab = train_wordpiece((s for d in documents for s in d), args.vocab_size, do_lower_case=lower)
        tok = BertTokenizer(vocab={t: i for i, t in enumerate(vocab)}, do_lower_case=lower)
    tok.model_max_length = args.max_seq_length
    data = PretrainingData(documents, tok, DataConfig(max_seq_length=args.max_seq_length, masking=args.masking,
                                                      dupe_factor=args.dupe_factor,
                                                      whole_word_mask=args.whole_word_mask,
                                                      masked_lm_prob=args.masked_lm_prob,
                                                      max_predictions_per_seq=args.max_predictions_per_seq),
                            seed=args.seed)
    torch.manual_seed(args.seed)
    config = BertConfig(vocab_size=tok.vocab_size, hidden_size=args.hidden_size,
                        num_hidden_layers=args.num_hidden_layers, num_attention_heads=args.num_attention_heads,
                        intermediate_size=args.intermediate_size, max_position_embeddings=args.max_seq_length,
                        pad_token_id=tok.pad_token_id, hidden_dropout_prob=args.dropout,
                        attention_probs_dropout_prob=args.dropout,
                        tie_word_embeddings=args.tie_word_embeddings)
    model = BertForPreTraining(config)
    if args.attention_init == "local" and not args.resume:   # on --resume the weights come from the checkpoint
        local_attention_init(model, seed=args.seed)
    if init_vectors is not None:  # on --resume the weights come from the checkpoint instead
        report = init_word_embeddings(model, tok, init_vectors, projection=args.init_projection, seed=args.seed)
        print(f"word embeddings: {report['initialised']} of {report['vocab_size']} rows from "
              f"{args.init_embeddings} ({report['missing']} whole words not in the vectors, "
              f"{report['continuation_pieces']} ## pieces keep BERT's initialisation)")
    if args.embedding_std != config.initializer_range and not args.resume:
        scale_embeddings(model, args.embedding_std)   # word-vector rows too: all rows keep their proportions
    trainer = Trainer(model, tok, data, TrainConfig(
        steps=args.steps, batch_size=args.batch_size, grad_accumulation=args.grad_accumulation,
        learning_rate=args.learning_rate, warmup_steps=min(args.warmup_steps, args.steps),
        eval_every=args.eval_every, save_every=args.save_every, log_every=args.log_every,
        seed=args.seed, nsp=args.nsp, time_budget=args.time_budget), out, resume=args.resume)
    if trainer.rank == 0 and not args.resume:
        save_run_args(out, args)
    if trainer.rank == 0:
        print(f"{len(documents)} documents, {len(data.pairs)} training pairs, {len(data.heldout)} held-out; "
              f"vocabulary {tok.vocab_size}; {sum(p.numel() for p in model.parameters()):,} parameters")
    trainer.train()
    if trainer.rank == 0:
        plot = plot_metrics(out / "metrics.jsonl", out / "curves.png")
        evals = [r for r in map(json.loads, (out / "metrics.jsonl").read_text().splitlines()) if "eval_mlm_accuracy" in r]
        if evals:
            e = evals[-1]
            print(f"held-out MLM accuracy {e['eval_mlm_accuracy']:.3f} (baselines on the same positions: "
                  f"neighbour counts {e['eval_neighbour_count_accuracy']:.3f}, most frequent token "
                  f"{e['eval_most_frequent_token_accuracy']:.3f}), perplexity {e['eval_mlm_perplexity']:.1f}, "
                  f"NSP accuracy {e['eval_nsp_accuracy']:.3f} (majority label {e['eval_nsp_majority_accuracy']:.3f})"
                  + ("" if args.nsp else " (NSP not trained)"))
        print(f"model: {out}/ (loads with BertForPreTraining.from_pretrained)\n"
              f"metrics: {out / 'metrics.jsonl'}\nplots: {plot}")
    return 0


def run_fill_mask(args) -> int:
    import torch

    from ..heads import BertForPreTraining
    from ..tokenizer import BertTokenizer

    tok = BertTokenizer.from_pretrained(args.model)
    model = BertForPreTraining.from_pretrained(args.model)
    for text in args.texts:
        enc = tok(text, truncation=True, return_tensors="pt")
        positions = (enc["input_ids"][0] == tok.mask_token_id).nonzero().flatten().tolist()
        if not positions:
            raise ValueError(f"no {tok.mask_token} in {text!r}")
        with torch.no_grad():
            logits = model(**enc).prediction_logits[0]
        print(text)
        for pos in positions:
            probs = logits[pos].softmax(-1)
            top = probs.topk(args.top_k)
            print("  " + ", ".join(f"{tok.convert_ids_to_tokens(i)} {p:.3f}"
                                   for p, i in zip(top.values.tolist(), top.indices.tolist())))
    return 0

