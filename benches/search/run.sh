#!/usr/bin/env bash
# Search benchmarks (not tests): index build time and peak RSS for generated sites of 1,000 /
# 10,000 / 100,000 records, `zaitaku search` latency on 10,000 records, browser search on the
# sample site and on 10,000 records, and Pagefind over the same built sample site.
#
#   bash benches/search/run.sh [OUT_DIR]        (default target/search-bench; SIZES="1000 10000" to skip 100k)
#
# Needs what the tests need (mecab-ipadic, npm ci, chromium) plus network access to the npm
# registry once: Pagefind is installed into OUT_DIR/pagefind-npm, not into the project. With
# Debian's nginx-light installed, the browser measurements run once more behind nginx.
# Results: OUT_DIR/*.json and a summary on stdout; docs/benchmarks.md records a run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
OUT=${1:-target/search-bench}
SIZES=${SIZES:-"1000 10000 100000"}
TODAY=2026-11-22
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

echo "== machine"
echo "$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
rustc --version
node --version

cargo build --release --bin zaitaku --example gen-site
BIN=$PWD/target/release/zaitaku
GEN=$PWD/target/release/examples/gen-site

echo "== index build time and peak RSS (zaitaku build; the index part as reported by ZAITAKU_SEARCH_STATS=1)"
for n in $SIZES; do
  site=$OUT/site-$n
  [ -d "$site/content" ] || "$GEN" --records "$n" --out "$site" >/dev/null
  rm -rf "$site/public"
  /usr/bin/time -f "%e %M" -o "$OUT/time-$n.txt" env ZAITAKU_SEARCH_STATS=1 "$BIN" --root "$site" build --today "$TODAY" 2>"$OUT/build-$n.log" >/dev/null
  read -r seconds kib <"$OUT/time-$n.txt"
  index=$(grep '^search index:' "$OUT/build-$n.log" || true)
  size=$(du -sb "$site/public/search-index" | cut -f1)
  files=$(find "$site/public/search-index" -type f | wc -l)
  printf '%7s records: build %6.1f s, peak RSS %5d MiB; %s; search-index/ %d files, %.1f MiB\n' \
    "$n" "$seconds" $((kib / 1024)) "$index" "$files" "$(echo "$size / 1048576" | bc -l)"
done

echo "== zaitaku search latency (whole process, 10 runs of each benchmark query)"
if [ -d "$OUT/site-10000/public" ]; then
  python3 - "$BIN" "$OUT/site-10000/public" benches/search/gen-queries.tsv <<'PY'
import subprocess, sys, time
bin_, site, tsv = sys.argv[1:]
queries = [l.split('\t')[0] for l in open(tsv, encoding='utf-8') if l.strip() and not l.startswith(('#', 'query\t'))]
times = []
for q in queries:
    for _ in range(10):
        t = time.perf_counter()
        subprocess.run([bin_, 'search', '--json', '--site', site, '--', q], check=True, stdout=subprocess.DEVNULL)
        times.append((time.perf_counter() - t) * 1000)
times.sort()
p = lambda x: times[min(len(times) - 1, int(len(times) * x / 100))]
print(f"10,000 records: {len(queries)} queries x 10: p50 {p(50):.1f} ms, p95 {p(95):.1f} ms, max {times[-1]:.1f} ms")
PY
fi

# nginx (Debian's nginx-light) as a real static host, beside the test harness's Node server:
# plain HTTP/1.1, and HTTPS with HTTP/2 as public static hosts serve (a throw-away
# self-signed certificate for 127.0.0.1; latency.mjs tells Chromium to accept it).
NGINX_PID=
start_nginx() { # SITE_DIR PORT [tls]
  command -v nginx >/dev/null || { echo "(nginx not installed: apt-get install nginx-light; skipped)"; return 1; }
  mkdir -p "$OUT/nginx"
  local listen="listen 127.0.0.1:$2;" tls=""
  if [ "${3:-}" = tls ]; then
    [ -f "$OUT/nginx/cert.pem" ] || openssl req -x509 -newkey rsa:2048 -nodes -days 7 -subj /CN=127.0.0.1 \
      -addext subjectAltName=IP:127.0.0.1 -keyout "$OUT/nginx/key.pem" -out "$OUT/nginx/cert.pem" 2>/dev/null
    listen="listen 127.0.0.1:$2 ssl http2;"
    tls="ssl_certificate $OUT/nginx/cert.pem; ssl_certificate_key $OUT/nginx/key.pem;"
  fi
  cat >"$OUT/nginx/nginx.conf" <<CONF
daemon off;
worker_processes 1;
pid $OUT/nginx/nginx.pid;
error_log $OUT/nginx/error.log;
events { worker_connections 256; }
http {
  include /etc/nginx/mime.types;
  access_log off;
  sendfile on;
  server {
    $listen
    $tls
    root $1;
    location / { try_files \$uri \$uri/ =404; }
  }
}
CONF
  nginx -c "$OUT/nginx/nginx.conf" & NGINX_PID=$!
  sleep 0.5
}
stop_nginx() { if [ -n "$NGINX_PID" ]; then kill "$NGINX_PID" 2>/dev/null; wait "$NGINX_PID" 2>/dev/null; fi; NGINX_PID=; return 0; }
trap stop_nginx EXIT

