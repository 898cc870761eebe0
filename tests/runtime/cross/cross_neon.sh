#!/bin/sh
# Build the runtime's NEON path with the aarch64 cross compiler and check it
# against the portable path under qemu (not part of ctest: needs
# gcc-aarch64-linux-gnu and qemu-user).  Usage: tests/runtime/cross/cross_neon.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
inc="$here/../../../runtime/include"
cc=${CROSS_CC:-aarch64-linux-gnu-gcc}
out=$(mktemp -d)
flags="-std=c99 -O2 -Wall -Wextra -Werror -pedantic -I$inc"
$cc $flags -DXNRT_FORCE_PORTABLE -DSUF=p -c "$here/kernels.c" -o "$out/p.o"
$cc $flags -DSUF=n -c "$here/kernels.c" -o "$out/n.o"
$cc $flags "$here/main.c" "$out/p.o" "$out/n.o" -static -o "$out/check"
${QEMU:-qemu-aarch64} "$out/check"
rm -rf "$out"
