// Site scan: lists the files of the generated site and parses every HTML page (with parse5)
// into a small summary: its ids, every URL it references (with line:col), its <img>/<svg>
// text-alternative problems and its <html lang>. Also pulls url()/@import out of CSS files.

import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'parse5';

const SVG_NS = 'http://www.w3.org/2000/svg';

/** All files under `root`, as sorted POSIX relative paths, plus the set of folders. */
export function listFiles(root) {
  const files = [];
  const dirs = new Set(['']);
  const walk = (rel) => {
    const entries = fs.readdirSync(path.join(root, rel), { withFileTypes: true });
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        dirs.add(r);
        walk(r);
      } else if (e.isFile() || e.isSymbolicLink()) {
        files.push(r);
      }
    }
  };
  walk('');
  files.sort();
  return { files, fileSet: new Set(files), dirs };
}

const attr = (el, name) => {
  const a = el.attrs?.find((x) => x.name === name && !x.prefix);
  return a ? a.value : undefined;
};
const xlinkHref = (el) => el.attrs?.find((x) => x.name === 'href' && x.prefix === 'xlink')?.value;

// Which attributes hold URLs, and whether the browser fetches them by itself ("resource")
// or only when followed ("link").
const RESOURCE_SRC = new Set(['img', 'script', 'iframe', 'embed', 'audio', 'video', 'source', 'track', 'input']);
const RESOURCE_LINK_RELS = new Set([
  'stylesheet', 'icon', 'shortcut', 'apple-touch-icon', 'apple-touch-icon-precomposed',
  'mask-icon', 'preload', 'modulepreload', 'prefetch', 'manifest',
]);

/** Parses a srcset attribute into its URLs (HTML spec algorithm, without descriptors). */
export function srcsetUrls(value) {
  const urls = [];
  let i = 0;
  const s = value;
  const ws = (c) => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f';
  while (i < s.length) {
    while (i < s.length && (ws(s[i]) || s[i] === ',')) i++;
    if (i >= s.length) break;
    let start = i;
    while (i < s.length && !ws(s[i])) i++;
    let url = s.slice(start, i);
    if (url.endsWith(',')) {
      urls.push(url.replace(/,+$/, ''));
      continue;
    }
    urls.push(url);
    // skip descriptors up to the next comma outside parentheses
    let depth = 0;
    while (i < s.length) {
      if (s[i] === '(') depth++;
      else if (s[i] === ')') depth = Math.max(0, depth - 1);
      else if (s[i] === ',' && depth === 0) break;
      i++;
    }
  }
  return urls.filter((u) => u.length > 0);
}

/** URLs referenced from CSS text: url(...) and @import "...". */
export function cssUrls(text) {
  const out = [];
  const noComments = text.replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, ' '));
  const lineOf = (idx) => noComments.slice(0, idx).split('\n').length;
  const re = /url\(\s*(?:"([^"]*)"|'([^']*)'|([^)"'\s]*))\s*\)|@import\s+(?:"([^"]*)"|'([^']*)')/gi;
  let m;
  while ((m = re.exec(noComments))) {
    const v = m[1] ?? m[2] ?? m[3] ?? m[4] ?? m[5] ?? '';
    out.push({ value: v, line: lineOf(m.index) });
  }
  return out;
}

const textOf = (node) => {
  if (node.nodeName === '#text') return node.value;
  return (node.childNodes ?? []).map(textOf).join('');
};

