#!/usr/bin/env node
// Search in the browser against `zaitaku search`: runs every query of tests/search/queries.tsv
// through the real search page in headless Chromium and through the command line, and checks
// that both return the same top 10 (ids, scores, snippets, the highlighted ranges of snippet and title — matches by reading included — and 「…として検索しました」 notes) in the same order — and that the page
// lists them in that order. Also measures what the browser transfers (compressed: index files
// are gzip on disk, scripts and pages counted gzip-compressed as a static host sends them) for
// the first and for each later query, the browser's query latency, and checks the search page
// with results: axe-core WCAG 2.1 A/AA, no horizontal scrolling at 320 px, Nu HTML Checker on
// the rendered page, keyboard use, the URL, warming while typing (a pause after typing fetches
// what Enter then needs), and the page without JavaScript.
//
//   node tests/browser/search-parity.mjs SITE_DIR --zaitaku BIN [--queries FILE] [--json FILE] [--first-budget BYTES] [--base URL]
//
// --base URL: use a static server that already serves SITE_DIR at URL (benches/search/run.sh
// measures behind nginx too) instead of the built-in Node server.
//
// Prints PASS/FAIL lines and ends with `search-parity: N passed, M failed`; exit 1 on failure.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { chromium } from 'playwright-core';
import { startServer } from './server.mjs';
import { CHROMIUM_ARGS, AXE_TAGS, chromiumPath, axePath } from './browser-checks.mjs';
import { runVnu } from './vnu.mjs';

function usage(message) {
  if (message) console.error(`search-parity: ${message}`);
  console.error('usage: node tests/browser/search-parity.mjs SITE_DIR --zaitaku BIN [--queries FILE] [--json FILE]');
  process.exit(2);
}

const args = process.argv.slice(2);
const opts = { site: null, zaitaku: null, queries: path.join('tests', 'search', 'queries.tsv'), json: null, firstBudget: 100_000, base: null };
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--zaitaku') opts.zaitaku = args[++i];
  else if (a === '--queries') opts.queries = args[++i];
  else if (a === '--json') opts.json = args[++i];
  else if (a === '--first-budget') opts.firstBudget = Number(args[++i]);
  else if (a === '--base') opts.base = args[++i].replace(/\/?$/, '/');
  else if (a.startsWith('-')) usage(`unknown option ${a}`);
  else opts.site = a;
}
if (!opts.site || !opts.zaitaku) usage('SITE_DIR and --zaitaku are required');
const site = path.resolve(opts.site);

let passed = 0;
let failed = 0;
function check(name, problems) {
  if (problems.length === 0) {
    passed += 1;
    console.log(`PASS ${name}`);
  } else {
    failed += 1;
    console.log(`FAIL ${name}`);
    for (const p of problems.slice(0, 40)) console.log(`    ${p}`);
    if (problems.length > 40) console.log(`    … and ${problems.length - 40} more`);
  }
}

const queries = fs.readFileSync(opts.queries, 'utf8').split('\n')
  .filter((l) => l.trim() && !l.startsWith('#') && !l.startsWith('query\t'))
  .map((l) => l.split('\t')[0]);

// 1. The command line.
const cli = new Map();
for (const q of queries) {
  const out = execFileSync(opts.zaitaku, ['search', '--json', '--limit', '10', '--site', site, '--', q], { encoding: 'utf8' });
  cli.set(q, JSON.parse(out).map((r) => ({
    id: r.id, score: r.score, snippet: r.snippet, via: (r.via || []).join(' '),
    marks: JSON.stringify([r.highlights, r.title_highlights]),
  })));
}

// Compressed size of a site file as a browser receives it.
const sizeCache = new Map();
function transferSize(url) {
  const u = new URL(url);
  const rel = decodeURIComponent(u.pathname).replace(/^\//, '');
  let file = path.join(site, rel);
  if (rel === '' || rel.endsWith('/')) file = path.join(file, 'index.html');
  if (sizeCache.has(file)) return sizeCache.get(file);
  let size = 0;
  try {
    const bytes = fs.readFileSync(file);
    size = file.endsWith('.bin') ? bytes.length : zlib.gzipSync(bytes, { level: 9 }).length;
  } catch {
    size = 0;
  }
  sizeCache.set(file, size);
  return size;
}
const isSearchFile = (url) => /\/search-index\/|\/assets\/search[^/]*\.(js|css)/.test(url);

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : 0;
};

