#!/usr/bin/env bash
# Knotwork's build benchmark, against Hugo and the Pagefind CLI on the same
# articles, all in one paired run.
#
#   bash scripts/bench.sh                 # 1,000 and 10,000 articles
#   bash scripts/bench.sh 1000 10000 50000
#
# For each size it generates the plain corpus (articles only;
# examples/gen-corpus.rs --plain) and writes the same files as a Hugo site
# with an equivalent minimal template set (article, paginated blog list,
# tags, feed, sitemap; articles marked data-pagefind-body as ours are).
# Then, with hyperfine over RUNS runs (default 3):
#   search on, the default and the headline: Knotwork against Hugo followed
#     by the Pagefind CLI (npm `pagefind`, the version of our crate);
#   search off: Knotwork against Hugo alone;
# each as a clean build into an empty folder on tmpfs (/dev/shm) without
# Knotwork's cache (.knotwork-cache, which keeps the last search index), a
# rebuild into the existing output on disk (BENCH_DIR) with the cache, and
# a rebuild on disk after one article's text was edited. Peak memory (max RSS) of each clean build
# is read with GNU time. Last, Knotwork alone on the full corpus (muscles,
# techniques, FAQs, cross-links, citations, search) against its plain
# corpus with search. Results: target/bench/results.md (and printed).
#
# It measures the binary of the `dist` profile (`cargo build --profile dist`,
# link-time optimised, as shipped); KNOTWORK_BIN=path measures that binary
# instead of building one.
# Needs hyperfine, hugo, GNU time and npm; installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(1000 10000)
runs=${RUNS:-3}
work=${BENCH_DIR:-/tmp/knotwork-bench}
shm=/dev/shm/knotwork-bench
results=$PWD/target/bench
mkdir -p "$work" "$shm" "$results"

need=()
command -v hyperfine >/dev/null || need+=(hyperfine)
command -v hugo >/dev/null || need+=(hugo)
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
# The Pagefind CLI of the version Knotwork's crate is.
pagefind_version=$(grep -A1 '^name = "pagefind"$' Cargo.lock | grep -o '[0-9][0-9.]*')
pf_dir=$work/pagefind-cli-$pagefind_version
if [ ! -d "$pf_dir/node_modules/@pagefind" ]; then
  mkdir -p "$pf_dir"
  (cd "$pf_dir" && npm install --silent --no-audit --no-fund "pagefind@$pagefind_version" >/dev/null)
fi
# The binary itself, without npm's Node wrapper around it.
pagefind=$(find "$pf_dir/node_modules/@pagefind" -path '*/bin/*' -type f \( -name pagefind -o -name pagefind_extended \) | head -1)

# KNOTWORK_BIN measures a binary built before (a run takes long; builds
# made meanwhile then do not change what is measured).
if [ -n "${KNOTWORK_BIN:-}" ]; then
  cargo build --release --quiet --example gen-corpus
  kw=$KNOTWORK_BIN
else
  # The shipped binary: the `dist` profile (link-time optimised).
  echo "== building the dist binary (link-time optimised: about 11 minutes from scratch on 2 cores)"
  cargo build --profile dist --quiet --bin knotwork
  cargo build --release --quiet --example gen-corpus
  kw=$PWD/target/dist/knotwork
fi
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
{{ define "main" }}<article data-pagefind-body><h1>{{ .Title }}</h1><p>{{ .Date.Format "2 January 2006" }} · {{ .ReadingTime }} min</p>
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
# (A single run has no stddev: then the mean alone.)
mean() { python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results'][int(sys.argv[2])]; sd=r['stddev']; print(f\"{r['mean']:.3f}\" + (f\" ± {sd:.3f}\" if sd is not None else ''))" "$1" "$2"; }
mean_value() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['results'][int(sys.argv[2])]['mean'])" "$1" "$2"; }
# Peak resident memory of a command, in MiB.
peak() { /usr/bin/time -f "%M" "$@" >/dev/null 2>"$results/time.txt"; echo $(( $(tail -1 "$results/time.txt") / 1024 )); }
ratio() { python3 -c "import sys; print(f'{float(sys.argv[1])/float(sys.argv[2]):.2f}')" "$1" "$2"; }
# Appends a sentence to one article (Knotwork's corpus and Hugo's copy),
# so the rebuild after it has one changed article to publish.
edit_script=$results/edit-article.sh
printf '%s\n' '#!/usr/bin/env bash' \
  'for f in "$@"; do printf "\nEdited %s: the upper trapezius refers pain up the side of the neck.\n" "$(date +%s%N)" >> "$f"; done' \
  > "$edit_script"

