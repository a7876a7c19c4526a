#!/usr/bin/env bash
# The image benchmark: a blog of N articles (default 100), each with its
# own phone-size photo (4032×3024 JPEG, ~3.6 MB), built with the default
# [images] settings (widths 480/960/1600, WebP + JPEG, quality 80), timed
# with hyperfine. Search on (the default) first, then search off so that
# the images' own cost shows:
#   baseline: the same articles without images;
#   cold:     no cache, empty output: every photo decoded, resized, encoded;
#   warm:     cache and output in place (a rebuild with unchanged photos);
#   warm, empty output: the processed files copied from the cache.
# Then the example site, cold and warm. Results: target/bench/images.md.
#
#   bash scripts/bench_images.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100}
work=${BENCH_DIR:-/tmp/knotwork-bench-images}
results=target/bench
mkdir -p "$work" "$results"
rm -f "$results"/images-*.md
if ! command -v hyperfine >/dev/null; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq hyperfine >/dev/null
fi
cargo build --release --quiet --bin knotwork --example gen-photos
bin=$PWD/target/release/knotwork
gen=$PWD/target/release/examples/gen-photos

for mode in on off; do
  flag=""; [ "$mode" = off ] && flag="--search-off"
  photos=$work/photos-search-$mode plain=$work/plain-search-$mode
  rm -rf "$plain" "$photos/content" "$photos/public" "$photos/.knotwork-cache"
  "$gen" "$photos" "$n" $flag   # photos already there are kept
  "$gen" "$plain" "$n" --no-images $flag
  hyperfine --warmup 1 --runs 10 --export-markdown "$results/images-$mode-1-baseline.md" \
    -n "search $mode, baseline: $n articles, no images" "$bin build --root $plain"
  hyperfine --runs 3 --export-markdown "$results/images-$mode-2-cold.md" \
    --prepare "rm -rf $photos/.knotwork-cache $photos/public" \
    -n "search $mode, cold: $n photos" "$bin build --root $photos"
  hyperfine --warmup 1 --runs 10 --export-markdown "$results/images-$mode-3-warm.md" \
    -n "search $mode, warm: $n photos, output in place" "$bin build --root $photos"
  hyperfine --warmup 1 --runs 10 --export-markdown "$results/images-$mode-4-warm-empty.md" \
    --prepare "rm -rf $photos/public" \
    -n "search $mode, warm: $n photos, empty output" "$bin build --root $photos"
done
du -sh "$work/photos-search-on/static/images" "$work/photos-search-on/public/img"

# The example site (search on), with its images.
rm -rf "$work/example" && mkdir -p "$work/example"
cp -r site.toml content static "$work/example/"
[ -d themes ] && cp -r themes "$work/example/"
hyperfine --runs 3 --export-markdown "$results/images-x-1-example-cold.md" \
  --prepare "rm -rf $work/example/.knotwork-cache $work/example/public" \
  -n "example site, cold" "$bin build --root $work/example"
hyperfine --warmup 1 --runs 10 --export-markdown "$results/images-x-2-example-warm.md" \
  -n "example site, warm" "$bin build --root $work/example"
cat "$results"/images-*.md > "$results/images.md"
cat "$results/images.md"
echo "cores: $(nproc)"
