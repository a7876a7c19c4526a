#!/usr/bin/env bash
# What a second language costs on the example site: builds the example site
# as it is, and a copy with [languages.fr] and two French translations (an
# article and a muscle), each into its own output kept in place (warm
# image cache), 10 runs each with hyperfine (Debian package `hyperfine`).
#   bash scripts/bench_languages.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin="$PWD/target/release/knotwork"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for site in en en-fr; do
  mkdir -p "$work/$site"
  cp -r content static site.toml "$work/$site/"
done
fr="$work/en-fr"
printf '\n[languages.fr]\ntitle = "Willow Lane Bodywork — Apprendre"\n' >> "$fr/site.toml"
cat > "$fr/content/blog/active-vs-latent-trigger-points.fr.md" <<'MD'
+++
title = "Points gâchettes actifs et latents"
description = "Les points actifs causent la douleur que vous remarquez ; les latents restent silencieux."
+++
Un point actif fait mal de lui-même ; un point latent seulement à la pression, comme dans le [trapèze supérieur](@muscles/upper-trapezius) [@travell-simons-1999].
MD
printf 'name = "Trapèze supérieur"\nsummary = "Le muscle en pente entre le cou et l’épaule."\n' \
  > "$fr/content/muscles/upper-trapezius.fr.toml"
for site in en en-fr; do "$bin" build --root "$work/$site" --output-dir "$work/$site/out" | tail -1; done
hyperfine -w 2 -r 10 -N \
  -n "example site, English only" "$bin build --root $work/en --output-dir $work/en/out" \
  -n "example site + French (2 translations)" "$bin build --root $work/en-fr --output-dir $work/en-fr/out"