table=$results/results.md
{
  echo "| articles | build | Knotwork (s) | comparison (s) | ratio (target) | Knotwork peak MiB | comparison peak MiB |"
  echo "|---|---|---|---|---|---|---|"
} > "$table"
notes=""

# One paired hyperfine run: label, json, Knotwork's command, the
# comparison's command, and what to do before each run (else one warm-up).
pair() {
  local label=$1 json=$2 kw_cmd=$3 other_cmd=$4 prepare=${5:-}
  local args=(--style basic --runs "$runs" --export-json "$json")
  if [ -n "$prepare" ]; then args+=(--prepare "$prepare"); else args+=(--warmup 1); fi
  echo "== $label"
  hyperfine "${args[@]}" -n knotwork "$kw_cmd" -n comparison "$other_cmd"
}
row() {
  local n=$1 label=$2 json=$3 target=$4 kw_mem=${5:-–} other_mem=${6:-–}
  echo "| $n | $label | $(mean "$json" 0) | $(mean "$json" 1) | $(ratio "$(mean_value "$json" 0)" "$(mean_value "$json" 1)") ($target) | $kw_mem | $other_mem |" >> "$table"
}
# Runs a build with the stage timings on; prints them on one line.
stages() { KNOTWORK_TIMINGS=1 "$@" 2>&1 >/dev/null | grep -E '^ *[a-z][a-z0-9 ]*: ' | tr -s ' ' | paste -sd ',' -; }

