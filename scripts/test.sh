#!/bin/sh
# Builds xnorcc and runs the whole test suite (installs missing Debian packages first):
#   build/       normal build (RelWithDebInfo), every test
#   build-asan/  the same suite with ASan + UBSan (XNORCC_SANITIZE=ON)
#   build-fuzz/  with clang: the libFuzzer targets, their regression inputs and
#                a short run of each (XNORCC_FUZZ_SECONDS, default 60; 0 skips)
# A failing pass does not stop the next one; the exit status is 1 if any failed.
# See docs/hardening.md.
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh
jobs=${XNORCC_JOBS:-2}
fuzz_secs=${XNORCC_FUZZ_SECONDS:-60}
failed=""

echo "== test.sh: normal build (build/)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"
(cd build && ctest --output-on-failure -j"$jobs") || failed="$failed build"
# The ONNX conformance run's totals (tests/conformance, docs/conformance.md).
if [ -f build/tests/conformance/work/summary.txt ]; then
  tail -n 1 build/tests/conformance/work/summary.txt | sed 's/^/conformance: /'
fi

echo "== test.sh: ASan + UBSan build (build-asan/)"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DXNORCC_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$jobs"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --output-on-failure -j"$jobs") || failed="$failed build-asan"

if [ "$fuzz_secs" -gt 0 ] 2>/dev/null && command -v clang >/dev/null 2>&1 &&
   echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }' |
   clang -x c -fsanitize=fuzzer -o /dev/null - >/dev/null 2>&1; then
  echo "== test.sh: libFuzzer targets (build-fuzz/), ${fuzz_secs} s each"
  cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DXNORCC_FUZZ=ON -DXN_FUZZ_SECONDS="$fuzz_secs" >/dev/null
  cmake --build build-fuzz -j"$jobs" --target fuzz
  (cd build-fuzz && ctest --output-on-failure -j"$jobs" -R '^fuzz_') || failed="$failed build-fuzz"
else
  echo "== test.sh: no clang with libFuzzer (or XNORCC_FUZZ_SECONDS=0): fuzzers skipped"
fi

if [ -n "$failed" ]; then
  echo "== test.sh: FAILED in:$failed"
  exit 1
fi
echo "== test.sh: all passes succeeded"
