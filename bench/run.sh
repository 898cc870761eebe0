#!/bin/sh
# Build the speed benchmarks (Release, -O2 -march=native, separate build dir)
# and run them single-threaded: the paper layer (xnorcc_bench, its AVX2 and
# portable variants) and the float layers (xnorcc_float_bench, the runtime's
# float kernels against oneDNN).  Usage: bench/run.sh [--quick]
# The build also runs the xnorcc it builds on the paper layer (gen_paper_model
# -> paper_layer.xir -> paper_net.c), the code the benchmark times.
# Build dir: $XNORCC_BENCH_BUILD, default build-bench/ at the repository root.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${XNORCC_BENCH_BUILD:-$root/build-bench}
sh "$root/scripts/deps.sh" bench
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DXNORCC_BENCH=ON \
  -DCMAKE_C_FLAGS="-march=native" -DCMAKE_C_FLAGS_RELEASE="-O2 -DNDEBUG" >/dev/null
cmake --build "$build" --target xnorcc_bench xnorcc_bench_avx2 xnorcc_bench_portable xnorcc_float_bench -j 2 >/dev/null
export OMP_NUM_THREADS=1
"$build/bench/xnorcc_bench" "$@"
echo
echo "Paper layer on the other ISA paths (same paper_layer.c and xnorcc's paper_net.c, -O2 -march=native plus):"
echo "  -mavx2 -mpopcnt -mno-avx512f, and -DXNRT_FORCE_PORTABLE"
"$build/bench/xnorcc_bench_avx2"
"$build/bench/xnorcc_bench_portable"
echo
echo "Float layers (the runtime's float kernels against oneDNN):"
uptime
"$build/bench/xnorcc_float_bench" "$@"
