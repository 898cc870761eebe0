#!/bin/sh
# check.sh XNORCC WORKDIR CASEDIR : `xnorcc check` passes and fails when it should.
#
# CASEDIR is tests/models/bin_xnornet (one input 1x3x16x16, one output 1x10;
# output_0.npy from PyTorch). The cases:
#   1. --input/--expect with the case's files: exit 0, both comparisons ok;
#   2. random inputs, no --expect, --no-opt: C vs interpreter, exit 0;
#   3. a wrong expectation (output_0.npy with element 0 set to 100, element 1
#      to -100; PyTorch has 1.0355 and 2.0250 there): exit 1, 2 of 10 beyond
#      the tolerance, 1 sign flip, the worst at [0,1];
#   4. the same with --tol 1000: exit 0;
#   5. CC=false: exit 1, "the C compiler failed";
#   6. two --expect for one output: exit 1, the counts named;
#   7. tests/models/io_typed (int64 and bool inputs; int32, bool, int64 and
#      float outputs) with its files: exit 0, every output within tolerance.
# No temporary folder may be left in TMPDIR.
set -u
if [ $# -ne 3 ]; then
  echo "usage: check.sh XNORCC WORKDIR CASEDIR" >&2
  exit 2
fi
XNORCC=$1 WORK=$2 CASE=$3
rm -rf "$WORK" && mkdir -p "$WORK/tmp"
TMPDIR=$WORK/tmp
export TMPDIR
unset CFLAGS
failed=0
fail() {
  echo "check.sh: FAIL: $*" >&2
  failed=1
}
# expect NAME WANT GOT PATTERN... : run NAME exited with GOT, which must be WANT, and
# its stdout or stderr (WORK/NAME.out, .err) holds every PATTERN (fixed strings)
expect() {
  name=$1 want=$2 got=$3
  shift 3
  [ "$got" = "$want" ] || fail "$name: exit status $got, expected $want: $(cat "$WORK/$name.out" "$WORK/$name.err")"
  for pat in "$@"; do
    grep -qF -- "$pat" "$WORK/$name.out" "$WORK/$name.err" || fail "$name: no line with '$pat': $(cat "$WORK/$name.out" "$WORK/$name.err")"
  done
  echo "check.sh: $name: exit $got as expected"
}
M=$CASE/model.json

"$XNORCC" check "$M" --input "$CASE/input_0.npy" --expect "$CASE/output_0.npy" >"$WORK/files.out" 2>"$WORK/files.err"
expect files 0 $? "C vs expected: " "interpreter vs expected: " "0 of 10 beyond tolerance" "check: ok"

"$XNORCC" check "$M" --no-opt --seed 3 >"$WORK/random.out" 2>"$WORK/random.err"
expect random 0 $? "random in [-1, 1) (seed 3)" "C vs interpreter: " "0 of 10 beyond tolerance" "check: ok"

cp "$CASE/output_0.npy" "$WORK/wrong.npy"
off=$(($(wc -c <"$WORK/wrong.npy") - 40)) # the 10 float32 values end the file
printf '\000\000\310\102\000\000\310\302' | dd of="$WORK/wrong.npy" bs=1 seek=$off conv=notrunc 2>/dev/null
"$XNORCC" check "$M" --input "$CASE/input_0.npy" --expect "$WORK/wrong.npy" >"$WORK/wrong.out" 2>"$WORK/wrong.err"
expect wrong 1 $? "C vs expected: worst |a - b| 102 at [0,1]" "2 of 10 beyond tolerance, 1 sign flip: FAIL" \
  "check: FAIL: outputs beyond the tolerance"
[ "$(grep -c ': FAIL$' "$WORK/wrong.out")" = 2 ] || fail "wrong: expected the C and the interpreter lines to fail"

"$XNORCC" check "$M" --input "$CASE/input_0.npy" --expect "$WORK/wrong.npy" --tol 1000 >"$WORK/tol.out" 2>"$WORK/tol.err"
expect tol 0 $? "<= 1000 + 1000 |b|" "0 of 10 beyond tolerance, 1 sign flip: ok" "check: ok"

CC=false "$XNORCC" check "$M" >"$WORK/cc.out" 2>"$WORK/cc.err"
expect cc 1 $? "error: the C compiler failed: false -std=c99 -O2 "

"$XNORCC" check "$M" --expect "$CASE/output_0.npy" --expect "$CASE/output_0.npy" >"$WORK/count.out" 2>"$WORK/count.err"
expect count 1 $? "error: the model has 1 output(s) but 2 --expect were given"

T=$CASE/../io_typed
"$XNORCC" check "$T/model.json" --input "$T/input_0.npy" --input "$T/input_1.npy" --input "$T/input_2.npy" \
  --expect "$T/output_0.npy" --expect "$T/output_1.npy" --expect "$T/output_2.npy" --expect "$T/output_3.npy" \
  --expect "$T/output_4.npy" >"$WORK/typed.out" 2>"$WORK/typed.err"
expect typed 0 $? "out0 'y' 2x3, C vs expected: worst |a - b| 0 at [0,0] (-3 vs -3), 0 of 6 beyond tolerance" \
  "out3 'a' 2x3, interpreter vs expected: worst |a - b| 0 at [0,0] (6 vs 6)" "0 of 18 beyond tolerance" "check: ok"
[ "$(grep -c 'sign flips: ok$' "$WORK/typed.out")" = 10 ] || fail "typed: expected 10 comparisons ok"

left=$(ls -A "$TMPDIR")
[ -z "$left" ] || fail "temporary files left in TMPDIR: $left"
exit $failed
