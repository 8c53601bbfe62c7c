#!/usr/bin/env bash
# The self-contained binary against the previous one, alternating A B A B (docs/benchmarks.md):
# binary size, start-up (`zaitaku --version`), and a build of the small fixture site
# (tests/fixtures/base: two facilities, one page of each kind), whose wall time is mostly the
# search dictionary's load. Each binary is copied into a temporary folder and run from there
# with its own cache (XDG_CACHE_HOME), the way a user runs it.
#
#   cargo build --release --example bench-dictionary
#   scripts/bench-selfcontained.sh [A_BINARY] [B_BINARY]      (N=11 rounds by default)
#
# The dictionary's load alone is `examples/bench-dictionary` (this tree's code, a fresh process
# each run, the load and a first sentence tokenised): "A's way" maps the dictionary A compiled
# into its cache (ZAITAKU_IPADIC pointing at it), the others as for B's builds.
#
# B modes: "cache" maps the dictionary unpacked into the cache by an earlier run; "first run"
# starts with an empty cache each round (inflates and unpacks); "no cache" cannot write its
# cache (XDG_CACHE_HOME under /proc) and inflates into memory every run. A maps the
# dictionary it compiled from /usr/share/mecab/dic/ipadic into its cache on the warm-up run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
A=${1:-/work/main/target/release/zaitaku}
B=${2:-target/release/zaitaku}
N=${N:-11}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/a" "$work/b" "$work/cache-a" "$work/cache-b"
cp "$A" "$work/a/zaitaku"
cp "$B" "$work/b/zaitaku"
cp target/release/examples/bench-dictionary "$work/b/bench-dictionary"
cp -r tests/fixtures/base "$work/site"

ms() { # ms CMD...: wall milliseconds of CMD (output discarded)
  local start end
  start=$(date +%s%N)
  "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
  end=$(date +%s%N)
  echo $(((end - start) / 1000000))
}
build() { # build BINARY CACHE
  XDG_CACHE_HOME=$2 "$1" --root "$work/site" build --today 2026-11-22 --out "$work/out"
}
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

# Warm-up: A compiles its cache, B unpacks into its cache.
build "$work/a/zaitaku" "$work/cache-a" >/dev/null 2>&1
build "$work/b/zaitaku" "$work/cache-b" >/dev/null 2>&1

compiled_a=$(find "$work/cache-a/zaitaku" -mindepth 1 -maxdepth 1 -name 'ipadic-*' | head -n 1)
load() { # load CACHE [ENV=VALUE]: prints the load time in ms
  env XDG_CACHE_HOME="$1" "${@:2}" "$work/b/bench-dictionary" --tokenize
}

declare -A runs
for round in $(seq "$N"); do
  runs[version_a]+="$(ms "$work/a/zaitaku" --version) "
  runs[version_b]+="$(ms "$work/b/zaitaku" --version) "
  runs[build_a]+="$(ms build "$work/a/zaitaku" "$work/cache-a") "
  runs[build_b]+="$(ms build "$work/b/zaitaku" "$work/cache-b") "
  fresh="$work/fresh-$round"
  runs[build_b_first]+="$(ms build "$work/b/zaitaku" "$fresh") "
  rm -rf "$fresh"
  runs[build_b_memory]+="$(ms build "$work/b/zaitaku" /proc/zaitaku-no-cache) "
  runs[load_a_way]+="$(load "$work/cache-b" ZAITAKU_IPADIC="$compiled_a") "
  runs[load_b]+="$(load "$work/cache-b") "
  runs[load_b_first]+="$(load "$fresh") "
  rm -rf "$fresh"
  runs[load_b_memory]+="$(load /proc/zaitaku-no-cache) "
done

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "A: $A ($(stat -c %s "$A") bytes)"
echo "B: $B ($(stat -c %s "$B") bytes)"
for key in version_a version_b build_a build_b build_b_first build_b_memory \
  load_a_way load_b load_b_first load_b_memory; do
  # shellcheck disable=SC2086
  printf '%-15s median %5s ms   runs: %s\n' "$key" "$(printf '%s\n' ${runs[$key]} | median)" "${runs[$key]}"
done
