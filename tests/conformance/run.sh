#!/bin/sh
# run.sh XNORCC CONFORM DATA WORK EXPECTED SHARD NSHARDS
#
# One shard of the ONNX conformance run: the cases of libonnx-testdata (DATA:
# node/, pytorch-converted/, pytorch-operator/, simple/; case k of the sorted
# list belongs to shard k % NSHARDS). For each case:
#   1. xnorcc compiles DATA/<case>/model.onnx to C (--main). When it reports
#      an unsupported op or domain, the case is skipped (the ops are noted):
#      it is not a case of supported ops; any other error fails it.
#   2. The C is built with cc -std=c99 -Wall -Wextra -Werror -pedantic -O1.
#   3. For every test_data_set_N: the program runs on the input_*.pb (as raw
#      float32, conform pb2bin), `xnorcc run` on the .pb files directly,
#      writing .pb outputs; both are compared with output_*.pb by
#      `conform compare` (ONNX's tolerance, rtol 1e-3, atol 1e-7).
# With XN_CONFORMANCE_C=0 (the sanitized build, where only xnorcc itself is
# sanitized and the programs would be the same as in the normal build) steps 2
# and the program runs are left out: only the interpreter is compared, and a
# listed case whose interpreter run passes stays counted as failed.
# Results go to WORK/shardSHARD.txt, one line per case: "pass CASE",
# "fail CASE: REASON" or "skip CASE: OPS". Against EXPECTED (the checked-in
# expected failures, "CASE  reason" per line), a case that fails but is not
# listed, or is listed but passes or is skipped (the list must stay true), is
# written to WORK/unexpectedSHARD.txt; summary.sh adds the shards up and fails
# on those. The shard itself fails only when it cannot run.
set -u
if [ $# -ne 7 ]; then
  echo "usage: $0 XNORCC CONFORM DATA WORK EXPECTED SHARD NSHARDS" >&2
  exit 2
fi
XNORCC=$1 CONFORM=$2 DATA=$3 WORK=$4 EXPECTED=$5 SHARD=$6 NSHARDS=$7
CC=${CC:-cc}
WITH_C=${XN_CONFORMANCE_C:-1}
if [ ! -d "$DATA/node" ]; then
  echo "conformance: error: no ONNX test data in $DATA (scripts/deps.sh installs libonnx-testdata)" >&2
  exit 1
fi
RTFLAGS=$("$XNORCC" config --cflags --libs) || exit 1
mkdir -p "$WORK"
out=$WORK/shard$SHARD.txt unexpected=$WORK/unexpected$SHARD.txt
: >"$out"
: >"$unexpected"

# Runs a command with a time limit when `timeout` exists.
limit() {
  if command -v timeout >/dev/null 2>&1; then timeout 60 "$@"; else "$@"; fi
}

# The first line of a file, for a one-line reason.
first() { head -n 1 "$1" | cut -c1-300; }

# run_case CASE: prints "pass", "fail: REASON" or "skip: OPS".
run_case() {
  c=$1 d=$DATA/$1 w=$WORK/$(echo "$1" | tr / _)
  rm -rf "$w" && mkdir -p "$w"
  if ! "$XNORCC" "$d/model.onnx" --name net --main -o "$w/net.c" 2>"$w/compile.err"; then
    if ! grep -q -e ": error: unsupported op '" -e ": error: unsupported domain '" \
         -e ": error: domain '.*' is used by" "$w/compile.err"; then
      echo "fail: xnorcc: $(first "$w/compile.err" | sed 's/^[^:]*: error: //')"
    else
      ops=$(sed -n -e "s/.*: error: unsupported op '\([^']*\)'.*/\1/p" \
        -e "s/.*: error: unsupported domain '\([^']*\)'.*/domain \1/p" \
        -e "s/.*: error: domain '\([^']*\)' is used by.*/domain \1/p" "$w/compile.err" | sort -u | tr '\n' ',' | sed 's/,$//; s/,/, /g')
      echo "skip: $ops"
    fi
    return
  fi
  # shellcheck disable=SC2086
  if [ "$WITH_C" = 1 ] && ! $CC -std=c99 -Wall -Wextra -Werror -pedantic -O1 "$w/net.c" -o "$w/net" $RTFLAGS 2>"$w/cc.err"; then
    echo "fail: $CC: $(first "$w/cc.err")"
    return
  fi
  nsets=0
  for set in "$d"/test_data_set_*; do
    [ -d "$set" ] || continue
    nsets=$((nsets + 1))
    s=$(basename "$set")
    runargs="" progargs="" outs=""
    k=0
    while [ -f "$set/input_$k.pb" ]; do
      "$CONFORM" pb2bin "$set/input_$k.pb" "$w/${s}_in$k.bin" >"$w/pb2bin.err" ||
        { echo "fail: $s: input_$k.pb: $(first "$w/pb2bin.err")"; return; }
      runargs="$runargs --input $set/input_$k.pb"
      progargs="$progargs $w/${s}_in$k.bin"
      k=$((k + 1))
    done
    k=0
    while [ -f "$set/output_$k.pb" ]; do
      runargs="$runargs --output $w/${s}_interp$k.pb"
      outs="$outs $w/${s}_prog$k.bin"
      k=$((k + 1))
    done
    nout=$k
    # shellcheck disable=SC2086
    if ! limit "$XNORCC" run "$d/model.onnx" $runargs 2>"$w/run.err"; then
      echo "fail: xnorcc run: $(first "$w/run.err" | sed 's/^[^:]*: error: //')"
      return
    fi
    # shellcheck disable=SC2086
    if [ "$WITH_C" = 1 ] && ! limit "$w/net" $progargs $outs 2>"$w/prog.err"; then
      echo "fail: the generated program failed: $(first "$w/prog.err")"
      return
    fi
    k=0
    while [ $k -lt $nout ]; do
      whos="prog interp"
      [ "$WITH_C" = 1 ] || whos=interp
      for who in $whos; do
        if [ $who = prog ]; then got=$w/${s}_prog$k.bin; else got=$w/${s}_interp$k.pb; fi
        if ! "$CONFORM" compare "$got" "$set/output_$k.pb" >"$w/cmp.txt"; then
          [ $who = prog ] && name="generated C" || name="interpreter"
          echo "fail: $s output_$k: $name: $(first "$w/cmp.txt")"
          return
        fi
      done
      k=$((k + 1))
    done
  done
  if [ $nsets -eq 0 ]; then
    echo "fail: no test_data_set_*"
    return
  fi
  rm -rf "$w"
  echo pass
}

i=0
for sub in node pytorch-converted pytorch-operator simple; do
  for d in "$DATA/$sub"/*/; do
    [ -f "$d/model.onnx" ] || continue
    i=$((i + 1))
    [ $(((i - 1) % NSHARDS)) -eq "$SHARD" ] || continue
    c=$sub/$(basename "$d")
    r=$(run_case "$c" | tail -n 1)
    status=${r%%:*}
    reason=${r#*: }
    listed=$(awk -v c="$c" '$1 == c { $1 = ""; sub(/^ +/, ""); print; exit }' "$EXPECTED")
    listed_here=$(awk -v c="$c" '$1 == c { print "yes"; exit }' "$EXPECTED")
    case $status in
      pass)
        if [ -n "$listed_here" ] && [ "$WITH_C" != 1 ]; then
          echo "fail $c: $listed (the generated C is not run in this build)" >>"$out"
          continue
        fi
        echo "pass $c" >>"$out"
        if [ -n "$listed_here" ]; then
          echo "conformance: $c passes but is listed as an expected failure ($listed): remove it from $(basename "$EXPECTED")" >>"$unexpected"
        fi ;;
      skip)
        echo "skip $c: $reason" >>"$out"
        if [ -n "$listed_here" ]; then
          echo "conformance: $c is skipped (unsupported: $reason) but is listed as an expected failure: remove it" >>"$unexpected"
        fi ;;
      *)
        echo "fail $c: $reason" >>"$out"
        if [ -z "$listed_here" ]; then
          echo "conformance: FAIL: $c: $reason" >>"$unexpected"
        fi ;;
    esac
  done
done
cat "$unexpected" >&2
echo "conformance: shard $SHARD of $NSHARDS: $(grep -c '^pass' "$out") passed, $(grep -c '^fail' "$out") failed, $(grep -c '^skip' "$out") skipped"
exit 0
