#!/usr/bin/env node
// Browser search latency as a reader's browser sees it: plain headless Chromium with no test
// driver attached (Playwright's DevTools connection reports every request back to Node and
// slows each one down on a small machine). A page written into SITE_DIR/__bench/ opens the real
// search page in a frame, runs the first query, then every later query one after another, and
// times each whole update of the page (analysis, fetching, ranking, the ten results drawn) by
// the page's own `zaitaku-search-done` event. Results go to a small collector by POST; the
// bench page is removed at the end.
//
// --typed: each later query is typed into the search box as a reader would (a character every
// 120 ms, a 400 ms pause, then Enter), so the page's warming while typing has run; the time is
// from Enter to the results drawn. Without it the query is submitted at once (nothing warmed).
//
//   node benches/search/latency.mjs SITE_DIR [--queries FILE] [--base URL] [--typed] [--json OUT]
//
// --base URL: a static server that already serves SITE_DIR (benches/search/run.sh starts
// nginx); without it the test harness's Node server serves it.

import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { startServer } from '../../tests/browser/server.mjs';
import { chromiumPath } from '../../tests/browser/browser-checks.mjs';

const args = process.argv.slice(2);
const opts = { site: null, queries: 'tests/search/queries.tsv', base: null, json: null, typed: false };
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--queries') opts.queries = args[++i];
  else if (args[i] === '--base') opts.base = args[++i].replace(/\/?$/, '/');
  else if (args[i] === '--json') opts.json = args[++i];
  else if (args[i] === '--typed') opts.typed = true;
  else opts.site = args[i];
}
if (!opts.site) {
  console.error('usage: node benches/search/latency.mjs SITE_DIR [--queries FILE] [--base URL] [--typed] [--json OUT]');
  process.exit(2);
}
const site = path.resolve(opts.site);
const queries = fs.readFileSync(opts.queries, 'utf8').split('\n')
  .filter((l) => l.trim() && !l.startsWith('#') && !l.startsWith('query\t'))
  .map((l) => l.split('\t')[0]);

// The collector: receives the page's results.
let resolveResult;
const result = new Promise((resolve) => { resolveResult = resolve; });
const collector = http.createServer((req, res) => {
  let body = '';
  req.on('data', (d) => { body += d; });
  req.on('end', () => {
    res.writeHead(204, { 'Access-Control-Allow-Origin': '*' });
    res.end();
    try { resolveResult(JSON.parse(body)); } catch { /* not ours */ }
  });
});
await new Promise((r) => collector.listen(0, '127.0.0.1', r));
const collect = `http://127.0.0.1:${collector.address().port}/`;

const benchDir = path.join(site, '__bench');
fs.mkdirSync(benchDir, { recursive: true });
fs.writeFileSync(path.join(benchDir, 'index.html'), `<!DOCTYPE html>
<html lang="ja"><meta charset="utf-8"><title>search latency</title>
<iframe id="f" src="../search/" style="width:1280px;height:900px"></iframe>
<script>
const queries = ${JSON.stringify(queries)};
const frame = document.getElementById('f');
const send = (data) => fetch(${JSON.stringify(collect)}, { method: 'POST', mode: 'no-cors', body: JSON.stringify(data) });
frame.addEventListener('load', async () => {
  try {
    const win = frame.contentWindow;
    for (let i = 0; i < 200 && !win.zaitakuSearch; i++) await new Promise((r) => setTimeout(r, 25));
    const done = () => new Promise((resolve) => win.document.addEventListener('zaitaku-search-done', (e) => resolve(e.detail), { once: true }));
    const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
    const typed = ${JSON.stringify(opts.typed)};
    const input = win.document.querySelector('#search-page-q');
    const times = [];
    for (const [i, q] of queries.entries()) {
      if (typed && i > 0) {
        input.focus();
        input.value = '';
        for (const ch of Array.from(q)) {
          input.value += ch;
          input.dispatchEvent(new win.InputEvent('input', { bubbles: true, data: ch, inputType: 'insertText' }));
          await sleep(120);
        }
        await sleep(400);
        const finished = done();
        input.form.requestSubmit();
        const detail = await finished;
        times.push({ q, ms: detail.ms, total: detail.total });
        continue;
      }
      const finished = done();
      win.zaitakuSearch.run(q);
      const detail = await finished;
      times.push({ q, ms: detail.ms, total: detail.total });
    }
    await send({ times });
  } catch (error) {
    await send({ error: String(error) });
  }
});
</script>
</html>
`);

const server = opts.base ? { close() {} } : await startServer(site);
const base = opts.base || `${server.url}/`;
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'zaitaku-latency-'));
const chromium = spawn(chromiumPath(), [
  '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`, '--window-size=1280,900',
  // run.sh's HTTPS (HTTP/2) nginx uses a throw-away self-signed certificate for 127.0.0.1.
  '--ignore-certificate-errors',
  `${base}__bench/`,
], { stdio: 'ignore', detached: true });
const timeout = setTimeout(() => resolveResult({ error: 'no result within 300 s' }), 300_000);
const out = await result;
clearTimeout(timeout);
// The whole process group: Chromium's helper processes write to the profile until they end.
const exited = new Promise((r) => chromium.once('exit', r));
try { process.kill(-chromium.pid, 'SIGTERM'); } catch { chromium.kill(); }
await exited;
server.close();
collector.close();
fs.rmSync(benchDir, { recursive: true, force: true });
fs.rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
if (out.error) {
  console.error(`latency: ${out.error}`);
  process.exit(1);
}
const later = out.times.slice(1).map((t) => t.ms).sort((a, b) => a - b);
const at = (p) => later[Math.min(later.length - 1, Math.ceil((p / 100) * later.length) - 1)];
const summary = {
  server: opts.base ? opts.base : 'node (tests/browser/server.mjs)',
  mode: opts.typed ? 'typed' : 'submitted at once',
  first: +out.times[0].ms.toFixed(1),
  laterP50: +at(50).toFixed(1),
  laterP95: +at(95).toFixed(1),
  laterMax: +later[later.length - 1].toFixed(1),
  queries: out.times.map((t) => ({ q: t.q, ms: +t.ms.toFixed(1), total: t.total })),
};
console.log(`plain Chromium, ${summary.server}, ${summary.mode}: first query ${summary.first} ms; later ${later.length} queries p50 ${summary.laterP50} ms, p95 ${summary.laterP95} ms, max ${summary.laterMax} ms`);
if (opts.json) fs.writeFileSync(opts.json, JSON.stringify(summary, null, 2));
