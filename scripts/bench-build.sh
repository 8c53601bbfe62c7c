#!/usr/bin/env bash
# Engine benchmark: build wall time and peak RSS for synthetic sites of 1,000 / 10,000 /
# 100,000 facility records (examples/gen-site.rs), measured with /usr/bin/time -v.
# Usage: scripts/bench-build.sh [COUNTS...]   (default: 1000 10000 100000)
# Prints a Markdown table; the results are kept in docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(1000 10000 100000)
work=$(realpath -m "${BENCH_DIR:-target/bench-sites}")
mkdir -p "$work"
cargo build --release --quiet --bin zaitaku --example gen-site
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(lscpu | sed -n 's/Model name: *//p' | head -1)"
echo
echo "| records | files written | wall time (s) | peak RSS (MB) |"
echo "| ---: | ---: | ---: | ---: |"
for n in "${counts[@]}"; do
  site="$work/site-$n"
  [ -d "$site/content/resources" ] || ./target/release/examples/gen-site --records "$n" --out "$site" >/dev/null 2>&1
  # Warm the page cache once so the figure is the build's, not the disk's.
  ./target/release/zaitaku --root "$site" build --today 2026-11-22 >/dev/null 2>&1
  log=$(mktemp)
  /usr/bin/time -v ./target/release/zaitaku --root "$site" build --today 2026-11-22 2>"$log" >/dev/null
  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$log" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$log")
  files=$(sed -n 's/.*書き出したファイル \([0-9]*\) 件.*/\1/p' "$log")
  printf '| %s | %s | %.2f | %d |\n' "$n" "$files" "$wall" "$((rss / 1024))"
  rm -f "$log"
done
