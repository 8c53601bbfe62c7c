#!/bin/bash
# Second build with one phone changed (second) or cold build (cold): A = main's binary, B = this
# checkout's, alternating, /usr/bin/time -v and ZAITAKU_TIMINGS=1 per run (docs/benchmarks.md,
# "Records not parsed again").
# usage: scripts/bench-parse-cache.sh SIZE(10k|100k) PAIRS MODE(second|cold)
set -u
SIZE=$1; PAIRS=$2; MODE=$3
D=${BENCH_DIR:-/dev/shm/parse-cache}
A=${ZAITAKU_A:-$D/zaitaku-main}; B=${ZAITAKU_B:-$PWD/target/release/zaitaku}
[ -x $A ] || { echo "ZAITAKU_A: the other binary (e.g. main's) is missing: $A" >&2; exit 2; }
OUT=$D/results-$SIZE-$MODE; mkdir -p $OUT
for who in a b; do
  if [ ! -d $D/$who$SIZE ]; then mkdir -p $D/$who$SIZE && cp -a /dev/shm/pb/site-$SIZE/content $D/$who$SIZE/; fi
done
F=content/resources/care-planning/gen-0000005.yaml
run() { # who bin round
  local who=$1 bin=$2 round=$3 site=$D/$1$SIZE
  if [ $MODE = cold ]; then rm -rf $site/.zaitaku-cache $site/public; else
    sed -i "s/^phone: 080-1[0-9][0-9]-0005$/phone: 080-1$((10 + round % 90))-0005/" $site/$F; fi
  ( cd $site && ZAITAKU_TIMINGS=1 /usr/bin/time -v $bin build --today 2026-11-22 ) > $OUT/$who-$round.out 2> $OUT/$who-$round.err
  local u=$(grep "User time" $OUT/$who-$round.err | awk '{print $NF}') s=$(grep "System time" $OUT/$who-$round.err | awk '{print $NF}')
  local w=$(grep "Elapsed (wall" $OUT/$who-$round.err | awk '{print $NF}') r=$(grep "Maximum resident" $OUT/$who-$round.err | awk '{print $NF}')
  echo "$who round $round wall $w user $u sys $s cpu $(echo "$u + $s" | bc) rss_kb $r load $(cut -d' ' -f1 /proc/loadavg) $(grep '^records:' $OUT/$who-$round.err)" | tee -a $OUT/summary.txt
}
if [ $MODE = second ]; then
  for who in a b; do [ -d $D/$who$SIZE/.zaitaku-cache ] || (cd $D/$who$SIZE && $( [ $who = a ] && echo $A || echo $B ) build --today 2026-11-22 >/dev/null 2>&1); done
  # one warm-up second build each (the first after a cold one)
  run a $A 0; run b $B 0
fi
for round in $(seq 1 $PAIRS); do run a $A $round; run b $B $round; done
