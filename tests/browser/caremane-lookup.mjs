#!/usr/bin/env node
// Checks the ケアマネタイム lookup (assets/caremane.js) in headless Chromium with a fixed clock.
// Usage: node tests/browser/caremane-lookup.mjs SITE_DIR CASES.json [--screenshots DIR]
//
// CASES.json (written by tests/testsuite/caremane.rs, which computes every expectation itself from
// content/ — not from the page's data or script):
//   { "cases": [ { "name", "url", "instant" (ISO UTC), "timezone",
//                  "expect_ids": [...]?            the exact set of facility cards shown
//                  "expect_status": "open"|"closed"?   a facility page's status line
//                  "expect_text": [...]?           strings the results or status must contain
//                  "expect_soon": "id"?            this card carries the "closes soon" mark
//                  "expect_url": "..."?            the query string after the page set it
//                  "select": {"t":"at","d":"tue","hh":"13","mm":"30","v":true}?  set via the form
//                                                  (v: tick 「空きあり」だけ)
//               } ] }
// Ends with `caremane: N passed, M failed`; exits 1 when anything failed.

import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startServer } from './server.mjs';
import { CHROMIUM_ARGS, chromiumPath } from './browser-checks.mjs';

const [siteDir, casesFile, ...rest] = process.argv.slice(2);
if (!siteDir || !casesFile) {
  console.error('usage: node tests/browser/caremane-lookup.mjs SITE_DIR CASES.json [--screenshots DIR]');
  process.exit(2);
}
const shotsAt = rest.indexOf('--screenshots');
const screenshots = shotsAt >= 0 ? rest[shotsAt + 1] : null;
const { cases } = JSON.parse(fs.readFileSync(casesFile, 'utf8'));

const sameSet = (a, b) => a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');

async function runCase(browser, base, c) {
  const problems = [];
  const context = await browser.newContext({
    timezoneId: c.timezone,
    locale: 'ja-JP',
    viewport: { width: 1280, height: 900 },
  });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  // The page's clock: Date.now() and new Date() start at this instant (timers still run).
  await page.clock.install({ time: new Date(c.instant) });
  await page.goto(base + c.url, { waitUntil: 'load' });
  const isLookup = (await page.locator('[data-cm-lookup]').count()) > 0;
  if (isLookup) {
    await page.waitForSelector('[data-cm-lookup][data-cm-ready="true"]', { timeout: 10_000 });
    if (c.select) {
      // Category, area, methods and 「空きあり」 sit in a folded <details> under the first row.
      if (c.select.m || c.select.v || c.select.c || c.select.a)
        await page.evaluate(() => {
          const filters = document.querySelector('[data-cm-filters]');
          if (filters) filters.open = true;
        });
      if (c.select.t) await page.check(`input[name=t][value=${c.select.t}]`);
      if (c.select.d) await page.selectOption('#cm-d', c.select.d);
      if (c.select.hh) await page.selectOption('#cm-hh', c.select.hh);
      if (c.select.mm) await page.selectOption('#cm-mm', c.select.mm);
      for (const m of c.select.m ?? []) await page.check(`input[name=m][value=${m}]`);
      if (c.select.q) await page.fill('#cm-q', c.select.q);
      if (c.select.v) await page.check('input[name=v]');
      // The form re-renders from timers (at once, or 250 ms after typing in the name box);
      // the page's clock is Playwright's, so run those timers now instead of sleeping.
      await page.clock.runFor(400);
    }
    // Show every result.
    for (let i = 0; i < 1000; i++) {
      const more = page.locator('[data-cm-more]');
      if (!(await more.isVisible())) break;
      await more.click();
    }
    const ids = await page.$$eval('.cm-card[data-id]', (cards) => cards.map((c) => c.getAttribute('data-id')));
    const status = await page.textContent('[data-cm-count]');
    if (c.expect_ids && !sameSet(ids, c.expect_ids)) {
      const missing = c.expect_ids.filter((id) => !ids.includes(id));
      const extra = ids.filter((id) => !c.expect_ids.includes(id));
      problems.push(`cards differ: missing [${missing.join(', ')}], unexpected [${extra.join(', ')}]`);
    }
    if (c.expect_ids && !status.includes(`${c.expect_ids.length} 件`)) {
      problems.push(`live region says "${status}", expected ${c.expect_ids.length} 件`);
    }
    const live = await page.getAttribute('[data-cm-count]', 'aria-live');
    if (live !== 'polite') problems.push('the result count is not an aria-live region');
    if (c.expect_soon) {
      const soon = await page.locator(`.cm-card[data-id="${c.expect_soon}"] .cm-soon`).count();
      if (!soon) problems.push(`card ${c.expect_soon} has no "closes soon" mark`);
    }
    if (c.expect_url !== undefined) {
      const search = await page.evaluate(() => location.search);
      if (search !== c.expect_url) problems.push(`URL query is "${search}", expected "${c.expect_url}"`);
    }
    for (const text of c.expect_text ?? []) {
      const body = await page.textContent('[data-cm-lookup]');
      if (!body.includes(text)) problems.push(`the lookup does not say "${text}"`);
    }
  } else {
    await page.waitForSelector('.cm-status-live', { timeout: 10_000 });
    const text = (await page.textContent('[data-cm-status]')).replace(/\s+/g, ' ');
    if (c.expect_status === 'open' && !text.includes('連絡できる時間です')) problems.push(`status is not "open": ${text}`);
    if (c.expect_status === 'closed' && !text.includes('時間外')) problems.push(`status is not "closed": ${text}`);
    for (const t of c.expect_text ?? []) if (!text.includes(t)) problems.push(`status does not say "${t}": ${text}`);
  }
  if (errors.length) problems.push(`console errors: ${errors.join(' | ')}`);
  if (screenshots) {
    fs.mkdirSync(screenshots, { recursive: true });
    const target = page.locator(isLookup ? '[data-cm-lookup]' : '[data-cm-status]');
    await target.screenshot({ path: path.join(screenshots, `caremane-${c.name}.png`) });
  }
  await context.close();
  return problems;
}

async function main() {
  const server = await startServer(siteDir);
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
  let passed = 0;
  let failed = 0;
  try {
    for (const c of cases) {
      let problems;
      try {
        problems = await runCase(browser, server.url, c);
      } catch (error) {
        problems = [String(error && error.stack ? error.stack : error)];
      }
      if (problems.length) {
        failed++;
        console.log(`FAIL ${c.name} (${c.url} at ${c.instant} in ${c.timezone})`);
        for (const p of problems) console.log(`    ${p}`);
      } else {
        passed++;
        console.log(`ok   ${c.name}`);
      }
    }
  } finally {
    await browser.close();
    await server.close();
  }
  console.log(`caremane: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((error) => {
  console.error(error);
  console.log('caremane: 0 passed, 1 failed');
  process.exit(1);
});
