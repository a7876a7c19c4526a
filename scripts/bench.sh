#!/usr/bin/env bash
# Knotwork's build benchmark, against Hugo on the same articles.
#
#   bash scripts/bench.sh                 # 1,000 and 10,000 articles
#   bash scripts/bench.sh 1000 10000 50000
#
# For each size it generates the plain corpus (articles only, search off;
# examples/gen-corpus.rs --plain), writes the same files as a Hugo site with
# an equivalent minimal template set (article, paginated blog list, tags,
# feed, sitemap), and times, with hyperfine, over RUNS runs (default 5):
#   clean:   a clean build into an empty output folder on tmpfs (/dev/shm);
#   rebuild: a build into the existing output on disk (BENCH_DIR).
# Peak memory (max RSS) is read with GNU time on one clean build. Then it
# times Knotwork alone on the full corpus (muscles, techniques, FAQs,
# cross-links, citations, and the Pagefind search index).
# Both generators run in the same invocation, so their ratio holds however
# noisy the machine is. Results: target/bench/results.md (and printed).
#
# Needs hyperfine, hugo and GNU time; installs them with apt-get if missing.
set -euo pipefail
cd "$(dirname "$0")/.."

sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(1000 10000)
runs=${RUNS:-5}
work=${BENCH_DIR:-/tmp/knotwork-bench}
shm=/dev/shm/knotwork-bench
results=target/bench
mkdir -p "$work" "$shm" "$results"

need=()
command -v hyperfine >/dev/null || need+=(hyperfine)
command -v hugo >/dev/null || need+=(hugo)
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

cargo build --release --quiet --bin knotwork --example gen-corpus
kw=$PWD/target/release/knotwork
gen=$PWD/target/release/examples/gen-corpus

# A Hugo site over the same article files (Hugo reads TOML front matter
# between +++ lines too), with templates doing what Knotwork's do at a
# minimum: page, paginated list, tag pages, home feed and sitemap.
hugo_site() {
  local corpus=$1 site=$2
  rm -rf "$site"
  mkdir -p "$site/content" "$site/layouts/_default"
  cp -r "$corpus/content/blog" "$site/content/blog"
  cat > "$site/config.toml" <<'EOF'
baseURL = "https://bench.example/"
title = "Benchmark Studio"
paginate = 10
[taxonomies]
  tag = "tags"
[markup.highlight]
  noClasses = false
[outputs]
  home = ["HTML", "RSS"]
  section = ["HTML"]
  taxonomy = ["HTML"]
  term = ["HTML"]
EOF
  cat > "$site/layouts/_default/baseof.html" <<'EOF'
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{ .Title }} · {{ .Site.Title }}</title>
<meta name="description" content="{{ .Description }}"><link rel="canonical" href="{{ .Permalink }}"></head>
<body><header><a href="/">{{ .Site.Title }}</a> <a href="/blog/">Blog</a> <a href="/tags/">Tags</a></header>
<main id="main">{{ block "main" . }}{{ end }}</main></body></html>
EOF
  cat > "$site/layouts/_default/single.html" <<'EOF'
{{ define "main" }}<article><h1>{{ .Title }}</h1><p>{{ .Date.Format "2 January 2006" }} · {{ .ReadingTime }} min</p>
<nav>{{ .TableOfContents }}</nav>{{ .Content }}
<ul>{{ range .Params.tags }}<li><a href="{{ "/tags/" | relURL }}{{ . | urlize }}/">{{ . }}</a></li>{{ end }}</ul></article>{{ end }}
EOF
  cat > "$site/layouts/_default/list.html" <<'EOF'
{{ define "main" }}<h1>{{ .Title }}</h1>{{ $p := .Paginate .Pages }}
<ul>{{ range $p.Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Date.Format "2006-01-02" }}<p>{{ .Description }}</p></li>{{ end }}</ul>
{{ if $p.HasPrev }}<a href="{{ $p.Prev.URL }}">Newer</a>{{ end }} {{ if $p.HasNext }}<a href="{{ $p.Next.URL }}">Older</a>{{ end }}{{ end }}
EOF
  cp "$site/layouts/_default/list.html" "$site/layouts/_default/term.html"
  cat > "$site/layouts/_default/taxonomy.html" <<'EOF'
{{ define "main" }}<h1>{{ .Title }}</h1><ul>{{ range .Data.Terms.Alphabetical }}<li><a href="{{ .Page.RelPermalink }}">{{ .Page.Title }}</a> ({{ .Count }})</li>{{ end }}</ul>{{ end }}
EOF
  cat > "$site/layouts/index.html" <<'EOF'
{{ define "main" }}<h1>{{ .Site.Title }}</h1><ul>{{ range first 10 (where .Site.RegularPages "Section" "blog") }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>{{ end }}
EOF
}

