#!/usr/bin/env bash
# Ingest benchmark on ~100 MB synthetic snapshots.
#
# Builds the release binary and the generator (examples/gen.rs), writes the same synthetic
# cluster in three forms (troubleshoot bundle folder, the bundle as .tar.gz, a folder of
# `kubectl get -o yaml` lists) into a temporary folder, and times
# `ktriage analyze <path> --format json -o /dev/null` on each (wall time and peak RSS from
# /usr/bin/time -v; median of RUNS runs, files in the page cache), then once more with
# `--timings` for the time of each stage. Next to it, the floor a user can compare against:
# `gzip -dc` of the archive, and plain serde parsing of the same documents into k8s-openapi
# types (examples/floor.rs: JSON on all cores, YAML on one). Prints markdown tables. Installs
# nothing.
#
# Environment: PODS (default 2100, about 100 MB as JSON), SEED (7), LOG_KIB (16), RUNS (3),
# TMPDIR (where the snapshots go; about 220 MB is needed).
set -euo pipefail

cd "$(dirname "$0")/.."
PODS=${PODS:-2100}
SEED=${SEED:-7}
LOG_KIB=${LOG_KIB:-16}
RUNS=${RUNS:-3}

TIME_BIN=${TIME_BIN:-/usr/bin/time}
if [[ -x $TIME_BIN ]] && $TIME_BIN -v true >/dev/null 2>&1; then
    HAVE_TIME=1
else
    HAVE_TIME=0
    echo "note: $TIME_BIN (GNU time) not found: using bash's time; peak RSS will not be reported" >&2
fi

echo "building (release)..." >&2
cargo build --release --quiet --bin ktriage --example gen --example floor
KTRIAGE=target/release/ktriage
GEN=target/release/examples/gen
FLOOR=target/release/examples/floor

