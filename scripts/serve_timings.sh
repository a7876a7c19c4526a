#!/usr/bin/env bash
# Where a `knotwork serve` rebuild spends its time: starts the server with
# KNOTWORK_TIMINGS=1 on SITE, waits for the first build and its search
# index, then saves FILE's `summary` (or `description`) EDITS times, 7 s
# apart, the way editors save (a temporary file renamed over it), and
# prints each rebuild's stages and the minor page faults it took
# (/proc/PID/stat). The file is restored at the end.
#
#   cargo build --release
#   bash scripts/serve_timings.sh /tmp/knotwork-bench/full-10000 content/muscles/muscle-0007.toml 6
set -euo pipefail
site=${1:?usage: serve_timings.sh SITE FILE [EDITS]}
file=${2:?usage: serve_timings.sh SITE FILE [EDITS]}
edits=${3:-6}
bin=${KNOTWORK_BIN:-$(dirname "$0")/../target/release/knotwork}
port=${PORT:-8765}
target=$site/$file
original=$(mktemp)
log=$(mktemp)
cp "$target" "$original"
KNOTWORK_TIMINGS=1 "$bin" serve --root "$site" --port "$port" >"$log" 2>&1 &
pid=$!
trap 'cp "$original" "$target"; kill $pid 2>/dev/null || true; rm -f "$original" "$log"' EXIT
until curl -sf "http://127.0.0.1:$port/__knotwork/status" | grep -q '"search_pending":false'; do
  sleep 0.5
done
faults() { awk '{print $10}' "/proc/$pid/stat"; }
key=summary
grep -q '^summary = "' "$original" || key=description
for i in $(seq 1 "$edits"); do
  before=$(faults)
  seen=$(wc -l <"$log")
  sed "s/^$key = \"/$key = \"Edit $i. /" "$original" >"$target.tmp"
  mv "$target.tmp" "$target"
  sleep 7
  echo "== edit $i: $(( $(faults) - before )) minor page faults"
  tail -n +"$((seen + 1))" "$log" | grep -vE '^(parse|   index)' || true
done
