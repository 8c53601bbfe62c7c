// The citizen on a phone: checks of the built site in headless Chromium at a fixed clock
// (SCAN_CLOCK, a Tuesday morning in Tokyo; the site is built for an earlier day, so the
// facility pages' 「本日」 line must be brought up to date by the script).
//
//   node tests/browser/phone.mjs SITE_DIR --screenshots DIR
//
// For each page kind (pages.mjs, plus お住まいの町から探す):
//   * the header is at most 300 px tall on a 375×812 phone, at 標準 and at 特大, and the
//     page's own content starts on the first screen;
//   * every visible tel: link is at least 44×44 CSS px;
//   * no horizontal scrolling at 320 px with 特大;
//   * nothing is requested from another host (the video's poster included);
//   * screenshots at 375 (phone-<kind>-375.png) and 1280 px (phone-<kind>-1280.png).
// For every facility page: its own phone link lies above the fold at 375×812, and the
// 「本日」 line names the clock's day. Without JavaScript: the header is as compact and the
// menu opens (a <details> toggle).

import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { Report } from './report.mjs';
import { startServer } from './server.mjs';
import { listFiles } from './site-scan.mjs';
import { selectPages } from './pages.mjs';
import { CHROMIUM_ARGS, SCAN_CLOCK, chromiumPath } from './browser-checks.mjs';

const PHONE = { width: 375, height: 812 };
const NARROW = { width: 320, height: 700 };
const DESKTOP = { width: 1280, height: 900 };
const MAX_HEADER = 300;
const TAP = 44;
const CLOCK_DAY = '2026-11-24'; // SCAN_CLOCK's day in Tokyo

function parseArgs(argv) {
  const opts = { siteDir: null, screenshots: null };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--screenshots') opts.screenshots = argv[++i];
    else if (!opts.siteDir) opts.siteDir = argv[i];
    else {
      console.error(`phone: unexpected argument ${argv[i]}`);
      process.exit(2);
    }
  }
  if (!opts.siteDir) {
    console.error('usage: node tests/browser/phone.mjs SITE_DIR [--screenshots DIR]');
    process.exit(2);
  }
  return opts;
}

/** Sets the text size the way the site's own switch stores it, before any script runs. */
async function textSize(context, size) {
  await context.addInitScript((s) => {
    try {
      if (s === 'normal') localStorage.removeItem('zaitaku-text-size');
      else localStorage.setItem('zaitaku-text-size', s);
    } catch (e) {
      /* about:blank */
    }
  }, size);
}

async function newContext(browser, { size = 'normal', javaScriptEnabled = true, viewport = PHONE } = {}) {
  const context = await browser.newContext({
    viewport,
    locale: 'ja-JP',
    timezoneId: 'Asia/Tokyo',
    serviceWorkers: 'block',
    javaScriptEnabled,
  });
  context.setDefaultTimeout(30_000);
  await textSize(context, size);
  return context;
}

/** Opens `url` with the fixed clock; third-party requests are blocked and recorded. */
async function open(context, origin, url, thirdParty) {
  const page = await context.newPage();
  await page.clock.install({ time: new Date(SCAN_CLOCK) });
  await page.route('**/*', (route) => {
    const u = route.request().url();
    if (/^https?:/.test(u) && new URL(u).origin !== origin) {
      thirdParty.push(u);
      return route.abort('blockedbyclient');
    }
    return route.continue();
  });
  await page.goto(origin + url, { waitUntil: 'load' });
  await page.evaluate(() => document.fonts?.ready.then(() => undefined));
  return page;
}

