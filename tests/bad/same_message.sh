#!/bin/sh
# same_message.sh DIR - the verifier's promise: one bad model gets one message
# whatever it is written in. For every text IR case DIR/xir/NAME.xir that also
# exists as DIR/NAME.json or DIR/onnx/NAME.onnx, the expected messages
# (NAME.err) must be the same but for the file name they start with. (Each
# .err is checked against xnorcc by its own bad/ test.) Fails when no case
# has a second form.
set -u
dir=$1
fail=0
pairs=0
for xir in "$dir"/xir/*.xir; do
  name=$(basename "$xir" .xir)
  want=$(sed "s/^$name\.xir:/MODEL:/" "$dir/xir/$name.err")
  for other in "$dir/$name.json" "$dir/onnx/$name.onnx"; do
    [ -f "$other" ] || continue
    ext=${other##*.}
    errf=${other%.*}.err
    got=$(sed "s/^$name\.$ext:/MODEL:/" "$errf")
    pairs=$((pairs + 1))
    if [ "$got" != "$want" ]; then
      echo "FAIL $name: xir/$name.err and $(basename "$errf") ($ext) differ:" >&2
      printf '%s\n' "$want" >"${TMPDIR:-/tmp}/same_message.$$.a"
      printf '%s\n' "$got" >"${TMPDIR:-/tmp}/same_message.$$.b"
      diff "${TMPDIR:-/tmp}/same_message.$$.a" "${TMPDIR:-/tmp}/same_message.$$.b" >&2
      rm -f "${TMPDIR:-/tmp}/same_message.$$.a" "${TMPDIR:-/tmp}/same_message.$$.b"
      fail=1
    fi
  done
done
if [ "$pairs" -eq 0 ]; then
  echo "FAIL: no text IR case has a JSON or .onnx form" >&2
  exit 1
fi
echo "$pairs pairs of forms, same messages"
exit $fail
