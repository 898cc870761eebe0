#!/bin/sh
# Compile time and peak memory of a large constant array in each candidate
# form (bench/storage/forms.py; docs/generated-code.md, "Weight storage").
# Usage: sh bench/storage/run.sh [N_FLOATS] [COMPILERS]   (default 4194304 = 16 MiB, "gcc clang")
# For each form and compiler: CC -std=c99 -Wall -Wextra -Werror -pedantic -O2 -c,
# wall and user seconds and peak RSS (/usr/bin/time), the source size, and a
# check that every form gives the same values (a program summing them all).
set -eu
n=${1:-4194304}
ccs=${2:-gcc clang}
here=$(cd "$(dirname "$0")" && pwd)
d=${XN_STORAGE_DIR:-/tmp/xnorcc-storage}
rm -rf "$d"
/usr/bin/python3 "$here/forms.py" "$d" "$n"
cat >"$d/main.c" <<EOC
#include <stdio.h>
float get(int i);
int main(void) {
  double s = 0;
  for (int i = 0; i < $n; i++)
    s += (double)get(i) * (double)(i % 7 + 1);
  printf("%.17g\n", s);
  return 0;
}
EOC
printf '%-8s %-6s %8s %8s %8s %9s  %s\n' form cc "MB src" "wall s" "user s" "peak MB" sum
for cc in $ccs; do
  for form in hexfloat intbits octal string split incbin; do
    srcs="$d/$form.c"
    [ "$form" = split ] && srcs="$d/weights.c $d/code.c"
    size=$(cat $srcs | wc -c)
    wall=0 user=0 peak=0
    objs=""
    for s in $srcs; do
      o="$d/$(basename "$s" .c).$cc.o"
      /usr/bin/time -f '%e %U %M' -o "$d/time" $cc -std=c99 -Wall -Wextra -Werror -pedantic -O2 -c "$s" -o "$o" \
        2>"$d/err" || { echo "$form $cc: failed: $(head -c 300 "$d/err")"; continue 2; }
      [ -s "$d/err" ] && { echo "$form $cc: diagnostics: $(head -c 300 "$d/err")"; }
      read -r w u m <"$d/time"
      wall=$(echo "$wall + $w" | bc) user=$(echo "$user + $u" | bc)
      [ "$m" -gt "$peak" ] && peak=$m
      objs="$objs $o"
    done
    $cc -O2 "$d/main.c" $objs -o "$d/prog" && sum=$("$d/prog")
    printf '%-8s %-6s %8.1f %8.2f %8.2f %9.0f  %s\n' "$form" "$cc" "$(echo "$size / 1000000" | bc -l)" "$wall" \
      "$user" "$(echo "$peak / 1024" | bc -l)" "$sum"
  done
done
