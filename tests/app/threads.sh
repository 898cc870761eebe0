#!/bin/sh
# threads.sh XNORCC THREADS_C WORKDIR MODELDIR... : NAME_run_r under ThreadSanitizer.
#
# Each model (one input, one output) is compiled with xnorcc --name net and
# built with threads.c by gcc and clang with -fsanitize=thread -O2 (gcc only
# with XN_TEST_PROGRAMS=one). `threads states` (two threads, two states) must
# pass with no TSan report; for the first model, `threads static` (two threads
# on net_run's one static state) must make TSan report a data race, the
# control that shows TSan sees the generated code's memory.
set -u
if [ $# -lt 4 ]; then
  echo "usage: threads.sh XNORCC THREADS_C WORKDIR MODELDIR..." >&2
  exit 2
fi
XNORCC=$1 SRC=$2 WORK=$3
shift 3
CCS="gcc clang"
[ "${XN_TEST_PROGRAMS:-all}" = one ] && CCS=gcc
RTCFLAGS=$("$XNORCC" config --cflags) || exit 1
failed=0 control=1
for dir in "$@"; do
  case=$(basename "$dir")
  w=$WORK/$case
  rm -rf "$w" && mkdir -p "$w"
  if ! "$XNORCC" "$dir/model.json" --name net -o "$w/net.c" 2>"$w/compile.err"; then
    echo "threads: FAIL: $case: xnorcc: $(head -c 2000 "$w/compile.err")" >&2
    failed=1
    continue
  fi
  for cc in $CCS; do
    # shellcheck disable=SC2086
    if ! $cc -std=c11 -Wall -Wextra -Werror -pedantic -O2 -g -fsanitize=thread -I"$w" $RTCFLAGS \
        "$SRC" "$w/net.c" -o "$w/threads_$cc" -lpthread -lm 2>"$w/$cc.err"; then
      echo "threads: FAIL: $case: $cc: $(head -c 2000 "$w/$cc.err")" >&2
      failed=1
      continue
    fi
    if TSAN_OPTIONS=halt_on_error=1 "$w/threads_$cc" states >"$w/$cc.out" 2>"$w/$cc.tsan" &&
        ! grep -q ThreadSanitizer "$w/$cc.tsan"; then
      echo "threads: $case ($cc): $(cat "$w/$cc.out")"
    else
      echo "threads: FAIL: $case ($cc): $(head -c 3000 "$w/$cc.tsan")" >&2
      failed=1
    fi
    if [ $control = 1 ]; then
      TSAN_OPTIONS=halt_on_error=1 "$w/threads_$cc" static >/dev/null 2>"$w/$cc.control"
      if grep -q "ThreadSanitizer: data race" "$w/$cc.control"; then
        echo "threads: $case ($cc): the control (net_run on two threads) is a data race to TSan"
      else
        echo "threads: FAIL: $case ($cc): TSan saw no race in two threads on net_run's static state" >&2
        failed=1
      fi
    fi
  done
  control=0
done
exit $failed
