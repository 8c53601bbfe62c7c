#!/usr/bin/env bash
# Incremental build benchmark: `zaitaku build` of a generated site, alternating in one run
#   M: a full build of another binary (BASE=path, e.g. main's; left out without BASE; cold),
#   A: a full build with this binary (.zaitaku-cache removed first: cold),
#   B: this binary again after one record's phone changed (the cache of the build before),
# M A B M A B … Wall, user+sys CPU and peak RSS from /usr/bin/time; prints every run and the
# medians.
# Usage: [BASE=bin] [BIN=bin] scripts/bench-incremental.sh RECORDS [ROUNDS]   (sites and output
# under $BENCH_DIR, default target/bench-sites; use BENCH_DIR=/dev/shm/... for tmpfs)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
n=${1:-10000}
rounds=${2:-3}
work=$(realpath -m "${BENCH_DIR:-target/bench-sites}")
mkdir -p "$work"
if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet --bin zaitaku --example gen-site
  BIN=./target/release/zaitaku
fi
site="$work/site-$n"
[ -d "$site/content/resources" ] || ./target/release/examples/gen-site --records "$n" --out "$site" >/dev/null 2>&1
record=$(find "$site/content/resources" -name '*.yaml' | sort | sed -n 1p)
cp "$record" "$work/record.orig"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; load: $(cut -d' ' -f1-3 /proc/loadavg)"
# prints "wall cpu rss_kb"
build() { /usr/bin/time -f "%e %U %S %M" "$1" --root "$site" build --out "$2" --today 2026-11-22 2>&1 >/dev/null | tail -1 | awk '{ print $1, $2 + $3, $4 }'; }
edit() { sed "s/^phone: .*/phone: 088-699-$(printf '%04d' "$1")/" "$work/record.orig" >"$record"; }
edit 0 && build "$BIN" "$work/out-$n" >/dev/null # the first output and cache
[ -n "${BASE:-}" ] && build "$BASE" "$work/out-base-$n" >/dev/null
m=() mc=() a=() ac=() b=() bc=()
for i in $(seq 1 "$rounds"); do
  if [ -n "${BASE:-}" ]; then
    rm -rf "$site/.zaitaku-cache" # cold, as A
    read -r wall cpu rss < <(build "$BASE" "$work/out-base-$n"); m+=("$wall"); mc+=("$cpu")
    echo "M other binary, full:        wall $wall s, CPU $cpu s, $((rss / 1024)) MB"
  fi
  edit $((2 * i - 1)); rm -rf "$site/.zaitaku-cache"
  read -r wall cpu rss < <(build "$BIN" "$work/out-$n"); a+=("$wall"); ac+=("$cpu")
  echo "A full build (cold cache):   wall $wall s, CPU $cpu s, $((rss / 1024)) MB"
  edit $((2 * i))
  read -r wall cpu rss < <(build "$BIN" "$work/out-$n"); b+=("$wall"); bc+=("$cpu")
  echo "B one record changed:        wall $wall s, CPU $cpu s, $((rss / 1024)) MB"
done
cp "$work/record.orig" "$record"
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ma=$(median "${a[@]}") mb=$(median "${b[@]}") mac=$(median "${ac[@]}") mbc=$(median "${bc[@]}")
if [ -n "${BASE:-}" ]; then
  echo "records $n: other binary full build median wall $(median "${m[@]}") s, CPU $(median "${mc[@]}") s"
fi
echo "records $n: full build median wall $ma s, CPU $mac s; one record changed median wall $mb s ($(awk "BEGIN { printf \"%.0f %%\", 100 * $mb / $ma }")), CPU $mbc s ($(awk "BEGIN { printf \"%.0f %%\", 100 * $mbc / $mac }"))"
