#!/bin/sh
# Compile-time measurements of issue 10 (docs/bench.md, "Compile time"):
# xnorcc's wall time and peak RSS, the size of net.c, and gcc -O2
# -march=native -c net.c's wall time and peak RSS (/usr/bin/time -v), for
# XNOR-ResNet-18 and XNOR-AlexNet. Usage: bench/net/compile_time.sh [options]
#   --models a,b             other models (bench/net/gen_models.py names)
#   --gcc-timeout S          give up on one gcc after S seconds (default 900)
#   --gcc-mem-gb G           address-space limit of gcc (default 16)
#   --gcc-skip-over-mb M     do not build a net.c larger than M MB
#   --rebuild                rebuild objects gcc built before from the same net.c
#   --xnorcc-arg=OPT         one more xnorcc option (repeatable)
# gcc's figures are kept with the object: while net.c is unchanged, a rerun
# (or bench/net/run.sh) reuses them instead of building again (marked *).
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${XNORCC_NET_BUILD:-$root/build-net}
sh "$root/scripts/deps.sh" net
cmake -S "$root" -B "$build/cmake" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build/cmake" --target xnorcc xnorcc_rt -j 2 >/dev/null
# --zero-weights=plus1: PyTorch's default init leaves 4 weights of fc6 and 2
# of fc7 exactly 0 (torch.sign(0) = 0), which would keep those layers float
# (docs/binary.md, "Weights exactly 0").
exec /usr/bin/python3 "$root/bench/net/run.py" --xnorcc "$build/cmake/compiler/xnorcc" \
  --build "$build" --compile-only --models xnor_resnet18,xnor_alexnet --xnorcc-arg=--zero-weights=plus1 "$@"
