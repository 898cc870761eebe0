#!/bin/sh
# run_golden.sh XNORCC CMP WORKDIR CASEDIR... : golden test of the C backend.
# run_golden.sh --count N                     : fails when N is 0.
#
# For each case directory (model.json, input_K.npy, output_K.npy, optional
# README naming --dim NAME=VALUE and --zero-weights=MODE flags):
#   1. xnorcc run (the reference interpreter) writes interp_K.npy (in the
#      output's own element type: float32, or an integer or bool type);
#   2. xnorcc model.json --main compiles to net.c/net.h, twice (and once more
#      under another locale): the bytes must be identical; when the case has a
#      model.onnx (the same model in protobuf, tools/json2onnx.py), it gives
#      the same net.c/net.h (but for the file name in the first line) and the
#      same interpreter outputs;
#   3. net.c is built with gcc and clang (-std=c99 -Wall -Wextra -Werror
#      -pedantic -O2; also gcc -std=c11 -O0) and run on the inputs; when net.c
#      uses the runtime (binary layers: it includes xnorcc_rt.h) it is also
#      built, with both compilers, with -march=native (AVX-512 path on this
#      machine), with -march=native -O0, and with -mavx2 -mno-avx512f (AVX2
#      path), and every build must give the same bytes as the portable one
#      (except where the runtime's float kernels, xnrt_conv2d, xnrt_dwconv2d,
#      xnrt_sgemv and the BWN gemm, sum floats in another order: FMA and the
#      vector paths' accumulators; then the tolerance below applies);
#   4. every output of every program (raw .bin of the output's type, which
#      `cmp compare` takes from interp_K.npy) is compared with the
#      interpreter's, and the programs' and the interpreter's with
#      output_K.npy (|a - b| <= 1e-5 + 1e-5 |b|; integers and bools equal).
# Inputs may be .npy of any element type a graph input has (cmp npy2bin
# passes their data to the programs as it is).
# With XN_TEST_PROGRAMS=one (the sanitized builds: the programs would be the
# same plain-cc builds as the normal build's) step 3 builds only the gcc -O2
# program; steps 1, 2 and 4 are unchanged.
# Messages name the case; the exit status is 1 when anything failed.
set -u

if [ "${1:-}" = "--count" ]; then
  if [ "${2:-0}" -eq 0 ]; then
    echo "golden: error: no test cases found (tests/models/*/model.json, examples/*/model.json)" >&2
    exit 1
  fi
  echo "golden: $2 cases"
  exit 0
fi

