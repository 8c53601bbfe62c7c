// Static checks over every file of the site, no browser needed:
//   links — every internal href/src/srcset/action/CSS url() resolves to a file of the site,
//           `#fragment`s exist as an id on the target page, nothing is loaded from another host;
//   alt   — every <img> has an alt: text, or exactly "" for a decorative image; every inline
//           <svg> has a <title>/aria-label/aria-labelledby or is aria-hidden="true";
//   lang  — <html lang="ja…">.

import fs from 'node:fs';
import path from 'node:path';
import { scanHtml, svgIds, cssUrls } from './site-scan.mjs';

const SITE = 'http://site.invalid';

/**
 * Resolves a reference found in `fromRel` (a site-relative file path).
 * Returns { kind: 'ignore' } | { kind: 'external', url } | { kind: 'internal', file, dir, fragment, problem }.
 */
export function resolveRef(value, fromRel, { baseHref, siteBase } = {}) {
  const v = value.trim();
  if (v === '') return { kind: 'ignore' };
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(v)?.[1]?.toLowerCase();
  if (scheme && scheme !== 'http' && scheme !== 'https') return { kind: 'ignore' }; // mailto: tel: data: …
  let pageUrl = new URL(`/${fromRel}`, SITE);
  if (baseHref) {
    try {
      pageUrl = new URL(baseHref, pageUrl);
    } catch {
      /* vnu reports a bad <base> */
    }
  }
  let abs = v;
  if (siteBase && (v.startsWith(siteBase) || `${v}/` === siteBase)) {
    abs = `/${v.slice(siteBase.length)}`;
  }
  let url;
  try {
    url = new URL(abs, pageUrl);
  } catch {
    return { kind: 'internal', problem: 'not a valid URL' };
  }
  if (url.origin !== SITE) return { kind: 'external', url: url.href };
  let pathname;
  try {
    pathname = decodeURIComponent(url.pathname);
  } catch {
    return { kind: 'internal', problem: 'bad percent-encoding in path' };
  }
  let fragment = null;
  if (url.hash.startsWith('#:~:')) fragment = null; // text fragment
  else if (url.hash) {
    try {
      fragment = decodeURIComponent(url.hash.slice(1));
    } catch {
      fragment = url.hash.slice(1);
    }
  } else if (v.endsWith('#')) fragment = '';
  const rel = pathname.replace(/^\/+/, '');
  const file = rel === '' || rel.endsWith('/') ? `${rel}index.html` : rel;
  return { kind: 'internal', file, dir: rel.replace(/\/$/, ''), fragment };
}

/** Scans and checks every file; records checks in `report`; returns { scans, siteBase } for later use. */
export function runStaticChecks(siteDir, listing, report) {
  const t0 = performance.now();
  const { files, fileSet, dirs } = listing;
  const htmlFiles = files.filter((f) => f.endsWith('.html'));
  const cssFiles = files.filter((f) => f.endsWith('.css'));

  const scans = new Map();
  for (const f of htmlFiles) {
    try {
      scans.set(f, scanHtml(path.join(siteDir, f)));
    } catch (e) {
      report.check('parse', f, [`cannot parse: ${e.message}`]);
    }
  }

  // The site's own absolute URL, from the home page's canonical link, counts as internal.
  let siteBase;
  const canonical = scans.get('index.html')?.canonical;
  if (canonical && /^https?:\/\//i.test(canonical)) {
    siteBase = canonical.endsWith('/') ? canonical : `${canonical}/`;
    report.section('links', `absolute links under ${siteBase} (home page canonical) are checked as internal`);
  }

  const svgIdCache = new Map();
  const idsOf = (file) => {
    if (file.endsWith('.html')) return scans.get(file)?.ids;
    if (file.endsWith('.svg')) {
      if (!svgIdCache.has(file)) svgIdCache.set(file, svgIds(path.join(siteDir, file)));
      return svgIdCache.get(file);
    }
    return undefined; // fragments into PDFs etc. are not checked
  };

  const checkRef = (ref, fromRel, baseHref) => {
    const shown = `${fromRel}:${ref.line}:${ref.col} <${ref.tag} ${ref.attr}="${ref.value}">`;
    const r = resolveRef(ref.value, fromRel, { baseHref, siteBase });
    if (r.kind === 'ignore') return null;
    if (r.kind === 'external') {
      return ref.resource ? `${shown}: loads from another host (${r.url}); nothing may load from third parties` : null;
    }
    if (r.problem) return `${shown}: ${r.problem}`;
    if (!fileSet.has(r.file)) {
      if (dirs.has(r.dir) && r.dir !== '') return `${shown}: points to the folder /${r.dir} without a trailing slash (use /${r.dir}/)`;
      return `${shown}: target /${r.file} does not exist`;
    }
    if (r.fragment === '') return `${shown}: empty fragment "#" goes nowhere`;
    if (r.fragment) {
      const ids = idsOf(r.file);
      if (ids && !ids.has(r.fragment)) return `${shown}: no id="${r.fragment}" in /${r.file}`;
    }
    return null;
  };

  let refCount = 0;
  for (const [f, scan] of scans) {
    const problems = [];
    for (const ref of scan.refs) {
      refCount += 1;
      const p = checkRef(ref, f, scan.baseHref);
      if (p) problems.push(p);
    }
    report.check('links', f, problems);
    report.check('alt', f, scan.altProblems.map((p) => `${f}:${p}`));
    const lang = scan.lang ?? '';
    report.check('lang', f, /^ja(-|$)/i.test(lang) ? [] : [`${f}: <html lang="${lang}"> should be lang="ja"`]);
  }
  for (const f of cssFiles) {
    const problems = [];
    for (const u of cssUrls(fs.readFileSync(path.join(siteDir, f), 'utf8'))) {
      if (u.value.startsWith('#')) continue; // url(#filter) refers to the document using the CSS
      refCount += 1;
      const p = checkRef({ tag: 'css', attr: 'url', value: u.value, line: u.line, col: 0, resource: true }, f);
      if (p) problems.push(p);
    }
    report.check('links', f, problems);
  }
  const secs = ((performance.now() - t0) / 1000).toFixed(2);
  report.section('static', `${htmlFiles.length} HTML + ${cssFiles.length} CSS files, ${refCount} references checked in ${secs} s`);
  report.timing('static checks', `${htmlFiles.length} HTML files, ${refCount} references in ${secs} s`);
  return { scans, siteBase, htmlFiles };
}
