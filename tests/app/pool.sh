#!/bin/sh
# pool.sh XNORCC POOL_C WORKDIR MODELDIR... : multi-threaded layers (issue 13)
# give the same bytes at every thread count, under ThreadSanitizer.
#
# Each model (one input, one output) is compiled with xnorcc --name net; pool.c
# (which includes net.c) is built three ways: plain (gcc, no threads: the
# reference), and with -DXNORCC_THREADS -DXNRT_PAR_MIN_WORK=1 -pthread
# -fsanitize=thread by gcc (portable kernels) and by clang -march=native (the
# machine's ISA path; only gcc with XN_TEST_PROGRAMS=one). `pool print N` at
# 1, 2 and 3 threads must print the bytes of the plain build by the same
# compiler and flags (the float kernels' sums differ between ISA paths), and `pool check`
# (1/2/3 threads in one process, the pool must split layers, then two caller
# threads on two states) must pass with no TSan report. Then pool_kernels.c
# (the split kernels, float and binary, against themselves at 1 thread) by the
# same two builds.
set -u
if [ $# -lt 4 ]; then
  echo "usage: pool.sh XNORCC POOL_C WORKDIR MODELDIR..." >&2
  exit 2
fi
XNORCC=$1 SRC=$2 WORK=$3
shift 3
BUILDS="gcc clang"
[ "${XN_TEST_PROGRAMS:-all}" = one ] && BUILDS=gcc
RTCFLAGS=$("$XNORCC" config --cflags) || exit 1
WARN="-std=c11 -Wall -Wextra -Werror -pedantic"
failed=0
for dir in "$@"; do
  case=$(basename "$dir")
  w=$WORK/$case
  rm -rf "$w" && mkdir -p "$w"
  if ! "$XNORCC" "$dir/model.json" --name net -o "$w/net.c" 2>"$w/compile.err"; then
    echo "pool: FAIL: $case: xnorcc: $(head -c 2000 "$w/compile.err")" >&2
    failed=1
    continue
  fi
  # shellcheck disable=SC2086
  if ! gcc $WARN -O2 -I"$w" $RTCFLAGS "$SRC" -o "$w/plain" -lm 2>"$w/plain.err"; then
    echo "pool: FAIL: $case: gcc (no threads): $(head -c 2000 "$w/plain.err")" >&2
    failed=1
    continue
  fi
  "$w/plain" print 1 >"$w/ref.txt" || { echo "pool: FAIL: $case: plain run" >&2; failed=1; continue; }
  for b in $BUILDS; do
    if [ "$b" = gcc ]; then cc="gcc"; else cc="clang -march=native"; fi
    # shellcheck disable=SC2086
    if ! $cc $WARN -O2 -g -fsanitize=thread -DXNORCC_THREADS -DXNRT_PAR_MIN_WORK=1 -pthread -I"$w" \
        $RTCFLAGS "$SRC" -o "$w/pool_$b" -lm 2>"$w/$b.err"; then
      echo "pool: FAIL: $case: $cc: $(head -c 2000 "$w/$b.err")" >&2
      failed=1
      continue
    fi
    # The reference of this build: the same compiler and ISA path without
    # threads (float kernels on another ISA path sum in another order).
    ref=$w/ref.txt
    if [ "$b" != gcc ]; then
      ref=$w/ref_$b.txt
      # shellcheck disable=SC2086
      if ! $cc $WARN -O2 -I"$w" $RTCFLAGS "$SRC" -o "$w/plain_$b" -lm 2>"$w/plain_$b.err" ||
          ! "$w/plain_$b" print 1 >"$ref"; then
        echo "pool: FAIL: $case: $cc (no threads): $(head -c 2000 "$w/plain_$b.err")" >&2
        failed=1
        continue
      fi
    fi
    for n in 1 2 3; do
      if ! TSAN_OPTIONS=halt_on_error=1 "$w/pool_$b" print $n >"$w/$b.$n.txt" 2>"$w/$b.$n.tsan" ||
          grep -q ThreadSanitizer "$w/$b.$n.tsan" || ! cmp -s "$ref" "$w/$b.$n.txt"; then
        echo "pool: FAIL: $case ($cc): $n threads: not the single-threaded build's bytes: $(head -c 3000 "$w/$b.$n.tsan")" >&2
        failed=1
      fi
    done
    if TSAN_OPTIONS=halt_on_error=1 "$w/pool_$b" check >"$w/$b.out" 2>"$w/$b.tsan" &&
        ! grep -q ThreadSanitizer "$w/$b.tsan"; then
      echo "pool: $case ($cc): 1, 2, 3 threads: the no-threads build's bytes; $(tr '\n' ' ' <"$w/$b.out")"
    else
      echo "pool: FAIL: $case ($cc): $(cat "$w/$b.out") $(head -c 3000 "$w/$b.tsan")" >&2
      failed=1
    fi
  done
done
# The kernels themselves (pool_kernels.c): every split path at 1, 2, 3 threads.
KSRC=$(dirname "$SRC")/pool_kernels.c
for b in $BUILDS; do
  if [ "$b" = gcc ]; then cc="gcc"; else cc="clang -march=native"; fi
  # shellcheck disable=SC2086
  if ! $cc $WARN -O2 -g -fsanitize=thread -DXNORCC_THREADS -DXNRT_PAR_MIN_WORK=1 -pthread $RTCFLAGS \
      "$KSRC" -o "$WORK/kernels_$b" -lm 2>"$WORK/kernels_$b.err"; then
    echo "pool: FAIL: pool_kernels.c: $cc: $(head -c 2000 "$WORK/kernels_$b.err")" >&2
    failed=1
  elif TSAN_OPTIONS=halt_on_error=1 "$WORK/kernels_$b" >"$WORK/kernels_$b.out" 2>"$WORK/kernels_$b.tsan" &&
      ! grep -q ThreadSanitizer "$WORK/kernels_$b.tsan"; then
    echo "pool: kernels ($cc): $(tail -1 "$WORK/kernels_$b.out")"
  else
    echo "pool: FAIL: kernels ($cc): $(cat "$WORK/kernels_$b.out") $(head -c 3000 "$WORK/kernels_$b.tsan")" >&2
    failed=1
  fi
done
exit $failed
