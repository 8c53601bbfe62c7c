#!/usr/bin/env bash
# Share of the samples of a `perf record` by component (the allocator, the kernel, Tera, tantivy,
# lindera, NFKC, YAML, the build cache's keys, …), by matching symbol names; for the issue-12
# profiles in docs/benchmarks.md. Usage: scripts/perf-groups.sh perf.data
perf report -i "$1" --no-children --sort symbol --stdio 2>/dev/null | grep -v '^#' | grep '%' | python3 -c '
import sys,re,collections
g=collections.Counter()
rules=[("kernel",r"\[k\]"),("tantivy",r"tantivy"),("lindera",r"lindera"),("tera (templates)",r"tera::"),
("allocator (mimalloc)",r"\b_?mi_|mi_free|malloc|realloc"),("memmove/memcmp/memset",r"mem(move|cmp|set|cpy)"),
("NFKC (unicode_normalization)",r"unicode_normalization"),("zaitaku::search",r"zaitaku::search"),("zaitaku::ja",r"zaitaku::ja"),
("zaitaku::content",r"zaitaku::content"),("zaitaku::render/site",r"zaitaku::(render|site)"),("build-cache keys (serde_json, SHA-256)",r"serde_json|sha2|Sha256"),("YAML (granit, serde-saphyr)",r"saphyr|granit|serde"),
("gzip (zlib_rs)",r"zlib"),("hashing",r"hash|sip::"),("sorting",r"sort"),("utf8/str",r"from_utf8|core::str"),("io write",r"io::|write_all")]
tot=0
for line in sys.stdin:
  m=re.match(r"\s*([\d.]+)%\s+(.*)",line)
  if not m: continue
  p=float(m.group(1)); s=m.group(2); tot+=p
  for name,rx in rules:
    if re.search(rx,s): g[name]+=p; break
  else: g["other"]+=p
for k,v in g.most_common(): print(f"{v:5.1f} %  {k}")
'
