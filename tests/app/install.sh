#!/bin/sh
# install.sh CMAKE BUILDDIR CONSUMER CASEDIR CMP WORKDIR : a project builds
# against an installed copy, both ways.
#
#   1. cmake --install BUILDDIR --prefix WORKDIR/prefix; the compiler, the
#      runtime's headers and library, the CMake package and xnorcc.pc must be
#      there, and the installed `xnorcc config --cflags` must name the prefix;
#   2. CMake: the CONSUMER project (find_package(xnorcc) + xnorcc_add_model)
#      is configured with CMAKE_PREFIX_PATH=prefix and built; its classify
#      (net_run_r and net_run on CASEDIR's input) must match the case's
#      output_0.npy (PyTorch) within 1e-5 (CMP compare); touching the model
#      must re-run xnorcc, building again without a change must not;
#   3. pkg-config: the installed xnorcc (pkg-config --variable=xnorcc)
#      compiles the model, cc builds classify.c with
#      `pkg-config --cflags --libs xnorcc`, and the result must match too.
set -u
if [ $# -ne 6 ]; then
  echo "usage: install.sh CMAKE BUILDDIR CONSUMER CASEDIR CMP WORKDIR" >&2
  exit 2
fi
CMAKE=$1 BUILD=$2 CONSUMER=$3 CASE=$4 CMP=$5 WORK=$6
failed=0
fail() {
  echo "install.sh: FAIL: $*" >&2
  failed=1
}
rm -rf "$WORK" && mkdir -p "$WORK"
P=$WORK/prefix
if ! "$CMAKE" --install "$BUILD" --prefix "$P" >"$WORK/install.log" 2>&1; then
  echo "install.sh: FAIL: cmake --install: $(tail -n 20 "$WORK/install.log")" >&2
  exit 1
fi
for f in bin/xnorcc include/xnorcc_rt.h include/xnorcc_rt/bconv.h; do
  [ -f "$P/$f" ] || fail "not installed: $f"
done
for f in libxnorcc_rt.a xnorccConfig.cmake xnorccConfigVersion.cmake xnorccTargets.cmake xnorcc.pc; do
  [ -n "$(find "$P" -name "$f")" ] || fail "not installed: $f"
done
cflags=$("$P/bin/xnorcc" config --cflags)
[ "$(cd "${cflags#-I}" 2>/dev/null && pwd -P)" = "$(cd "$P/include" && pwd -P)" ] ||
  fail "installed xnorcc config --cflags is '$cflags', not the prefix's include folder"
echo "install.sh: installed into $P"

"$CMP" npy2bin "$CASE/input_0.npy" "$WORK/in.bin" || fail "cannot convert input_0.npy"
cp "$CASE/model.json" "$WORK/model.json"

# 2. CMake
B=$WORK/cmake-build
if "$CMAKE" -S "$CONSUMER" -B "$B" -DCMAKE_PREFIX_PATH="$P" -DMODEL="$WORK/model.json" \
    -DCMAKE_BUILD_TYPE=Release >"$WORK/configure.log" 2>&1 &&
    "$CMAKE" --build "$B" >"$WORK/build1.log" 2>&1; then
  grep -q "xnorcc: compiling" "$WORK/build1.log" || fail "cmake: the first build did not run xnorcc"
  if "$B/classify" "$WORK/in.bin" "$WORK/cmake_out.bin"; then
    "$CMP" compare "cmake consumer" "$WORK/cmake_out.bin" "$CASE/output_0.npy" || failed=1
  else
    fail "cmake: classify failed"
  fi
  touch "$WORK/model.json"
  "$CMAKE" --build "$B" >"$WORK/build2.log" 2>&1 || fail "cmake: rebuild failed: $(tail -n 20 "$WORK/build2.log")"
  grep -q "xnorcc: compiling" "$WORK/build2.log" || fail "cmake: touching the model did not re-run xnorcc"
  "$CMAKE" --build "$B" >"$WORK/build3.log" 2>&1 || fail "cmake: third build failed"
  ! grep -q "xnorcc: compiling" "$WORK/build3.log" || fail "cmake: xnorcc ran again with nothing changed"
  echo "install.sh: cmake: find_package(xnorcc) + xnorcc_add_model built classify; re-run on a model change only"
else
  fail "cmake consumer: $(tail -n 30 "$WORK/configure.log" "$WORK/build1.log" 2>/dev/null)"
fi

# 3. pkg-config
pc=$(dirname "$(find "$P" -name xnorcc.pc | head -n 1)")
export PKG_CONFIG_PATH="$pc"
XN=$(pkg-config --variable=xnorcc xnorcc) || fail "pkg-config does not know xnorcc"
flags=$(pkg-config --cflags --libs xnorcc) || fail "pkg-config --cflags --libs xnorcc failed"
mkdir -p "$WORK/pc"
# shellcheck disable=SC2086
if "$XN" "$WORK/model.json" --name net -o "$WORK/pc/net.c" &&
    cc -std=c11 -O2 -Wall -Wextra -Werror -pedantic -I"$WORK/pc" "$CONSUMER/classify.c" "$WORK/pc/net.c" \
      $flags -o "$WORK/pc/classify" 2>"$WORK/pc/cc.err"; then
  if "$WORK/pc/classify" "$WORK/in.bin" "$WORK/pc_out.bin"; then
    "$CMP" compare "pkg-config consumer" "$WORK/pc_out.bin" "$CASE/output_0.npy" || failed=1
    echo "install.sh: pkg-config: built classify with: $flags"
  else
    fail "pkg-config: classify failed"
  fi
else
  fail "pkg-config build: $(cat "$WORK/pc/cc.err")"
fi
exit $failed
