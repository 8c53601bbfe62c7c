#!/usr/bin/env bash
# Printed-directory benchmark: wall time and peak memory of `zaitaku pdf --booklet whole` for
# synthetic sites of 100 and 2,000 facilities (examples/gen-site.rs).
# Peak memory is the largest sum of the resident memory of zaitaku and every Chromium process
# it started (sampled every 0.1 s), since most of the work happens in Chromium's processes.
# Usage: scripts/bench-pdf.sh [COUNTS...]   (default: 100 2000)
# Prints a Markdown table; the results are kept in docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(100 2000)
work=$(realpath -m "${BENCH_DIR:-target/bench-sites}")
mkdir -p "$work"
cargo build --release --quiet --bin zaitaku --example gen-site
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(lscpu | sed -n 's/Model name: *//p' | head -1); $(chromium --version 2>/dev/null | tail -1)"
echo
echo "| facilities | PDF pages | prints | wall time (s) | peak memory, zaitaku + Chromium (MB) | PDF size (MB) |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: |"
for n in "${counts[@]}"; do
  site="$work/site-$n"
  [ -d "$site/content/resources" ] || ./target/release/examples/gen-site --records "$n" --out "$site" >/dev/null 2>&1
  pdf="$work/directory-$n.pdf"
  log=$(mktemp)
  start=$(date +%s.%N)
  setsid ./target/release/zaitaku --root "$site" pdf --today 2026-11-22 --out "$pdf" 2>"$log" &
  pid=$!
  peak=0
  while kill -0 "$pid" 2>/dev/null; do
    sid=$(ps -o sid= -p "$pid" 2>/dev/null | tr -d ' ' || true)
    if [ -n "$sid" ]; then
      rss=$(ps -o rss= -s "$sid" 2>/dev/null | awk '{s += $1} END {print s + 0}')
      [ "$rss" -gt "$peak" ] && peak=$rss
    fi
    sleep 0.1
  done
  wait "$pid" || { cat "$log"; exit 1; }
  end=$(date +%s.%N)
  pages=$(sed -n 's/.*PDF \([0-9]*\) ページ.*/\1/p' "$log")
  prints=$(sed -n 's/.*印刷 \([0-9]*\) 回.*/\1/p' "$log")
  size=$(stat -c %s "$pdf")
  printf '| %s | %s | %s | %.1f | %d | %.1f |\n' "$n" "$pages" "$prints" "$(echo "$end - $start" | bc)" "$((peak / 1024))" "$(echo "$size / 1048576" | bc -l)"
  rm -f "$log"
done