for n in "${sizes[@]}"; do
  plain=$work/plain-$n
  [ -d "$plain" ] || "$gen" --plain --articles "$n" --out "$plain" >/dev/null
  # The same articles with search on (the default); site.toml differs only there.
  search=$work/search-$n
  rm -rf "$search"; mkdir -p "$search"
  ln -s "$plain/content" "$search/content"
  sed 's/^enabled = false$/enabled = true/' "$plain/site.toml" > "$search/site.toml"
  hugo_site "$plain" "$work/hugo-$n"
  hugo="hugo --quiet -s $work/hugo-$n"
  article=content/blog/$(ls "$plain/content/blog" | sed -n "$(( n / 2 ))p")
  [ -d "$plain/$article" ] && article=$article/index.md
  edit="bash $edit_script $plain/$article $work/hugo-$n/$article"
  with_pagefind() { echo "$hugo -d $1 && $pagefind --site $1 --quiet"; }

  # Search on: Knotwork against Hugo + the Pagefind CLI.
  pair "$n articles, search on: clean build on tmpfs" "$results/on-clean-$n.json" \
    "$kw build --root $search --output-dir $shm/kw-$n" "$(with_pagefind "$shm/hugo-$n")" \
    "rm -rf $shm/kw-$n $shm/hugo-$n $search/.knotwork-cache"
  rm -rf "$shm/kw-$n" "$shm/hugo-$n" "$search/.knotwork-cache"
  kw_on_mem=$(peak "$kw" build --root "$search" --output-dir "$shm/kw-$n")
  hugo_mem=$(peak $hugo -d "$shm/hugo-$n")
  pf_mem=$(peak "$pagefind" --site "$shm/hugo-$n" --quiet)
  kw_pages=$(find "$shm/kw-$n" -name '*.html' | wc -l); hugo_pages=$(find "$shm/hugo-$n" -name '*.html' | wc -l)
  row "$n" "search on: clean, tmpfs" "$results/on-clean-$n.json" "≤ 0.25" "$kw_on_mem" "$hugo_mem, then $pf_mem"
  "$kw" build --root "$search" --output-dir "$work/on-kw-$n" >/dev/null
  $hugo -d "$work/on-hugo-$n" && "$pagefind" --site "$work/on-hugo-$n" --quiet
  pair "$n articles, search on: rebuild into the existing output on disk" "$results/on-rebuild-$n.json" \
    "$kw build --root $search --output-dir $work/on-kw-$n" "$(with_pagefind "$work/on-hugo-$n")"
  row "$n" "search on: rebuild, nothing changed, disk" "$results/on-rebuild-$n.json" "–"
  pair "$n articles, search on: rebuild after editing one article, disk" "$results/on-edit-$n.json" \
    "$kw build --root $search --output-dir $work/on-kw-$n" "$(with_pagefind "$work/on-hugo-$n")" "$edit"
  row "$n" "search on: rebuild after editing one article, disk" "$results/on-edit-$n.json" "≤ 0.1"

  # Search off: Knotwork against Hugo alone.
  pair "$n articles, search off: clean build on tmpfs" "$results/off-clean-$n.json" \
    "$kw build --root $plain --output-dir $shm/kw-$n" "$hugo -d $shm/hugo-$n" \
    "rm -rf $shm/kw-$n $shm/hugo-$n $plain/.knotwork-cache"
  rm -rf "$shm/kw-$n" "$plain/.knotwork-cache"
  kw_off_mem=$(peak "$kw" build --root "$plain" --output-dir "$shm/kw-$n")
  row "$n" "search off: clean, tmpfs (vs Hugo)" "$results/off-clean-$n.json" "≤ 0.2" "$kw_off_mem" "$hugo_mem"
  "$kw" build --root "$plain" --output-dir "$work/off-kw-$n" >/dev/null
  $hugo -d "$work/off-hugo-$n"
  pair "$n articles, search off: rebuild into the existing output on disk" "$results/off-rebuild-$n.json" \
    "$kw build --root $plain --output-dir $work/off-kw-$n" "$hugo -d $work/off-hugo-$n"
  row "$n" "search off: rebuild, nothing changed, disk (vs Hugo)" "$results/off-rebuild-$n.json" "≤ 0.1"
  pair "$n articles, search off: rebuild after editing one article, disk" "$results/off-edit-$n.json" \
    "$kw build --root $plain --output-dir $work/off-kw-$n" "$hugo -d $work/off-hugo-$n" "$edit"
  row "$n" "search off: rebuild after editing one article, disk (vs Hugo)" "$results/off-edit-$n.json" "–"
  notes+="- $n articles: Knotwork wrote $kw_pages HTML pages, Hugo $hugo_pages. Peak memory: search off $kw_off_mem MiB = $(ratio "$kw_off_mem" "$hugo_mem")× Hugo's $hugo_mem (target ≤ 0.3); search on $kw_on_mem MiB (target ≤ 1024 at 10,000 articles)."$'\n'

  # The full corpus (data, cross-links, citations, search): Knotwork alone,
  # against its plain corpus with search on.
  full=$work/full-$n
  [ -d "$full" ] || "$gen" --articles "$n" --muscles 300 --techniques 60 --faq-topics 40 --out "$full" >/dev/null
  pair "$n articles, full corpus against plain, both search on: clean build on tmpfs" "$results/full-$n.json" \
    "$kw build --root $full --output-dir $shm/full-$n" "$kw build --root $search --output-dir $shm/kw-$n" \
    "rm -rf $shm/full-$n $shm/kw-$n $full/.knotwork-cache $search/.knotwork-cache"
  rm -rf "$shm/full-$n" "$full/.knotwork-cache"
  full_mem=$(peak "$kw" build --root "$full" --output-dir "$shm/full-$n")
  row "$n" "full corpus vs plain corpus, both Knotwork with search: clean, tmpfs" "$results/full-$n.json" "≤ 1.5" "$full_mem" "$kw_on_mem"
  rm -rf "$shm/full-$n" "$shm/kw-$n" "$full/.knotwork-cache" "$search/.knotwork-cache"
  notes+="- stages of a clean build, plain corpus, search on, $n articles: $(stages "$kw" build --root "$search" --output-dir "$shm/kw-$n")"$'\n'
  notes+="- stages of a clean build, full corpus, $n articles: $(stages "$kw" build --root "$full" --output-dir "$shm/full-$n")"$'\n'
  rm -rf "$shm/kw-$n" "$shm/hugo-$n" "$shm/full-$n"
done

{
  echo
  echo "Comparison: Hugo $(hugo version | grep -o 'v[0-9.]*' | head -1) followed by the Pagefind CLI $pagefind_version (search on); Hugo alone (search off); Knotwork on the plain corpus (full-corpus row). Ratio = Knotwork ÷ comparison."
  echo
  echo "$notes"
  echo "Machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(date -u +%Y-%m-%d); $runs runs each (hyperfine mean ± stddev)."
} >> "$table"
echo
cat "$table"
