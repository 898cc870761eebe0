#!/bin/sh
# summary.sh WORK EXPECTED NSHARDS: adds up the shards of run.sh. Prints the
# skipped cases by unsupported op, the failures by their reason in EXPECTED,
# and one closing line "N passed, N failed, N skipped" (also kept in
# WORK/summary.txt). Fails when a case failed that EXPECTED does not list, a
# listed case passed or was skipped (run.sh notes those), a shard left no
# results, or EXPECTED names a case that does not exist.
set -u
[ $# -eq 3 ] || { echo "usage: $0 WORK EXPECTED NSHARDS" >&2; exit 2; }
WORK=$1 EXPECTED=$2 NSHARDS=$3
k=0
bad=0
while [ $k -lt "$NSHARDS" ]; do
  [ -f "$WORK/shard$k.txt" ] || { echo "conformance: error: shard $k left no results" >&2; bad=1; }
  k=$((k + 1))
done
[ $bad -eq 0 ] || exit 1
all=$WORK/all.txt
cat "$WORK"/shard*.txt | sort >"$all"
for c in $(grep -v '^#' "$EXPECTED" | awk 'NF { print $1 }'); do
  if ! awk -v c="$c" '$2 == c || $2 == c ":" { f = 1 } END { exit !f }' "$all"; then
    echo "conformance: error: $(basename "$EXPECTED") lists $c, which is not a case" >&2
    bad=1
  fi
done
{
  echo "conformance: skipped, by unsupported op (cases):"
  sed -n 's/^skip [^:]*: //p' "$all" | tr ',' '\n' | sed 's/^ *//' | sort | uniq -c | sort -k1,1nr -k2 |
    awk '{ n = $1; $1 = ""; sub(/^ /, ""); e = sprintf("%s (%d)", $0, n)
           if (len && len + length(e) > 94) { print ","; len = 0 }
           printf "%s%s", len ? ", " : "  ", e; len += length(e) + 2 } END { print "" }'
  echo "conformance: expected failures, by reason (cases):"
  grep -v '^#' "$EXPECTED" | awk 'NF { $1 = ""; sub(/^ +/, ""); print }' | sort | uniq -c | sort -k1,1nr |
    sed 's/^ */  /'
  echo "$(grep -c '^pass' "$all") passed, $(grep -c '^fail' "$all") failed, $(grep -c '^skip' "$all") skipped"
} | tee "$WORK/summary.txt"
if cat "$WORK"/unexpected*.txt 2>/dev/null | grep -q .; then
  echo "conformance: unexpected results:" >&2
  cat "$WORK"/unexpected*.txt >&2
  bad=1
fi
exit $bad
