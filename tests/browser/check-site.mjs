#!/usr/bin/env node
// Checks a generated zaitaku site: Nu HTML Checker over every page, internal links and
// fragments, image text alternatives, <html lang>, then in headless Chromium (playwright-core)
// axe-core WCAG 2.1 A/AA, no horizontal scrolling at 320/375 px, no console errors and nothing
// loaded from third parties, plus screenshots. Usage:
//   node tests/browser/check-site.mjs SITE_DIR [--screenshots DIR] [--no-browser]
// Ends with `browser: N passed, M failed`; exits 1 if anything failed, 2 on bad usage.

import fs from 'node:fs';
import path from 'node:path';
import { Report } from './report.mjs';
import { startServer } from './server.mjs';
import { listFiles } from './site-scan.mjs';
import { runStaticChecks } from './static-checks.mjs';
import { runVnu } from './vnu.mjs';
import { selectPages } from './pages.mjs';
import { runBrowserChecks } from './browser-checks.mjs';

function usage(msg) {
  if (msg) console.error(`check-site: ${msg}`);
  console.error('usage: node tests/browser/check-site.mjs SITE_DIR [--screenshots DIR] [--no-browser]');
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { siteDir: null, screenshots: path.join('target', 'screenshots'), browser: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--screenshots') {
      if (i + 1 >= argv.length) usage('--screenshots needs a folder');
      opts.screenshots = argv[++i];
    } else if (a.startsWith('--screenshots=')) {
      opts.screenshots = a.slice('--screenshots='.length);
    } else if (a === '--no-browser') {
      opts.browser = false;
    } else if (a === '-h' || a === '--help') {
      usage();
    } else if (a.startsWith('-')) {
      usage(`unknown option ${a}`);
    } else if (opts.siteDir === null) {
      opts.siteDir = a;
    } else {
      usage(`unexpected argument ${a}`);
    }
  }
  if (!opts.siteDir) usage('SITE_DIR is required');
  return opts;
}

/** Removes screenshots of an earlier run, so the folder shows this run only. */
function clearOldScreenshots(dir) {
  if (!fs.existsSync(dir)) return;
  for (const f of fs.readdirSync(dir)) {
    if (/-(desktop|phone)\.png$/.test(f)) fs.rmSync(path.join(dir, f), { force: true });
  }
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const siteDir = path.resolve(opts.siteDir);
  if (!fs.existsSync(siteDir) || !fs.statSync(siteDir).isDirectory()) usage(`${siteDir} is not a folder`);
  const started = performance.now();
  const report = new Report();
  console.log(`check-site: ${siteDir}`);

  const listing = listFiles(siteDir);
  const htmlFiles = listing.files.filter((f) => f.endsWith('.html'));
  report.check('site', 'has HTML pages', htmlFiles.length ? [] : ['no *.html files in SITE_DIR']);

  // Nu HTML Checker runs in the background (java, one core) while the rest goes on.
  const vnuPromise = runVnu(siteDir, htmlFiles);

  runStaticChecks(siteDir, listing, report);

  const { pages, missing, optionalMissing } = selectPages(siteDir, listing.fileSet);
  for (const kind of missing) report.check('page kinds', kind, [`the site has no page of kind "${kind}"`]);
  if (missing.length === 0) report.check('page kinds', 'all required kinds present', []);
  report.section(
    'page kinds',
    `${pages.length} representative pages: ${pages.map((p) => `${p.kind}=${p.url}`).join(' ')}` +
      (optionalMissing.length ? ` (optional, not in this site: ${optionalMissing.join(', ')})` : ''),
  );

  if (opts.browser) {
    const screenshotsDir = path.resolve(opts.screenshots);
    clearOldScreenshots(screenshotsDir);
    const server = await startServer(siteDir);
    report.section('server', `serving ${siteDir} at ${server.url}`);
    try {
      await runBrowserChecks({ baseUrl: server.url, pages, report, screenshotsDir });
    } finally {
      await server.close();
    }
    report.section('screenshots', screenshotsDir);
  } else {
    report.section('browser', 'skipped (--no-browser)');
  }

  const vnu = await vnuPromise;
  for (const [file, errors] of vnu.byFile) report.check('html', file, errors);
  if (vnu.fatal.length) report.check('html', 'vnu run', vnu.fatal);
  report.section('html', `Nu HTML Checker: ${htmlFiles.length} files in ${vnu.batchCount} batch(es), ${vnu.seconds.toFixed(1)} s`);
  report.timing('vnu', `${htmlFiles.length} files in ${vnu.batchCount} batch(es), ${vnu.seconds.toFixed(1)} s`);
  report.timing('total', `${((performance.now() - started) / 1000).toFixed(1)} s`);

  process.exitCode = report.finish();
}

main().catch((e) => {
  console.error(e?.stack ?? String(e));
  console.log('browser: 0 passed, 1 failed');
  process.exitCode = 1;
});
