#!/usr/bin/env bash
# Peer benchmark: Hugo (Debian's package) building the same synthetic records as
# scripts/bench-build.sh, one page per facility plus list pages per category, with a minimal
# layout that prints the same fields. Hugo does no validation of the records, so this is the
# lower bound of "turn N YAML records into N pages" for a mature generator.
# Usage: scripts/bench-hugo.sh [COUNTS...]   (needs: apt-get install hugo)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
command -v hugo >/dev/null || { echo "hugo がありません: sudo apt-get install hugo" >&2; exit 2; }
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(1000 10000 100000)
work=$(realpath -m "${BENCH_DIR:-target/bench-sites}")
cargo build --release --quiet --example gen-site
echo "$(hugo version | cut -d' ' -f1-2)"
echo
echo "| records | pages | wall time (s) | peak RSS (MB) |"
echo "| ---: | ---: | ---: | ---: |"
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
  hugo --quiet -s "$hugo_site" -d "$hugo_site/public" >/dev/null 2>&1  # warm the page cache
  /usr/bin/time -v hugo --quiet -s "$hugo_site" -d "$hugo_site/public" 2>"$log" >/dev/null
  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$log" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$log")
  pages=$(find "$hugo_site/public" -name '*.html' | wc -l)
  printf '| %s | %s | %.2f | %d |\n' "$n" "$pages" "$wall" "$((rss / 1024))"
  rm -f "$log"
done
