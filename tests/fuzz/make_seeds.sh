#!/bin/sh
# make_seeds.sh FE DEST XNORCC SRCDIR
# The seed corpus of fuzz_FE in DEST (made at build time, never committed):
#   json: every tests/**/*.json and examples/**/*.json model
#   onnx: every tests/**/*.onnx and examples/**/*.onnx model (the test models,
#         the bad cases, external data), plus the .pb tensors of one ONNX
#         test case when libonnx-testdata is installed
#   xir:  every tests/**/*.xir and examples/**/*.xir, plus each JSON model
#         lowered and dumped as text IR (xnorcc --emit=ir), which covers every op
set -eu
fe=$1 dest=$2 xnorcc=$3 src=$4
rm -rf "$dest" && mkdir -p "$dest"
k=0
for f in $(find "$src/tests" "$src/examples" -name "*.$fe" ! -path "*/tests/fuzz/*" | sort); do
  k=$((k + 1))
  cp "$f" "$dest/seed$k.$fe"
done
if [ "$fe" = onnx ]; then
  for f in /usr/share/libonnx-testdata/data/node/test_conv_with_strides_padding/test_data_set_0/*.pb; do
    [ -f "$f" ] || continue
    k=$((k + 1))
    cp "$f" "$dest/seed$k.pb"
  done
fi
if [ "$fe" = xir ]; then
  for f in $(find "$src/tests/models" "$src/examples" -name model.json | sort); do
    k=$((k + 1))
    d=""
    case $f in *symbolic*) d="--dim batch=2" ;; esac
    # shellcheck disable=SC2086
    "$xnorcc" "$f" --emit=ir -o "$dest/seed$k.xir" $d 2>/dev/null || rm -f "$dest/seed$k.xir"
  done
fi
echo "make_seeds.sh: $(ls "$dest" | wc -l) seeds for fuzz_$fe"
