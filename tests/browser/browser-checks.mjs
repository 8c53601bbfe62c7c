// Browser checks in Debian's headless Chromium via playwright-core, for each representative page:
// page loads with the expected status, no console errors, no failed requests, nothing requested
// from any host but 127.0.0.1; axe-core WCAG 2.0/2.1 A+AA finds no violation; no horizontal
// scrolling at 320 and 375 CSS px; full-page screenshots at 375×812 (phone) and 1280×900 (desktop).

import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);

export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
/** The instant the site scan's pages see as now (Tuesday 08:50 in Tokyo). */
export const SCAN_CLOCK = '2026-11-24T08:50:00+09:00';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 375, height: 812 };
const NARROW_WIDTHS = [320, 375];
const MAX_FULLPAGE_HEIGHT = 30_000; // taller pages get a viewport-only screenshot

export function chromiumPath() {
  return process.env.CHROMIUM_PATH || '/usr/bin/chromium';
}

export function axePath() {
  return require.resolve('axe-core/axe.min.js');
}

const withTimeout = (promise, ms, what) =>
  Promise.race([
    promise,
    new Promise((_, reject) => setTimeout(() => reject(new Error(`${what} timed out after ${ms / 1000} s`)), ms).unref()),
  ]);

async function runAxe(page) {
  await page.addScriptTag({ path: axePath() });
  return withTimeout(
    page.evaluate(async (tags) => {
      // eslint-disable-next-line no-undef
      const r = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
      return {
        violations: r.violations.map((v) => ({
          id: v.id,
          impact: v.impact,
          help: v.help,
          helpUrl: v.helpUrl,
          nodes: v.nodes.map((n) => ({ target: n.target.map(String), summary: n.failureSummary ?? '' })),
        })),
        incomplete: r.incomplete.map((v) => v.id),
      };
    }, AXE_TAGS),
    120_000,
    'axe.run',
  );
}

function formatViolations(violations) {
  const lines = [];
  for (const v of violations) {
    lines.push(`${v.id} (${v.impact ?? 'n/a'}): ${v.help}  [${v.nodes.length} element(s)] ${v.helpUrl}`);
    for (const n of v.nodes.slice(0, 6)) {
      const why = n.summary.split('\n').filter((l) => l.trim()).slice(1, 3).map((l) => l.trim()).join(' / ');
      lines.push(`    at ${n.target.join(' ')}${why ? `  — ${why.slice(0, 200)}` : ''}`);
    }
    if (v.nodes.length > 6) lines.push(`    … and ${v.nodes.length - 6} more element(s)`);
  }
  return lines;
}

async function measureOverflow(page) {
  return page.evaluate(
    () =>
      new Promise((resolve) => {
        requestAnimationFrame(() =>
          requestAnimationFrame(() => {
            const vw = window.innerWidth;
            const sw = document.documentElement.scrollWidth;
            const offenders = [];
            if (sw > vw) {
              const clipped = (el) => {
                for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
                  if (getComputedStyle(p).overflowX !== 'visible') return true;
                }
                return false;
              };
              const describe = (el) => {
                let s = el.tagName.toLowerCase();
                if (el.id) s += `#${el.id}`;
                if (typeof el.className === 'string' && el.className.trim()) s += `.${el.className.trim().split(/\s+/).join('.')}`;
                return s;
              };
              for (const el of document.querySelectorAll('body *')) {
                const r = el.getBoundingClientRect();
                if (r.width > 0 && r.right > vw + 0.5 && !clipped(el)) {
                  offenders.push({ what: describe(el), right: Math.round(r.right), width: Math.round(r.width) });
                }
              }
              offenders.sort((a, b) => b.right - a.right || a.width - b.width);
            }
            resolve({ vw, sw, offenders: offenders.slice(0, 6) });
          }),
        );
      }),
  );
}

async function screenshot(page, file) {
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  const fullPage = height <= MAX_FULLPAGE_HEIGHT;
  await page.screenshot({ path: file, fullPage, animations: 'disabled', caret: 'hide', timeout: 60_000 });
  return fullPage ? null : `page is ${height}px tall; saved the first screen only`;
}

async function settle(page) {
  await page.evaluate(() => document.fonts?.ready.then(() => undefined));
}

/**
 * Runs all browser checks. `pages` from selectPages(); results go to `report`.
 */
