#!/bin/sh
# profile.sh XNORCC WORKDIR CASEDIR... : xnorcc --profile (docs/generated-code.md).
# For each case: the program built from `--profile --main` prints one table
# row per layer function of net.c, in net.c's order; every layer --report
# lists has --report's kind (xnor/bwn/float), every other row is float, or
# xnor for BinActiv/BinThreshold; the shares add up to 100%; the header
# line counts one run. Without --profile net.c has none of it, and the two
# compilations give the same layer functions. Timings are not checked.
set -u
XNORCC=$1 WORK=$2
shift 2
failed=0
fail() {
  echo "profile: FAIL: $case: $*" >&2
  failed=1
}
CC=${CC:-cc}
for dir in "$@"; do
  case=$(basename "$dir")
  w=$WORK/profile_$case
  rm -rf "$w" && mkdir -p "$w"
  "$XNORCC" "$dir/model.json" --name net --main --profile -o "$w/net.c" 2>"$w/err" || { fail "xnorcc --profile: $(cat "$w/err")"; continue; }
  "$XNORCC" "$dir/model.json" --name net --main -o "$w/plain.c" 2>"$w/err" || { fail "xnorcc: $(cat "$w/err")"; continue; }
  "$XNORCC" "$dir/model.json" --report >"$w/report" 2>&1 || { fail "xnorcc --report failed"; continue; }
  if grep -q 'prof\|clock_gettime' "$w/plain.c"; then fail "net.c without --profile has profiling code"; fi
  # shellcheck disable=SC2046
  $CC -std=c99 -Wall -Wextra -Werror -pedantic -O2 "$w/net.c" -o "$w/net" $("$XNORCC" config --cflags --libs) -lm \
    2>"$w/cc.err" || { fail "cc rejects the profiled net.c: $(head -c 2000 "$w/cc.err")"; continue; }
  # inputs: zeros of the right size (the values do not matter)
  args=""
  k=0
  while n=$(sed -n "s/^#define net_IN${k}_SIZE \([0-9]*\)$/\1/p" "$w/net.h") && [ -n "$n" ]; do
    head -c $((n * 4)) /dev/zero >"$w/in$k.bin"
    args="$args $w/in$k.bin"
    k=$((k + 1))
  done
  k=0
  while grep -q "^#define net_OUT${k}_SIZE" "$w/net.h"; do args="$args $w/out$k.bin"; k=$((k + 1)); done
  # shellcheck disable=SC2086
  "$w/net" $args 2>"$w/table" || { fail "the profiled program failed: $(cat "$w/table")"; continue; }
  # the layer functions of both files, in order
  for f in net plain; do
    sed -n 's/^static \(net_NOINLINE \)\{0,1\}void \(l[0-9]*_[a-z0-9_]*\)(.*/\2/p' "$w/$f.c" >"$w/fns_$f"
  done
  cmp -s "$w/fns_net" "$w/fns_plain" || fail "--profile changed the layer functions"
  [ -s "$w/fns_net" ] || fail "no layer functions found in net.c"
  sed -n '3,/^by kind:/p' "$w/table" | sed '$d' >"$w/rows"
  awk '{print $1}' "$w/rows" | cmp -s - "$w/fns_net" || fail "rows $(awk '{printf "%s ", $1}' "$w/rows")differ from the layer functions $(tr '\n' ' ' <"$w/fns_net")"
  grep -q '^xnorcc profile of net: 1 run(s), ' "$w/table" || fail "no header line counting 1 run: $(head -1 "$w/table")"
  # kinds: --report's for the layers it lists (by node name), else float or xnor
  awk -v rep="$w/report" '
    BEGIN { while ((getline l < rep) > 0) if (l ~ /^\x27/) { split(l, q, "\x27"); split(q[3], f, /[ :]+/); kind[q[2]] = f[3] } }
    { want = ($2 in kind) ? kind[$2] : ($3 == "BinActiv" || $3 == "BinThreshold" ? "xnor" : "float")
      if ($4 != want) { printf "row %s (%s %s): kind %s, want %s\n", $1, $2, $3, $4, want; bad = 1 }
      share += $6 }
    END { if (share < 99.5 || share > 100.5) { printf "shares add up to %.1f%%\n", share; bad = 1 }; exit bad }
  ' "$w/rows" >"$w/kinds" || fail "$(cat "$w/kinds")"
  grep -c . "$w/rows" | grep -qx "$(grep -c . "$w/fns_net")" || fail "row count"
done
[ $failed -eq 0 ] && echo "profile: $# case(s) passed"
exit $failed
