#!/bin/sh
# run.sh [NAME...]   (default: xnor)
# For each model examples/fashion-mnist/models/NAME.onnx: compile it with xnorcc,
# build classify.c against the generated C, classify the 10,000 test images of
# Debian's dataset-fashion-mnist, and compare with PyTorch's classes recorded by
# train.py (expected/NAME.top2). Prints xnorcc's --report, accuracy, latency.
# Needs a built xnorcc (build/compiler/xnorcc, or $XNORCC) and zlib1g-dev;
# writes into build/fashion-mnist/NAME/ (or $OUT/NAME/).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
xnorcc=${XNORCC:-$root/build/compiler/xnorcc}
out=${OUT:-$root/build/fashion-mnist}
cc=${CC:-cc}
[ $# -gt 0 ] || set -- xnor
for name in "$@"; do
  model=$here/models/$name.onnx
  [ -f "$model" ] || { echo "run.sh: no model $model" >&2; exit 2; }
  w=$out/$name
  mkdir -p "$w"
  echo "== $name: xnorcc models/$name.onnx --report"
  "$xnorcc" "$model" --report
  "$xnorcc" "$model" --name fmnist -o "$w/fmnist.c"
  $cc -std=c99 -O2 -march=native -Wall -Wextra -Werror -pedantic -I"$w" \
    "$here/classify.c" "$w/fmnist.c" $("$xnorcc" config --cflags --libs) -lz -o "$w/classify"
  "$w/classify" --pytorch "$here/expected/$name.top2"
done