if [ $# -lt 4 ]; then
  echo "usage: run_golden.sh XNORCC CMP WORKDIR CASEDIR..." >&2
  exit 2
fi
XNORCC=$1 CMP=$2 WORK=$3
shift 3

LOCALE2=C.UTF-8
if locale -a 2>/dev/null | grep -qi '^de_DE\.utf-\?8$'; then
  LOCALE2=de_DE.UTF-8
fi
CFLAGS="-std=c99 -Wall -Wextra -Werror -pedantic -O2"
RTFLAGS=$("$XNORCC" config --cflags --libs) || RTFLAGS="-lm"
RTCFLAGS=$("$XNORCC" config --cflags) || RTCFLAGS=""
# ISA variants of a program using the runtime: name and extra flags.
ISAS="native:-march=native native_O0:-march=native@-O0 avx2:-mavx2@-mpopcnt@-mno-avx512f"
CCS="gcc clang"
if [ "${XN_TEST_PROGRAMS:-all}" = one ]; then
  CCS=gcc ISAS=""
fi
failed=0
ncases=0

fail() {
  echo "golden: FAIL: $case: $*" >&2
  failed=1
}

for dir in "$@"; do
  ncases=$((ncases + 1))
  case=$(basename "$dir")
  w=$WORK/$(basename "$(dirname "$dir")")_$case
  rm -rf "$w"
  mkdir -p "$w"
  dims=""
  if [ -f "$dir/README" ]; then
    dims=$(grep -o -- '--dim [A-Za-z_][A-Za-z0-9_]*=[0-9][0-9]*\|--zero-weights=[a-z0-9]*' "$dir/README" | sort -u | tr '\n' ' ')
  fi
  nin=0
  while [ -f "$dir/input_$nin.npy" ]; do nin=$((nin + 1)); done
  nout=0
  while [ -f "$dir/output_$nout.npy" ]; do nout=$((nout + 1)); done
  if [ "$nout" -eq 0 ]; then
    fail "no output_0.npy"
    continue
  fi

  runargs="" progin="" progout_gcc="" progout_clang=""
  k=0
  while [ $k -lt $nin ]; do
    runargs="$runargs --input $dir/input_$k.npy"
    "$CMP" npy2bin "$dir/input_$k.npy" "$w/in$k.bin" || fail "cannot convert input_$k.npy"
    progin="$progin $w/in$k.bin"
    k=$((k + 1))
  done
  k=0
  while [ $k -lt $nout ]; do
    runargs="$runargs --output $w/interp_$k.npy"
    progout_gcc="$progout_gcc $w/gcc_$k.bin"
    progout_clang="$progout_clang $w/clang_$k.bin"
    k=$((k + 1))
  done

  # shellcheck disable=SC2086
  if ! "$XNORCC" run "$dir/model.json" $dims $runargs 2>"$w/interp.err"; then
    fail "xnorcc run failed: $(head -c 2000 "$w/interp.err")"
    continue
  fi
  # shellcheck disable=SC2086
  if ! "$XNORCC" "$dir/model.json" $dims --name net --main -o "$w/net.c" 2>"$w/compile.err"; then
    fail "xnorcc failed: $(head -c 2000 "$w/compile.err")"
    continue
  fi
  mkdir -p "$w/again" "$w/locale"
  # shellcheck disable=SC2086
  "$XNORCC" "$dir/model.json" $dims --name net --main -o "$w/again/net.c" 2>/dev/null
  # shellcheck disable=SC2086
  LC_ALL=$LOCALE2 "$XNORCC" "$dir/model.json" $dims --name net --main -o "$w/locale/net.c" 2>/dev/null
  for f in net.c net.h; do
    cmp -s "$w/$f" "$w/again/$f" || fail "$f differs between two compilations"
    cmp -s "$w/$f" "$w/locale/$f" || fail "$f differs under LC_ALL=$LOCALE2"
  done
  # The same model as .onnx (protobuf) must give the same C, but for the
  # file name in the first comment, and the same interpreter outputs.
  if [ -f "$dir/model.onnx" ]; then
    mkdir -p "$w/onnx"
    onnxrun=$(echo "$runargs" | sed "s|$w/interp_|$w/onnx/interp_|g")
    # shellcheck disable=SC2086
    if ! "$XNORCC" "$dir/model.onnx" $dims --name net --main -o "$w/onnx/net.c" 2>"$w/onnx.err"; then
      fail "xnorcc model.onnx failed: $(head -c 2000 "$w/onnx.err")"
    elif ! "$XNORCC" run "$dir/model.onnx" $dims $onnxrun 2>"$w/onnx.err"; then
      fail "xnorcc run model.onnx failed: $(head -c 2000 "$w/onnx.err")"
    else
      for f in net.c net.h; do
        sed "1s|model\.onnx|model.json|" "$w/onnx/$f" | cmp -s - "$w/$f" || fail "$f from model.onnx differs from model.json's"
      done
      k=0
      while [ $k -lt $nout ]; do
        cmp -s "$w/onnx/interp_$k.npy" "$w/interp_$k.npy" || fail "output $k: xnorcc run differs between model.onnx and model.json"
        k=$((k + 1))
      done
    fi
  fi

  # shellcheck disable=SC2086
  [ "$CCS" = gcc ] ||
    gcc -std=c11 -Wall -Wextra -Werror -pedantic -O0 $RTCFLAGS -c "$w/net.c" -o "$w/net_c11.o" 2>"$w/c11.err" ||
    fail "gcc -std=c11 -O0 rejects net.c: $(head -c 2000 "$w/c11.err")"
  for cc in $CCS; do
    if ! command -v $cc >/dev/null 2>&1; then
      [ $cc = clang ] && continue
      fail "$cc not found"
      continue
    fi
    # shellcheck disable=SC2086
    if ! $cc $CFLAGS "$w/net.c" -o "$w/net_$cc" $RTFLAGS 2>"$w/$cc.err"; then
      fail "$cc $CFLAGS rejects net.c: $(head -c 2000 "$w/$cc.err")"
      continue
    fi
    if [ $cc = gcc ]; then outs=$progout_gcc; else outs=$progout_clang; fi
    # shellcheck disable=SC2086
    if ! "$w/net_$cc" $progin $outs 2>"$w/run_$cc.err"; then
      fail "net built by $cc failed: $(head -c 2000 "$w/run_$cc.err")"
      continue
    fi
    k=0
    while [ $k -lt $nout ]; do
      "$CMP" compare "golden: FAIL: $case: output $k: $cc vs interpreter" "$w/${cc}_$k.bin" "$w/interp_$k.npy" || failed=1
      "$CMP" compare "golden: FAIL: $case: output $k: $cc vs expected" "$w/${cc}_$k.bin" "$dir/output_$k.npy" "$w/interp_$k.npy" || failed=1
      k=$((k + 1))
    done
    # The runtime's other ISA paths: same outputs, bit for bit.
    grep -q '#include "xnorcc_rt.h"' "$w/net.c" || continue
    same_bits=1
    grep -q -e 'xnrt_conv2d_bwn(' -e 'xnrt_sgemm_bwn(' -e 'xnrt_conv2d(' -e 'xnrt_dwconv2d(' -e 'xnrt_sgemv(' "$w/net.c" && same_bits=0
    for isa in $ISAS; do
      v=${isa%%:*} flags=$(echo "${isa#*:}" | tr '@' ' ')
      # shellcheck disable=SC2086
      if ! $cc $CFLAGS $flags "$w/net.c" -o "$w/net_${cc}_$v" $RTFLAGS 2>"$w/${cc}_$v.err"; then
        fail "$cc $CFLAGS $flags rejects net.c: $(head -c 2000 "$w/${cc}_$v.err")"
        continue
      fi
      outs="" k=0
      while [ $k -lt $nout ]; do outs="$outs $w/${cc}_${v}_$k.bin"; k=$((k + 1)); done
      # shellcheck disable=SC2086
      if ! "$w/net_${cc}_$v" $progin $outs 2>"$w/run_${cc}_$v.err"; then
        fail "net built by $cc $flags failed: $(head -c 2000 "$w/run_${cc}_$v.err")"
        continue
      fi
      k=0
      while [ $k -lt $nout ]; do
        if [ $same_bits = 1 ] && ! cmp -s "$w/${cc}_${v}_$k.bin" "$w/${cc}_$k.bin"; then
          fail "output $k: $cc $flags differs from the portable build"
        fi
        "$CMP" compare "golden: FAIL: $case: output $k: $cc $flags vs interpreter" "$w/${cc}_${v}_$k.bin" "$w/interp_$k.npy" || failed=1
        "$CMP" compare "golden: FAIL: $case: output $k: $cc $flags vs expected" "$w/${cc}_${v}_$k.bin" "$dir/output_$k.npy" "$w/interp_$k.npy" || failed=1
        k=$((k + 1))
      done
    done
  done
  k=0
  while [ $k -lt $nout ]; do
    "$CMP" compare "golden: FAIL: $case: output $k: interpreter vs expected" "$w/interp_$k.npy" "$dir/output_$k.npy" || failed=1
    k=$((k + 1))
  done
done

if [ $ncases -eq 0 ]; then
  echo "golden: error: no test cases given" >&2
  exit 1
fi
[ $failed -eq 0 ] && echo "golden: $ncases case(s) passed"
exit $failed