/** Header height, where the main content starts, and the visible tel links' sizes. */
function measure(page) {
  return page.evaluate(() => {
    const header = document.querySelector('.site-header');
    const main = document.querySelector('main');
    const first = main && [...main.children].find((el) => el.getBoundingClientRect().height > 0);
    const tels = [];
    for (const a of document.querySelectorAll('a[href^="tel:"]')) {
      const r = a.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue; // hidden (e.g. in the closed menu)
      tels.push({ text: a.textContent.trim(), w: Math.round(r.width * 10) / 10, h: Math.round(r.height * 10) / 10 });
    }
    return {
      header: header ? header.getBoundingClientRect().height : null,
      contentTop: first ? first.getBoundingClientRect().top + window.scrollY : null,
      tels,
      scrollWidth: document.documentElement.scrollWidth,
      innerWidth: window.innerWidth,
    };
  });
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const siteDir = path.resolve(opts.siteDir);
  const report = new Report();
  const listing = listFiles(siteDir);
  const { pages } = selectPages(siteDir, listing.fileSet);
  if (listing.fileSet.has('resources/towns/index.html')) {
    pages.push({ kind: 'towns', file: 'resources/towns/index.html', url: '/resources/towns/', status: 200 });
  } else {
    report.check('page kinds', 'towns', ['the site has no resources/towns/ (お住まいの町から探す)']);
  }
  const videoPage = [...listing.fileSet]
    .filter((f) => f.endsWith('.html'))
    .sort()
    .find((f) => fs.readFileSync(path.join(siteDir, f), 'utf8').includes('data-video-embed'));
  if (videoPage) pages.push({ kind: 'video', file: videoPage, url: `/${videoPage.replace(/index\.html$/, '')}`, status: 200 });
  else report.check('page kinds', 'video', ['no page of the site shows a video (video: in the front matter)']);
  const facilities = [...listing.fileSet]
    .filter((f) => /^resources\/[^/]+\/index\.html$/.test(f))
    .filter((f) => !/^resources\/(category|area|service|kana|towns)\//.test(f))
    .map((f) => `/${f.replace(/index\.html$/, '')}`)
    .sort();
  if (opts.screenshots) fs.mkdirSync(opts.screenshots, { recursive: true });

  const server = await startServer(siteDir);
  const browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
  try {
    // 1. Every page kind at 標準 and 特大 on a phone, then 320 px with 特大, then the desktop.
    for (const size of ['normal', 'xlarge']) {
      const context = await newContext(browser, { size });
      for (const p of pages) {
        const thirdParty = [];
        const page = await open(context, server.url, p.url, thirdParty);
        const m = await measure(page);
        const label = `${p.kind} ${size}`;
        const problems = [];
        if (m.header === null) problems.push('no .site-header');
        else if (m.header > MAX_HEADER) problems.push(`header is ${Math.round(m.header)} px tall at 375×812 (at most ${MAX_HEADER})`);
        if (m.contentTop === null || m.contentTop >= PHONE.height) {
          problems.push(`the page's content starts at ${Math.round(m.contentTop)} px, below the first screen`);
        }
        report.check('header', label, problems);
        report.check(
          'tel-size',
          label,
          m.tels.filter((t) => t.w < TAP || t.h < TAP).map((t) => `tel link 「${t.text}」 is ${t.w}×${t.h} px (at least ${TAP}×${TAP})`),
        );
        if (size === 'normal' && opts.screenshots) {
          await page.screenshot({ path: path.join(opts.screenshots, `phone-${p.kind}-375.png`), fullPage: false });
        }
        if (size === 'xlarge') {
          await page.setViewportSize(NARROW);
          const n = await measure(page);
          report.check(
            'overflow-320-xlarge',
            p.kind,
            n.scrollWidth > n.innerWidth ? [`document is ${n.scrollWidth} px wide in a ${n.innerWidth} px window at 特大`] : [],
          );
          if (opts.screenshots) {
            await page.screenshot({ path: path.join(opts.screenshots, `phone-${p.kind}-320-xlarge.png`), fullPage: false });
          }
        }
        await page.waitForLoadState('networkidle', { timeout: 5_000 }).catch(() => {});
        report.check('third-party', label, thirdParty.map((u) => `requested ${u} on page load`));
        await page.close();
      }
      await context.close();
    }
    if (opts.screenshots) {
      const context = await newContext(browser, { viewport: DESKTOP });
      for (const p of pages) {
        const page = await open(context, server.url, p.url, []);
        await page.screenshot({ path: path.join(opts.screenshots, `phone-${p.kind}-1280.png`), fullPage: false });
        await page.close();
      }
      await context.close();
    }

    // 2. Every facility: its own phone link above the fold, 「本日」 for the clock's day.
    {
      const context = await newContext(browser);
      const page = await context.newPage();
      await page.clock.install({ time: new Date(SCAN_CLOCK) });
      const thirdParty = [];
      await page.route('**/*', (route) => {
        const u = route.request().url();
        if (/^https?:/.test(u) && new URL(u).origin !== server.url) {
          thirdParty.push(u);
          return route.abort('blockedbyclient');
        }
        return route.continue();
      });
      let checked = 0;
      for (const url of facilities) {
        await page.goto(server.url + url, { waitUntil: 'load' });
        const f = await page.evaluate(() => {
          const tel = document.querySelector('.facility-first a[href^="tel:"]');
          const r = tel && tel.getBoundingClientRect();
          const time = document.querySelector('[data-today] time');
          return {
            hasPhone: !!document.querySelector('.facility-block a[href^="tel:"], .facility-first a[href^="tel:"]'),
            tel: r ? { bottom: r.bottom + window.scrollY, w: r.width, h: r.height } : null,
            today: time ? time.getAttribute('datetime') : null,
            hasHours: !!document.querySelector('.hours-table'),
          };
        });
        const problems = [];
        if (f.hasPhone && !f.tel) problems.push('no phone button at the top of the page (.facility-first)');
        if (f.tel && f.tel.bottom > PHONE.height) problems.push(`the phone button ends at ${Math.round(f.tel.bottom)} px, below the fold (${PHONE.height})`);
        if (f.tel && (f.tel.w < TAP || f.tel.h < TAP)) problems.push(`the phone button is ${f.tel.w}×${f.tel.h} px`);
        if (f.hasHours && f.today !== CLOCK_DAY) problems.push(`「本日」 names ${f.today}, not the clock's day ${CLOCK_DAY}`);
        report.check('facility-first-screen', url, problems);
        checked += 1;
      }
      report.check('third-party', 'facility pages', thirdParty.map((u) => `requested ${u}`));
      report.section('facility-first-screen', `${checked} facility pages`);
      await context.close();
    }

    // 3. The video: nothing from YouTube until play is pressed, then youtube-nocookie.com.
    if (videoPage) {
      const context = await newContext(browser);
      const thirdParty = [];
      const page = await open(context, server.url, `/${videoPage.replace(/index\.html$/, '')}`, thirdParty);
      await page.waitForLoadState('networkidle', { timeout: 5_000 }).catch(() => {});
      const problems = thirdParty.map((u) => `requested ${u} before play was pressed`);
      if ((await page.locator('.video iframe').count()) !== 0) problems.push('a player is on the page before play was pressed');
      await page.click('[data-video-play]');
      const src = await page.locator('.video iframe').getAttribute('src').catch(() => null);
      if (!src || !src.startsWith('https://www.youtube-nocookie.com/embed/')) problems.push(`after play the player loads ${src}, not youtube-nocookie.com`);
      if (thirdParty.some((u) => !u.startsWith('https://www.youtube-nocookie.com/'))) problems.push(`after play: ${thirdParty.join(', ')}`);
      report.check('video', videoPage, problems);
      await context.close();
    }

    // 4. Without JavaScript: the header is as compact, and the menu opens.
    {
      const context = await newContext(browser, { javaScriptEnabled: false });
      const page = await open(context, server.url, '/', []);
      const before = await measure(page);
      const problems = [];
      if (before.header > MAX_HEADER) problems.push(`header is ${Math.round(before.header)} px tall without JavaScript`);
      const navHidden = await page.evaluate(() => document.querySelector('.global-nav').getBoundingClientRect().height === 0);
      if (!navHidden) problems.push('the menu is open before the menu button is pressed');
      await page.click('.menu-toggle summary');
      const navShown = await page.evaluate(() => {
        const nav = document.querySelector('.global-nav');
        return nav.getBoundingClientRect().height > 0 && nav.querySelectorAll('a').length;
      });
      if (!navShown) problems.push('pressing 「メニュー」 does not show the menu without JavaScript');
      if (opts.screenshots) await page.screenshot({ path: path.join(opts.screenshots, 'phone-menu-open-nojs-375.png'), fullPage: false });
      report.check('no-js', 'menu', problems);
      await context.close();
    }
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
