/*
 * zaitaku search engine for the browser: a line-by-line port of src/search/normalize.rs,
 * src/search/engine.rs and src/search/format.rs. It reads the prebuilt index in
 * search-index/ (gzip JSON files written by `zaitaku build`), fetching only the term chunks a
 * query needs, and ranks exactly as `zaitaku search` does. No framework, nothing from another
 * host. Its tables (異体字, 法人格, small kana, numerals, particles …) are not here: they come
 * from src/ja/rules.json inside meta.bin. Keep the code in step with the Rust:
 * tests/testsuite/parity.rs runs both under node on the test queries and thousands of
 * generated strings, and tests/browser/search-parity.mjs compares them in Chromium.
 */
(function (global) {
  'use strict';

  // ---- Characters (normalize.rs) -------------------------------------------------------

  function cp(c) { return c.codePointAt(0); }

  function isHiragana(c) { const x = cp(c); return (x >= 0x3041 && x <= 0x3096) || x === 0x309d || x === 0x309e; }
  function isKatakana(c) { const x = cp(c); return (x >= 0x30a1 && x <= 0x30fa) || x === 0x30fd || x === 0x30fe; }
  function isKanji(c) {
    const x = cp(c);
    return (x >= 0x3005 && x <= 0x3007) || (x >= 0x3400 && x <= 0x4dbf) || (x >= 0x4e00 && x <= 0x9fff) ||
      (x >= 0xf900 && x <= 0xfaff) || (x >= 0x20000 && x <= 0x3ffff);
  }
  function isAsciiDigit(c) { return c.length === 1 && c >= '0' && c <= '9'; }
  /** engine.rs `is_whole_number`: digits and dashes only, with seven digits or more. */
  function isWholeNumber(chars) {
    return chars.every((c) => isAsciiDigit(c) || c === '-') && chars.filter(isAsciiDigit).length >= 7;
  }
  function isAsciiAlnum(c) { return c.length === 1 && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')); }
  function isSpace(c) {
    const x = cp(c);
    return x === 0x20 || x === 0x09 || x === 0x0a || x === 0x0d || x === 0x0b || x === 0x0c || x === 0xa0 ||
      x === 0x1680 || (x >= 0x2000 && x <= 0x200b) || x === 0x2028 || x === 0x2029 || x === 0x202f ||
      x === 0x205f || x === 0x3000 || x === 0xfeff;
  }
  function isBoundary(c) {
    const x = cp(c);
    if (x < 0x80) return !isAsciiAlnum(c);
    return (x >= 0x80 && x <= 0xbf) || x === 0xd7 || x === 0xf7 || (x >= 0x2000 && x <= 0x206f) ||
      (x >= 0x2190 && x <= 0x2bff) || (x >= 0x3000 && x <= 0x3004) || (x >= 0x3008 && x <= 0x303f) ||
      x === 0x30fb || (x >= 0xfe10 && x <= 0xfe6f) || (x >= 0xff00 && x <= 0xff65) ||
      (x >= 0xfff0 && x <= 0xffff) || (x >= 0x1f000 && x <= 0x1ffff);
  }
  function isDash(c) {
    const x = cp(c);
    return x === 0x2d || (x >= 0x2010 && x <= 0x2015) || x === 0x2043 || x === 0x2212 || x === 0x2500 ||
      x === 0x2501 || x === 0x30fc || x === 0xfe63 || x === 0xff0d || x === 0xff70;
  }
  function isVoicingMark(c) {
    const x = cp(c);
    return (x >= 0x300 && x <= 0x36f) || x === 0x3099 || x === 0x309a || x === 0xff9e || x === 0xff9f;
  }
  /** Hiragana to katakana (ja::to_katakana). */
  function toKatakana(c) {
    const x = cp(c);
    if ((x >= 0x3041 && x <= 0x3096) || x === 0x309d || x === 0x309e) return String.fromCodePoint(x + 0x60);
    return c;
  }

  /** Compares strings by code point (as Rust does). */
  function compare(a, b) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      const x = a.charCodeAt(i);
      const y = b.charCodeAt(i);
      if (x === y) continue;
      const xs = x >= 0xd800 && x <= 0xdfff;
      const ys = y >= 0xd800 && y <= 0xdfff;
      if (xs !== ys) return xs ? 1 : -1; // a surrogate (astral) sorts after every BMP unit
      return x < y ? -1 : 1;
    }
    return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
  }
  function compareArrays(a, b) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      if (a[i] !== b[i]) return cp(a[i]) < cp(b[i]) ? -1 : 1;
    }
    return a.length - b.length;
  }

  /** The tables of src/ja/rules.json (the part `ja::browser_rules` sends), and the text rules
   *  of normalize.rs that use them. */
  class Rules {
    constructor(json) {
      this.variants = new Map(Object.entries(json.variants));
      this.smallKana = new Map(Object.entries(json.small_kana));
      this.kanjiDigits = new Map(Object.entries(json.numerals.digits));
      this.kanjiUnits = new Map(Object.entries(json.numerals.units));
      const byLength = (list) => list.map((w) => this.prepChars(w))
        .sort((a, b) => (b.length - a.length) || compareArrays(a, b));
      this.legalPrefixes = byLength(json.legal_forms.map((f) => f.form));
      this.particles = byLength(json.particles);
      this.noise = byLength(json.noise);
      this.stop = new Set();
      for (const w of json.particles.concat(json.noise)) this.stop.add(this.normalize(w).chars.join(''));
    }

    /** Katakana for hiragana, full-size for small kana. */
    foldKana(c) {
      const k = toKatakana(c);
      return this.smallKana.get(k) || k;
    }

    isKanjiNumeral(c) { return this.kanjiDigits.has(c) || this.kanjiUnits.has(c); }

    /** 二十三 → 23, 一二 → 12, 百 → 100. */
    kanjiNumber(run) {
      if (run.some((c) => this.kanjiUnits.has(c))) {
        let total = 0;
        let current = 0;
        for (const c of run) {
          const unit = this.kanjiUnits.get(c);
          if (unit === undefined) { current = current * 10 + (this.kanjiDigits.get(c) || 0); continue; }
          total += Math.max(current, 1) * unit;
          current = 0;
        }
        return String(total + current);
      }
      return run.map((c) => String(this.kanjiDigits.get(c) || 0)).join('');
    }

    /** The length of an address counter (丁目, 番地, 番, 号) at `at`, or 0. */
    counterAt(chars, at) {
      const next = (k) => (at + k < chars.length ? chars[at + k] : null);
      const c = next(0);
      if (c === '丁' && next(1) === '目') return 2;
      if (c === '番' && next(1) === '地') return 2;
      if (c === '番') {
        const d = next(1);
        if (d === null || d === ' ' || d === '-' || isAsciiDigit(d) || this.isKanjiNumeral(d)) return 1;
        return 0;
      }
      if (c === '号') return 1;
      return 0;
    }

    units(text, emit) {
      const chars = Array.from(text);
      let i = 0;
      while (i < chars.length) {
        const start = i;
        let unit = chars[i];
        i += 1;
        while (i < chars.length && isVoicingMark(chars[i])) { unit += chars[i]; i += 1; }
        for (let c of Array.from(unit.normalize('NFKC'))) {
          if (c.length === 1 && c >= 'A' && c <= 'Z') c = c.toLowerCase();
          c = this.variants.get(c) || c;
          emit(c, start);
        }
      }
    }

    prepChars(text) {
      const out = [];
      this.units(text, (c) => out.push(c));
      return out;
    }

    prep(text) { return this.prepChars(text).join(''); }

    normalize(text) {
      const folded = { chars: [], source: [] };
      this.units(text, (c, s) => { folded.chars.push(this.foldKana(c)); folded.source.push(s); });
      const second = { chars: [], source: [] };
      const last = (o) => (o.chars.length ? o.chars[o.chars.length - 1] : null);
      const n = folded.chars.length;
      for (let i = 0; i < n; i++) {
        const c = folded.chars[i];
        const s = folded.source[i];
        if (isDash(c)) {
          const p = last(second);
          if (p === null || p === ' ' || p === '-' || isKatakana(p)) continue;
          second.chars.push('-'); second.source.push(s);
          continue;
        }
        if ((c === 'ケ' || c === 'ガ' || c === 'カ')) {
          const p = last(second);
          if (p !== null && (isKanji(p) || isAsciiDigit(p)) && i + 1 < n && isKanji(folded.chars[i + 1])) {
            second.chars.push('ケ'); second.source.push(s);
            continue;
          }
        }
        if (isSpace(c)) continue;
        if (isBoundary(c)) {
          const p = last(second);
          if (p !== null && p !== ' ') { second.chars.push(' '); second.source.push(s); }
          continue;
        }
        second.chars.push(c); second.source.push(s);
      }
      while (last(second) === ' ') { second.chars.pop(); second.source.pop(); }

      const chars = second.chars;
      const m = chars.length;
      const out = { chars: [], source: [] };
      const push = (c, s) => { out.chars.push(c); out.source.push(s); };
      let i = 0;
      while (i < m) {
        const c = chars[i];
        const kanji = this.isKanjiNumeral(c);
        if (kanji || isAsciiDigit(c)) {
          let j = i;
          while (j < m && (kanji ? this.isKanjiNumeral(chars[j]) : isAsciiDigit(chars[j]))) j += 1;
          const counter = this.counterAt(chars, j);
          if (counter > 0) {
            if (kanji) {
              for (const d of this.kanjiNumber(chars.slice(i, j))) push(d, second.source[i]);
            } else {
              for (let k = i; k < j; k++) push(chars[k], second.source[k]);
            }
            if (chars[j] !== '号' && last(out) !== '-') push('-', second.source[j]);
            i = j + counter;
            continue;
          }
          for (let k = i; k < j; k++) push(chars[k], second.source[k]);
          i = j;
          continue;
        }
        if (c === '-' && last(out) === '-') { i += 1; continue; }
        push(c, second.source[i]);
        i += 1;
      }
      return out;
    }

    fold(text) { return this.normalize(text).chars.filter((c) => c !== ' ').join(''); }
  }

  // ---- Files (format.rs) ---------------------------------------------------------------

  async function inflate(buffer) {
    const bytes = new Uint8Array(buffer);
    if (bytes.length > 1 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
      // Written straight into the stream: a Blob would cost a round trip to the browser process.
      const inflater = new DecompressionStream('gzip');
      const writer = inflater.writable.getWriter();
      writer.write(bytes).catch(() => {});
      writer.close().catch(() => {});
      return new Uint8Array(await new Response(inflater.readable).arrayBuffer());
    }
    return bytes;
  }

  function base64Bytes(text) {
    const binary = atob(text);
    const out = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
    return out;
  }

  /** Postings: documents in order and their impacts, as typed arrays. */
  const EMPTY = { docs: new Int32Array(0), imps: new Int32Array(0) };

  /** [[impact, docs], …] (format.rs) → postings sorted by document. `count`: documents. */
  function decodePostings(value, count) {
    if (!Array.isArray(value) || value.length === 0) return EMPTY;
    let total = 0;
    let dense = false;
    for (const group of value) {
      if (typeof group[1] === 'string') dense = true;
      else if (Array.isArray(group[1])) total += group[1].length;
    }
    if (dense || total > count / 8) {
      // Impacts are at least 1, so 0 marks an absent document.
      const imp = new Int32Array(count);
      let n = 0;
      for (const [impact, docs] of value) {
        if (typeof docs === 'string') {
          const bytes = base64Bytes(docs);
          for (let b = 0; b < bytes.length; b++) {
            const byte = bytes[b];
            if (!byte) continue;
            for (let bit = 0; bit < 8; bit++) {
              if (byte & (1 << bit)) { const d = b * 8 + bit; if (d < count) { if (!imp[d]) n += 1; imp[d] = impact; } }
            }
          }
        } else if (Array.isArray(docs)) {
          let d = 0;
          for (let i = 0; i < docs.length; i++) {
            d = i === 0 ? docs[i] : d + docs[i];
            if (d < count) { if (!imp[d]) n += 1; imp[d] = impact; }
          }
        }
      }
      const out = { docs: new Int32Array(n), imps: new Int32Array(n) };
      for (let d = 0, k = 0; d < count; d++) if (imp[d]) { out.docs[k] = d; out.imps[k] = imp[d]; k += 1; }
      return out;
    }
    const keys = new Float64Array(total);
    let k = 0;
    for (const [impact, docs] of value) {
      if (!Array.isArray(docs)) continue;
      let d = 0;
      for (let i = 0; i < docs.length; i++) {
        d = i === 0 ? docs[i] : d + docs[i];
        keys[k++] = d * 65536 + impact;
      }
    }
    if (value.length > 1) keys.sort();
    const out = { docs: new Int32Array(total), imps: new Int32Array(total) };
    for (let i = 0; i < total; i++) {
      out.docs[i] = Math.floor(keys[i] / 65536);
      out.imps[i] = keys[i] - out.docs[i] * 65536;
    }
    return out;
  }

  // ---- Engine (engine.rs) --------------------------------------------------------------

  const MAX_QUERY_CHARS = 100;

  function splitWords(chars) {
    const out = [];
    let current = [];
    for (const c of chars) {
      if (isSpace(c) || (isBoundary(c) && !isDash(c))) {
        if (current.length) { out.push(current); current = []; }
      } else {
        current.push(c);
      }
    }
    if (current.length) out.push(current);
    return out;
  }

  function startsWith(chars, at, prefix) {
    if (at + prefix.length > chars.length) return false;
    for (let k = 0; k < prefix.length; k++) if (chars[at + k] !== prefix[k]) return false;
    return true;
  }

  function particlesOnly(run, particles) {
    const n = run.length;
    const ok = new Array(n + 1).fill(false);
    ok[n] = true;
    for (let i = n - 1; i >= 0; i--) ok[i] = particles.some((p) => startsWith(run, i, p) && ok[i + p.length]);
    return ok[0];
  }

  function splitParticles(part, particles) {
    const out = [];
    let start = 0;
    let i = 0;
    while (i < part.length) {
      if (isHiragana(part[i]) && i > 0) {
        let j = i;
        while (j < part.length && isHiragana(part[j])) j += 1;
        if (particlesOnly(part.slice(i, j), particles)) {
          if (i > start) out.push(part.slice(start, i));
          start = j;
        }
        i = j;
        continue;
      }
      i += 1;
    }
    if (start < part.length) out.push(part.slice(start));
    return out;
  }

  function cutNoise(word, noise) {
    const out = [];
    let current = [];
    let i = 0;
    while (i < word.length) {
      const found = noise.find((n) => startsWith(word, i, n));
      if (found) {
        if (current.length) { out.push(current); current = []; }
        i += found.length;
        continue;
      }
      current.push(word[i]);
      i += 1;
    }
    if (current.length) out.push(current);
    return out;
  }

  /** Documents in both sorted lists. */
  function intersect(a, b) {
    const out = new Int32Array(Math.min(a.length, b.length));
    let i = 0;
    let j = 0;
    let k = 0;
    while (i < a.length && j < b.length) {
      if (a[i] < b[j]) i += 1;
      else if (a[i] > b[j]) j += 1;
      else { out[k++] = a[i]; i += 1; j += 1; }
    }
    return out.subarray(0, k);
  }

  /** Postings of documents in both, combining impacts with `f`. */
  function joinPostings(a, b, f) {
    const n = Math.min(a.docs.length, b.docs.length);
    const docs = new Int32Array(n);
    const imps = new Int32Array(n);
    let i = 0;
    let j = 0;
    let k = 0;
    while (i < a.docs.length && j < b.docs.length) {
      const x = a.docs[i];
      const y = b.docs[j];
      if (x < y) i += 1;
      else if (x > y) j += 1;
      else { docs[k] = x; imps[k] = f(a.imps[i], b.imps[j]); k += 1; i += 1; j += 1; }
    }
    return { docs: docs.subarray(0, k), imps: imps.subarray(0, k) };
  }

  /** Postings of documents in either, combining impacts of those in both with `f`. */
  function unionPostings(a, b, f) {
    const n = a.docs.length + b.docs.length;
    const docs = new Int32Array(n);
    const imps = new Int32Array(n);
    let i = 0;
    let j = 0;
    let k = 0;
    while (i < a.docs.length || j < b.docs.length) {
      if (j >= b.docs.length || (i < a.docs.length && a.docs[i] < b.docs[j])) { docs[k] = a.docs[i]; imps[k] = a.imps[i]; i += 1; }
      else if (i >= a.docs.length || b.docs[j] < a.docs[i]) { docs[k] = b.docs[j]; imps[k] = b.imps[j]; j += 1; }
      else { docs[k] = a.docs[i]; imps[k] = f(a.imps[i], b.imps[j]); i += 1; j += 1; }
      k += 1;
    }
    return { docs: docs.subarray(0, k), imps: imps.subarray(0, k) };
  }

  const add = (x, y) => x + y;
  const min = (x, y) => (x < y ? x : y);
  const max = (x, y) => (x > y ? x : y);

  /** Fragments per f/ file (format.rs FRAGMENT_PACK). */
  const FRAGMENT_PACK = 8;

  function clauseGrams(chars) {
    if (chars.length <= 2) return [chars.join('')];
    const out = [];
    for (let i = 0; i + 3 <= chars.length; i++) out.push(chars.slice(i, i + 3).join(''));
    return out;
  }

  // ---- Lay vocabulary (lay.rs) ---------------------------------------------------------

  /** Time keys of a day word (lay_words.rs TIME_KEYS) and the impacts of open / reachable. */
  const TIME_KEYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun', 'hol', 'night'];
  const REACHABLE_SHIFT = 9;
  const OPEN_IMPACT = 20;
  const REACHABLE_IMPACT = 10;
  const PARTIAL_NOTE = 'すべての言葉を含む結果はありませんでした。一部の言葉に一致した結果です。';

  function dayBits(keys) {
    let bits = 0;
    for (const k of keys) { const i = TIME_KEYS.indexOf(k); if (i >= 0) bits |= 1 << i; }
    return bits;
  }

  /** The lay vocabulary and the site's synonyms from meta.bin, compiled (lay.rs `Lay`). */
  class Lay {
    constructor(entries, rules) {
      this.words = new Map();
      for (const entry of entries || []) {
        const days = entry.kind === 'day' ? dayBits(entry.terms) : 0;
        const noise = entry.kind === 'noise';
        const terms = entry.kind !== 'term' ? []
          : entry.terms.map((t) => [rules.fold(t), t]).filter(([t]) => t.length > 0);
        for (const word of entry.words) {
          const folded = rules.fold(word);
          if (!folded.length) continue;
          if (!this.words.has(folded)) this.words.set(folded, { shown: word, terms: [], days, noise });
          const expansion = this.words.get(folded);
          for (const term of terms) {
            if (term[0] !== folded && !expansion.terms.some((t) => t[0] === term[0])) expansion.terms.push(term);
          }
        }
      }
      this.inside = Array.from(this.words.keys()).map((w) => Array.from(w))
        .sort((a, b) => (b.length - a.length) || compareArrays(a, b));
    }

    /** Whether a normalised word is a noise word of the table (lay.rs `is_noise`). */
    isNoise(folded) { const e = this.words.get(folded); return !!e && e.noise; }

    /** {word, alternatives: [{text, via: [word, term] | null, loose}], days, unit} or null. */
    group(folded) {
      const e = this.words.get(folded);
      if (!e || e.noise) return null;
      if (e.days !== 0) return { word: folded, alternatives: [], days: e.days, unit: 0 };
      const alternatives = [{ text: folded, via: null, loose: false }];
      for (const [term, shown] of e.terms) alternatives.push({ text: term, via: [e.shown, shown], loose: false });
      return { word: folded, alternatives, days: 0, unit: 0 };
    }

    /** [start, length] of the leftmost longest table word inside `chars`, or null. */
    findInside(chars) {
      const latin = (c) => c !== undefined && isAsciiAlnum(c);
      let best = null;
      for (const word of this.inside) {
        if (word.length >= chars.length || (best && best[1] > word.length)) continue;
        for (let start = 0; start + word.length <= chars.length; start++) {
          if (best && best[0] <= start) break;
          const end = start + word.length;
          if (!startsWith(chars, start, word)) continue;
          const glued = (latin(word[0]) && start > 0 && latin(chars[start - 1])) ||
            (latin(word[word.length - 1]) && end < chars.length && latin(chars[end]));
          if (!glued) { best = [start, word.length]; break; }
        }
      }
      return best;
    }
  }

  class Engine {
    /** `base`: URL of the search-index/ folder; `fetchBytes(url)` → ArrayBuffer (optional). */
    constructor(base, fetchBytes) {
      this.base = base.endsWith('/') ? base : base + '/';
      this.fetchBytes = fetchBytes || (async (url, options) => {
        const response = await fetch(url, options);
        if (!response.ok) throw new Error(`${url}: ${response.status}`);
        return response.arrayBuffer();
      });
      this.meta = null;
      this.rules = null;
      this.chunks = new Map(); // number → Map(term → entry)
      this.pending = new Map();
      this.fragments = new Map();
      this.decoded = new Map();
    }

    async json(path, options) {
      const bytes = await inflate(await this.fetchBytes(this.base + path, options));
      return JSON.parse(new TextDecoder().decode(bytes));
    }

    async init() {
      if (this.meta) return this;
      if (!this.initializing) {
        this.initializing = (async () => {
          const meta = await this.json('meta.bin', { cache: 'no-cache' });
          if (meta.format !== 4) throw new Error('search index format ' + meta.format);
          this.meta = meta;
          this.rules = new Rules(meta.rules);
          this.lay = new Lay(meta.lay, this.rules);
        })();
      }
      await this.initializing;
      return this;
    }

    /** The chunk that holds `term` if it exists. */
    chunkOf(term) {
      const firsts = this.meta.chunks;
      let lo = 0;
      let hi = firsts.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (compare(firsts[mid], term) <= 0) lo = mid + 1; else hi = mid;
      }
      return lo - 1;
    }

    async loadChunk(number) {
      if (number < 0 || this.chunks.has(number)) return;
      if (!this.pending.has(number)) {
        this.pending.set(number, (async () => {
          const entries = await this.json(`t/${number}.bin?v=${this.meta.version}`);
          const map = new Map();
          for (const e of entries) map.set(e[0], e);
          this.chunks.set(number, map);
        })());
      }
      await this.pending.get(number);
    }

    /** Loads the chunks where `terms` are (or would be). */
    async load(terms) {
      const wanted = new Set(terms.map((t) => this.chunkOf(t)));
      await Promise.all(Array.from(wanted).filter((n) => n >= 0).map((n) => this.loadChunk(n)));
    }

    /** The entry of a term: {grams, words} postings, or null. */
    entry(term) {
      const number = this.chunkOf(term);
      if (number < 0) return null;
      const chunk = this.chunks.get(number);
      if (!chunk && this.missing) { this.missing.add(term); return null; }
      if (!chunk) throw new Error(`search: chunk ${number} for 「${term}」 was not loaded`);
      const raw = chunk.get(term);
      if (!raw) return null;
      let decoded = this.decoded.get(term);
      if (!decoded) {
        const count = this.meta.count;
        decoded = { grams: decodePostings(raw[1], count), words: decodePostings(raw[2], count) };
        this.decoded.set(term, decoded);
      }
      return decoded;
    }

    queryWords(query) {
      const rules = this.rules;
      let prepped = rules.prepChars(query).slice(0, MAX_QUERY_CHARS);
      for (const prefix of rules.legalPrefixes.filter((p) => p.some((c) => isBoundary(c)))) {
        let i = 0;
        while (i + prefix.length <= prepped.length) {
          if (startsWith(prepped, i, prefix) && prepped.length > prefix.length) {
            prepped.splice(i, prefix.length, ' ');
          }
          i += 1;
        }
      }
      const kept = [];
      const legalOnly = [];
      for (let word of splitWords(prepped)) {
        let whole = false;
        for (const prefix of rules.legalPrefixes) {
          if (startsWith(word, 0, prefix)) {
            if (word.length > prefix.length) word = word.slice(prefix.length); else whole = true;
            break;
          }
        }
        (whole ? legalOnly : kept).push(word);
      }
      return kept.length ? kept : legalOnly;
    }

    /** Each query word, folded, with its parts after noise words and particles are cut out
     *  (engine.rs `word_parts`): [[folded, [part, …]], …]. */
    wordParts(query) {
      const rules = this.rules;
      const out = [];
      for (const word of this.queryWords(query)) {
        const folded = rules.fold(word.join(''));
        if (!folded.length) continue;
        const subs = [];
        for (const part of cutNoise(word, rules.noise)) {
          for (const sub of splitParticles(part, rules.particles)) {
            const f = rules.fold(sub.join(''));
            if (f.length && !rules.stop.has(f)) subs.push(f);
          }
        }
        out.push([folded, subs]);
      }
      return out;
    }

    /** Fetches what a query needs (engine.rs `fetch_plan`): the words and their parts in one
     *  round, then, only for parts not in the index, their substrings; then analyses it. */
    async prepare(query) {
      const cache = new Map();
      const termsOf = (f) => [f].concat(clauseGrams(Array.from(f)));
      const parts = this.wordParts(query);
      const layTerms = this.layTerms(parts).flatMap(termsOf).concat(this.looseTerms(parts));
      await this.load(parts.flatMap(([folded, subs]) => termsOf(folded).concat(subs.flatMap(termsOf))).concat(layTerms));
      const substrings = [];
      for (const [folded, subs] of parts) {
        if (this.present(Array.from(folded), cache)) continue;
        for (const sub of subs) {
          const chars = Array.from(sub);
          if (this.present(chars, cache)) continue;
          for (let i = 0; i < chars.length; i++) {
            for (let j = i + 1; j <= chars.length; j++) substrings.push(chars.slice(i, j).join(''));
          }
        }
      }
      await this.load(substrings);
      return this.completeRounds(query);
    }

    /** The lay alternatives of the query's words and parts (fetched with the first round). */
    layTerms(parts) {
      const out = [];
      for (const [folded, subs] of parts) {
        for (const w of [folded].concat(subs)) {
          const group = this.lay.group(w);
          if (group) for (const a of group.alternatives) out.push(a.text);
        }
      }
      return out;
    }

    /** The loose terms of the query's kana words and parts (fetched with the first round). */
    looseTerms(parts) {
      const out = [];
      for (const [folded, subs] of parts) {
        for (const w of [folded].concat(subs)) {
          const loose = looseForm(w);
          if (loose !== null) for (const g of clauseGrams(Array.from(loose))) out.push('~' + g);
        }
      }
      return out;
    }

    /** Analyses (and ranks) with what is loaded, fetching what that still looked up in
     *  chunks not loaded yet (a lay word inside a longer word), until nothing is missing. */
    async completeRounds(query) {
      for (let round = 0; round < 8; round++) {
        this.missing = new Set();
        let analysis;
        try {
          analysis = this.analyze(query);
          this.rank(analysis);
        } finally {
          const missing = Array.from(this.missing);
          this.missing = null;
          if (missing.length === 0) return analysis; // eslint-disable-line no-unsafe-finally
          await this.load(missing);
        }
      }
      return this.analyze(query);
    }

    gramDocs(s) {
      let docs = null;
      for (const gram of clauseGrams(s)) {
        const entry = this.entry(gram);
        if (!entry) return [];
        const these = entry.grams.docs;
        docs = docs === null ? these : intersect(docs, these);
        if (docs.length === 0) return [];
      }
      return docs || EMPTY.docs;
    }

    present(s, cache) {
      if (s.length === 0) return false;
      const key = s.join('');
      if (cache.has(key)) return cache.get(key);
      const entry = this.entry(key);
      const found = (entry !== null && entry.words.docs.length > 0) || this.gramDocs(s).length > 0;
      cache.set(key, found);
      return found;
    }

    segment(piece, cache) {
      const UNKNOWN = 1000;
      const stop = this.rules.stop;
      const n = piece.length;
      const best = new Array(n + 1);
      best[n] = [0, 0, false];
      // Numbers and Latin words (with their dashes) are never cut: 770-9999 is one piece.
      const alnumDash = (c) => isAsciiAlnum(c) || c === '-';
      const glued = (k) => k > 0 && k < n && alnumDash(piece[k - 1]) && alnumDash(piece[k]);
      // A single kanji cut out of a longer word is junk (今日 is not 今 + 日).
      const usable = (s) => this.present(s, cache) && (n === 1 || s.length > 1 || !isKanji(s[0]));
      for (let i = n - 1; i >= 0; i--) {
        let choice = null;
        for (let length = n - i; length >= 1; length--) {
          if (glued(i) || glued(i + length)) continue;
          const s = piece.slice(i, i + length);
          let cost;
          let searched;
          if (stop.has(s.join(''))) { cost = length === 1 ? 9 : 6; searched = false; }
          else if (usable(s)) { cost = 10; searched = true; }
          else continue;
          const total = cost + best[i + length][0];
          if (choice === null || total < choice[0]) choice = [total, length, searched];
        }
        best[i] = choice || [UNKNOWN + best[i + 1][0], 1, true];
      }
      const out = [];
      let i = 0;
      while (i < n) {
        const [, length, searched] = best[i];
        const s = piece.slice(i, i + length);
        if (searched) {
          if (!usable(s)) return null;
          out.push(s.join(''));
        }
        i += length;
      }
      return out;
    }

    /** {clauses, groups, impossible}: what the query means to the index (engine.rs
     *  `analyze`; chunks must be loaded). */
    analyze(query) {
      const cache = new Map();
      const groups = [];
      for (const [word, subs] of this.wordParts(query)) {
        if (this.lay.isNoise(word)) continue;
        const group = this.lay.group(word);
        if (group) { this.pushGroup(group, groups); continue; }
        if (this.present(Array.from(word), cache) || this.loosePresent(word)) { this.pushGroup(plainGroup(word), groups); continue; }
        for (const sub of subs) this.analyzePiece(Array.from(sub), cache, groups);
      }
      const clauses = [];
      for (const g of groups) for (const a of g.alternatives) if (!a.loose && !clauses.includes(a.text)) clauses.push(a.text);
      const impossible = groups.some((g) => g.days === 0 && g.alternatives.length === 0);
      return { clauses, groups, impossible };
    }

    /** Adds a group as a content word of its own (`sameUnit`: as a piece of the last one). */
    pushGroup(group, groups, sameUnit) {
      if (groups.some((g) => g.word === group.word)) return;
      const last = groups.length ? groups[groups.length - 1].unit : 0;
      group.unit = sameUnit || groups.length === 0 ? last : last + 1;
      groups.push(group);
    }

    /** engine.rs `analyze_piece`. */
    analyzePiece(piece, cache, groups) {
      const text = piece.join('');
      if (!piece.length || this.rules.stop.has(text) || this.lay.isNoise(text)) return;
      const group = this.lay.group(text);
      if (group) { this.pushGroup(group, groups); return; }
      if (this.present(piece, cache) || this.loosePresent(text)) { this.pushGroup(plainGroup(text), groups); return; }
      // A particle left at the start by the cuts (歯医者さん|に家): the rest is the word.
      for (let k = Math.min(piece.length, 4) - 1; k >= 1; k--) {
        if (this.rules.stop.has(piece.slice(0, k).join(''))) { this.analyzePiece(piece.slice(k), cache, groups); return; }
      }
      const inside = this.lay.findInside(piece);
      if (inside) {
        const [start, length] = inside;
        this.analyzePiece(piece.slice(0, start), cache, groups);
        const g = this.lay.group(piece.slice(start, start + length).join(''));
        if (g) this.pushGroup(g, groups);
        this.analyzePiece(piece.slice(start + length), cache, groups);
        return;
      }
      const pieces = this.segment(piece, cache);
      if (pieces === null) { this.pushGroup({ word: text, alternatives: [], days: 0, unit: 0 }, groups, false); return; }
      // Pieces of two characters or more are words of their own; a single character only
      // counts with its neighbours (ラ + メン).
      // So is a katakana word (チョコレート is not チヨ + コレ).
      const glued = pieces.some((p) => Array.from(p).length < 2) || piece.every(isKatakana);
      pieces.forEach((p, i) => this.pushGroup(plainGroup(p), groups, glued && i > 0));
    }

    clauseScores(clause) {
      const chars = Array.from(clause);
      const entry = this.entry(clause);
      const words = entry ? entry.words : EMPTY;
      // Substring: the smallest impact among the clause's n-grams, in documents that have all.
      let grams = null;
      for (const gram of clauseGrams(chars)) {
        const e = this.entry(gram);
        const these = e ? e.grams : EMPTY;
        grams = grams === null ? these : joinPostings(grams, these, min);
      }
      // engine.rs: a whole number that some document has as a word is that document's.
      if (isWholeNumber(chars) && words.docs.length > 0) return words;
      return unionPostings(words, grams || EMPTY, max);
    }

    /** engine.rs `group_scores`: the best of a group's alternatives, or for a time word the
     *  facilities open (or reachable) then. */
    groupScores(group) {
      if (group.days !== 0) {
        const open = this.meta.docs.open;
        const n = Math.min(this.meta.count, open.length);
        const docs = [];
        const imps = [];
        const ones = (x) => { let c = 0; for (; x; x &= x - 1) c += 1; return c; };
        for (let d = 0; d < n; d++) {
          // Each time asked for: open then, or else reachable then.
          const openBits = open[d] & group.days;
          const reachable = (open[d] >>> REACHABLE_SHIFT) & group.days & ~openBits;
          const score = ones(openBits) * OPEN_IMPACT + ones(reachable) * REACHABLE_IMPACT;
          if (score > 0) { docs.push(d); imps.push(score); }
        }
        return { docs: Int32Array.from(docs), imps: Int32Array.from(imps) };
      }
      let out = EMPTY;
      for (const a of group.alternatives) {
        out = unionPostings(out, a.loose ? this.looseScores(a.text) : this.clauseScores(a.text), max);
      }
      return out;
    }

    /** engine.rs `loose_scores`: a loose form among the name readings' `~` terms. */
    looseScores(loose) {
      let out = null;
      for (const gram of clauseGrams(Array.from(loose))) {
        const e = this.entry('~' + gram);
        const these = e ? e.grams : EMPTY;
        out = out === null ? these : joinPostings(out, these, min);
      }
      return out || EMPTY;
    }

    loosePresent(text) {
      const loose = looseForm(text);
      return loose !== null && this.looseScores(loose).docs.length > 0;
    }

    /** Every matching document, best first: {hits: [{doc, score}], partial} (engine.rs
     *  `rank`). Ties go to the shorter title, then to the document order; when no document
     *  matches every group, those that match most of them, by how many. The sort keys are
     *  packed into one number for a fast numeric sort. */
    rank(analysis) {
      const groups = analysis.groups;
      if (groups.length === 0) return { hits: [], partial: false };
      const scores = groups.map((g) => this.groupScores(g));
      let total = null;
      for (const g of scores) total = total === null ? g : joinPostings(total, g, add);
      const unitCount = groups[groups.length - 1].unit + 1;
      if (total.docs.length > 0 || unitCount < 2) {
        return { hits: this.sortHits(total.docs, total.imps, null, 0), partial: false };
      }
      // Partial: by how many groups a document matches, at least half of them (or the most
      // any document matches, when that is fewer).
      const units = [];
      groups.forEach((group, i) => {
        units[group.unit] = units[group.unit] === undefined ? scores[i] : joinPostings(units[group.unit], scores[i], add);
      });
      const count = this.meta.count;
      const matched = new Int32Array(count);
      const sum = new Int32Array(count);
      for (const g of units) {
        for (let i = 0; i < g.docs.length; i++) {
          const d = g.docs[i];
          if (d < count) { matched[d] += 1; sum[d] += g.imps[i]; }
        }
      }
      let most = 0;
      for (let d = 0; d < count; d++) if (matched[d] > most) most = matched[d];
      const needed = Math.max(1, Math.min(most, Math.ceil(units.length / 2)));
      const docs = [];
      for (let d = 0; d < count; d++) if (matched[d] >= needed) docs.push(d);
      const imps = docs.map((d) => sum[d]);
      const hits = this.sortHits(docs, imps, matched, units.length);
      return { hits, partial: hits.length > 0 };
    }

    /** Sorts documents by groups matched (when `matched`), score, title length, document. */
    sortHits(docs, imps, matched, groupCount) {
      const tlen = this.meta.docs.tlen;
      const count = this.meta.count;
      const keys = new Float64Array(docs.length);
      let n = 0;
      for (let i = 0; i < docs.length; i++) {
        const doc = docs[i];
        const score = imps[i];
        if (score <= 0 || doc >= count) continue;
        keys[n++] = (32767 - Math.min(score, 32767)) * 2 ** 38 + Math.min(tlen[doc], 262143) * 2 ** 20 + doc;
      }
      const sorted = keys.subarray(0, n).sort();
      const hits = new Array(n);
      for (let i = 0; i < n; i++) {
        const key = sorted[i];
        const doc = key % 2 ** 20;
        hits[i] = { doc, score: 32767 - Math.floor(key / 2 ** 38) };
      }
      if (matched) {
        // Stable: within the same number of groups, the order above.
        const byCount = hits.map((h, i) => [groupCount - matched[h.doc], i]);
        byCount.sort((a, b) => (a[0] - b[0]) || (a[1] - b[1]));
        return byCount.map(([, i]) => hits[i]);
      }
      return hits;
    }

    /** engine.rs `via_notes`: 「『胃瘻』を『胃ろう』として検索しました」 for each group the
     *  document matches only through a term. */
    viaNotes(analysis, doc) {
      const score = (text) => {
        const p = this.clauseScores(text);
        let lo = 0;
        let hi = p.docs.length;
        while (lo < hi) { const mid = (lo + hi) >> 1; if (p.docs[mid] < doc) lo = mid + 1; else hi = mid; }
        return lo < p.docs.length && p.docs[lo] === doc ? p.imps[lo] : 0;
      };
      const notes = [];
      for (const group of analysis.groups) {
        if (group.alternatives.every((a) => !a.via)) continue;
        if (group.alternatives.some((a) => !a.via && score(a.text) > 0)) continue;
        // The first term that matches (the table lists the most telling term first).
        const first = group.alternatives.find((a) => a.via && score(a.text) > 0);
        if (first) notes.push(`『${first.via[0]}』を『${first.via[1]}』として検索しました`);
      }
      return notes;
    }

    /** Whether a document passes {category, area, service} (indices or null). */
    passes(doc, filters) {
      const d = this.meta.docs;
      if (filters.category != null && d.cat[doc] !== filters.category) return false;
      if (filters.area != null && d.area[doc] !== filters.area) return false;
      if (filters.service != null && Math.floor(d.svc[doc] / 2 ** filters.service) % 2 !== 1) return false;
      return true;
    }

    /** Analyses and ranks a query, loading what it needs. */
    async search(query) {
      await this.init();
      const analysis = await this.prepare(query);
      const { hits, partial } = this.rank(analysis);
      return { analysis, hits, partial };
    }

    /** What results show of document `doc` (its pack of fragments is fetched once). */
    async fragment(doc) {
      const number = Math.floor(doc / FRAGMENT_PACK);
      if (!this.fragments.has(number)) {
        this.fragments.set(number, this.json(`f/${number}.bin?v=${this.meta.version}`));
      }
      const pack = await this.fragments.get(number);
      const fragment = pack[doc % FRAGMENT_PACK];
      if (!fragment) throw new Error(`search: no document ${doc}`);
      return fragment;
    }

    /** engine.rs `result_clauses`: the analysis's clauses and, through the fragment's marks,
     *  the words a group matched by reading — keys that follow each other in a searched string
     *  joined into one highlight (ほうもんかんご → 訪問看護), else (for a group matching none) the
     *  shortest key one of its strings begins (from three characters), without voicing marks
     *  for a loose alternative. */
    resultClauses(analysis, fragment) {
      const out = analysis.clauses.slice();
      for (const group of analysis.groups) {
        let matched = false;
        let begun = null;
        const parts = [];
        for (const a of group.alternatives) {
          const text = Array.from(a.text);
          const keys = (fragment.marks || []).map(([mark, shown]) => [Array.from(a.loose ? voiceless(mark) : mark), shown]);
          for (const [key, shown] of keys) {
            if (text.length >= 3 && key.length > text.length && startsWith(key, 0, text) && (begun === null || key.length < begun[0])) {
              begun = [key.length, shown];
            }
          }
          let run = '';
          let runStart = 0;
          let i = 0;
          while (i <= text.length) {
            let found = null;
            for (const [key, shown] of keys) {
              const usable = key.length >= 2 || (i === 0 && key.length === text.length);
              if (key.length > 0 && usable && startsWith(text, i, key) && (found === null || key.length > found[0])) {
                found = [key.length, shown];
              }
            }
            if (found !== null) {
              if (run === '') runStart = i;
              run += found[1];
              i += found[0];
            } else {
              if (run !== '') {
                if (runStart === 0 && i === text.length) {
                  matched = true;
                  if (!out.includes(run)) out.push(run);
                } else if (!parts.includes(run)) {
                  parts.push(run);
                }
                run = '';
              }
              i += 1;
            }
          }
        }
        if (!matched && begun === null) for (const part of parts) if (!out.includes(part)) out.push(part);
        if (begun !== null && !matched && !out.includes(begun[1])) out.push(begun[1]);
      }
      return out;
    }

    /** {text, highlights: [[start, end], …]} in code points (engine.rs `snippet`). */
    snippet(text, clauses, width) {
      const original = Array.from(text);
      const normalized = this.rules.normalize(text);
      const found = [];
      const ordered = clauses.map((c) => Array.from(c)).sort((a, b) => (b.length - a.length) || compareArrays(a, b));
      const nc = normalized.chars;
      for (const clause of ordered) {
        if (clause.length === 0 || clause.length > nc.length) continue;
        for (let p = 0; p + clause.length <= nc.length; p++) {
          let same = true;
          for (let k = 0; k < clause.length; k++) if (nc[p + k] !== clause[k]) { same = false; break; }
          if (!same) continue;
          const start = normalized.source[p];
          let end = normalized.source[p + clause.length - 1] + 1;
          while (end < original.length && isVoicingMark(original[end])) end += 1;
          if (!found.some(([s, e]) => start < e && s < end)) found.push([start, end]);
        }
      }
      found.sort((a, b) => (a[0] - b[0]) || (a[1] - b[1]));
      // A compound matched through its parts is one highlight: ranges that touch are joined.
      const joined = [];
      for (const [s, e] of found) {
        const last = joined[joined.length - 1];
        if (last && last[1] === s) last[1] = e;
        else joined.push([s, e]);
      }
      found.length = 0;
      found.push(...joined);
      const first = found.length ? found[0][0] : 0;
      const start = Math.max(0, first - Math.floor(width / 4));
      const end = Math.min(start + width, original.length);
      let out = '';
      let offset = 0;
      if (start > 0) { out += '…'; offset = 1; }
      out += original.slice(start, end).join('');
      if (end < original.length) out += '…';
      const highlights = found
        .filter(([s, e]) => s >= start && e <= end)
        .map(([s, e]) => [s - start + offset, e - start + offset]);
      return { text: out, highlights };
    }
  }

  /** ja/voicing.rs `voiceless`: kana without their voicing marks (ガ→カ, パ→ハ). */
  function voiceless(text) { return text.normalize('NFD').replace(/[\u3099\u309a]/g, '').normalize('NFC'); }

  /** engine.rs `loose_form`: a katakana-only word of two characters or more, voiceless. */
  function looseForm(text) {
    const chars = Array.from(text);
    return chars.length >= 2 && chars.every(isKatakana) ? voiceless(text) : null;
  }

  /** engine.rs `Group::plain`: a word searched as itself and, when kana, loosely. */
  function plainGroup(text) {
    const alternatives = [{ text, via: null, loose: false }];
    const loose = looseForm(text);
    if (loose !== null) alternatives.push({ text: loose, via: null, loose: true });
    return { word: text, alternatives, days: 0, unit: 0 };
  }


  const api = { Engine, Rules, Lay, PARTIAL_NOTE, compare, decodePostings, inflate };
  global.ZaitakuSearch = api;
  // Under node (tests/testsuite/parity.rs) the file is also a CommonJS module.
  if (typeof module === 'object' && module && module.exports) module.exports = api;
})(typeof window !== 'undefined' ? window : globalThis);
