/*
 * The search page (/search/?q=…): runs search-engine.js on the prebuilt index and shows the
 * results — title, category and area, a highlighted snippet, and for facilities the phone
 * number and ケアマネタイム — with facets (category, area, service) and their counts. The
 * query and the facets are in the URL; the number of results is announced in a live region.
 * Without JavaScript the page keeps its notice with links to the directory.
 */
(function () {
  'use strict';
  const script = document.currentScript;
  const PAGE = 10;

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'text') node.textContent = v;
      else if (k === 'class') node.className = v;
      else node.setAttribute(k, v === true ? '' : v);
    }
    for (const child of children || []) if (child) node.append(child);
    return node;
  }

  /** Text with <mark> around the highlighted ranges (code points). */
  function highlighted(tag, cls, snippet) {
    const node = el(tag, { class: cls });
    const chars = Array.from(snippet.text);
    let at = 0;
    for (const [s, e] of snippet.highlights) {
      if (s > at) node.append(chars.slice(at, s).join(''));
      node.append(el('mark', { text: chars.slice(s, e).join('') }));
      at = e;
    }
    if (at < chars.length) node.append(chars.slice(at).join(''));
    return node;
  }

  function start() {
    const app = document.querySelector('[data-search-app]');
    if (!app || !window.ZaitakuSearch || !window.DecompressionStream) return;
    const form = app.querySelector('form');
    const input = form && form.querySelector('input[name="q"]');
    if (!input) return;
    const indexUrl = new URL(app.getAttribute('data-search-index') ||
      new URL('../search-index/', script ? script.src : location.href).href, location.href);
    const siteRoot = new URL('../', indexUrl);
    const engine = new window.ZaitakuSearch.Engine(indexUrl.href);
    for (const node of app.querySelectorAll('[data-search-fallback]')) node.hidden = true;

    let status = app.querySelector('[data-search-status]');
    if (!status) {
      status = el('p', { class: 'search-status', role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true', 'data-search-status': true });
      form.after(status);
    }
    let region = app.querySelector('[data-search-results]');
    if (!region) {
      region = el('div', { class: 'search-results', 'data-search-results': true });
      status.after(region);
    }
    // Facets in a disclosure: open beside the results on wide screens, closed above them on
    // phones so the results stay at a glance.
    const facetsBox = el('div', { class: 'search-facet-groups' });
    const facetsSummary = el('summary', { text: '絞り込み（種類・地域・できること）' });
    const facets = el('details', { class: 'search-facets', hidden: true }, [facetsSummary, facetsBox]);
    if (window.matchMedia && window.matchMedia('(min-width: 56em)').matches) facets.open = true;
    const list = el('ol', { class: 'search-result-list' });
    const more = el('button', { type: 'button', class: 'search-more', hidden: true, text: 'さらに表示' });
    const empty = el('div', { class: 'search-empty', hidden: true });
    region.replaceChildren(facets, el('div', { class: 'search-result-column' }, [list, more, empty]));

    const FACETS = [
      { param: 'category', legend: '種類', labels: () => engine.meta.labels.categories },
      { param: 'area', legend: '地域', labels: () => engine.meta.labels.areas },
      { param: 'service', legend: 'できること', labels: () => engine.meta.labels.services },
    ];
    let state = { q: '', filters: {}, hits: [], analysis: null, shown: 0, run: 0 };

    function readUrl() {
      const params = new URLSearchParams(location.search);
      const filters = {};
      for (const f of FACETS) filters[f.param] = params.get(f.param) || null;
      return { q: params.get('q') || '', filters };
    }

    function writeUrl(push) {
      const params = new URLSearchParams();
      if (state.q) params.set('q', state.q);
      for (const f of FACETS) if (state.filters[f.param]) params.set(f.param, state.filters[f.param]);
      const search = params.toString();
      const url = location.pathname + (search ? '?' + search : '');
      if (url !== location.pathname + location.search) history[push ? 'pushState' : 'replaceState'](null, '', url);
    }

    function filterIndices(filters, skip) {
      const out = {};
      for (const f of FACETS) {
        const key = filters[f.param];
        out[f.param] = null;
        if (!key || f.param === skip) continue;
        const i = f.labels().findIndex(([k]) => k === key);
        out[f.param] = i < 0 ? null : i; // an unknown key in the URL is ignored
      }
      return out;
    }

    function filtered(skip) {
      const filters = filterIndices(state.filters, skip);
      return state.hits.filter((h) => engine.passes(h.doc, filters));
    }

    function renderFacets() {
      facetsBox.replaceChildren();
      const docs = engine.meta.docs;
      let any = false;
      for (const f of FACETS) {
        const base = filtered(f.param);
        const counts = new Map();
        for (const h of base) {
          if (f.param === 'service') {
            const svc = docs.svc[h.doc];
            f.labels().forEach((_, i) => { if (Math.floor(svc / 2 ** i) % 2 === 1) counts.set(i, (counts.get(i) || 0) + 1); });
          } else {
            const v = f.param === 'category' ? docs.cat[h.doc] : docs.area[h.doc];
            if (v >= 0) counts.set(v, (counts.get(v) || 0) + 1);
          }
        }
        const selected = state.filters[f.param];
        const options = f.labels().map(([key, label], i) => ({ key, label, count: counts.get(i) || 0 }))
          .filter((o) => o.count > 0 || o.key === selected);
        if (options.length === 0) continue;
        any = true;
        const name = 'facet-' + f.param;
        const fieldset = el('fieldset', { class: 'search-facet' }, [el('legend', { text: f.legend })]);
        const all = [{ key: '', label: 'すべて', count: base.length }].concat(options);
        for (const o of all) {
          const id = `${name}-${o.key || 'all'}`;
          const radio = el('input', { type: 'radio', name, id, value: o.key, checked: (selected || '') === o.key });
          radio.addEventListener('change', () => {
            state.filters[f.param] = o.key || null;
            writeUrl(false);
            render(true);
          });
          fieldset.append(el('div', { class: 'search-facet-option' }, [
            radio, el('label', { for: id }, [o.label + ' ', el('span', { class: 'search-facet-count', text: `（${o.count}）` })]),
          ]));
        }
        facetsBox.append(fieldset);
      }
      facets.hidden = !any;
    }

    async function resultItem(hit) {
      const fragment = await engine.fragment(hit.doc);
      const clauses = engine.resultClauses(state.analysis, fragment);
      const title = engine.snippet(fragment.title, clauses, 1000);
      const link = el('a', { href: new URL(fragment.url, siteRoot).href });
      link.append(highlighted('span', 'search-result-name', title));
      const meta = [fragment.label, fragment.area].filter(Boolean).join('・');
      const item = el('li', { class: 'search-result' }, [
        el('h2', { class: 'search-result-title' }, [link]),
        el('p', { class: 'search-result-meta', text: meta }),
      ]);
      if (fragment.phone || (fragment.caremane && fragment.caremane.length)) {
        const dl = el('dl', { class: 'search-result-contact' });
        if (fragment.phone) {
          const tel = fragment.phone.replace(/[^0-9+-]/g, '');
          dl.append(el('div', {}, [el('dt', { text: '電話' }), el('dd', {}, [el('a', { class: 'tel', href: 'tel:' + tel, text: fragment.phone })])]));
        }
        if (fragment.caremane && fragment.caremane.length) {
          dl.append(el('div', {}, [el('dt', { text: 'ケアマネタイム' }), el('dd', { text: fragment.caremane.join('／') })]));
        }
        item.append(dl);
      }
      for (const note of engine.viaNotes(state.analysis, hit.doc)) item.append(el('p', { class: 'search-result-via', text: note }));
      item.append(highlighted('p', 'search-result-snippet', engine.snippet(fragment.text, clauses, 100)));
      return item;
    }

    async function showMore(focusFirst) {
      const hits = filtered(null);
      const next = hits.slice(state.shown, state.shown + PAGE);
      const run = state.run;
      const items = await Promise.all(next.map(resultItem));
      if (run !== state.run) return;
      list.append(...items);
      state.shown += next.length;
      more.hidden = state.shown >= hits.length;
      more.textContent = `さらに表示（残り ${hits.length - state.shown} 件）`;
      if (focusFirst && items[0]) items[0].querySelector('a').focus();
    }

    /** The no-result page: what to try, the categories, the ケアマネタイム lookup and the
     *  相談窓口's phone (from the page's <template data-search-help>). */
    function showHelp() {
      const help = document.querySelector('template[data-search-help]');
      empty.replaceChildren(
        el('h2', { class: 'search-empty-title', text: '見つからないときは' }),
        el('p', { text: '言葉を短くしたり、ひらがなで入力したり、別の言い方（例：「床ずれ」→「褥瘡」、「目医者」→「眼科」）にすると見つかることがあります。' }),
        el('p', {}, ['事業所は ', el('a', { href: new URL('resources/', siteRoot).href, text: '医療・介護の資源を探す' }), ' から、種類・地域・五十音で探すこともできます。']),
      );
      if (help) empty.append(help.content.cloneNode(true));
    }

    async function render(announce) {
      state.run += 1;
      const run = state.run;
      list.replaceChildren();
      state.shown = 0;
      renderFacets();
      const hits = filtered(null);
      empty.hidden = hits.length > 0 || !state.q;
      region.classList.toggle('search-results-empty', hits.length === 0);
      if (hits.length === 0 && state.q) showHelp();
      await showMore(false);
      if (run !== state.run) return;
      if (announce) {
        const narrowed = hits.length !== state.hits.length ? `（絞り込み前 ${state.hits.length} 件）` : '';
        status.textContent = !state.q ? '調べたい言葉を入力してください。'
          : hits.length === 0 ? `「${state.q}」に一致するものは見つかりませんでした。`
            : (state.partial ? window.ZaitakuSearch.PARTIAL_NOTE : '') + `「${state.q}」の検索結果 ${hits.length} 件${narrowed}`;
      }
    }

    let searches = 0;
    async function run(query, filters, push) {
      const started = performance.now();
      const search = ++searches;
      state.q = query.trim();
      state.filters = filters;
      input.value = query;
      document.title = state.q ? `「${state.q}」の検索結果｜${document.title.split('｜').pop()}` : document.title;
      if (push !== undefined) writeUrl(push);
      if (!state.q) {
        state.hits = [];
        state.partial = false;
        state.analysis = { clauses: [], groups: [], impossible: false };
        await render(true);
        return;
      }
      status.textContent = '検索しています…';
      try {
        const result = await engine.search(state.q);
        if (search !== searches) return; // a newer query was typed meanwhile
        state.hits = result.hits;
        state.partial = result.partial;
        state.analysis = result.analysis;
        await render(true);
      } catch (error) {
        status.textContent = '検索の準備ができませんでした。下の案内から探してください。';
        for (const node of app.querySelectorAll('[data-search-fallback]')) node.hidden = false;
        console.warn('zaitaku search:', error);
      }
      document.dispatchEvent(new CustomEvent('zaitaku-search-done', {
        detail: { query: state.q, ms: performance.now() - started, total: filtered(null).length },
      }));
    }

    // Warm the index when the reader pauses while typing: the term chunks and the first
    // results' fragments are usually there by the time Enter is pressed. Not during IME
    // composition (the text is not final yet), and only after a pause, so a fast typist's
    // every keystroke does not cost a download.
    let warming = 0;
    const warm = () => {
      clearTimeout(warming);
      const text = input.value.trim();
      if (!text) return;
      warming = setTimeout(async () => {
        try {
          const { hits } = await engine.search(text);
          await Promise.all(hits.slice(0, PAGE).map((h) => engine.fragment(h.doc)));
        } catch { /* the real search reports problems */ }
        // For the browser tests, which wait for the warming instead of guessing its length.
        document.dispatchEvent(new CustomEvent('zaitaku-search-warmed', { detail: { query: text } }));
      }, 250);
    };
    input.addEventListener('input', (event) => { if (!event.isComposing) warm(); });
    input.addEventListener('compositionend', warm);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      clearTimeout(warming);
      run(input.value, {}, true);
    });
    more.addEventListener('click', () => showMore(true));
    window.addEventListener('popstate', () => {
      const { q, filters } = readUrl();
      run(q, filters);
    });
    const initial = readUrl();
    if (initial.q) run(initial.q, initial.filters);
    window.zaitakuSearch = { engine, run: (q, filters) => run(q, filters || {}, true) };
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
