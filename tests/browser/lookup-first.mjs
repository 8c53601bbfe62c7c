#!/usr/bin/env node
// The care manager's first screen and the site's closures, in headless Chromium at fixed clocks.
// Usage: node tests/browser/lookup-first.mjs SITE_DIR CASES.json [--screenshots DIR]
//
// CASES.json (written by tests/testsuite/closures.rs, which computes the expectations from
// content/ itself):
//   { "cases": [ { "name", "url", "instant" (ISO UTC),
//                  "kind": "lookup" | "status" | "table",
//                  "viewport": [w, h],
//                  "expect_count": n?            lookup: exactly n cards
//                  "first_above_fold": true?     lookup: the first card's name and phone end
//                                                 within the viewport's height, no scrolling
//                  "expect_text": [...]?         text the lookup / status / page must contain
//                  "expect_status": "open"|"closed"?   facility page's status line
//                  "expect_marked": n?           table: rows marked 「今 受付中」
//                  "sticky_header": true?        table: after scrolling, the header row is
//                                                 still at the top of the viewport
//               } ] }
// Every case also writes DIR/lookup-<name>.png (the first screen as seen).
// Ends with `lookup-first: N passed, M failed`; exits 1 when anything failed.

import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startServer } from './server.mjs';
import { CHROMIUM_ARGS, chromiumPath } from './browser-checks.mjs';

const [siteDir, casesFile, ...rest] = process.argv.slice(2);
if (!siteDir || !casesFile) {
  console.error('usage: node tests/browser/lookup-first.mjs SITE_DIR CASES.json [--screenshots DIR]');
  process.exit(2);
}
const shotsAt = rest.indexOf('--screenshots');
const screenshots = shotsAt >= 0 ? rest[shotsAt + 1] : null;
const { cases } = JSON.parse(fs.readFileSync(casesFile, 'utf8'));

async function runCase(browser, base, c) {
  const problems = [];
  const [width, height] = c.viewport ?? [1280, 800];
  const context = await browser.newContext({
    timezoneId: 'Asia/Tokyo',
    locale: 'ja-JP',
    viewport: { width, height },
  });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.clock.install({ time: new Date(c.instant) });
  await page.goto(base + c.url, { waitUntil: 'load' });
  if (c.kind === 'lookup') {
    await page.waitForSelector('[data-cm-lookup][data-cm-ready="true"]', { timeout: 10_000 });
    const cards = page.locator('.cm-card[data-id]');
    const count = await cards.count();
    if (c.expect_count !== undefined && count !== c.expect_count) {
      const ids = await page.$$eval('.cm-card[data-id]', (l) => l.map((e) => e.getAttribute('data-id')));
      problems.push(`${count} cards (${ids.join(', ')}), expected ${c.expect_count}`);
    }
    if (c.first_above_fold) {
      if (!count) problems.push('no card to look for above the fold');
      else {
        const first = cards.first();
        const name = await first.locator('.cm-card-name').boundingBox();
        const phone = await first.locator('a.tel').first().boundingBox();
        for (const [what, box] of [['name', name], ['phone link', phone]]) {
          if (!box) problems.push(`the first card has no visible ${what}`);
          else if (box.y + box.height > height)
            problems.push(`the first card's ${what} ends at ${Math.round(box.y + box.height)} px, below the fold (${height} px)`);
        }
        // Phone first: the card's phone link comes before its windows.
        const order = await first.evaluate((card) => {
          const tel = card.querySelector('a.tel');
          const windows = card.querySelector('.cm-card-windows');
          return tel && windows ? tel.compareDocumentPosition(windows) & Node.DOCUMENT_POSITION_FOLLOWING : 0;
        });
        if (!order) problems.push('the phone number does not come before the windows in the first card');
      }
    }
    const text = (await page.textContent('[data-cm-lookup]')).replace(/\s+/g, ' ');
    for (const t of c.expect_text ?? []) if (!text.includes(t)) problems.push(`the lookup does not say "${t}"`);
  } else if (c.kind === 'status') {
    await page.waitForSelector('.cm-status-live', { timeout: 10_000 });
    const text = (await page.textContent('[data-cm-status]')).replace(/\s+/g, ' ');
    if (c.expect_status === 'open' && !text.includes('連絡できる時間です')) problems.push(`status is not "open": ${text}`);
    if (c.expect_status === 'closed' && !text.includes('時間外')) problems.push(`status is not "closed": ${text}`);
    for (const t of c.expect_text ?? []) if (!text.includes(t)) problems.push(`status does not say "${t}": ${text}`);
  } else if (c.kind === 'table') {
    await page.clock.runFor(100);
    const marked = await page.locator('tr.cm-open-now .cm-now').count();
    if (c.expect_marked !== undefined && marked !== c.expect_marked)
      problems.push(`${marked} rows marked 「今 受付中」, expected ${c.expect_marked}`);
    const text = (await page.textContent('main')).replace(/\s+/g, ' ');
    for (const t of c.expect_text ?? []) if (!text.includes(t)) problems.push(`the page does not say "${t}"`);
    if (c.sticky_header) {
      const table = page.locator('table.cm-table').first();
      const box = await table.boundingBox();
      await page.evaluate((y) => window.scrollTo(0, y), box.y + box.height / 2);
      const head = await table.locator('thead th').first().boundingBox();
      if (!head || head.y < -1 || head.y > 80)
        problems.push(`after scrolling into the table the header row is at ${head ? Math.round(head.y) : '?'} px, not at the top`);
      // Names and contacts never break inside a word (「相談員 吉/田」): each such cell's text
      // wraps only at spaces and 「・」, so no cell is narrower than its longest word.
      const broken = await page.$$eval('table.cm-table td.cm-name, table.cm-table th.cm-name a', (cells) =>
        cells
          .filter((cell) => {
            const range = document.createRange();
            for (const word of cell.textContent.split(/[\s　・／]+/).filter(Boolean)) {
              const at = cell.textContent.indexOf(word);
              const node = [...cell.childNodes].find((n) => n.nodeType === 3 && n.textContent.includes(word));
              if (!node) continue;
              const start = node.textContent.indexOf(word);
              range.setStart(node, start);
              range.setEnd(node, start + word.length);
              if (range.getClientRects().length > 1 && at >= 0) return true;
            }
            return false;
          })
          .map((cell) => cell.textContent.trim()),
      );
      if (broken.length) problems.push(`words broken across lines: ${broken.slice(0, 5).join(' / ')}`);
      await page.evaluate(() => window.scrollTo(0, 0));
    }
  }
  if (errors.length) problems.push(`console errors: ${errors.join(' | ')}`);
  if (screenshots) {
    fs.mkdirSync(screenshots, { recursive: true });
    await page.screenshot({ path: path.join(screenshots, `lookup-${c.name}.png`) });
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
        console.log(`FAIL ${c.name} (${c.url} at ${c.instant})`);
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
  console.log(`lookup-first: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((error) => {
  console.error(error);
  console.log('lookup-first: 0 passed, 1 failed');
  process.exit(1);
});
