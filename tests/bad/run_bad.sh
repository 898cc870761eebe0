#!/bin/sh
# run_bad.sh XNORCC CASE.EXT - one bad-model regression test (CASE.json,
# CASE.onnx, ...).
#
# Runs `XNORCC NAME.EXT -o OUT.c [ARGS]` in a fresh temporary directory (so the
# file name in messages is just NAME.EXT) and passes when
#   - the exit status is an error (1..125: not success, not a crash),
#   - stderr is exactly the contents of CASE.err (next to the model),
#   - neither OUT.c nor OUT.h exists afterwards.
# ARGS are read from CASE.args when it exists (e.g. `--dim batch=1`). The
# contents of CASE.dir/ (external data files, symbolic links), when it
# exists, are copied beside the model as they are (links stay links).
set -u
if [ $# -ne 2 ]; then
  echo "usage: $0 XNORCC CASE.EXT" >&2
  exit 2
fi
xnorcc=$1
case_file=$2
dir=$(cd "$(dirname "$case_file")" && pwd) || exit 2
file=$(basename "$case_file")
name=${file%.*}
expected="$dir/$name.err"
if [ ! -f "$expected" ]; then
  echo "FAIL $name: missing $expected" >&2
  exit 1
fi
args=
if [ -f "$dir/$name.args" ]; then
  args=$(cat "$dir/$name.args")
fi
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM
cp "$dir/$file" "$tmp/$file" || exit 2
if [ -d "$dir/$name.dir" ]; then
  cp -RP "$dir/$name.dir/." "$tmp/" || exit 2
fi
cd "$tmp" || exit 2
# shellcheck disable=SC2086
"$xnorcc" "$file" -o OUT.c $args >stdout.txt 2>stderr.txt
rc=$?
fail=0
if [ "$rc" -eq 0 ]; then
  echo "FAIL $name: exit status 0, expected an error" >&2
  fail=1
elif [ "$rc" -gt 125 ]; then
  echo "FAIL $name: exit status $rc (crash or signal)" >&2
  fail=1
fi
if ! cmp -s stderr.txt "$expected"; then
  echo "FAIL $name: stderr differs from $name.err:" >&2
  diff "$expected" stderr.txt >&2
  fail=1
fi
for f in OUT.c OUT.h; do
  if [ -e "$f" ]; then
    echo "FAIL $name: $f was written" >&2
    fail=1
  fi
done
exit $fail
