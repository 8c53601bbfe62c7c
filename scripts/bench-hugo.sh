#!/usr/bin/env bash
# Peer benchmark: Hugo (Debian's package) building the same synthetic records as
# scripts/bench-build.sh, one page per facility plus list pages per category, with a minimal
# layout that prints the same fields. Hugo does no validation of the records, so this is the
# lower bound of "turn N YAML records into N pages" for a mature generator.
# Hugo and the whole `zaitaku build` run alternately (H Z H Z …, PAIRS pairs after one warm-up
# run each), so both see the same load; prints every run and the medians and their ratio.
# Every zaitaku run is a whole, cold build: the site's build cache (.zaitaku-cache) is removed
# first. BASE=path/to/another/zaitaku adds a third run to each pair (H B Z …: Hugo, BASE, this
# zaitaku), so an older binary's ratio comes from the same run.
# Usage: [PAIRS=5] [ZAITAKU=path/to/zaitaku] [BASE=path] scripts/bench-hugo.sh [COUNTS...]
#        (needs: apt-get install hugo)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
command -v hugo >/dev/null || { echo "hugo がありません: sudo apt-get install hugo" >&2; exit 2; }
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(1000 10000 100000)
work=$(realpath -m "${BENCH_DIR:-target/bench-sites}")
pairs=${PAIRS:-5}
zaitaku=${ZAITAKU:-}
if [ -z "$zaitaku" ]; then
  cargo build --release --quiet --bin zaitaku --example gen-site
  zaitaku=./target/release/zaitaku
else
  cargo build --release --quiet --example gen-site
fi
echo "$(hugo version | cut -d' ' -f1-2); zaitaku: $zaitaku; $pairs pairs; $(nproc) cores; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
measure() { # measure LOG CMD...: prints "WALL RSS_MB"
  local log=$1; shift
  /usr/bin/time -v "$@" 2>"$log" >/dev/null
  local wall rss
  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$log" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$log")
  echo "$wall $((rss / 1024))"
}
for n in "${counts[@]}"; do
  site="$work/site-$n"
  [ -d "$site/content/resources" ] || ./target/release/examples/gen-site --records "$n" --out "$site" >/dev/null 2>&1
  hugo_site="$work/hugo-$n"
  if [ ! -d "$hugo_site/content" ]; then
    mkdir -p "$hugo_site/layouts/_default" "$hugo_site/content"
    cat > "$hugo_site/config.yaml" <<'YAML'
baseURL: https://zaitaku.example.jp/
languageCode: ja
title: bench
disableKinds: [taxonomy, term, RSS]
YAML
    cat > "$hugo_site/layouts/_default/single.html" <<'HTML'
<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>{{ .Title }}</title></head><body><main>
<h1>{{ .Params.name }}</h1><p>{{ .Params.kana }}</p><p>{{ .Params.address }}</p><p>{{ .Params.phone }}</p>
<table>{{ range .Params.hours }}<tr><td>{{ delimit .days "・" }}</td><td>{{ .open }}〜{{ .close }}</td></tr>{{ end }}</table>
<table>{{ range .Params.caremane_time }}<tr><td>{{ delimit .days "・" }}</td><td>{{ .from }}〜{{ .to }}</td><td>{{ delimit .methods "・" }}</td><td>{{ .contact }}</td></tr>{{ end }}</table>
{{ .Content }}</main></body></html>
HTML
    cat > "$hugo_site/layouts/_default/list.html" <<'HTML'
<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>{{ .Title }}</title></head><body><main><ul>
{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Params.name }}</a> {{ .Params.phone }}</li>{{ end }}
</ul></main></body></html>
HTML
    # Each record becomes a page whose front matter is the record itself.
    (cd "$site/content/resources" && find . -name '*.yaml') | while read -r f; do
      dir="$hugo_site/content/$(dirname "$f")"
      mkdir -p "$dir"
      { echo '---'; echo "title: $(basename "$f" .yaml)"; cat "$site/content/resources/$f"; echo '---'; } > "$dir/$(basename "$f" .yaml).md"
    done
  fi
  log=$(mktemp)
  runs=$(mktemp)
  hugo --quiet -s "$hugo_site" -d "$hugo_site/public" >/dev/null 2>&1  # warm the page cache
  rm -rf "$site/.zaitaku-cache"
  "$zaitaku" --root "$site" build --out "$work/out-$n" --today 2026-11-22 >/dev/null 2>&1
  echo "| records | run | Hugo: wall (s) | Hugo: peak RSS (MB) | zaitaku build: wall (s) | zaitaku: peak RSS (MB) | load average |${BASE:+ BASE: wall (s) | BASE: peak RSS (MB) |}"
  echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |${BASE:+ ---: | ---: |}"
  for i in $(seq "$pairs"); do
    read -r hugo_wall hugo_rss < <(measure "$log" hugo --quiet -s "$hugo_site" -d "$hugo_site/public")
    b_wall=0 b_rss=0
    if [ -n "${BASE:-}" ]; then
      rm -rf "$site/.zaitaku-cache"
      read -r b_wall b_rss < <(measure "$log" "$BASE" --root "$site" build --out "$work/out-base-$n" --today 2026-11-22)
    fi
    rm -rf "$site/.zaitaku-cache"
    read -r z_wall z_rss < <(measure "$log" "$zaitaku" --root "$site" build --out "$work/out-$n" --today 2026-11-22)
    echo "$hugo_wall $hugo_rss $z_wall $z_rss $b_wall $b_rss" >> "$runs"
    printf '| %s | %s | %.2f | %d | %.2f | %d | %s |' "$n" "$i" "$hugo_wall" "$hugo_rss" "$z_wall" "$z_rss" "$(cut -d' ' -f1 /proc/loadavg)"
    [ -n "${BASE:-}" ] && printf ' %.2f | %d |' "$b_wall" "$b_rss"
    echo
  done
  rm -rf "$site/.zaitaku-cache"
  pages=$(find "$hugo_site/public" -name '*.html' | wc -l)
  hugo_median=$(awk '{ print $1 }' "$runs" | median)
  z_median=$(awk '{ print $3 }' "$runs" | median)
  ratio_median=$(awk '{ print $3 / $1 }' "$runs" | median)
  echo
  printf 'records %s: Hugo %s pages, median %.2f s (RSS median %s MB); zaitaku median %.2f s (RSS median %s MB); zaitaku / Hugo: ratio of medians %.2f, median of the pairs'"'"' ratios %.2f\n' \
    "$n" "$pages" "$hugo_median" "$(awk '{ print $2 }' "$runs" | median)" "$z_median" "$(awk '{ print $4 }' "$runs" | median)" \
    "$(awk -v z="$z_median" -v h="$hugo_median" 'BEGIN { print z / h }')" "$ratio_median"
  if [ -n "${BASE:-}" ]; then
    printf 'records %s: BASE median %.2f s (RSS median %s MB); BASE / Hugo: ratio of medians %.2f, median of the pairs'"'"' ratios %.2f\n' \
      "$n" "$(awk '{ print $5 }' "$runs" | median)" "$(awk '{ print $6 }' "$runs" | median)" \
      "$(awk -v h="$hugo_median" '{ print $5 }' "$runs" | median | awk -v h="$hugo_median" '{ print $1 / h }')" "$(awk '{ print $5 / $1 }' "$runs" | median)"
  fi
  echo
  rm -f "$log" "$runs"
done
