#!/bin/sh
# run_dump.sh XNORCC MODELS WORK - `xnorcc run --dump` and `xnorcc compare-dumps`
# (docs/dumps.md) on tests/models/bin_binactive, whose Sign reads the graph
# input: input_near.npy holds 1.5e-8 at element 37, input_flip.npy -2.5e-8
# there (the rest is the case's input_0.npy). The same input twice: no sign
# differs (exit 0); the two: the input tensor, element 37, both values and
# how close to zero (exit 1). The optimized run and --no-opt agree.
set -u
X=$1 M=$2/bin_binactive W=$3 H=$(cd "$(dirname "$0")" && pwd)
rm -rf "$W" && mkdir -p "$W"
fail() { echo "FAIL: $*" >&2; exit 1; }
"$X" run "$M/model.json" --input "$H/input_near.npy" --output "$W/a.npy" --dump "$W/a" || fail "run --dump a"
"$X" run "$M/model.json" --input "$H/input_flip.npy" --output "$W/b.npy" --dump "$W/b" || fail "run --dump b"
"$X" run "$M/model.json" --input "$H/input_near.npy" --output "$W/c.npy" --dump "$W/c" --no-opt || fail "run --dump c"
[ -f "$W/a/index.tsv" ] && [ -f "$W/a/00000.npy" ] || fail "no index.tsv or tensor files"
head -n 2 "$W/a/index.tsv" | tail -n 1 | grep -q "^00000.npy	1	1x4x5x5	input_0	graph input$" || fail "index line: $(sed -n 2p "$W/a/index.tsv")"
out=$("$X" compare-dumps "$W/a" "$W/c"); rc=$?
[ $rc -eq 0 ] || fail "a vs c: exit $rc: $out"
[ "$out" = "no sign differs: 3 tensors in both dumps, 1 of them read by a Sign" ] || fail "a vs c: $out"
out=$("$X" compare-dumps "$W/a" "$W/b"); rc=$?
[ $rc -eq 1 ] || fail "a vs b: exit $rc: $out"
want="first sign difference: tensor 'input_0' (graph input; read by a Sign): 1 of 100 elements differ in sign; element 37 is 1.49999995e-08 in $W/a and -2.50000003e-08 in $W/b; every differing element is within 2.5e-08 of zero (the tensor's largest magnitude is"
case $out in
  "$want"*) ;;
  *) fail "a vs b: $out" ;;
esac
"$X" compare-dumps "$W/a" "$W/nothing" 2>"$W/err.txt"; rc=$?
[ $rc -eq 2 ] && grep -q "cannot read '$W/nothing/index.tsv'" "$W/err.txt" || fail "missing dump: exit $rc: $(cat "$W/err.txt")"
echo "dump: ok"
