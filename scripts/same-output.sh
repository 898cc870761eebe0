#!/bin/sh
# same-output.sh BASE_REV [NEW_REV] : does a refactor change what xnorcc writes?
#
# Builds the compiler (target xnorcc only) at BASE_REV and at NEW_REV (default:
# the working tree, uncommitted changes included), then runs both on every
# model in the repository (tests/**/*.json, *.xir, *.onnx, examples/**/*.json, *.onnx)
# with the option sets the tests use, and compares everything they write:
#   plain        MODEL -o net.c                 (net.c, net.h)
#   main         MODEL --name net --main -o net.c
#   ir           MODEL --emit=ir  /  --emit=ir --elide-weights
#   dot          MODEL --emit=dot
#   report       MODEL --report
#   passes       MODEL --print-after-all --emit=ir (the IR after each pass, stderr)
#   run          xnorcc run MODEL --input input_K.npy --output K.npy (when inputs exist)
# plus, for every set, the exit status and the diagnostics (stderr). --dim
# flags come from the case's README as in tests/golden/run_golden.sh.
#
# Prints one line per difference and "same-output: N models, M runs, all
# identical" (exit 0) or "same-output: D of M runs differ" (exit 1).
# The base build is cached in $XN_SAME_DIR (default /tmp/xnorcc-same-$USER)
# per commit; set XN_SAME_KEEP=1 to keep the outputs for inspection.
set -u

if [ $# -lt 1 ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then
  sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
BASE=$1
NEW=${2:-}
ROOT=$(git rev-parse --show-toplevel) || exit 2
cd "$ROOT" || exit 2
WORK=${XN_SAME_DIR:-/tmp/xnorcc-same-$(id -un)}
mkdir -p "$WORK"
JOBS=${XN_SAME_JOBS:-2}

# build REV DIR: source of REV (or the working tree for "") built into DIR/build.
build() {
  rev=$1 dir=$2
  if [ -n "$rev" ] && [ -x "$dir/build/compiler/xnorcc" ]; then
    return 0
  fi
  rm -rf "$dir/src"
  mkdir -p "$dir/src"
  if [ -n "$rev" ]; then
    git archive "$rev" | tar -x -C "$dir/src" || return 1
  else
    # the working tree: tracked files plus untracked, not ignored ones
    git ls-files -z --cached --others --exclude-standard |
      xargs -0 tar -cf - 2>/dev/null | tar -x -C "$dir/src" || return 1
  fi
  cmake -S "$dir/src" -B "$dir/build" -DCMAKE_BUILD_TYPE=Release >"$dir/cmake.log" 2>&1 &&
    cmake --build "$dir/build" --target xnorcc -j"$JOBS" >"$dir/build.log" 2>&1 || {
    echo "same-output: build of ${rev:-the working tree} failed, see $dir/build.log" >&2
    return 1
  }
}

base_hash=$(git rev-parse --verify "$BASE^{commit}") || exit 2
build "$base_hash" "$WORK/base-$base_hash" || exit 2
OLD=$WORK/base-$base_hash/build/compiler/xnorcc
if [ -n "$NEW" ]; then
  new_hash=$(git rev-parse --verify "$NEW^{commit}") || exit 2
  build "$new_hash" "$WORK/base-$new_hash" || exit 2
  CUR=$WORK/base-$new_hash/build/compiler/xnorcc
else
  build "" "$WORK/tree" || exit 2
  CUR=$WORK/tree/build/compiler/xnorcc
fi

OUT=$WORK/out
rm -rf "$OUT"
mkdir -p "$OUT"

# run_set XNORCC DEST MODEL DIMS SET: one option set, outputs into DEST/SET.
run_set() {
  rs_x=$1 rs_d=$2/$5 rs_m=$3 rs_dims=$4
  mkdir -p "$rs_d"
  # shellcheck disable=SC2086
  case $5 in
    plain) (cd "$rs_d" && "$rs_x" "$rs_m" $rs_dims -o net.c) ;;
    main) (cd "$rs_d" && "$rs_x" "$rs_m" $rs_dims --name net --main -o net.c) ;;
    ir) (cd "$rs_d" && "$rs_x" "$rs_m" $rs_dims --emit=ir -o net.xir) ;;
    ir_elided) (cd "$rs_d" && "$rs_x" "$rs_m" $rs_dims --emit=ir --elide-weights -o net.xir) ;;
    dot) (cd "$rs_d" && "$rs_x" "$rs_m" $rs_dims --emit=dot -o net.dot) ;;
    report) (cd "$rs_d" && "$rs_x" "$rs_m" $rs_dims --report) ;;
    passes) (cd "$rs_d" && "$rs_x" "$rs_m" $rs_dims --print-after-all --emit=ir -o net.xir) ;;
    run)
      rs_args="" rs_k=0
      rs_dir=$(dirname "$rs_m")
      while [ -f "$rs_dir/input_$rs_k.npy" ]; do rs_args="$rs_args --input $rs_dir/input_$rs_k.npy"; rs_k=$((rs_k + 1)); done
      rs_k=0
      while [ -f "$rs_dir/output_$rs_k.npy" ]; do rs_args="$rs_args --output out_$rs_k.npy"; rs_k=$((rs_k + 1)); done
      (cd "$rs_d" && "$rs_x" run "$rs_m" $rs_dims $rs_args)
      ;;
  esac >"$rs_d/stdout" 2>"$rs_d/stderr"
  echo $? >"$rs_d/status"
}

SETS="plain main ir ir_elided dot report passes"
models=$(git ls-files --cached --others --exclude-standard -- 'tests/*.json' 'tests/*.xir' 'tests/*.onnx' \
  'examples/*.json' 'examples/*.onnx' | sort)
nmodels=0 nruns=0 ndiff=0
for m in $models; do
  [ -f "$m" ] || continue
  nmodels=$((nmodels + 1))
  dir=$(dirname "$m")
  dims=""
  if [ -f "$dir/README" ]; then
    dims=$(grep -o -- '--dim [A-Za-z_][A-Za-z0-9_]*=[0-9][0-9]*' "$dir/README" | sort -u | tr '\n' ' ')
  fi
  sets=$SETS
  [ -f "$dir/input_0.npy" ] && sets="$sets run"
  key=$(echo "$m" | tr '/' '_')
  for s in $sets; do
    nruns=$((nruns + 1))
    run_set "$OLD" "$OUT/old/$key" "$ROOT/$m" "$dims" "$s"
    run_set "$CUR" "$OUT/new/$key" "$ROOT/$m" "$dims" "$s"
    if ! diff -r "$OUT/old/$key/$s" "$OUT/new/$key/$s" >/dev/null 2>&1; then
      ndiff=$((ndiff + 1))
      echo "same-output: DIFF $m ($s): diff -r $OUT/old/$key/$s $OUT/new/$key/$s"
    fi
  done
done

[ "${XN_SAME_KEEP:-0}" = 1 ] || [ $ndiff -ne 0 ] || rm -rf "$OUT"
if [ $ndiff -eq 0 ]; then
  echo "same-output: $nmodels models, $nruns runs, all identical to $BASE"
  exit 0
fi
echo "same-output: $ndiff of $nruns runs differ from $BASE"
exit 1
