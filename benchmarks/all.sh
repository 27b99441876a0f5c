#!/usr/bin/env bash
# Every benchmark the README's speed tables quote, one after another in one run (about 25 minutes
# on 2 cores), each printing ours and the reference side by side. GLOVE_C names a folder with the
# GloVe C tools built (vocab_count, cooccur, shuffle, glove: `make` in a clone of
# stanfordnlp/GloVe); without it the GloVe rows are skipped.
# Run: GLOVE_C=path/to/GloVe/build bash benchmarks/all.sh
set -euo pipefail
cd "$(dirname "$0")"
run() { echo "== python $*"; python "$@"; }
run tokenizer_speed.py
run bert_inference.py
run pretrain_speed.py
run word2vec_speed.py --sg 1 --rounds 5
run word2vec_speed.py --sg 0 --rounds 5
if [ -n "${GLOVE_C:-}" ]; then
    for args in "--dtype float64" "--dtype float32" "--dtype float64 --copies 16" "--dtype float32 --copies 16"; do
        # shellcheck disable=SC2086
        run glove_speed.py $args --c-glove-dir "$GLOVE_C" 2> >(grep -v "iter:" >&2)
    done
fi
run streaming.py
