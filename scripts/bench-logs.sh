#!/usr/bin/env bash
# Log scanner benchmark: MB/s and peak memory of `ktriage analyze <log>` on generated logs of
# growing size (default 128 MiB, 512 MiB and 1 GiB). Peak memory must stay flat as logs grow.
# Installs nothing; needs /usr/bin/time (GNU time) for the memory column.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES_MIB=${SIZES_MIB:-"128 512 1024"}
cargo build --release --quiet --bin ktriage
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ktriage-logbench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# One realistic 1 MiB chunk: access lines, warnings, JSON lines, klog lines, a traceback.
chunk="$WORK/chunk.log"
i=0
while [ "$(stat -c %s "$chunk" 2>/dev/null || echo 0)" -lt 1048576 ]; do
  {
    for _ in $(seq 1 40); do
      i=$((i + 1))
      echo "2026-01-02T03:04:$((i % 60)).123456Z INFO:     10.1.0.$((i % 250)):5$((i % 9))012 - \"GET /items/$i HTTP/1.1\" 200 OK"
    done
    echo "I0102 03:04:05.000000       1 reflector.go:255] Listing and watching *v1.Pod from pkg/informers"
    echo "{\"level\":\"warn\",\"ts\":1735787045.1,\"msg\":\"slow request\",\"duration\":\"1.2s\"}"
    echo "2026-01-02T03:04:05.5Z WARNING: connection pool is full, discarding connection: db.internal"
    if [ $((i % 400)) -eq 0 ]; then
      printf 'Traceback (most recent call last):\n  File "/app/main.py", line 14, in <module>\n    X = int(os.environ["X"])\nKeyError: %s\n' "'X'"
    fi
  } >> "$chunk"
done

echo "| log size MiB | wall s | MB/s | peak RSS MiB |"
echo "|---:|---:|---:|---:|"
for mib in $SIZES_MIB; do
  log="$WORK/app.log"
  : > "$log"
  for _ in $(seq 1 "$mib"); do cat "$chunk"; done >> "$log"
  bytes=$(stat -c %s "$log")
  out=$( { /usr/bin/time -f "%e %M" target/release/ktriage analyze "$log" --format json -o /dev/null --fail-on never; } 2>&1 | tail -1)
  wall=${out% *}
  rss=${out#* }
  awk -v m="$mib" -v w="$wall" -v b="$bytes" -v r="$rss" \
    'BEGIN { printf "| %d | %.2f | %.0f | %.1f |\n", m, w, b / 1e6 / w, r / 1024 }'
done
