#!/bin/sh
# names.sh XNORCC RENAME MODEL_DIR WORKDIR
# Generated C is safe whatever the model's names are:
#  1. MODEL_DIR/model.json with every tensor, node and graph name replaced by a
#     hostile one (rename_names accept) must compile with xnorcc;
#  2. the result must build with gcc and clang, C99 and C11, -O0 and -O2, with
#     -Wall -Wextra -Werror -pedantic, and compute exactly what the original
#     model computes (same bytes as the original built the same way);
#  3. xnorcc's output must be byte-identical across two runs and under every
#     UTF-8 locale installed among de_DE, fr_FR and C.UTF-8;
#  4. names the JSON mapping cannot carry (invalid UTF-8, lone surrogates, NUL)
#     must give a clean error: exit 1, messages that each fit on one line
#     and start with the file name (or, if accepted, C that builds as above);
#  5. the text IR dump of the renamed model reads back to the same dump.
# With XN_TEST_PROGRAMS=one (the sanitized builds, whose programs would be the
# same plain-cc builds as the normal build's) step 2 builds gcc -std=c99 -O2 only.
# Exit 77 (skipped) while xnorcc cannot compile the original model yet.
set -eu
xnorcc=$1 rename=$2 model=$3 work=$4
rm -rf "$work" && mkdir -p "$work" && cd "$work"
flags="-Wall -Wextra -Werror -pedantic"
rt=$("$xnorcc" config --cflags --libs)

# Inputs as raw float32, in graph order.
ins="" outs="" k=0
while [ -f "$model/input_$k.npy" ]; do
  "$rename" npy2bin "$model/input_$k.npy" "in$k.bin"
  ins="$ins in$k.bin"
  k=$((k + 1))
done
k=0
while [ -f "$model/output_$k.npy" ]; do
  outs="$outs out$k.bin"
  k=$((k + 1))
done

if ! "$xnorcc" "$model/model.json" -o orig.c --name net --main 2>err; then
  cat err
  if grep -q "not implemented" err; then exit 77; fi
  echo "names.sh: the original model does not compile"
  exit 1
fi

"$rename" accept "$model/model.json" nasty.json
if ! "$xnorcc" nasty.json -o nasty.c --name net --main 2>err; then
  cat err
  echo "names.sh: FAIL: xnorcc rejects the renamed model"
  exit 1
fi

# 3. Determinism: two runs, then the locales that exist.
# (Same file names in another directory: the .c names its header.)
same() { # DIR: DIR/nasty.c and DIR/nasty.h equal ./nasty.c and ./nasty.h
  cmp nasty.c "$1/nasty.c" && cmp nasty.h "$1/nasty.h"
}
mkdir again
"$xnorcc" nasty.json -o again/nasty.c --name net --main
if ! same again; then
  echo "names.sh: FAIL: two runs of xnorcc differ"
  exit 1
fi
locales=$(locale -a 2>/dev/null | grep -iE '^(de_DE|fr_FR|C)\.utf-?8$' || true)
for loc in $locales; do
  mkdir -p "loc-$loc"
  LC_ALL=$loc "$xnorcc" nasty.json -o "loc-$loc/nasty.c" --name net --main
  if ! same "loc-$loc"; then
    echo "names.sh: FAIL: output differs under LC_ALL=$loc"
    exit 1
  fi
  echo "names.sh: identical under LC_ALL=$loc"
done

# 2. Every compiler, standard and optimization level.
ccs="" stds="c99 c11" opts="O0 O2"
for cc in gcc clang; do command -v $cc >/dev/null && ccs="$ccs $cc"; done
if [ "${XN_TEST_PROGRAMS:-all}" = one ]; then
  ccs=gcc stds=c99 opts=O2
fi
for cc in $ccs; do
  for std in $stds; do
    for opt in $opts; do
      tag=$cc-$std-$opt
      # shellcheck disable=SC2086
      $cc -std=$std -$opt $flags -o orig-$tag orig.c $rt
      # shellcheck disable=SC2086
      if ! $cc -std=$std -$opt $flags -o nasty-$tag nasty.c $rt; then
        echo "names.sh: FAIL: $cc -std=$std -$opt $flags rejects the C generated for nasty names"
        exit 1
      fi
      mkdir -p o-$tag n-$tag
      # shellcheck disable=SC2086
      (cd o-$tag && ../orig-$tag $(for f in $ins; do printf '../%s ' "$f"; done) $outs)
      # shellcheck disable=SC2086
      (cd n-$tag && ../nasty-$tag $(for f in $ins; do printf '../%s ' "$f"; done) $outs)
      for f in $outs; do
        if ! cmp o-$tag/$f n-$tag/$f; then
          echo "names.sh: FAIL: $tag: output $f differs after renaming"
          exit 1
        fi
      done
      echo "names.sh: $tag ok"
    done
  done
done

# 5. The text IR keeps them too: dump, parse the dump, dump again, same bytes.
if "$xnorcc" --help | grep -q -- '--emit=c|ir'; then
  mkdir -p ir1 ir2
  "$xnorcc" nasty.json --emit=ir -o ir1/nasty.xir
  "$xnorcc" ir1/nasty.xir --emit=ir -o ir2/nasty.xir
  if ! cmp ir1/nasty.xir ir2/nasty.xir; then
    echo "names.sh: FAIL: the text IR of the renamed model does not read back the same"
    exit 1
  fi
  echo "names.sh: text IR round trip ok"
fi

# 4. Names that cannot be carried: a clean error (or safe C).
k=0
while "$rename" reject $k "$model/model.json" rej$k.json; do
  set +e
  "$xnorcc" rej$k.json -o rej$k.c --name net 2>rej$k.err
  rc=$?
  set -e
  case $rc in
  0)
    # shellcheck disable=SC2086
    gcc -std=c99 $flags -c -o rej$k.o rej$k.c $rt
    echo "names.sh: reject case $k accepted; its C builds" ;;
  1)
    if ! grep -q "error:" rej$k.err || grep -qvE "^(rej$k\.json|xnorcc): " rej$k.err; then
      echo "names.sh: FAIL: reject case $k: messages not one clean line each:"
      cat rej$k.err
      exit 1
    fi
    echo "names.sh: reject case $k: $(head -n 1 rej$k.err)" ;;
  *)
    echo "names.sh: FAIL: reject case $k: xnorcc exited with $rc"
    cat rej$k.err
    exit 1 ;;
  esac
  k=$((k + 1))
done
echo "names.sh: all good"
