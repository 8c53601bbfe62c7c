#!/usr/bin/env node
// What each reader sees first, in headless Chromium at fixed clocks (issue 14's "Done when",
// beside phone.mjs and lookup-first.mjs). Usage:
//   node tests/browser/first-screen.mjs SITE_DIR CASES.json [--screenshots DIR]
//
// CASES.json (written by tests/testsuite/first_screen.rs, which computes the expectations from
// content/ with plain rules, not from the pages or their scripts):
//   { "today": [ { "url", "instant" (ISO), "word": "本日は休み" | "本日の受付時間",
//                  "datetime": "YYYY-MM-DD", "text": [...], "absent": [...] } ],
//       each facility's 「本日」 box as the page's script leaves it at that clock;
//     "nearest": { "url", "lat", "lng", "order": [facility names] },
//       「現在地から近い順」 with a fake position: the order, and no request at all after the
//       button is pressed (nor any request, ever, carrying the position);
//     "facilities": [urls], at 特大 on a 375×812 phone: the facility's own phone button ends
//       above the fold and every visible tel: link is at least 44×44 CSS px;
//     "manga": [urls], at 375×812: every word drawn in a panel — bubbles at least
//       "min_bubble" CSS px, every other word (name labels, captions, signs) at least
//       "min_label" — as rendered (font size × the panel's scale);
//     "min_bubble", "min_label", "clock" (ISO) }
// And, from the site's own files: EVERY page (print booklets excepted: they are A4 documents)
// at 320 px with 特大 has no horizontal scrolling.
// Screenshots: DIR/first-<name>.png. Ends with `browser: N passed, M failed`.

import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { Report } from './report.mjs';
import { startServer } from './server.mjs';
import { listFiles } from './site-scan.mjs';
import { CHROMIUM_ARGS, chromiumPath } from './browser-checks.mjs';

const PHONE = { width: 375, height: 812 };
const NARROW = { width: 320, height: 700 };
const TAP = 44;

const [siteDir, casesFile, ...rest] = process.argv.slice(2);
if (!siteDir || !casesFile) {
  console.error('usage: node tests/browser/first-screen.mjs SITE_DIR CASES.json [--screenshots DIR]');
  process.exit(2);
}
const shotsAt = rest.indexOf('--screenshots');
const screenshots = shotsAt >= 0 ? rest[shotsAt + 1] : null;
const cases = JSON.parse(fs.readFileSync(casesFile, 'utf8'));

/** A phone context in Tokyo; `size` is stored the way the site's text-size switch stores it. */
async function phone(browser, { size = 'normal', viewport = PHONE, geolocation = null } = {}) {
  const context = await browser.newContext({
    viewport,
    locale: 'ja-JP',
    timezoneId: 'Asia/Tokyo',
    serviceWorkers: 'block',
    ...(geolocation ? { geolocation, permissions: ['geolocation'] } : {}),
  });
  context.setDefaultTimeout(30_000);
  if (size !== 'normal') {
    await context.addInitScript((s) => {
      try {
        localStorage.setItem('zaitaku-text-size', s);
      } catch (e) {
        /* about:blank */
      }
    }, size);
  }
  return context;
}

/** A page at the fixed clock that records every request and any script error. */
async function pageAt(context, instant) {
  const page = await context.newPage();
  page.requests = [];
  page.errors = [];
  page.on('request', (r) => page.requests.push({ url: r.url(), body: r.postData() || '' }));
  page.on('pageerror', (e) => page.errors.push(String(e)));
  await page.clock.install({ time: new Date(instant) });
  return page;
}

async function shot(page, name) {
  if (screenshots) await page.screenshot({ path: path.join(screenshots, `first-${name}.png`), fullPage: false });
}

async function todayBoxes(browser, base, report) {
  const context = await phone(browser);
  for (const c of cases.today) {
    const page = await pageAt(context, c.instant);
    await page.goto(base + c.url, { waitUntil: 'load' });
    const box = await page.evaluate(() => {
      const el = document.querySelector('[data-today]');
      if (!el) return null;
      const time = el.querySelector('time');
      return {
        text: el.textContent.replace(/\s+/g, ' ').trim(),
        word: (el.querySelector('.today-word') || {}).textContent || null,
        datetime: time ? time.getAttribute('datetime') : null,
        closed: el.classList.contains('today-closed'),
      };
    });
    const problems = [...page.errors];
    if (!box) problems.push('no 「本日」 box ([data-today])');
    else {
      if (box.datetime !== c.datetime) problems.push(`the box names ${box.datetime}, not ${c.datetime}`);
      if (box.word !== c.word) problems.push(`says 「${box.word}」, expected 「${c.word}」: ${box.text}`);
      if (box.closed !== (c.word === '本日は休み')) problems.push(`class today-closed is ${box.closed}: ${box.text}`);
      for (const t of c.text) if (!box.text.includes(t)) problems.push(`lacks 「${t}」: ${box.text}`);
      for (const t of c.absent) if (box.text.includes(t)) problems.push(`shows 「${t}」: ${box.text}`);
    }
    report.check('today', `${c.url} at ${c.instant}`, problems);
    if (c.shot) await shot(page, c.shot);
    await page.close();
  }
  report.section('today', `${cases.today.length} facility pages at fixed clocks`);
  await context.close();
}

