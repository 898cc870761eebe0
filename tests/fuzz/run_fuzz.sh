#!/bin/sh
# run_fuzz.sh FUZZER WORKDIR ARTIFACTS SECONDS SEEDDIR [-dict=FILE]
# A time-boxed libFuzzer run: new inputs go to WORKDIR, crashes to ARTIFACTS/.
# Fails when the fuzzer finds a crash, a leak, a timeout or runs out of memory.
set -eu
fuzzer=$1 work=$2 art=$3 secs=$4 seed=$5
shift 5
mkdir -p "$work" "$art"
exec "$fuzzer" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 \
  -print_final_stats=1 -artifact_prefix="$art/" "$@" "$work" "$seed"
