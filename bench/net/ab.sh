#!/bin/sh
# Before/after of one model in one run (docs/bench.md, "Whole networks"):
# two xnorcc builds compile the same binary model, each net.c is built with
# the benchmark's flags and bench/net/harness.c, and the two programs and ONNX
# Runtime on the float architecture run in interleaved rounds, one thread.
#   bench/net/ab.sh XNORCC_BEFORE XNORCC_AFTER MODELS ORT_DIR [MODEL [FLOAT [ROUNDS]]]
# MODELS: gen_models.py's output folder (MODEL, default xnor_resnet18, and
# FLOAT, default resnet18, .onnx/.in.bin/.ref.bin); ORT_DIR holds
# node_modules/onnxruntime-node (bench/net/run.sh installs it). Prints each
# round's `time` lines (median and CPU ms) and keeps everything in $AB_WORK
# (default /tmp/xnorcc-ab).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
a=$1 b=$2 models=$3 ort=$4 model=${5:-xnor_resnet18} float=${6:-resnet18} rounds=${7:-3}
work=${AB_WORK:-/tmp/xnorcc-ab}
flags="-O2 -march=native -std=c99 -Wall -Wextra -Werror -pedantic"
m=$models/$model
for side in before after; do
  x=$a
  [ $side = after ] && x=$b
  mkdir -p "$work/$side"
  "$x" "$m.onnx" --name net -o "$work/$side/net.c"
  # shellcheck disable=SC2086
  gcc $flags $("$x" config --cflags) -I"$work/$side" "$here/harness.c" "$work/$side/net.c" \
    -o "$work/$side/prog" -lm
done
r=1
while [ $r -le "$rounds" ]; do
  for side in before after; do
    printf 'round %d %-7s ' $r $side
    "$work/$side/prog" "$m.in.bin" "$m.ref.bin" --check --min-time 3 --warmup 3 | grep '^time'
  done
  printf 'round %d %-7s ' $r ort
  node "$here/ort_time.js" "$ort" "$models/$float.onnx" "$models/$float.in.bin" "$models/$float.ref.bin" \
    --min-time 3 | grep '^time'
  r=$((r + 1))
done
