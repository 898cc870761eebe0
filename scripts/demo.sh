#!/bin/sh
# Builds xnorcc, compiles the bundled CNN (examples/cnn/model.json) to C, builds
# that C into a program, runs it on the bundled input and prints what it computed.
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j2 --target xnorcc showbin xnorcc_rt >/dev/null
out=build/demo
mkdir -p "$out"
build/compiler/xnorcc examples/cnn/model.json -o "$out/cnn.c" --main
cc -std=c99 -O2 -Wall -Wextra -Werror -pedantic "$out/cnn.c" $(build/compiler/xnorcc config --cflags --libs) -o "$out/cnn"
"$out/cnn" examples/cnn/input_0.bin "$out/output_0.bin"
build/compiler/xnorcc run examples/cnn/model.json --input examples/cnn/input_0.npy --output "$out/ref_0.bin"
build/tools/showbin "$out/output_0.bin" "$out/ref_0.bin" examples/cnn/output_0.bin
