#!/bin/sh
# Whole-network benchmark (docs/bench.md, "Whole networks"): XNOR-ResNet-18
# with and without K, BWN-ResNet-18 and XNOR-AlexNet compiled by xnorcc
# against ONNX Runtime and PyTorch fp32 on the float architectures, one
# thread (--threads 1,2: at each count), in one run. Installs what it needs (scripts/deps.sh net; ONNX
# Runtime through npm into the build folder), builds xnorcc (Release), then
# runs bench/net/run.py. Usage: bench/net/run.sh [run.py options], e.g.
#   bench/net/run.sh --models xnor_resnet18 --threads 1,2 --no-split   # also at 2 threads
#   bench/net/run.sh --gcc-skip-over-mb 100      # leave out AlexNet's 1 GB net.c
# Everything goes to $XNORCC_NET_BUILD (default build-net/ at the repository root).
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${XNORCC_NET_BUILD:-$root/build-net}
sh "$root/scripts/deps.sh" net
cmake -S "$root" -B "$build/cmake" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build/cmake" --target xnorcc xnorcc_rt -j 2 >/dev/null
if [ ! -f "$build/ort/node_modules/onnxruntime-node/package.json" ]; then
  mkdir -p "$build/ort"
  echo "run.sh: npm install --ignore-scripts onnxruntime-node@1.30 into $build/ort" >&2
  (cd "$build/ort" && npm install --ignore-scripts --no-audit --no-fund onnxruntime-node@1.30 >/dev/null)
fi
exec /usr/bin/python3 "$root/bench/net/run.py" --xnorcc "$build/cmake/compiler/xnorcc" \
  --ort "$build/ort" --build "$build" "$@"
