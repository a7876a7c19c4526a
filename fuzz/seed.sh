#!/usr/bin/env bash
# Seeds each fuzz target's corpus from the example site's content, then runs
# every target for the given number of seconds (default 600):
#   bash fuzz/seed.sh [seconds]
# Needs a nightly toolchain and `cargo install cargo-fuzz`.
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-600}
mkdir -p corpus/front_matter corpus/data_files corpus/markdown corpus/shortcodes
for f in ../content/blog/*.md ../content/pages/*.md; do
  cp "$f" "corpus/front_matter/$(basename "$f")"
  # The markdown target reads a flags byte first, then the body (the
  # lines after the front matter's closing +++).
  { printf '\x07'; sed '1,/^+++$/d' "$f"; } > "corpus/markdown/$(basename "$f")"
done
# The shortcodes target: a flags byte, then Markdown with shortcode calls.
for f in ../src/scaffold/content/blog/*.md seeds/*.md; do
  [ -f "$f" ] && { printf '\x01'; cat "$f"; } > "corpus/shortcodes/$(basename "$f")"
done
i=0
for f in ../content/muscles/*.toml ../content/techniques/*.toml ../content/faq/*.toml ../content/regions.toml ../content/references.toml ../site.toml; do
  case "$f" in
    */muscles/*) k='\x00' ;; */techniques/*) k='\x01' ;; */faq/*) k='\x02' ;;
    */regions.toml) k='\x03' ;; */references.toml) k='\x04' ;; *) k='\x05' ;;
  esac
  { printf "$k"; cat "$f"; } > "corpus/data_files/$i.toml"; i=$((i + 1))
done
for target in ${TARGETS:-front_matter data_files markdown shortcodes}; do
  cargo +nightly fuzz run -O "$target" -- -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=4096 2>&1 | tail -n 12
done
