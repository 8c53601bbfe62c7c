// Picks one representative page per page kind from the files the site has, for the browser
// checks and screenshots. Every kind must be present, except /search/ and /print/ (optional).

import fs from 'node:fs';
import path from 'node:path';

const RESOURCE_LISTS = new Set(['category', 'area', 'service']);

/** index.html files of the direct subfolders of `folder` (e.g. "manga"), sorted by name. */
function childPages(fileSet, folder, exclude = new Set()) {
  const re = new RegExp(`^${folder.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/([^/]+)/index\\.html$`);
  const out = [];
  for (const f of fileSet) {
    const m = re.exec(f);
    if (m && !exclude.has(m[1])) out.push(f);
  }
  return out.sort();
}

const urlOf = (file) => `/${file.replace(/(^|\/)index\.html$/, '$1')}`;

/**
 * Returns { pages: [{ kind, file, url, status }], missing: [kind], optionalMissing: [kind] }.
 * `url` is the path to load; `status` the HTTP status expected.
 */
export function selectPages(siteDir, fileSet) {
  const exact = (file) => (fileSet.has(file) ? file : null);
  const first = (list) => list[0] ?? null;
  const largest = (list) => {
    let best = null;
    let bestSize = -1;
    for (const f of list) {
      const size = fs.statSync(path.join(siteDir, f)).size;
      if (size > bestSize) {
        best = f;
        bestSize = size;
      }
    }
    return best;
  };

  const kinds = [
    ['home', exact('index.html')],
    ['resources', exact('resources/index.html')],
    ['resources-category', first(childPages(fileSet, 'resources/category'))],
    ['resources-area', first(childPages(fileSet, 'resources/area'))],
    ['resources-service', first(childPages(fileSet, 'resources/service'))],
    ['facility', largest(childPages(fileSet, 'resources', RESOURCE_LISTS))],
    ['caremane-time', exact('caremane-time/index.html')],
    ['caremane-time-mon', exact('caremane-time/mon/index.html')],
    ['availability', exact('availability/index.html'), { optional: true }],
    ['pamphlet', exact('pamphlet/index.html')],
    ['pamphlet-chapter', first(childPages(fileSet, 'pamphlet', new Set(['all'])))],
    ['pamphlet-all', exact('pamphlet/all/index.html')],
    ['manga', exact('manga/index.html')],
    ['manga-episode', first(childPages(fileSet, 'manga'))],
    ['lectures', exact('lectures/index.html')],
    ['lecture', first(childPages(fileSet, 'lectures'))],
    ['news', exact('news/index.html')],
    ['news-item', first(childPages(fileSet, 'news'))],
    ['accessibility', exact('accessibility/index.html')],
    ['search', exact('search/index.html'), { optional: true }],
    ['print', exact('print/index.html'), { optional: true }],
    // The 404 page is loaded at a path that does not exist, as a visitor would meet it: this also
    // proves its links and styles work from any depth.
    ['404', exact('404.html'), { url: '/zaitaku-no-such-page/nested/', status: 404 }],
  ];

  const pages = [];
  const missing = [];
  const optionalMissing = [];
  for (const [kind, file, opts = {}] of kinds) {
    if (!file) {
      (opts.optional ? optionalMissing : missing).push(kind);
      continue;
    }
    pages.push({ kind, file, url: opts.url ?? urlOf(file), status: opts.status ?? 200 });
  }
  return { pages, missing, optionalMissing };
}
