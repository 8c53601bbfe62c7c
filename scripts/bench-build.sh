#!/usr/bin/env bash
# Build benchmark: wall time and peak RSS for synthetic sites of 1,000 / 10,000 / 100,000
# facility records (examples/gen-site.rs), measured with /usr/bin/time -v, for the engine alone
# (examples/bench-engine.rs: load, validate, render, write, swap; no search index) and for the
# whole `zaitaku build` (with the search index).
# Usage: scripts/bench-build.sh [COUNTS...]   (default: 1000 10000 100000)
# Prints a Markdown table; the results are kept in docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(1000 10000 100000)
work=$(realpath -m "${BENCH_DIR:-target/bench-sites}")
mkdir -p "$work"
cargo build --release --quiet --bin zaitaku --example gen-site --example bench-engine
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(lscpu | sed -n 's/Model name: *//p' | head -1)"
echo
echo "| records | engine: wall (s) | engine: peak RSS (MB) | zaitaku build: wall (s) | zaitaku build: peak RSS (MB) |"
echo "| ---: | ---: | ---: | ---: | ---: |"
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
  out="$work/out-$n"
  log=$(mktemp)
  ./target/release/examples/bench-engine "$site" "$out" 2>/dev/null  # warms the page cache
  read -r engine_wall engine_rss < <(measure "$log" ./target/release/examples/bench-engine "$site" "$out")
  rm -rf "$site/.zaitaku-cache"  # a whole build, not one helped by the build cache
  read -r build_wall build_rss < <(measure "$log" ./target/release/zaitaku --root "$site" build --out "$out" --today 2026-11-22)
  rm -rf "$site/.zaitaku-cache"
  printf '| %s | %.2f | %d | %.2f | %d |\n' "$n" "$engine_wall" "$engine_rss" "$build_wall" "$build_rss"
  rm -f "$log"
done
