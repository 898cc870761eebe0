#!/bin/sh
# Installs the Debian packages xnorcc needs, when they are missing.
#   scripts/deps.sh          build and test dependencies (with zlib and the
#                            Fashion-MNIST data of examples/fashion-mnist)
#   scripts/deps.sh bench    also the benchmark baselines (oneDNN, OpenBLAS)
#   scripts/deps.sh models   also PyTorch and ONNX, to regenerate test models
#   scripts/deps.sh net      the whole-network benchmark (bench/net): PyTorch, ONNX,
#                            GNU time, perf, node and npm (for ONNX Runtime's npm package)
set -eu
pkgs="cmake make gcc clang pkg-config libcjson-dev check flex bison valgrind libclang-rt-14-dev locales libonnx-testdata zlib1g-dev dataset-fashion-mnist"
for extra in "$@"; do
  case "$extra" in
    bench) pkgs="$pkgs libdnnl-dev libopenblas-dev" ;;
    models) pkgs="$pkgs python3-torch python3-onnx python3-numpy python3-protobuf" ;;
    net)
      pkgs="$pkgs python3-torch python3-onnx python3-numpy python3-protobuf time linux-perf"
      # node may come from elsewhere (with its own npm): only ask for what is missing
      command -v node >/dev/null 2>&1 || pkgs="$pkgs nodejs"
      command -v npm >/dev/null 2>&1 || pkgs="$pkgs npm" ;;
    *) echo "deps.sh: unknown group '$extra'" >&2; exit 2 ;;
  esac
done
missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
if [ -n "$missing" ]; then
  echo "deps.sh: installing:$missing"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi
# Two non-C locales for the byte-identical-output tests (tests/names): about a
# second each with localedef; skipped quietly when that is not possible.
for loc in de_DE fr_FR; do
  locale -a 2>/dev/null | grep -qi "^$loc\.utf-\?8\$" && continue
  [ -f "/usr/share/i18n/locales/$loc" ] && command -v localedef >/dev/null || continue
  echo "deps.sh: generating locale $loc.UTF-8"
  $SUDO localedef -i "$loc" -c -f UTF-8 "$loc.UTF-8" 2>/dev/null || true
done
