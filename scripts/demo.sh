#!/bin/sh
# Builds xnorcc, compiles the bundled XNOR-Net (examples/fashion-mnist/models/xnor.onnx,
# trained on Fashion-MNIST by examples/fashion-mnist/train.py) to C, builds the
# example's classifier against it and classifies the 10,000 test images of Debian's
# dataset-fashion-mnist: prints `accuracy: NN.NN%`, the median latency per image and
# how many classes differ from PyTorch's. No PyTorch needed.
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j2 --target xnorcc xnorcc_rt >/dev/null
sh examples/fashion-mnist/run.sh xnor