/** Parses one HTML file into a summary. */
export function scanHtml(absPath) {
  const html = fs.readFileSync(absPath, 'utf8');
  const doc = parse(html, { sourceCodeLocationInfo: true });
  const ids = new Set();
  const refs = []; // { tag, attr, value, line, col, resource }
  const altProblems = [];
  let lang;
  let baseHref;
  let canonical;

  const here = (el) => {
    const loc = el.sourceCodeLocation;
    return loc ? `${loc.startLine}:${loc.startCol}` : '?:?';
  };
  const add = (el, attrName, value, resource) => {
    if (value === undefined) return;
    const loc = el.sourceCodeLocation?.attrs?.[attrName] ?? el.sourceCodeLocation;
    refs.push({
      tag: el.tagName,
      attr: attrName,
      value,
      line: loc?.startLine ?? 0,
      col: loc?.startCol ?? 0,
      resource,
    });
  };
  const addCss = (el, text) => {
    const baseLine = el.sourceCodeLocation?.startLine ?? 1;
    for (const u of cssUrls(text)) {
      refs.push({ tag: el.tagName, attr: 'css url()', value: u.value, line: baseLine + u.line - 1, col: 0, resource: true });
    }
  };

  const walk = (node, ctx) => {
    for (const child of node.childNodes ?? []) visit(child, ctx);
    if (node.content) visit(node.content, ctx); // <template>
  };

  const visit = (el, ctx) => {
    if (!el.tagName) {
      walk(el, ctx);
      return;
    }
    const tag = el.tagName;
    const id = attr(el, 'id');
    if (id !== undefined && id !== '') ids.add(id);
    const hidden = ctx.hidden || attr(el, 'aria-hidden') === 'true';
    const style = attr(el, 'style');
    if (style) addCss(el, style);

    if (el.namespaceURI === SVG_NS) {
      if (tag === 'svg' && !ctx.inSvg) {
        const label = (attr(el, 'aria-label') ?? '').trim();
        const labelledby = (attr(el, 'aria-labelledby') ?? '').trim();
        const title = (el.childNodes ?? []).find((c) => c.tagName === 'title');
        const titleText = title ? textOf(title).trim() : '';
        if (!hidden && !label && !labelledby && !titleText) {
          altProblems.push(
            `${here(el)} <svg> has no <title>, aria-label or aria-labelledby, and is not aria-hidden="true"`,
          );
        }
        if (labelledby) ctx.pendingLabelledby.push({ el, ids: labelledby.split(/\s+/) });
      }
      if (tag === 'a' || tag === 'use' || tag === 'image') {
        add(el, 'href', attr(el, 'href') ?? xlinkHref(el), tag !== 'a');
      }
      walk(el, { ...ctx, inSvg: true, hidden });
      return;
    }

    switch (tag) {
      case 'html':
        lang = attr(el, 'lang');
        break;
      case 'base':
        baseHref ??= attr(el, 'href');
        break;
      case 'a':
      case 'area':
        if (tag === 'a' && attr(el, 'name')) ids.add(attr(el, 'name'));
        add(el, 'href', attr(el, 'href'), false);
        break;
      case 'link': {
        const rels = (attr(el, 'rel') ?? '').toLowerCase().split(/\s+/);
        if (rels.includes('canonical')) canonical ??= attr(el, 'href');
        add(el, 'href', attr(el, 'href'), rels.some((r) => RESOURCE_LINK_RELS.has(r)));
        if (attr(el, 'imagesrcset')) {
          for (const u of srcsetUrls(attr(el, 'imagesrcset'))) add(el, 'imagesrcset', u, true);
        }
        break;
      }
      case 'form':
        add(el, 'action', attr(el, 'action'), false);
        break;
      case 'object':
        add(el, 'data', attr(el, 'data'), true);
        break;
      case 'style':
        addCss(el, textOf(el));
        break;
      default:
        break;
    }
    if (RESOURCE_SRC.has(tag)) {
      if (tag !== 'input' || (attr(el, 'type') ?? '').toLowerCase() === 'image') {
        add(el, 'src', attr(el, 'src'), true);
      }
    }
    if (tag === 'video') add(el, 'poster', attr(el, 'poster'), true);
    if (tag === 'img' || tag === 'source') {
      const srcset = attr(el, 'srcset');
      if (srcset !== undefined) for (const u of srcsetUrls(srcset)) add(el, 'srcset', u, true);
    }

    if (tag === 'img') {
      // Decorative images are alt="" (the Nu checker rejects alt="" together with role="presentation";
      // alt="" already means presentation). Anything else needs real text.
      const alt = attr(el, 'alt');
      const src = attr(el, 'src') ?? '';
      if (alt === undefined) {
        altProblems.push(`${here(el)} <img src="${src}"> has no alt attribute (give it a text alternative, or alt="" if purely decorative)`);
      } else if (alt !== '' && alt.trim() === '') {
        altProblems.push(`${here(el)} <img src="${src}"> has a blank alt: write a text alternative, or alt="" exactly if purely decorative`);
      }
    }
    if (tag === 'input' && (attr(el, 'type') ?? '').toLowerCase() === 'image') {
      if (!(attr(el, 'alt') ?? '').trim()) altProblems.push(`${here(el)} <input type="image"> has no alt text`);
    }

    walk(el, { ...ctx, hidden });
  };

  const ctx = { inSvg: false, hidden: false, pendingLabelledby: [] };
  visit(doc, ctx);
  for (const { el, ids: refIds } of ctx.pendingLabelledby) {
    const missing = refIds.filter((x) => !ids.has(x));
    if (missing.length) altProblems.push(`${here(el)} <svg aria-labelledby> points to missing id(s): ${missing.join(' ')}`);
  }
  return { ids, refs, altProblems, lang, baseHref, canonical };
}

/** ids in an SVG file (for `file.svg#id` references). */
export function svgIds(absPath) {
  const text = fs.readFileSync(absPath, 'utf8');
  const ids = new Set();
  for (const m of text.matchAll(/\sid\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) ids.add(m[1] ?? m[2]);
  return ids;
}