# latency SITE_DIR QUERIES NAME: plain-Chromium latency, submitted at once and typed, behind
# the Node server, nginx HTTP/1.1 and nginx HTTP/2.
latency() {
  local site=$1 queries=$2 name=$3
  echo "== browser latency in plain Chromium ($name): Node test server"
  node benches/search/latency.mjs "$site" --queries "$queries" --json "$OUT/latency-$name.json" || true
  node benches/search/latency.mjs "$site" --queries "$queries" --typed --json "$OUT/latency-$name-typed.json" || true
  if start_nginx "$site" 18090; then
    echo "== the same behind nginx (HTTP/1.1)"
    node benches/search/latency.mjs "$site" --base http://127.0.0.1:18090/ --queries "$queries" --json "$OUT/latency-$name-nginx.json" || true
    node benches/search/latency.mjs "$site" --base http://127.0.0.1:18090/ --queries "$queries" --typed --json "$OUT/latency-$name-nginx-typed.json" || true
    stop_nginx
  fi
  if start_nginx "$site" 18443 tls; then
    echo "== the same behind nginx (HTTPS, HTTP/2)"
    node benches/search/latency.mjs "$site" --base https://127.0.0.1:18443/ --queries "$queries" --json "$OUT/latency-$name-h2.json" || true
    node benches/search/latency.mjs "$site" --base https://127.0.0.1:18443/ --queries "$queries" --typed --json "$OUT/latency-$name-h2-typed.json" || true
    stop_nginx
  fi
}

for n in 10000 1000; do
  [ -d "$OUT/site-$n/public" ] || continue
  echo "== browser search on $n records (Playwright; parity with the CLI, transfer, latency)"
  node tests/browser/search-parity.mjs "$OUT/site-$n/public" --zaitaku "$BIN" \
    --queries benches/search/gen-queries.tsv --first-budget 200000 --json "$OUT/parity-$n.json" || true
  latency "$OUT/site-$n/public" benches/search/gen-queries.tsv "$n"
done

echo "== Pagefind and zaitaku over the sample site"
sample=$OUT/sample
rm -rf "$sample"
/usr/bin/time -f "%e" -o "$OUT/time-sample.txt" env ZAITAKU_SEARCH_STATS=1 "$BIN" build --out "$sample" --today "$TODAY" 2>"$OUT/build-sample.log" >/dev/null
grep '^search index:' "$OUT/build-sample.log"
if [ ! -x "$OUT/pagefind-npm/node_modules/.bin/pagefind" ]; then
  mkdir -p "$OUT/pagefind-npm"
  (cd "$OUT/pagefind-npm" && npm init -y >/dev/null && npm install --no-audit --no-fund pagefind@1.6.0 >/dev/null)
fi
PAGEFIND=$OUT/pagefind-npm/node_modules/.bin/pagefind
"$PAGEFIND" --version
start=$(date +%s.%N)
"$PAGEFIND" --site "$sample" >"$OUT/pagefind.log" 2>&1
end=$(date +%s.%N)
echo "pagefind index build: $(echo "$end - $start" | bc -l | cut -c1-5) s, pagefind/ $(find "$sample/pagefind" -type f | wc -l) files, $(du -sb "$sample/pagefind" | cut -f1) bytes"
echo "zaitaku search-index/: $(find "$sample/search-index" -type f | wc -l) files, $(du -sb "$sample/search-index" | cut -f1) bytes (file sizes: $(find "$sample/search-index" -type f -printf '%s\n' | awk '{s+=$1} END {print s}') bytes)"
node benches/search/compare.mjs "$sample" --json "$OUT/compare-sample.json"
if start_nginx "$sample" 18091; then
  echo "== the same behind nginx (HTTP/1.1)"
  node benches/search/compare.mjs "$sample" --base http://127.0.0.1:18091/ --json "$OUT/compare-sample-nginx.json"
  stop_nginx
fi
latency "$sample" tests/search/queries.tsv sample
