#!/usr/bin/env node
// Search benchmark in headless Chromium: zaitaku's browser search and Pagefind, side by side,
// over the same built site and the same queries (tests/search/queries.tsv or another TSV).
// For each engine: recall@5 and MRR against the expected results, bytes transferred for the
// first query (a fresh browser, the engine's scripts and index files only) and for each later
// query, and the latency of later queries (search plus the data of the top 10 results).
// Transfer sizes are compressed sizes: files already gzip on disk count as they are, other
// files gzip-compressed as a static host sends them.
//
//   node benches/search/compare.mjs SITE_DIR [--queries FILE] [--engines zaitaku,pagefind] [--json OUT] [--base URL]
//
// --base URL: a static server that already serves SITE_DIR (run.sh starts nginx) instead of
// the test harness's Node server.
//
// Pagefind must already have indexed SITE_DIR into SITE_DIR/pagefind (benches/search/run.sh
// does that with `npx pagefind --site SITE_DIR`).

import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { chromium } from 'playwright-core';
import { startServer } from '../../tests/browser/server.mjs';
import { CHROMIUM_ARGS, chromiumPath } from '../../tests/browser/browser-checks.mjs';

const args = process.argv.slice(2);
const opts = { site: null, queries: 'tests/search/queries.tsv', engines: ['zaitaku', 'pagefind'], json: null, base: null };
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--queries') opts.queries = args[++i];
  else if (args[i] === '--engines') opts.engines = args[++i].split(',');
  else if (args[i] === '--json') opts.json = args[++i];
  else if (args[i] === '--base') opts.base = args[++i].replace(/\/?$/, '/');
  else opts.site = args[i];
}
if (!opts.site) {
  console.error('usage: node benches/search/compare.mjs SITE_DIR [--queries FILE] [--engines zaitaku,pagefind] [--json OUT]');
  process.exit(2);
}
const site = path.resolve(opts.site);
const queries = fs.readFileSync(opts.queries, 'utf8').split('\n')
  .filter((l) => l.trim() && !l.startsWith('#') && !l.startsWith('query\t'))
  .map((l) => {
    const [query, expected] = l.split('\t');
    const judged = expected !== '*';
    return { query, judged, expected: !judged || !expected || expected === '-' ? [] : expected.split(',').map((s) => s.trim()) };
  });