const server = opts.base ? { close() {} } : await startServer(site);
const base = opts.base || `http://127.0.0.1:${server.port}/`;
const exe = chromiumPath();
let browser;
const report = { queries: queries.length };
try {
  browser = await chromium.launch({ executablePath: exe, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ja-JP', bypassCSP: true, serviceWorkers: 'block' });
  context.setDefaultTimeout(30_000);
  const page = await context.newPage();
  const requests = [];
  const pageProblems = [];
  page.on('requestfinished', (r) => requests.push(r.url()));
  // A request Chromium cancels itself (net::ERR_ABORTED) is not a failure of the site when
  // it belongs to a document we have since navigated away from, or is a favicon fetch: the
  // browser fetches the icon again on each same-document URL change (every search writes
  // the query into the URL) and drops the fetch in flight. A missing icon would still show
  // as an HTTP error in browser-checks. Every other failure, with Chromium's reason, counts.
  let documents = 0;
  const documentOf = new Map();
  let cancelled = 0;
  page.on('request', (r) => documentOf.set(r, documents));
  page.on('requestfailed', (r) => {
    const reason = r.failure()?.errorText ?? '?';
    const left = documentOf.get(r) !== undefined && documentOf.get(r) < documents;
    if (reason === 'net::ERR_ABORTED' && (left || /\/favicon\.[a-z]+$/.test(new URL(r.url()).pathname))) {
      cancelled += 1;
      return;
    }
    pageProblems.push(`request failed: ${r.url()} (${reason})`);
  });
  const goto = (url, options) => {
    documents += 1;
    return page.goto(url, options);
  };
  // Requests still under way, and `settled()`: a promise for the moment there are none.
  const inFlight = new Set();
  const whenSettled = [];
  const finished = (r) => {
    inFlight.delete(r);
    if (inFlight.size === 0) whenSettled.splice(0).forEach((resolve) => resolve());
  };
  page.on('request', (r) => inFlight.add(r));
  page.on('requestfinished', finished);
  page.on('requestfailed', finished);
  const settled = () => (inFlight.size === 0 ? Promise.resolve() : new Promise((resolve) => whenSettled.push(resolve)));
  page.on('pageerror', (e) => pageProblems.push(`uncaught exception: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') pageProblems.push(`console ${m.type()}: ${m.text()}`); });
  await page.route('**/*', (route) => {
    const u = route.request().url();
    if (/^https?:/.test(u) && !u.startsWith(base)) {
      pageProblems.push(`request to another host: ${u}`);
      return route.abort('blockedbyclient');
    }
    return route.continue();
  });
  await page.addInitScript(() => {
    window.__searchEvents = [];
    document.addEventListener('zaitaku-search-done', (e) => window.__searchEvents.push(e.detail));
    window.__searchWarmed = [];
    document.addEventListener('zaitaku-search-warmed', (e) => window.__searchWarmed.push(e.detail));
  });

  // 2. The first query: a fresh page load of /search/?q=….
  const first = queries[0];
  await goto(`${base}search/?q=${encodeURIComponent(first)}`, { waitUntil: 'load' });
  await page.waitForFunction(() => window.__searchEvents.length >= 1);
  const firstSearch = requests.filter(isSearchFile).reduce((n, u) => n + transferSize(u), 0);
  const firstAll = requests.reduce((n, u) => n + transferSize(u), 0);
  report.first = { query: first, searchBytes: firstSearch, pageBytes: firstAll, requests: requests.length };

  // 3. Every query, one after the other on the same page.
  const topOf = (q) => page.evaluate(async (query) => {
    const engine = window.zaitakuSearch.engine;
    const result = await engine.search(query);
    const hits = result.hits.slice(0, 10);
    const fragments = await Promise.all(hits.map((h) => engine.fragment(h.doc)));
    return hits.map((h, i) => {
      const clauses = engine.resultClauses(result.analysis, fragments[i]);
      const snippet = engine.snippet(fragments[i].text, clauses, 100);
      return {
        id: fragments[i].id, score: h.score, snippet: snippet.text,
        via: engine.viaNotes(result.analysis, h.doc).join(' '),
        marks: JSON.stringify([snippet.highlights, engine.snippet(fragments[i].title, clauses, 1000).highlights]),
      };
    });
  }, q);
  const domIds = () => page.evaluate(() => Array.from(document.querySelectorAll('.search-result-title a')).slice(0, 10)
    .map((a) => new URL(a.href).pathname.replace(/^\//, '')));
  const idOfPath = (p) => (p.startsWith('resources/') ? p.slice('resources/'.length).replace(/\/$/, '') : p);

  const mismatches = [];
  const latencies = [];
  const laterBytes = [];
  for (const [i, q] of queries.entries()) {
    const before = requests.length;
    const events = await page.evaluate(() => window.__searchEvents.length);
    if (i > 0) {
      await page.evaluate((query) => window.zaitakuSearch.run(query), q);
      await page.waitForFunction((n) => window.__searchEvents.length > n, events);
      const detail = await page.evaluate(() => window.__searchEvents[window.__searchEvents.length - 1]);
      latencies.push(detail.ms);
      laterBytes.push({ q, bytes: requests.slice(before).reduce((n, u) => n + transferSize(u), 0), requests: requests.length - before });
    }
    const browserTop = await topOf(q);
    const expected = cli.get(q);
    const a = browserTop.map((r) => `${r.id}:${r.score}`).join(' ');
    const b = expected.map((r) => `${r.id}:${r.score}`).join(' ');
    if (a !== b) mismatches.push(`「${q}」\n      browser ${a || '(none)'}\n      cli     ${b || '(none)'}`);
    const snippets = browserTop.filter((r, k) => expected[k] && r.snippet !== expected[k].snippet);
    if (snippets.length) mismatches.push(`「${q}」 snippets differ for ${snippets.map((r) => r.id).join(', ')}`);
    const marks = browserTop.filter((r, k) => expected[k] && r.marks !== expected[k].marks);
    if (marks.length) mismatches.push(`「${q}」 highlights differ for ${marks.map((r) => `${r.id} ${r.marks} cli ${expected[browserTop.indexOf(r)].marks}`).join(', ')}`);
    const notes = browserTop.filter((r, k) => expected[k] && r.via !== expected[k].via);
    if (notes.length) mismatches.push(`「${q}」 "searched as" notes differ for ${notes.map((r) => r.id).join(', ')}`);
    const dom = (await domIds()).map(idOfPath);
    const want = expected.map((r) => r.id);
    if (dom.join(' ') !== want.join(' ')) mismatches.push(`「${q}」 page lists ${dom.join(' ') || '(none)'}, cli ${want.join(' ') || '(none)'}`);
  }
  check(`browser and command line agree on the top 10 of all ${queries.length} queries`, mismatches);

  laterBytes.sort((x, y) => y.bytes - x.bytes);
  report.later = {
    p50Bytes: percentile(laterBytes.map((x) => x.bytes), 50),
    maxBytes: laterBytes[0]?.bytes ?? 0,
    maxQuery: laterBytes[0]?.q ?? '',
    p50Requests: percentile(laterBytes.map((x) => x.requests), 50),
    maxRequests: Math.max(0, ...laterBytes.map((x) => x.requests)),
  };
  report.latencyMs = {
    p50: +percentile(latencies, 50).toFixed(1),
    p95: +percentile(latencies, 95).toFixed(1),
    max: +Math.max(...latencies).toFixed(1),
  };
  console.log(`  first query 「${first}」: ${firstSearch} B of search files (${firstAll} B with the page), ${requests.length ? report.first.requests : 0} requests`);
  console.log(`  later queries: median ${report.later.p50Bytes} B, largest ${report.later.maxBytes} B (「${report.later.maxQuery}」); requests: median ${report.later.p50Requests}, most ${report.later.maxRequests}`);
  console.log(`  query latency after the first: p50 ${report.latencyMs.p50} ms, p95 ${report.latencyMs.p95} ms, max ${report.latencyMs.max} ms`);
  check(`first query transfers at most ${opts.firstBudget / 1000} KB of search files`, firstSearch <= opts.firstBudget ? [] : [`${firstSearch} B`]);
  check('later queries transfer at most 30 KB', report.later.maxBytes <= 30_000 ? [] : [`「${report.later.maxQuery}」: ${report.later.maxBytes} B`]);

  // 4. The page with results: URL, keyboard, facets, accessibility, layout, HTML.
  const ui = [];
  await goto(`${base}search/`, { waitUntil: 'load' });
  await page.focus('#search-page-q');
  await page.keyboard.type('訪問看護');
  const n0 = await page.evaluate(() => window.__searchEvents.length);
  await page.keyboard.press('Enter');
  await page.waitForFunction((n) => window.__searchEvents.length > n, n0);
  if (!decodeURIComponent(page.url()).includes('q=訪問看護')) ui.push(`the URL does not carry the query: ${page.url()}`);
  const statusText = await page.textContent('[data-search-status]');
  if (!/検索結果 \d+ 件/.test(statusText || '')) ui.push(`the live region says 「${statusText}」`);
  const liveOk = await page.evaluate(() => {
    const s = document.querySelector('[data-search-status]');
    return s && (s.getAttribute('role') === 'status' || s.getAttribute('aria-live') === 'polite');
  });
  if (!liveOk) ui.push('the result count is not in a live region');
  const radios = await page.$$('.search-facet input[type="radio"]');
  if (radios.length < 3) ui.push('no facets shown');
  // Choose a facet with the keyboard: focus the area group and move with the arrow key.
  const areaRadio = await page.$('input[name="facet-area"]');
  if (areaRadio) {
    const n1 = await page.evaluate(() => document.querySelectorAll('.search-result').length);
    await areaRadio.focus();
    await page.keyboard.press('ArrowDown');
    // The choice writes the URL and clears the list at once; the list fills again when the
    // filtered results are rendered. (If that never happens, the checks below say so.)
    await page
      .waitForFunction(() => /area=/.test(location.search) && document.querySelectorAll('.search-result').length > 0, null, { timeout: 10_000 })
      .catch(() => {});
    if (!/area=/.test(page.url())) ui.push(`choosing an area with the keyboard did not reach the URL: ${page.url()}`);
    const n2 = await page.evaluate(() => document.querySelectorAll('.search-result').length);
    if (!(n2 > 0 && n2 <= n1)) ui.push(`filtering by area shows ${n2} results (before ${n1})`);
  } else {
    ui.push('no area facet');
  }
  // The rendered page for the Nu HTML Checker, before axe-core is injected into it.
  const html = await page.evaluate(() => '<!DOCTYPE html>\n' + document.documentElement.outerHTML);
  await page.addScriptTag({ path: axePath() });
  const axe = await page.evaluate(async (tags) => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return r.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`);
  }, AXE_TAGS);
  ui.push(...axe.map((v) => `axe ${v}`));
  await page.setViewportSize({ width: 320, height: 800 });
  await page.waitForFunction(() => window.innerWidth === 320);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (overflow > 0) ui.push(`horizontal scrolling at 320 px (${overflow} px too wide)`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'zaitaku-search-html-'));
  fs.writeFileSync(path.join(tmp, 'search.html'), html);
  const vnu = await runVnu(tmp, ['search.html']);
  ui.push(...vnu.fatal.map((m) => `vnu: ${m}`), ...(vnu.byFile.get('search.html') || []).map((m) => `vnu: ${m}`));
  fs.rmSync(tmp, { recursive: true, force: true });
  // Back in history: the previous query comes back.
  ui.push(...pageProblems);
  if (cancelled) console.log(`  (${cancelled} requests cancelled by the browser itself, on leaving a page or a favicon refetch: not counted)`);
  check('search page with results: URL, live region, facets by keyboard, axe, 320 px, HTML', ui);

  // 5. Typing warms the index: after a pause, Enter needs no further index file.
  {
    const warm = [];
    await goto(`${base}search/`, { waitUntil: 'load' });
    await page.focus('#search-page-q');
    const typed = requests.length;
    const warmed = await page.evaluate(() => window.__searchWarmed.length);
    await page.keyboard.type(queries[0], { delay: 60 });
    // The pause: until the page says the warming for the whole text is done (its fetches
    // have finished), so a slow machine does not count the warming's requests as Enter's.
    const indexSince = (from) => requests.slice(from).filter((u) => /\/search-index\//.test(u)).length;
    await page
      .waitForFunction(
        ([n, text]) => window.__searchWarmed.slice(n).some((w) => w.query === text),
        [warmed, queries[0].trim()],
        { timeout: 30_000 },
      )
      .catch(() => warm.push('the page never finished warming the index after typing'));
    // (Bounded, so a request that never ends fails the checks below instead of hanging.)
    await Promise.race([settled(), new Promise((resolve) => setTimeout(resolve, 30_000).unref())]);
    if (indexSince(typed) === 0) warm.push('nothing was fetched during the pause after typing');
    const entered = requests.length;
    const n = await page.evaluate(() => window.__searchEvents.length);
    await page.keyboard.press('Enter');
    await page.waitForFunction((k) => window.__searchEvents.length > k, n);
    const afterEnter = requests.slice(entered).filter((u) => /\/search-index\//.test(u));
    if (afterEnter.length) warm.push(`Enter still fetched ${afterEnter.length} index files: ${afterEnter.join(', ')}`);
    check('typing warms the index: the pause fetches what Enter then needs', warm);
  }

  // 6. Without JavaScript the page still leads to the directory.
  const nojs = await browser.newContext({ javaScriptEnabled: false });
  const plain = await nojs.newPage();
  await plain.goto(`${base}search/?q=${encodeURIComponent('あおば')}`, { waitUntil: 'load' });
  const fallback = await plain.$('[data-search-fallback] a[href$="resources/"]');
  const visible = fallback && (await fallback.isVisible());
  check('without JavaScript the search page links to the directory', visible ? [] : ['no visible link to resources/']);
  await nojs.close();
} catch (error) {
  check('search parity run', [String(error && error.stack ? error.stack : error)]);
} finally {
  if (browser) await browser.close();
  server.close();
}

if (opts.json) fs.writeFileSync(opts.json, JSON.stringify(report, null, 2));
console.log(`search-parity: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