export async function runBrowserChecks({ baseUrl, pages, report, screenshotsDir }) {
  const exe = chromiumPath();
  if (!fs.existsSync(exe)) {
    report.check('browser', 'chromium', [
      `${exe} not found: install Debian's Chromium (apt-get install chromium fonts-noto-cjk), see README`,
    ]);
    return;
  }
  if (screenshotsDir) fs.mkdirSync(screenshotsDir, { recursive: true });

  const t0 = performance.now();
  let browser;
  try {
    // playwright-core's launch() starts Chromium with a fresh temporary --user-data-dir of its
    // own (and removes it on close); the extra flags keep it off the (closed) network.
    browser = await chromium.launch({ executablePath: exe, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
  } catch (e) {
    report.check('browser', 'chromium launch', [`cannot start ${exe}: ${e.message}`]);
    return;
  }
  const version = browser.version();
  report.section('browser', `Chromium ${version} started in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const context = await browser.newContext({
    viewport: DESKTOP,
    locale: 'ja-JP',
    timezoneId: 'Asia/Tokyo',
    bypassCSP: true, // so axe-core can be injected whatever Content-Security-Policy the site sets
    serviceWorkers: 'block',
  });
  context.setDefaultTimeout(30_000);
  const serverOrigin = new URL(baseUrl).origin;
  const axeTimes = [];

  try {
    for (const p of pages) {
      const label = `${p.kind} ${p.url}`;
      const fullUrl = baseUrl + p.url;
      const page = await context.newPage();
      const loadProblems = [];
      page.on('console', (msg) => {
        if (msg.type() !== 'error') return;
        const loc = msg.location();
        // Chromium logs the expected 404 of the 404 page's own document as a console error.
        if (p.status === 404 && loc.url === fullUrl && /status of 404/.test(msg.text())) return;
        // A third-party request we blocked is already reported by the route below.
        if (/ERR_BLOCKED_BY_CLIENT/.test(msg.text())) return;
        loadProblems.push(`console error: ${msg.text()}${loc.url ? ` (${loc.url}:${loc.lineNumber})` : ''}`);
      });
      page.on('pageerror', (err) => loadProblems.push(`uncaught exception: ${err.message}`));
      page.on('requestfailed', (req) => {
        if (new URL(req.url()).origin !== serverOrigin && /^https?:/.test(req.url())) return; // reported by the route
        loadProblems.push(`request failed: ${req.url()} (${req.failure()?.errorText ?? '?'})`);
      });
      page.on('response', (res) => {
        const req = res.request();
        if (req.isNavigationRequest() && req.frame() === page.mainFrame() && res.url() === fullUrl) return;
        if (res.status() >= 400) loadProblems.push(`HTTP ${res.status()} for ${res.url()}`);
      });
      // A fixed clock, so pages that depend on the time (the ケアマネタイム lookup) look the
      // same on every run: a weekday morning when several windows close within 15 minutes.
      await page.clock.install({ time: new Date(SCAN_CLOCK) });
      await page.route('**/*', (route) => {
        const u = route.request().url();
        if (/^https?:/.test(u) && new URL(u).origin !== serverOrigin) {
          loadProblems.push(`request to another host: ${u} — nothing may load from third parties`);
          return route.abort('blockedbyclient');
        }
        return route.continue();
      });

      try {
        // 1. load at desktop size
        let response;
        try {
          response = await page.goto(fullUrl, { waitUntil: 'load' });
          if (!response) loadProblems.push('no response');
          else if (response.status() !== p.status) {
            loadProblems.push(`HTTP status ${response.status()}, expected ${p.status}`);
          }
          await settle(page);
        } catch (e) {
          loadProblems.push(`cannot load: ${e.message.split('\n')[0]}`);
          report.check('load', label, loadProblems);
          continue;
        }

        // 2. axe-core
        try {
          const ta = performance.now();
          const axeResult = await runAxe(page);
          const ms = performance.now() - ta;
          axeTimes.push([p.kind, ms]);
          if (axeResult.incomplete.length) {
            report.section('axe', `${p.kind}: needs manual review: ${axeResult.incomplete.join(', ')}`);
          }
          report.check('axe', label, formatViolations(axeResult.violations));
        } catch (e) {
          report.check('axe', label, [`axe-core could not run: ${e.message.split('\n')[0]}`]);
        }

        // 3. desktop screenshot
        if (screenshotsDir) {
          try {
            const note = await screenshot(page, path.join(screenshotsDir, `${p.kind}-desktop.png`));
            if (note) report.section('screenshot', `${p.kind}-desktop: ${note}`);
            report.check('screenshot', `${p.kind}-desktop`, []);
          } catch (e) {
            report.check('screenshot', `${p.kind}-desktop`, [e.message.split('\n')[0]]);
          }
        }

        // 4. narrow widths: no horizontal scrolling; phone screenshot at 375×812
        for (const width of NARROW_WIDTHS) {
          try {
            await page.setViewportSize(width === PHONE.width ? PHONE : { width, height: 800 });
            const m = await measureOverflow(page);
            const problems = [];
            if (m.sw > m.vw) {
              problems.push(`horizontal scrolling: document is ${m.sw}px wide in a ${m.vw}px window`);
              for (const o of m.offenders) problems.push(`  wide: ${o.what} (right edge ${o.right}px, width ${o.width}px)`);
            }
            report.check(`overflow-${width}`, label, problems);
          } catch (e) {
            report.check(`overflow-${width}`, label, [`could not measure: ${e.message.split('\n')[0]}`]);
          }
          if (width === PHONE.width && screenshotsDir) {
            try {
              const note = await screenshot(page, path.join(screenshotsDir, `${p.kind}-phone.png`));
              if (note) report.section('screenshot', `${p.kind}-phone: ${note}`);
              report.check('screenshot', `${p.kind}-phone`, []);
            } catch (e) {
              report.check('screenshot', `${p.kind}-phone`, [e.message.split('\n')[0]]);
            }
          }
        }

        // 5. everything the page did meanwhile (console, requests), now that it has been
        //    scrolled and resized (lazy images load late)
        await page.waitForLoadState('networkidle', { timeout: 5_000 }).catch(() => {});
        report.check('load', label, loadProblems);
      } finally {
        await page.close().catch(() => {});
      }
    }
  } finally {
    await context.close().catch(() => {});
    await browser.close().catch(() => {});
  }

  if (axeTimes.length) {
    const total = axeTimes.reduce((s, [, ms]) => s + ms, 0);
    const [slowKind, slowMs] = axeTimes.reduce((a, b) => (b[1] > a[1] ? b : a));
    report.timing(
      'axe',
      `${axeTimes.length} pages, ${(total / axeTimes.length / 1000).toFixed(2)} s per page on average, slowest ${slowKind} ${(slowMs / 1000).toFixed(2)} s`,
    );
  }
  report.timing('browser', `${pages.length} pages in ${((performance.now() - t0) / 1000).toFixed(1)} s (load, axe, 320/375 px, screenshots)`);
}