WORK=$(mktemp -d "${TMPDIR:-/tmp}/ktriage-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# measure LABEL CMD... : runs CMD $RUNS times, sets WALL (median seconds) and RSS_KB (max).
measure() {
    local label=$1
    shift
    local walls=() rss=0 i out
    for ((i = 1; i <= RUNS; i++)); do
        out="$WORK/time-$label-$i.txt"
        if ((HAVE_TIME)); then
            if ! $TIME_BIN -v -o "$out" "$@"; then
                echo "error: '$*' failed (run $i)" >&2
                cat "$out" >&2
                exit 1
            fi
            walls+=("$(awk -F': ' '/Elapsed \(wall clock\)/ {
                n = split($2, p, ":"); s = 0
                for (j = 1; j <= n; j++) s = s * 60 + p[j]
                print s }' "$out")")
            local r
            r=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$out")
            if ((r > rss)); then rss=$r; fi
        else
            local TIMEFORMAT=%R
            { time "$@" >/dev/null 2>"$WORK/stderr-$label-$i.txt"; } 2>"$out"
            walls+=("$(tail -n 1 "$out")")
        fi
    done
    WALL=$(printf '%s\n' "${walls[@]}" | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')
    RSS_KB=$rss
}

row() { # form, bytes, wall, rss_kb
    awk -v form="$1" -v b="$2" -v w="$3" -v r="$4" -v have="$HAVE_TIME" 'BEGIN {
        mbs = (w > 0) ? sprintf("%.0f", b / 1e6 / w) : "n/a"
        rss = (have && r != "") ? sprintf("%.0f", r / 1024) : "n/a"
        printf "| %s | %.1f | %.2f | %s | %s |\n", form, b / 1e6, w, mbs, rss }'
}

# stages PATH: one more run with --timings; prints a table row of the stage times.
stages() {
    local form=$1 path=$2
    "$KTRIAGE" analyze "$path" --format json -o /dev/null --quiet --fail-on never --timings \
        2>"$WORK/timings-$form.txt"
    awk -v form="$form" '
        /^timing (read|parse|model|rules|report) / { t[$2] = $3 }
        /^timing total/ { total = $3 }
        END {
            share = (total > 0) ? 100 * (t["rules"] + t["report"]) / total : 0
            printf "| %s | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %.0f%% |\n", form,
                t["read"], t["parse"], t["model"], t["rules"], t["report"], total, share }' \
        "$WORK/timings-$form.txt"
}

# floor PATH THREADS: serde parsing of the same documents into k8s-openapi types; MB/s.
floor() {
    "$FLOOR" --threads "$2" "$1" 2>/dev/null | awk '{ printf "%.0f", $1 / 1e6 / $2 }'
}

ROWS=()
STAGES=()
FLOORS=()
JSON_BYTES=
for form in json-dir yaml-dir tgz; do
    echo "generating $form ($PODS pods, seed $SEED)..." >&2
    bytes=$($GEN --pods "$PODS" --out "$WORK/$form" --form "$form" --seed "$SEED" --log-kib "$LOG_KIB")
    path="$WORK/$form/$(ls "$WORK/$form")"
    [[ $form == json-dir ]] && JSON_BYTES=$bytes
    echo "timing ktriage on $form ($RUNS runs)..." >&2
    measure "$form" "$KTRIAGE" analyze "$path" --format json -o /dev/null --quiet --fail-on never
    ROWS+=("$(row "$form" "$bytes" "$WALL" "$RSS_KB")")
    STAGES+=("$(stages "$form" "$path")")
    ours=$(awk -v b="$bytes" -v w="$WALL" 'BEGIN { printf "%.0f", b / 1e6 / w }')
    case $form in
    json-dir)
        f=$(floor "$path" 0)
        FLOORS+=("| json-dir | serde_json into k8s-openapi types, all cores | $f | $ours | $(awk -v a="$ours" -v b="$f" 'BEGIN { printf "%.2f", a / b }') |")
        ;;
    yaml-dir)
        f=$(floor "$path" 1)
        FLOORS+=("| yaml-dir | yaml_serde into k8s-openapi types, one core | $f | $ours | $(awk -v a="$ours" -v b="$f" 'BEGIN { printf "%.2f", a / b }') |")
        ;;
    esac
    if [[ $form == tgz ]]; then
        TGZ_DISK=$(wc -c <"$path")
        echo "timing gzip -dc ($RUNS runs)..." >&2
        measure gzip sh -c 'gzip -dc "$1" >/dev/null' sh "$path"
        ROWS+=("$(row "tgz: \`gzip -dc\` only (reference)" "$bytes" "$WALL" "$RSS_KB")")
        g=$(awk -v b="$bytes" -v w="$WALL" 'BEGIN { printf "%.0f", b / 1e6 / w }')
        FLOORS+=("| tgz | \`gzip -dc\` to /dev/null | $g | $ours | $(awk -v a="$ours" -v b="$g" 'BEGIN { printf "%.2f", a / b }') |")
    fi
done

echo
echo "Synthetic snapshot: $PODS pods, seed $SEED, logs $LOG_KIB KiB; JSON form $(awk -v b="$JSON_BYTES" 'BEGIN {printf "%.1f", b / 1e6}') MB uncompressed, .tar.gz $(awk -v b="$TGZ_DISK" 'BEGIN {printf "%.1f", b / 1e6}') MB on disk. Median of $RUNS runs, warm page cache."
echo
echo "| form | uncompressed MB | wall s | MB/s | peak RSS MiB |"
echo "|---|---:|---:|---:|---:|"
printf '%s\n' "${ROWS[@]}"
echo
echo "Stages (one more run with \`--timings\`, seconds):"
echo
echo "| form | read | parse | model | rules | report | total | rules + report |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${STAGES[@]}"
echo
echo "Against the floor (MB/s of the same bytes; ratio = ktriage / floor):"
echo
echo "| form | floor | floor MB/s | ktriage MB/s | ratio |"
echo "|---|---|---:|---:|---:|"
printf '%s\n' "${FLOORS[@]}"
