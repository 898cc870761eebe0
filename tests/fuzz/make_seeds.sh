#!/bin/sh
# make_seeds.sh FE DEST XNORCC SRCDIR
# The seed corpus of fuzz_FE in DEST (made at build time, never committed):
#   json: every tests/**/*.json and examples/**/*.json model
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
