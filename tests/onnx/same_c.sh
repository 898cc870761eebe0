#!/bin/sh
# same_c.sh XNORCC MODEL.json MODEL.onnx WORKDIR: the .onnx form of a model
# (here with external data) compiles to the same C as its JSON form, but for
# the file name in the first comment line; both when the .onnx is named by a
# path and when xnorcc runs in its folder (external data beside "model.onnx").
set -u
[ $# -eq 4 ] || { echo "usage: $0 XNORCC MODEL.json MODEL.onnx WORKDIR" >&2; exit 2; }
xnorcc=$1 json=$2 onnx=$3 w=$4
rm -rf "$w" && mkdir -p "$w/json" "$w/onnx" "$w/here" || exit 2
fail=0
"$xnorcc" "$json" --name net -o "$w/json/net.c" || exit 1
"$xnorcc" "$onnx" --name net -o "$w/onnx/net.c" || exit 1
(cd "$(dirname "$onnx")" && "$xnorcc" "$(basename "$onnx")" --name net -o "$w/here/net.c") || exit 1
for v in onnx here; do
  for f in net.c net.h; do
    if ! sed "1s|$(basename "$onnx" | sed 's/\./\\./g')|$(basename "$json")|" "$w/$v/$f" | cmp -s - "$w/json/$f"; then
      echo "FAIL: $f from $onnx ($v) differs from $json's" >&2
      fail=1
    fi
  done
done
[ $fail -eq 0 ] && echo "same C from $onnx and $json"
exit $fail
