#!/bin/sh
# smoke.sh XNORCC WORKDIR: a quick check of the whole-network benchmark's
# timing harness (bench/net/harness.c) on a small test model, for CTest
# (tests/netbench). Compiles tests/models/bin_xnornet with xnorcc --name net,
# builds the harness with gcc -O2 -march=native -std=c99 -Wall -Wextra -Werror
# -pedantic (as bench/net/run.py does), then:
#   1. against the model's expected output: exit 0, a check line with far=0,
#      a time line with at least 3 runs;
#   2. against another model's expected output of the same size: exit 1.
#   3. built again with -DXNORCC_THREADS -pthread (run.py's build for
#      --threads 1,2): --threads 2 takes (threads=2 on the time line) and the
#      output has the bytes of the first build's.
set -u
XNORCC=$1 WORK=$2
here=$(cd "$(dirname "$0")" && pwd)
models=$here/../../tests/models
rm -rf "$WORK" && mkdir -p "$WORK" || exit 1
fail() { echo "netbench smoke: FAIL: $*" >&2; exit 1; }
"$XNORCC" "$models/bin_xnornet/model.json" --name net -o "$WORK/net.c" || fail "xnorcc"
# shellcheck disable=SC2046
gcc -O2 -march=native -std=c99 -Wall -Wextra -Werror -pedantic -I "$WORK" $("$XNORCC" config --cflags) \
  "$here/harness.c" "$WORK/net.c" -o "$WORK/prog" $("$XNORCC" config --libs) || fail "gcc"
out=$("$WORK/prog" "$models/bin_xnornet/input_0.npy" "$models/bin_xnornet/output_0.npy" "$WORK/out.bin" \
  --warmup 1 --runs 3 --min-time 0 --check) || fail "harness against the expected output: $out"
echo "$out"
echo "$out" | grep -q '^check n=10 .* far=0 ' || fail "no clean check line"
runs=$(echo "$out" | sed -n 's/^time .*runs=\([0-9]*\) .*/\1/p')
[ "${runs:-0}" -ge 3 ] || fail "fewer than 3 timed runs: $out"
[ "$(wc -c < "$WORK/out.bin")" -eq 40 ] || fail "out.bin is not 10 floats"
if "$WORK/prog" "$models/bin_xnornet/input_0.npy" "$models/bin_resnet_block/output_0.npy" - \
  --warmup 0 --runs 1 --min-time 0 --check >"$WORK/wrong.txt"; then
  fail "harness accepted another model's output: $(cat "$WORK/wrong.txt")"
fi
grep -q 'far=[1-9]' "$WORK/wrong.txt" || fail "wrong reference not counted as far: $(cat "$WORK/wrong.txt")"
# shellcheck disable=SC2046
gcc -O2 -march=native -std=c99 -Wall -Wextra -Werror -pedantic -DXNORCC_THREADS -pthread -I "$WORK" \
  $("$XNORCC" config --cflags) "$here/harness.c" "$WORK/net.c" -o "$WORK/prog_thr" $("$XNORCC" config --libs) ||
  fail "gcc -DXNORCC_THREADS"
out=$("$WORK/prog_thr" "$models/bin_xnornet/input_0.npy" "$models/bin_xnornet/output_0.npy" "$WORK/out2.bin" \
  --warmup 1 --runs 3 --min-time 0 --threads 2 --check) || fail "threaded harness at 2 threads: $out"
echo "$out" | grep -q ' threads=2$' || fail "--threads 2 did not take: $out"
cmp -s "$WORK/out.bin" "$WORK/out2.bin" || fail "2 threads: not the bytes of the build without threads"
echo "netbench smoke: OK"