async function nearest(browser, base, report) {
  const n = cases.nearest;
  const context = await phone(browser, { geolocation: { latitude: n.lat, longitude: n.lng } });
  const page = await pageAt(context, cases.clock);
  await page.goto(base + n.url, { waitUntil: 'load' });
  const problems = [...page.errors];
  const note = await page.locator('[data-nearest] .nearest-note').textContent().catch(() => '');
  if (!note.includes('どこにも送りません')) problems.push(`the page does not say the position stays on the device: 「${note}」`);
  const before = page.requests.length;
  await page.click('[data-nearest-button]');
  await page.waitForSelector('#nearest-list', { timeout: 10_000 }).catch(() => problems.push('no list after pressing the button'));
  const order = await page.$$eval('#nearest-list .facility-item .facility-item-name', (l) => l.map((e) => e.textContent.trim()));
  const expected = n.order;
  if (JSON.stringify(order) !== JSON.stringify(expected)) {
    problems.push(`order:\n  got      ${order.join(' / ')}\n  expected ${expected.join(' / ')}`);
  }
  const visible = await page.$$eval('section.group:not(#nearest-list)', (l) => l.filter((s) => !s.hidden).length);
  if (visible !== 0) problems.push(`${visible} area sections still shown beside the ordered list`);
  await page.waitForLoadState('networkidle', { timeout: 5_000 }).catch(() => {});
  const after = page.requests.slice(before);
  if (after.length) problems.push(`requests after pressing the button: ${after.map((r) => r.url).join(', ')}`);
  const leak = page.requests.filter((r) => {
    const seen = decodeURIComponent(r.url) + ' ' + r.body;
    return [n.lat, n.lng].some((v) => seen.includes(String(v)));
  });
  if (leak.length) problems.push(`the position was sent: ${leak.map((r) => r.url).join(', ')}`);
  report.check('nearest', n.url, problems);
  await shot(page, 'nearest-375');
  await context.close();
}

async function facilitiesAtXlarge(browser, base, report) {
  const context = await phone(browser, { size: 'xlarge' });
  const page = await pageAt(context, cases.clock);
  let shotDone = false;
  for (const url of cases.facilities) {
    await page.goto(base + url, { waitUntil: 'load' });
    const f = await page.evaluate(() => {
      const tel = document.querySelector('.facility-first a[href^="tel:"]');
      const r = tel && tel.getBoundingClientRect();
      const small = [];
      for (const a of document.querySelectorAll('a[href^="tel:"]')) {
        const b = a.getBoundingClientRect();
        if (b.width === 0 && b.height === 0) continue;
        if (b.width < 44 || b.height < 44) small.push(`「${a.textContent.trim()}」 ${Math.round(b.width)}×${Math.round(b.height)}`);
      }
      return {
        size: document.documentElement.getAttribute('data-text-size'),
        tel: r ? { bottom: r.bottom + window.scrollY, w: r.width, h: r.height } : null,
        small,
      };
    });
    const problems = [];
    if (f.size !== 'xlarge') problems.push(`text size is ${f.size}, not 特大`);
    if (!f.tel) problems.push('no phone button in the first block (.facility-first)');
    else if (f.tel.bottom > PHONE.height) problems.push(`the phone button ends at ${Math.round(f.tel.bottom)} px, below the fold (${PHONE.height})`);
    for (const s of f.small) problems.push(`tel link ${s} px (at least ${TAP}×${TAP})`);
    report.check('facility-xlarge', url, problems);
    if (!shotDone) {
      await shot(page, 'facility-xlarge-375');
      shotDone = true;
    }
  }
  report.section('facility-xlarge', `${cases.facilities.length} facility pages at 特大, 375×812`);
  await context.close();
}

