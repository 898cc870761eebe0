#!/bin/sh
# run_fashion.sh XNORCC WORKDIR EXAMPLEDIR NAME N : test of the Fashion-MNIST example.
# run_fashion.sh --count FOUND WANTED             : fails unless FOUND = WANTED.
#
#   1. xnorcc --report on models/NAME.onnx: the first conv and the last Gemm are
#      float, every other layer is xnor (NAME xnor*) or bwn (NAME bwn*), none float;
#   2. the model compiled to C (--name fmnist), classify.c built against it
#      (-std=c99 -Wall -Wextra -Werror -pedantic -O2 -march=native);
#   3. classify on the first N test images writes each one's top-1 and top-2 class;
#      they must equal PyTorch's (the first 2N bytes of expected/NAME.top2, written
#      by train.py when it exported the model);
#   4. classify --pgm on samples/testIIIII_*.pgm (test image IIIII) prints PyTorch's
#      top-1 class of that image.
set -u
if [ "${1:-}" = "--count" ]; then
  if [ "$2" -ne "$3" ]; then
    echo "fashion: error: $2 models in examples/fashion-mnist/models, expected $3" >&2
    exit 1
  fi
  echo "fashion: $2 models"
  exit 0
fi
[ $# -eq 5 ] || { echo "usage: run_fashion.sh XNORCC WORKDIR EXAMPLEDIR NAME N" >&2; exit 2; }
XNORCC=$1 WORK=$2 EX=$3 NAME=$4 N=$5
DATA=/usr/share/datasets/fashion-mnist
w=$WORK/$NAME
rm -rf "$w" && mkdir -p "$w" || exit 1
failed=0
fail() { echo "fashion: FAIL: $NAME: $*" >&2; failed=1; }

if [ ! -f "$DATA/t10k-images-idx3-ubyte.gz" ]; then
  echo "fashion: FAIL: $DATA not found (package dataset-fashion-mnist: sh scripts/deps.sh)" >&2
  exit 1
fi

# 1. every hidden layer binary
case $NAME in
  xnor*) kind=xnor ;;
  bwn*) kind=bwn ;;
  float*) kind=float ;;
  *) fail "unknown model family (name must start with xnor, bwn or float)"; exit 1 ;;
esac
"$XNORCC" "$EX/models/$NAME.onnx" --report >"$w/report" || fail "xnorcc --report failed"
layers=$(grep -c "^'" "$w/report")
first=$(grep "^'" "$w/report" | head -n 1)
last=$(grep "^'" "$w/report" | tail -n 1)
case $first in "'/conv1/Conv' Conv float"*) ;; *) fail "first layer is not the float conv1: $first" ;; esac
case $last in "'/fc2/Gemm' Gemm float"*) ;; *) fail "last layer is not the float fc2: $last" ;; esac
hidden=$(grep "^'" "$w/report" | sed '1d;$d')
[ -n "$hidden" ] || fail "no layer between the first and the last"
echo "$hidden" | while IFS= read -r line; do
  k=$(echo "$line" | sed "s/^'[^']*' [A-Za-z]* \([a-z]*\).*/\1/")
  [ "$k" = "$kind" ] || { echo "fashion: FAIL: $NAME: layer is $k, expected $kind: $line" >&2; echo x >>"$w/bad"; }
done
if [ -f "$w/bad" ]; then
  failed=1
else
  echo "fashion: $NAME: $layers layers, the hidden ones all $kind"
fi

# 2. compile and build
RT=$("$XNORCC" config --cflags --libs) || RT="-lm"
if ! "$XNORCC" "$EX/models/$NAME.onnx" --name fmnist -o "$w/fmnist.c"; then
  fail "xnorcc failed"; exit 1
fi
if ! cc -std=c99 -Wall -Wextra -Werror -pedantic -O2 -march=native -I"$w" \
    "$EX/classify.c" "$w/fmnist.c" $RT -lz -o "$w/classify"; then
  fail "classify.c does not build against the generated code"; exit 1
fi

# 3. the first N test images against PyTorch
if "$w/classify" --limit "$N" --predictions "$w/pred.top2" >"$w/out"; then
  head -c $((2 * N)) "$EX/expected/$NAME.top2" >"$w/expect.top2"
  # byte offsets (1-based) where the classes differ: odd = top-1, even = top-2
  cmp -l "$w/pred.top2" "$w/expect.top2" >"$w/diff" 2>&1
  if [ "$(wc -c <"$w/pred.top2")" -ne $((2 * N)) ]; then
    fail "classify wrote $(wc -c <"$w/pred.top2") bytes of classes, expected $((2 * N))"
  elif [ -s "$w/diff" ]; then
    n1=$(awk '$1 % 2 == 1' "$w/diff" | wc -l)
    n2=$(awk '$1 % 2 == 0' "$w/diff" | wc -l)
    fail "compiled C differs from PyTorch on the first $N test images: top-1 class of $n1, top-2 class of $n2 (first: image $(awk 'NR == 1 { print int(($1 - 1) / 2) }' "$w/diff"))"
  fi
  sed -n 's/^accuracy: /fashion: '"$NAME"': first '"$N"' images: accuracy /p' "$w/out"
else
  fail "classify failed"
fi

# 4. PGM samples
for pgm in "$EX"/samples/test*.pgm; do
  [ -f "$pgm" ] || { fail "no samples/test*.pgm"; break; }
  idx=$(basename "$pgm" | sed 's/^test0*\([0-9][0-9]*\)_.*/\1/')
  want=$(od -An -tu1 -j $((2 * idx)) -N 1 "$EX/expected/$NAME.top2" | tr -d ' ')
  got=$("$w/classify" --pgm "$pgm" | sed 's/^[^:]*: \([0-9]*\) .*/\1/')
  [ "$got" = "$want" ] || fail "$(basename "$pgm"): class '$got', PyTorch's is $want"
done
[ $failed -eq 0 ] && echo "fashion: $NAME: ok"
exit $failed
