#!/usr/bin/env bash
# The image benchmark: a blog of N articles (default 100), each with its
# own phone-size photo (4032×3024 JPEG, ~3 MB), built with the default
# [images] settings (widths 480/960/1600, WebP + JPEG, quality 80; search
# off, so that the numbers are the images' own), timed with hyperfine:
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
if ! command -v hyperfine >/dev/null; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq hyperfine >/dev/null
fi
cargo build --release --quiet --bin knotwork --example gen-photos
bin=$PWD/target/release/knotwork
gen=$PWD/target/release/examples/gen-photos
rm -rf "$work/photos" "$work/plain"
"$gen" "$work/photos" "$n"
"$gen" "$work/plain" "$n" --no-images
du -sh "$work/photos/static/images"

hyperfine --warmup 1 --runs 10 --export-markdown "$results/images-baseline.md" \
  -n "baseline: $n articles, no images" "$bin build --root $work/plain"
hyperfine --runs 3 --export-markdown "$results/images-cold.md" \
  --prepare "rm -rf $work/photos/.knotwork-cache $work/photos/public" \
  -n "cold: $n photos" "$bin build --root $work/photos"
hyperfine --warmup 1 --runs 10 --export-markdown "$results/images-warm.md" \
  -n "warm: $n photos, output in place" "$bin build --root $work/photos"
hyperfine --warmup 1 --runs 10 --export-markdown "$results/images-warm-empty.md" \
  --prepare "rm -rf $work/photos/public" \
  -n "warm: $n photos, empty output" "$bin build --root $work/photos"

# The example site, with its images.
rm -rf "$work/example" && mkdir -p "$work/example"
cp -r site.toml content static "$work/example/"
[ -d themes ] && cp -r themes "$work/example/"
hyperfine --runs 3 --export-markdown "$results/images-example-cold.md" \
  --prepare "rm -rf $work/example/.knotwork-cache $work/example/public" \
  -n "example site, cold" "$bin build --root $work/example"
hyperfine --warmup 1 --runs 10 --export-markdown "$results/images-example-warm.md" \
  -n "example site, warm" "$bin build --root $work/example"
cat "$results"/images-*.md > "$results/images.md"
cat "$results/images.md"
echo "cores: $(nproc)"
