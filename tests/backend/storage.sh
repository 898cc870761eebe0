#!/bin/sh
# storage.sh XNORCC CMP WORKDIR MODELDIR... : --weight-storage=bytes and
# =lists give programs with the same output bytes (gcc and clang, -std=c99
# -Wall -Wextra -Werror -pedantic -O2), byte-identical C on a second run and
# under another locale; bytes has no initializer list of 256 items or more,
# lists no byte string (docs/generated-code.md, "Weight storage").
set -u
XNORCC=$1 CMP=$2 WORK=$3
shift 3
RT=$("$XNORCC" config --cflags --libs) || exit 1
CFLAGS="-std=c99 -Wall -Wextra -Werror -pedantic -O2"
failed=0
fail() { echo "storage: FAIL: $case: $*" >&2; failed=1; }
for dir in "$@"; do
  case=$(basename "$dir")
  w=$WORK/storage_$case
  rm -rf "$w" && mkdir -p "$w"
  "$CMP" npy2bin "$dir/input_0.npy" "$w/in.bin" || { fail "input"; continue; }
  for mode in bytes lists; do
    "$XNORCC" "$dir/model.json" --main --name net --weight-storage=$mode -o "$w/$mode.c" 2>"$w/err" ||
      { fail "xnorcc $mode: $(head -c 500 "$w/err")"; continue; }
    mkdir -p "$w/again"
    LC_ALL=C.UTF-8 "$XNORCC" "$dir/model.json" --main --name net --weight-storage=$mode -o "$w/again/$mode.c" \
      2>/dev/null
    cmp -s "$w/$mode.c" "$w/again/$mode.c" || fail "$mode: net.c differs between two runs"
    for cc in gcc clang; do
      # shellcheck disable=SC2086
      $cc $CFLAGS "$w/$mode.c" -o "$w/$mode.$cc" $RT 2>"$w/err" || { fail "$cc $mode: $(head -c 500 "$w/err")"; continue; }
      "$w/$mode.$cc" "$w/in.bin" "$w/out.$mode.$cc" || fail "$mode.$cc failed"
      cmp -s "$w/out.$mode.$cc" "$w/out.bytes.gcc" || fail "$cc $mode: output differs from gcc bytes"
    done
  done
  grep -q '_u = {{' "$w/lists.c" && fail "lists: a byte string"
  grep -q '_u = {{' "$w/bytes.c" || fail "bytes: no byte string"
  # no initializer list item line in the bytes form (hex floats, integers)
  grep -q '^ *\(-\?0x1[.p]\|0x[0-9a-f]\{16\}u,\)' "$w/bytes.c" && fail "bytes: an initializer list"
done
[ $failed = 0 ] && echo "storage: $# models: bytes and lists agree"
exit $failed