async function manga(browser, base, report) {
  const context = await phone(browser);
  const page = await pageAt(context, cases.clock);
  for (const url of cases.manga) {
    await page.goto(base + url, { waitUntil: 'load' });
    // Each panel's SVG, laid out inline at the width the <img> is drawn, measured word by word.
    const words = await page.evaluate(async () => {
      const out = [];
      const holder = document.createElement('div');
      holder.style.cssText = 'position:absolute;left:-20000px;top:0';
      document.body.appendChild(holder);
      for (const img of document.querySelectorAll('.panels img')) {
        const text = await (await fetch(img.src)).text();
        const svg = new DOMParser().parseFromString(text, 'image/svg+xml').documentElement;
        svg.setAttribute('width', String(img.clientWidth));
        svg.removeAttribute('height');
        holder.appendChild(document.importNode(svg, true));
        const inline = holder.lastElementChild;
        const bubbles = [...inline.querySelectorAll('rect[rx]')]
          .filter((r) => parseFloat(r.getAttribute('rx')) >= 15)
          .map((r) => r.getBoundingClientRect());
        for (const t of inline.querySelectorAll('text')) {
          const size = parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a;
          const b = t.getBoundingClientRect();
          const cx = b.left + b.width / 2;
          const cy = b.top + b.height / 2;
          const inBubble = bubbles.some((r) => r.left <= cx && cx <= r.right && r.top <= cy && cy <= r.bottom);
          out.push({ panel: img.getAttribute('src').split('/').pop(), word: t.textContent, px: size, bubble: inBubble, width: img.clientWidth });
        }
        inline.remove();
      }
      holder.remove();
      return out;
    });
    const problems = [];
    if (!words.length) problems.push('no words measured in the panels');
    for (const w of words) {
      const min = w.bubble ? cases.min_bubble : cases.min_label;
      if (w.px < min) {
        problems.push(`${w.panel}: 「${w.word}」 (${w.bubble ? 'bubble' : 'label'}) is ${w.px.toFixed(1)} px in a ${w.width} px panel (at least ${min})`);
      }
    }
    const bubbles = words.filter((w) => w.bubble);
    report.check('manga', url, problems);
    report.section('manga', `${url}: ${bubbles.length} bubble words from ${Math.min(...bubbles.map((w) => w.px)).toFixed(1)} px, ${words.length - bubbles.length} other words from ${Math.min(...words.filter((w) => !w.bubble).map((w) => w.px)).toFixed(1)} px`);
  }
  if (cases.manga.length) {
    await page.goto(base + cases.manga[0], { waitUntil: 'load' });
    await page.locator('.panels img').first().scrollIntoViewIfNeeded();
    await shot(page, 'manga-panel-375');
  }
  await context.close();
}

async function everyPageAt320(browser, base, report) {
  const pages = [...listFiles(path.resolve(siteDir)).fileSet]
    .filter((f) => f.endsWith('.html') && !/^print\/(?!index\.html$)/.test(f))
    .sort();
  const context = await phone(browser, { size: 'xlarge', viewport: NARROW });
  const page = await pageAt(context, cases.clock);
  const wide = [];
  for (const f of pages) {
    await page.goto(`${base}/${f.replace(/(^|\/)index\.html$/, '$1')}`, { waitUntil: 'load' });
    const m = await page.evaluate(() => ({
      size: document.documentElement.getAttribute('data-text-size'),
      scroll: document.documentElement.scrollWidth,
      inner: window.innerWidth,
    }));
    const problems = [];
    if (m.size !== 'xlarge' && !f.startsWith('survey')) problems.push(`text size is ${m.size}, not 特大`);
    if (m.scroll > m.inner) problems.push(`document is ${m.scroll} px wide in a ${m.inner} px window at 特大`);
    if (problems.length) wide.push(f);
    report.check('overflow-320-xlarge', f, problems);
  }
  report.section('overflow-320-xlarge', `${pages.length} pages at 320 px, 特大 (${wide.length} too wide)`);
  await context.close();
}

async function main() {
  const report = new Report();
  if (screenshots) fs.mkdirSync(screenshots, { recursive: true });
  const server = await startServer(siteDir);
  const browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
  try {
    await todayBoxes(browser, server.url, report);
    await nearest(browser, server.url, report);
    await facilitiesAtXlarge(browser, server.url, report);
    await manga(browser, server.url, report);
    await everyPageAt320(browser, server.url, report);
  } finally {
    await browser.close().catch(() => {});
    await server.close();
  }
  process.exitCode = report.finish();
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
