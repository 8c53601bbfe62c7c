#!/usr/bin/env bash
# Incremental build benchmark: `zaitaku build` of a generated site after one record changed,
# without the build cache (A: .zaitaku-cache removed first, a full build) and with it (B: the
# cache of the build before), alternating A B A B in one run. Wall time and peak RSS from
# /usr/bin/time; prints every run and the medians.
# Usage: scripts/bench-incremental.sh RECORDS [PAIRS]   (sites and output under $BENCH_DIR,
# default target/bench-sites; use BENCH_DIR=/dev/shm/... for tmpfs)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
n=${1:-10000}
pairs=${2:-3}
work=$(realpath -m "${BENCH_DIR:-target/bench-sites}")
mkdir -p "$work"
cargo build --release --quiet --bin zaitaku --example gen-site
site="$work/site-$n"
[ -d "$site/content/resources" ] || ./target/release/examples/gen-site --records "$n" --out "$site" >/dev/null 2>&1
out="$work/out-$n"
record=$(find "$site/content/resources" -name '*.yaml' | sort | sed -n 1p)
cp "$record" "$work/record.orig"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; load: $(cut -d' ' -f1-3 /proc/loadavg)"
build() { /usr/bin/time -f "%e %M" ./target/release/zaitaku --root "$site" build --out "$out" --today 2026-11-22 2>&1 >/dev/null | tail -1; }
edit() { sed "s/^phone: .*/phone: 088-699-$(printf '%04d' "$1")/" "$work/record.orig" >"$record"; }
edit 0 && build >/dev/null # the first output and cache
a=() b=()
for i in $(seq 1 "$pairs"); do
  edit $((2 * i - 1)); rm -rf "$site/.zaitaku-cache"
  read -r wall rss < <(build); a+=("$wall"); echo "A full build:        $wall s, $((rss / 1024)) MB"
  edit $((2 * i))
  read -r wall rss < <(build); b+=("$wall"); echo "B incremental build: $wall s, $((rss / 1024)) MB"
done
cp "$work/record.orig" "$record"
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ma=$(median "${a[@]}") mb=$(median "${b[@]}")
echo "records $n: full build median $ma s, incremental (one record changed) median $mb s, ratio $(awk "BEGIN { printf \"%.1f %%\", 100 * $mb / $ma }")"
