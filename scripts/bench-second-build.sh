#!/usr/bin/env bash
# Two binaries, each on its own copy of a generated site (so neither reads the other's build
# cache), alternating: PAIRS second builds after one ケアマネ office's phone changed, then 3 cold
# builds each (.zaitaku-cache removed). Prints wall, user+sys CPU and peak RSS of every run, and
# whether the two public/ folders are byte-identical after each series.
# Usage: BENCH_DIR=/dev/shm/pb [COLD=3] scripts/bench-second-build.sh BIN_A BIN_B [RECORDS] [PAIRS]
# (COLD: cold builds per binary, 0 for none.)
set -euo pipefail
a=$(realpath "$1") b=$(realpath "$2") n=${3:-10000} pairs=${4:-5}
work=$(realpath -m "${BENCH_DIR:-target/bench-sites}")
site="$work/site-$n"
[ -d "$site/content/resources" ] || { echo "no site at $site: make it with examples/gen-site --records $n --out $site" >&2; exit 2; }
copies=$(mktemp -d "$work/second-build.XXXXXX")
trap 'rm -rf "$copies"' EXIT
for x in a b; do mkdir "$copies/$x" && cp -a "$site/content" "$copies/$x/"; done
run() { # x bin
  /usr/bin/time -f "%e %U %S %M" "$2" --root "$copies/$1" build --today 2026-11-22 2>&1 >/dev/null | tail -1 \
    | awk '{ printf "wall %s s, CPU %.2f s, peak RSS %d MB", $1, $2 + $3, $4 / 1024 }'
}
edit() { # x round
  local f; f=$(find "$copies/$1/content/resources" -name '*.yaml' | sort | sed -n 1p)
  sed -i "s/^phone: .*/phone: 088-699-$(printf '%04d' "$2")/" "$f"
}
echo "machine: $(nproc) cores; A = $a; B = $b; $n records; start $(date -u +%H:%M:%S), load $(cut -d' ' -f1-3 /proc/loadavg)"
run a "$a" >/dev/null; run b "$b" >/dev/null # each binary's own cache
for i in $(seq 1 "$pairs"); do
  edit a "$i"; echo "second A: $(run a "$a")"
  edit b "$i"; echo "second B: $(run b "$b")"
done
diff -r "$copies/a/public" "$copies/b/public" >/dev/null && echo "second builds: public/ identical" || echo "second builds: public/ DIFFER"
for i in $(seq 1 "${COLD:-3}"); do
  rm -rf "$copies/a/.zaitaku-cache"; echo "cold A: $(run a "$a")"
  rm -rf "$copies/b/.zaitaku-cache"; echo "cold B: $(run b "$b")"
done
diff -r "$copies/a/public" "$copies/b/public" >/dev/null && echo "cold builds: public/ identical" || echo "cold builds: public/ DIFFER"
echo "end $(date -u +%H:%M:%S), load $(cut -d' ' -f1-3 /proc/loadavg)"