const sizes = new Map();
function transferSize(url) {
  const rel = decodeURIComponent(new URL(url).pathname).replace(/^\//, '');
  let file = path.join(site, rel);
  if (rel === '' || rel.endsWith('/')) file = path.join(file, 'index.html');
  if (!sizes.has(file)) {
    let size = 0;
    try {
      const bytes = fs.readFileSync(file);
      size = bytes[0] === 0x1f && bytes[1] === 0x8b ? bytes.length : zlib.gzipSync(bytes, { level: 9 }).length;
    } catch { size = 0; }
    sizes.set(file, size);
  }
  return sizes.get(file);
}
const percentile = (values, p) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : 0;
};
const idOf = (url) => {
  const p = decodeURIComponent(new URL(url, 'http://x/').pathname).replace(/^\//, '').replace(/index\.html$/, '');
  return p.startsWith('resources/') ? p.slice('resources/'.length).replace(/\/$/, '') : p;
};

const ENGINES = {
  zaitaku: {
    files: (u) => /\/search-index\/|\/assets\/search[^/]*\.(js|css)/.test(u),
    // Loads the engine like the search page does.
    async setup(page, base) {
      await page.goto(`${base}search/`, { waitUntil: 'load' });
      await page.waitForFunction(() => window.zaitakuSearch);
    },
    run: (page, q) => page.evaluate(async (query) => {
      const engine = window.zaitakuSearch.engine;
      const t0 = performance.now();
      const r = await engine.search(query);
      const fragments = await Promise.all(r.hits.slice(0, 10).map((h) => engine.fragment(h.doc)));
      return { ms: performance.now() - t0, urls: fragments.map((f) => '/' + f.url), total: r.hits.length };
    }, q),
  },
  pagefind: {
    files: (u) => /\/pagefind\//.test(u),
    async setup(page, base) {
      await page.goto(`${base}search/`, { waitUntil: 'load' });
      await page.evaluate(async () => {
        window.pf = await import('/pagefind/pagefind.js');
        await window.pf.init();
      });
    },
    run: (page, q) => page.evaluate(async (query) => {
      const t0 = performance.now();
      const search = await window.pf.search(query);
      const data = await Promise.all(search.results.slice(0, 10).map((r) => r.data()));
      return { ms: performance.now() - t0, urls: data.map((d) => d.url), total: search.results.length };
    }, q),
  },
};

const server = opts.base ? { close() {} } : await startServer(site);
const base = opts.base || `http://127.0.0.1:${server.port}/`;
const browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: CHROMIUM_ARGS });
const out = {};
try {
  for (const name of opts.engines) {
    const engine = ENGINES[name];
    const context = await browser.newContext({ locale: 'ja-JP', serviceWorkers: 'block' });
    const page = await context.newPage();
    const requests = [];
    page.on('requestfinished', (r) => requests.push(r.url()));
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await engine.setup(page, base);
    const latencies = [];
    const later = [];
    const laterRequests = [];
    let first = 0;
    let found = 0;
    let wanted = 0;
    let rr = 0;
    let ranked = 0;
    let emptyRight = 0;
    let emptyTotal = 0;
    const misses = [];
    for (const [i, q] of queries.entries()) {
      const before = requests.length;
      const r = await engine.run(page, q.query);
      const bytes = requests.slice(i === 0 ? 0 : before).filter(engine.files).reduce((n, u) => n + transferSize(u), 0);
      if (i === 0) first = bytes;
      else {
        later.push(bytes);
        laterRequests.push(requests.slice(before).filter(engine.files).length);
        latencies.push(r.ms);
      }
      const ids = r.urls.map(idOf);
      if (!q.judged) continue;
      if (q.expected.length === 0) {
        emptyTotal += 1;
        if (r.total === 0) emptyRight += 1; else misses.push(`${q.query}: expected nothing, got ${r.total}`);
        continue;
      }
      ranked += 1;
      const top5 = ids.slice(0, 5);
      for (const e of q.expected) { wanted += 1; if (top5.includes(e)) found += 1; else misses.push(`${q.query}: ${e} not in top 5`); }
      const pos = ids.findIndex((id) => q.expected.includes(id));
      rr += pos < 0 ? 0 : 1 / (pos + 1);
    }
    out[name] = {
      recallAt5: wanted ? +(found / wanted).toFixed(3) : null,
      mrr: ranked ? +(rr / ranked).toFixed(3) : null,
      emptyCorrect: `${emptyRight}/${emptyTotal}`,
      firstQueryBytes: first,
      laterQueryBytesMedian: percentile(later, 50),
      laterQueryBytesMax: Math.max(...later),
      laterQueryRequestsMedian: percentile(laterRequests, 50),
      laterQueryRequestsMax: Math.max(...laterRequests),
      latencyMsP50: +percentile(latencies, 50).toFixed(1),
      latencyMsP95: +percentile(latencies, 95).toFixed(1),
      errors,
      misses,
    };
    console.log(`${name}: recall@5 ${out[name].recallAt5}, MRR ${out[name].mrr}, must-find-nothing ${out[name].emptyCorrect}, first query ${first} B, later median ${out[name].laterQueryBytesMedian} B max ${out[name].laterQueryBytesMax} B (requests median ${out[name].laterQueryRequestsMedian} max ${out[name].laterQueryRequestsMax}), latency p50 ${out[name].latencyMsP50} ms p95 ${out[name].latencyMsP95} ms`);
    await context.close();
  }
} finally {
  await browser.close();
  server.close();
}
if (opts.json) fs.writeFileSync(opts.json, JSON.stringify(out, null, 2));
