#!/bin/sh
# Build the runtime's NEON path with the aarch64 cross compiler and check it
# under qemu (not part of ctest: needs gcc-aarch64-linux-gnu and qemu-user,
# which this script installs through apt when missing and run as root):
#  - the binary kernels against the portable path (kernels.c, main.c);
#  - the float kernels' tests (../test_float.c, with a minimal Check stand-in,
#    check.h here) on the NEON path and on the portable path.
# Usage: tests/runtime/cross/cross_neon.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
inc="$here/../../../runtime/include"
cc=${CROSS_CC:-aarch64-linux-gnu-gcc}
qemu=${QEMU:-qemu-aarch64}
if ! command -v "$cc" >/dev/null || ! command -v "$qemu" >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user >/dev/null
  else
    echo "cross_neon.sh: needs $cc and $qemu (apt: gcc-aarch64-linux-gnu qemu-user)" >&2
    exit 2
  fi
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
flags="-std=c99 -O2 -Wall -Wextra -Werror -pedantic -I$inc"
$cc $flags -DXNRT_FORCE_PORTABLE -DSUF=p -c "$here/kernels.c" -o "$out/p.o"
$cc $flags -DSUF=n -c "$here/kernels.c" -o "$out/n.o"
$cc $flags "$here/main.c" "$out/p.o" "$out/n.o" -static -o "$out/check"
$qemu "$out/check"
$cc $flags -I"$here" "$here/../test_float.c" -static -lm -o "$out/float_neon"
$cc $flags -I"$here" -DXNRT_FORCE_PORTABLE "$here/../test_float.c" -static -lm -o "$out/float_portable"
$qemu "$out/float_neon"
$qemu "$out/float_portable"