# hyperfine's mean and stddev of one command, as "1.234 ± 0.056".
mean() { python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results'][int(sys.argv[2])]; print(f\"{r['mean']:.3f} ± {r['stddev']:.3f}\")" "$1" "$2"; }
mean_value() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['results'][int(sys.argv[2])]['mean'])" "$1" "$2"; }
# Peak resident memory of one clean build, in MiB.
peak() { local out=$1; shift; rm -rf "$out"; /usr/bin/time -f "%M" "$@" >/dev/null 2>"$results/time.txt"; echo $(( $(tail -1 "$results/time.txt") / 1024 )); }
ratio() { python3 -c "import sys; print(f'{float(sys.argv[1])/float(sys.argv[2]):.1f}x')" "$1" "$2"; }

table="$results/results.md"
{
  echo "| articles | generator | clean build, tmpfs (s) | rebuild into existing output, disk (s) | peak memory (MiB) |"
  echo "|---|---|---|---|---|"
} > "$table"
notes=""

for n in "${sizes[@]}"; do
  corpus="$work/plain-$n"
  [ -d "$corpus" ] || "$gen" --plain --articles "$n" --out "$corpus" >/dev/null
  hugo_site "$corpus" "$work/hugo-$n"
  kw_shm="$shm/kw-$n"; hugo_shm="$shm/hugo-$n"
  kw_disk="$work/out-kw-$n"; hugo_disk="$work/out-hugo-$n"
  echo "== $n articles: clean builds on tmpfs"
  hyperfine --style basic --runs "$runs" --export-json "$results/clean-$n.json" \
    --prepare "rm -rf $kw_shm $hugo_shm" \
    -n knotwork "$kw build --root $corpus --output-dir $kw_shm" \
    -n hugo "hugo --quiet -s $work/hugo-$n -d $hugo_shm"
  echo "== $n articles: rebuilds into the existing output on disk"
  "$kw" build --root "$corpus" --output-dir "$kw_disk" >/dev/null
  hugo --quiet -s "$work/hugo-$n" -d "$hugo_disk"
  hyperfine --style basic --runs "$runs" --warmup 1 --export-json "$results/rebuild-$n.json" \
    -n knotwork "$kw build --root $corpus --output-dir $kw_disk" \
    -n hugo "hugo --quiet -s $work/hugo-$n -d $hugo_disk"
  kw_mem=$(peak "$kw_shm" "$kw" build --root "$corpus" --output-dir "$kw_shm")
  hugo_mem=$(peak "$hugo_shm" hugo --quiet -s "$work/hugo-$n" -d "$hugo_shm")
  kw_pages=$(find "$kw_shm" -name '*.html' | wc -l); hugo_pages=$(find "$hugo_shm" -name '*.html' | wc -l)
  echo "| $n | Knotwork | $(mean "$results/clean-$n.json" 0) | $(mean "$results/rebuild-$n.json" 0) | $kw_mem |" >> "$table"
  echo "| $n | Hugo $(hugo version | grep -o 'v[0-9.]*' | head -1) | $(mean "$results/clean-$n.json" 1) | $(mean "$results/rebuild-$n.json" 1) | $hugo_mem |" >> "$table"
  notes+="- $n articles: Knotwork wrote $kw_pages HTML pages, Hugo $hugo_pages; Knotwork is $(ratio "$(mean_value "$results/clean-$n.json" 1)" "$(mean_value "$results/clean-$n.json" 0)") faster clean and $(ratio "$(mean_value "$results/rebuild-$n.json" 1)" "$(mean_value "$results/rebuild-$n.json" 0)") faster rebuilding."$'\n'

  full="$work/full-$n"
  [ -d "$full" ] || "$gen" --articles "$n" --muscles 300 --techniques 60 --faq-topics 40 --out "$full" >/dev/null
  echo "== $n articles, full corpus (data, cross-links, search index): Knotwork alone"
  hyperfine --style basic --runs "$(( runs < 3 ? runs : 3 ))" --export-json "$results/full-$n.json" \
    --prepare "rm -rf $shm/full-$n" -n "knotwork full" "$kw build --root $full --output-dir $shm/full-$n"
  full_mem=$(peak "$shm/full-$n" "$kw" build --root "$full" --output-dir "$shm/full-$n")
  stages=$(KNOTWORK_TIMINGS=1 "$kw" build --root "$full" --output-dir "$shm/full-$n" 2>&1 >/dev/null | tr -s ' ' | paste -sd ',' -)
  echo "| $n + 300 muscles, 60 techniques, 40 FAQ topics, search | Knotwork | $(mean "$results/full-$n.json" 0) | – | $full_mem |" >> "$table"
  notes+="- full corpus at $n articles, stages of a rebuild:$stages"$'\n'
  rm -rf "$shm/kw-$n" "$shm/hugo-$n" "$shm/full-$n"
done

{
  echo
  echo "$notes"
  echo "Machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(date -u +%Y-%m-%d); $runs runs each (hyperfine mean ± stddev)."
} >> "$table"
echo
cat "$table"
