#!/bin/sh
# valgrind.sh XNORCC MODEL_DIR WORKDIR CHECK_COMPILER
# Memory checks outside the sanitizers:
#  - xnorcc itself compiling MODEL_DIR/model.json under valgrind, no error and
#    no leak of any kind (skipped when CHECK_COMPILER is 0: a sanitized xnorcc
#    cannot run under valgrind);
#  - the generated program (--main), built with gcc -O1 -g, run under valgrind
#    on MODEL_DIR/input_0.bin (or .npy made raw), clean as well.
# Exit 77 (skipped) while the compiler cannot compile the model yet.
set -eu
xnorcc=$1 model=$2 work=$3 check_compiler=$4
vg="valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=all --show-leak-kinds=all"
command -v valgrind >/dev/null || { echo "valgrind.sh: no valgrind"; exit 77; }
rm -rf "$work" && mkdir -p "$work"
if ! "$xnorcc" "$model/model.json" -o "$work/net.c" --name net --main 2>"$work/err"; then
  cat "$work/err"
  if grep -q "not implemented" "$work/err"; then exit 77; fi
  exit 1
fi
if [ "$check_compiler" = 1 ]; then
  echo "valgrind.sh: xnorcc under valgrind"
  mkdir "$work/vg"
  $vg "$xnorcc" "$model/model.json" -o "$work/vg/net.c" --name net --main
  cmp "$work/net.c" "$work/vg/net.c"
  cmp "$work/net.h" "$work/vg/net.h"
fi
echo "valgrind.sh: generated program under valgrind"
# shellcheck disable=SC2046
gcc -std=c99 -O1 -g -Wall -Wextra -pedantic -o "$work/net" "$work/net.c" $("$xnorcc" config --cflags --libs)
$vg "$work/net" "$model/input_0.bin" "$work/out.bin"
test -s "$work/out.bin"
if [ -f "$model/output_0.bin" ]; then
  # Same size as the reference output (values are the golden tests' business).
  [ "$(wc -c <"$work/out.bin")" = "$(wc -c <"$model/output_0.bin")" ]
fi
echo "valgrind.sh: clean"
