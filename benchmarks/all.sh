#!/usr/bin/env bash
# Every table of the README and the lessons, measured in one run and written in: the speed
# benchmarks (each prints ours and the reference side by side), the default pretraining's seeds,
# the static model's speed and the vectors table, one after another so that each has the machine
# to itself (about 100 minutes on 2 cores). The numbers go to a fresh folder; only when every
# script has finished does it replace benchmarks/results/, and benchmarks/tables.py writes the
# tables into README.md and the lessons (and the figures the same runs draw into lessons/figures/).
# GLOVE_C names a folder with the GloVe C tools built (vocab_count, cooccur, shuffle, glove: `make`
# in a clone of stanfordnlp/GloVe); the speed table needs it.
# Run from the repository root: GLOVE_C=path/to/GloVe/build bash benchmarks/all.sh
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${GLOVE_C:-}" ] || [ ! -x "$GLOVE_C/glove" ]; then
    echo "GLOVE_C must name a folder with the built GloVe C tools (make in a clone of stanfordnlp/GloVe)" >&2
    exit 2
fi
rm -rf runs/all
export MINIBERT_RESULTS="runs/results-$(date +%Y%m%d-%H%M%S)"
run() { echo "== python $* ($(date +%H:%M:%S))"; python "$@"; }
run benchmarks/tokenizer_speed.py
run benchmarks/bert_inference.py
run benchmarks/pretrain_speed.py
run benchmarks/word2vec_speed.py --sg 1 --rounds 5
run benchmarks/word2vec_speed.py --sg 0 --rounds 5
for args in "--dtype float64" "--dtype float32" "--dtype float64 --copies 16" "--dtype float32 --copies 16"; do
    # shellcheck disable=SC2086
    run benchmarks/glove_speed.py $args --c-glove-dir "$GLOVE_C" 2> >(grep -v "iter:" >&2)
done
run benchmarks/static_speed.py
run benchmarks/pretrain_default.py --out runs/all/pretrain-default --figure lessons/figures/pretraining-curves.png
run benchmarks/vectors_table.py --out runs/all/vectors-table --runs runs/all/word-vectors \
    --bert-runs runs/all/pretrain-default --figures lessons/figures
rm -rf benchmarks/results
mkdir -p benchmarks/results
cp "$MINIBERT_RESULTS"/*.json benchmarks/results/
python benchmarks/tables.py
python lessons/notebooks.py          # the lessons' notebooks carry the same tables
echo "== done ($(date +%H:%M:%S)): git diff shows what changed"
