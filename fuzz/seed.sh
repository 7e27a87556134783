#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ with seed inputs made from the files under testdata/.
# Safe to run again: seeds are named by their content's SHA-1, so nothing is copied twice.
#
# Usage: fuzz/seed.sh   (from any directory)
# Optional tools: zip and zstd add zip and tar.zst seeds to the archive and snapshot targets.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
testdata="$here/../testdata"
corpus="$here/corpus"
max_size=$((1024 * 1024))

# seed TARGET PREFIX FILE: copies FILE into the target's corpus after the byte PREFIX (two hex
# digits, or "" for none), named by the SHA-1 of the result.
seed() {
  local target="$1" prefix="$2" file="$3"
  [ "$(wc -c <"$file")" -le "$max_size" ] || return 0
  mkdir -p "$corpus/$target"
  local tmp sum
  tmp="$(mktemp "$corpus/$target/.seed.XXXXXX")"
  if [ -n "$prefix" ]; then printf "\\x$prefix" >"$tmp"; fi
  cat "$file" >>"$tmp"
  sum="$(sha1sum "$tmp" | cut -c1-40)"
  mv "$tmp" "$corpus/$target/$sum"
}

cd "$testdata"

# Place numbers of the `ingest` target (first byte; see PLACES in src/fuzzing.rs).
plain_json=00 plain_yaml=01 plain_describe=02 plain_table=03 plain_log=04
ts_pods=07 ts_nodes=08 ts_events=09 ts_log=0a ts_version=0b ts_cluster_version=0c
mg_pods=0d cid_stream=15

while IFS= read -r -d '' f; do
  case "$f" in
    *.json)
      seed ingest_json "" "$f"
      seed ingest "$plain_json" "$f"
      case "$f" in
        */cluster-resources/pods/*) seed ingest "$ts_pods" "$f" ;;
        */cluster-resources/nodes.json) seed ingest "$ts_nodes" "$f" ;;
        */cluster-resources/events/*) seed ingest "$ts_events" "$f" ;;
        */cluster-info/cluster_version.json) seed ingest "$ts_cluster_version" "$f" ;;
        *cluster-info-dump*) seed ingest "$cid_stream" "$f" ;;
      esac
      ;;
    *.yaml | *.yml)
      case "$f" in */expect.yaml) continue ;; esac
      seed ingest_yaml "" "$f"
      seed ingest "$plain_yaml" "$f"
      case "$f" in
        */version.yaml) seed ingest "$ts_version" "$f" ;;
        */pods.yaml) seed ingest "$mg_pods" "$f" ;;
        *cluster-info-dump*) seed ingest "$cid_stream" "$f" ;;
      esac
      ;;
    *.log)
      seed logs 00 "$f"
      seed ingest "$plain_log" "$f"
      case "$f" in */cluster-resources/pods/logs/*) seed ingest "$ts_log" "$f" ;; esac
      ;;
    ./tables/* | */nodes.txt)
      seed table "" "$f"
      seed ingest "$plain_table" "$f"
      ;;
    ./describe/* | *.txt | *.md)
      seed describe "" "$f"
      seed ingest "$plain_describe" "$f"
      ;;
  esac
done < <(find . -type f -print0)

# Log seeds read in small pieces too (the first byte picks the read size).
for f in fixtures/plain/api-1.log fixtures/incident/*.log; do
  [ -f "$f" ] && seed logs 01 "$f" && seed logs 06 "$f"
done

# Files a tool harness wrapped (a JSON header, then `stdout:` and `stderr:` sections), and a
# gzip-compressed rotated log.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
{
  echo '{"toolset_name": "kubernetes/core", "tool_name": "kubectl_describe", "match_params": {"kind": "pod", "name": "web", "namespace": "shop"}}'
  echo '{"schema_version": "robusta:v1.0.0", "status": "success", "error": null}'
  echo
  echo 'stdout:'
  cat describe/pod_modern.txt
  echo
  echo 'stderr:'
} >"$work/harness-describe.txt"
{
  echo '{"toolset_name": "kubernetes/logs", "tool_name": "fetch_pod_logs", "match_params": {"pod_name": "api-1", "namespace": "default"}}'
  echo '{"schema_version": "x"}'
  echo 'Command `kubectl logs api-1 --previous` failed with return code 1'
  echo 'stdout:'
  cat fixtures/plain/api-1-previous.log
  echo 'stderr:'
  echo 'Error from server (BadRequest): previous terminated container "api" in pod "api-1" not found'
} >"$work/harness-log.txt"
seed ingest "$plain_describe" "$work/harness-describe.txt"
seed ingest 05 "$work/harness-log.txt"
gzip -c fixtures/plain/api-1.log >"$work/api-1.log.gz"
seed ingest "$plain_log" "$work/api-1.log.gz"
seed ingest "$ts_log" "$work/api-1.log.gz"

# Archives and single input files, for `archive` and `snapshot` (the first byte names the
# input; see INPUT_NAMES in src/fuzzing.rs).
seed archive 00 demo/fastapi-k8s-bundle.tar.gz
seed snapshot 00 demo/fastapi-k8s-bundle.tar.gz
tar -cf "$work/plain.tar" -C fixtures plain
tar -czf "$work/troubleshoot-old.tar.gz" -C fixtures troubleshoot-old
tar -cf "$work/cid.tar" -C fixtures cluster-info-dump-dir
for t in archive snapshot; do
  seed "$t" 02 "$work/plain.tar"
  seed "$t" 00 "$work/troubleshoot-old.tar.gz"
  seed "$t" 02 "$work/cid.tar"
done
if command -v zstd >/dev/null; then
  zstd -q -19 -o "$work/incident.tar.zst" <(tar -cf - -C fixtures incident)
  seed archive 03 "$work/incident.tar.zst"
  seed snapshot 03 "$work/incident.tar.zst"
fi
if command -v zip >/dev/null; then
  (cd fixtures && zip -qr "$work/incident.zip" incident)
  seed archive 01 "$work/incident.zip"
  seed snapshot 01 "$work/incident.zip"
fi
gzip -c fixtures/redacted/pods.json >"$work/pods.json.gz"
for t in archive snapshot; do
  seed "$t" 04 "$work/pods.json.gz"
  seed "$t" 05 fixtures/incident/pods.yaml
  seed "$t" 05 fixtures/redacted/pods.json
  seed "$t" 05 demo/support-bundle-2026-11-20T14_03_12/cluster-resources/pods/default.json
  seed "$t" 06 describe/pod_modern.txt
  seed "$t" 07 fixtures/plain/api-1.log
done

for d in "$corpus"/*/; do
  printf '%-12s %5d seeds\n' "$(basename "$d")" "$(find "$d" -type f | wc -l)"
done
