/* zaitaku default theme: "whom can I contact now" for ケアマネタイム.
 *
 * - On /caremane-time/ ([data-cm-lookup]): filters the windows in caremane-time/data.js
 *   instantly by time (今 / a chosen weekday and time / any), contact method, category, area,
 *   name (kana or kanji, with the site search's normalisation when search-engine.js is
 *   loaded) and 「空きあり」だけ (a current 「空きあり」: no older than the data's stale_days on
 *   today's date in Japan). The filter state lives in the URL
 *   (?t=at&d=tue&h=13:30&m=phone&c=clinic&a=north&q=…&v=1).
 * - On a facility page ([data-cm-status]): says whether a care manager can call now, until
 *   when, or when the next window is, and how.
 *
 * - On tables of windows ([data-cm-mark-now], the weekday pages and the list of all windows):
 *   marks the rows whose window is open now.
 *
 * "Now" is always Japan time (Asia/Tokyo, UTC+9, no daylight saving), whatever the visitor's
 * own time zone. Which windows apply on a date follows one order, the same as
 * src/ja/holidays.rs (rule_on): during a site closure (site.yaml `closures:`, e.g. 年末年始,
 * listed in assets/holidays.js) only windows that name that closure; else on a 祝日 only
 * windows that list 祝日 (hol); else the weekday's windows.
 * Everything here is an enhancement: without JavaScript the per-weekday pages and the
 * facility's own table answer the same question.
 *
 * The day keys and labels (mon … hol, 月 … 祝) and the name normalisation are not here: the
 * keys come with the lookup data (`days`, the order of its day bits), the labels with
 * assets/holidays.js (`days`), the normalisation is search-engine.js's with the rules in the
 * lookup data — all written from src/ja/rules.json by `zaitaku build`.
 */
(function () {
  "use strict";

  var SOON_MINUTES = 15;
  var PAGE_SIZE = 50;
  var TOKYO_OFFSET = 9 * 60 * 60 * 1000;
  /** A closure chosen in the lookup's day select: "closure:" + its key. */
  var CLOSURE_PREFIX = "closure:";

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }
  function hhmm(minutes) {
    return Math.floor(minutes / 60) + ":" + pad(minutes % 60);
  }
  function hhmm0(minutes) {
    return pad(Math.floor(minutes / 60)) + ":" + pad(minutes % 60);
  }

  /* ---------- Japan time and holidays ---------- */

  /** The days of src/ja/rules.json (assets/holidays.js): [{key, short, long}, …], Monday first. */
  function days() {
    var h = window.ZaitakuHolidays;
    return h && h.days ? h.days : [];
  }
  function dayOfKey(key) {
    var all = days();
    for (var i = 0; i < all.length; i++) if (all[i].key === key) return all[i];
    return null;
  }
  function shortLabel(key) {
    var day = dayOfKey(key);
    return day ? day.short : "";
  }
  function longLabel(key) {
    var day = dayOfKey(key);
    return day ? day.long : "";
  }
  /** The key of a JavaScript weekday (0 = Sunday): the days are Monday first. */
  function weekdayKey(jsDay) {
    var day = days()[(jsDay + 6) % 7];
    return day ? day.key : null;
  }

  function dayOf(utcDate, minutes) {
    var y = utcDate.getUTCFullYear();
    var m = utcDate.getUTCMonth() + 1;
    var d = utcDate.getUTCDate();
    return {
      y: y,
      m: m,
      d: d,
      iso: y + "-" + pad(m) + "-" + pad(d),
      weekday: weekdayKey(utcDate.getUTCDay()),
      minutes: minutes
    };
  }
  /** Now in Japan, from the clock alone (the visitor's time zone does not matter). */
  function tokyoNow() {
    var t = new Date(Date.now() + TOKYO_OFFSET);
    return dayOf(t, t.getUTCHours() * 60 + t.getUTCMinutes());
  }
  function addDays(day, n) {
    return dayOf(new Date(Date.UTC(day.y, day.m - 1, day.d + n)), 0);
  }
  function holidays() {
    return window.ZaitakuHolidays || null;
  }
  function holidayName(day) {
    var h = holidays();
    return h && h.dates ? h.dates[day.iso] || null : null;
  }
  /** The site closure (年末年始 …) covering `day`, or null: assets/holidays.js's closureOn,
   *  the browser's form of src/ja/holidays.rs (Closure::covers). */
  function closureOf(day) {
    var h = holidays();
    return h && h.closureOn ? h.closureOn(day.iso) : null;
  }
  function closureByKey(key) {
    var h = holidays();
    var all = (h && h.closures) || [];
    for (var i = 0; i < all.length; i++) if (all[i].key === key) return all[i];
    return null;
  }
  /** The rule of `day`: {closure, key} — a closure first, then hol on a 祝日, else the weekday. */
  function ruleOf(day) {
    return { closure: closureOf(day), key: dayKey(day) };
  }
  function holidayKnown(day) {
    var h = holidays();
    return !!h && day.y >= h.first_year && day.y <= h.valid_until;
  }
  /** The day key whose windows apply on `day`: hol on a 祝日, else the weekday. */
  function dayKey(day) {
    return holidayName(day) ? "hol" : day.weekday;
  }
  function dateLabel(day) {
    var label = shortLabel(day.weekday);
    return day.m + "月" + day.d + "日" + (label ? "（" + label + "）" : "");
  }

  /* ---------- windows ---------- */

  function hasDay(w, key) {
    return w.days.indexOf(key) >= 0;
  }
  /** Whether window `w` applies on a day of `rule` (ruleOf, or {key} for a chosen weekday). */
  function applies(w, rule) {
    if (rule.closure) return (w.closures || []).indexOf(rule.closure.key) >= 0;
    return hasDay(w, rule.key);
  }
  function isOpen(w, rule, minutes) {
    return applies(w, rule) && w.from <= minutes && minutes < w.to;
  }
  function daysLabel(w) {
    return w.days
      .map(shortLabel)
      .concat(
        (w.closures || []).map(function (key) {
          var c = closureByKey(key);
          return c ? c.name : key;
        })
      )
      .join("・");
  }
  /** The next window that starts after `now` (today later, or a later day within two weeks). */
  function nextWindow(windows, now) {
    for (var offset = 0; offset <= 14; offset++) {
      var day = offset === 0 ? now : addDays(now, offset);
      var rule = ruleOf(day);
      var best = null;
      for (var i = 0; i < windows.length; i++) {
        var w = windows[i];
        if (!applies(w, rule)) continue;
        if (offset === 0 && w.from <= now.minutes) continue;
        if (!best || w.from < best.from) best = w;
      }
      if (best) return { day: day, window: best, offset: offset };
    }
    return null;
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      for (var name in attrs) {
        if (Object.prototype.hasOwnProperty.call(attrs, name) && attrs[name] != null) {
          if (name === "text") node.textContent = attrs[name];
          else node.setAttribute(name, attrs[name]);
        }
      }
    }
    (children || []).forEach(function (child) {
      if (child == null || child === false) return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }
  function telLink(number) {
    return el("a", { class: "tel", href: "tel:" + number.replace(/[^0-9+-]/g, ""), text: number });
  }
  function soonMark(left) {
    return el("strong", { class: "cm-soon" }, [
      el("span", { class: "cm-soon-icon", "aria-hidden": "true", text: "!" }),
      el("span", { class: "cm-soon-text", text: "まもなく終了（あと " + left + " 分）" })
    ]);
  }
  function holidayNote(now) {
    var closure = closureOf(now);
    if (closure)
      return (
        "今日は" + closure.name + "（" + closure.label + "）です。この期間は、" + closure.name +
        "にも受け付けると届け出ている時間帯だけを表示しています。"
      );
    var name = holidayName(now);
    if (name) return "今日は祝日（" + name + "）です。祝日は「祝日」を含む時間帯だけを表示しています。";
    if (!holidayKnown(now)) {
      var h = holidays();
      return (
        "祝日のデータが" +
        (h ? " " + h.valid_until + " 年まで" : "読み込めない") +
        "のため、今日が祝日かどうかを確かめられません。祝日の場合は、事業所にご確認ください。"
      );
    }
    return "";
  }

  /* ---------- facility page ---------- */

  function setUpStatus(box) {
    var rows = document.querySelectorAll("tr[data-cm-days]");
    var windows = [];
    for (var i = 0; i < rows.length; i++) {
      var r = rows[i];
      windows.push({
        days: r.getAttribute("data-cm-days").split(" "),
        from: +r.getAttribute("data-cm-from"),
        to: +r.getAttribute("data-cm-to"),
        methods: r.getAttribute("data-cm-methods") || "",
        contact: r.getAttribute("data-cm-contact"),
        appointment: r.getAttribute("data-cm-appointment") === "1",
        closures: (r.getAttribute("data-cm-closures") || "").split(" ").filter(Boolean)
      });
    }
    var phone = box.getAttribute("data-cm-phone");
    var fax = box.getAttribute("data-cm-fax");
    var live = box.querySelector("[data-cm-live]") || box;

    function how(w) {
      var parts = [el("span", { class: "cm-how-label", text: "連絡方法：" }), w.methods];
      if (phone && /電話/.test(w.methods)) parts.push("　電話 ", telLink(phone));
      if (fax && /FAX/.test(w.methods)) parts.push("　FAX " + fax);
      if (w.contact) parts.push("　窓口：" + w.contact);
      parts.push(w.appointment ? el("strong", { text: "　要予約" }) : "　予約不要");
      return el("span", { class: "cm-how" }, parts);
    }

    function render() {
      if (!windows.length) return;
      var now = tokyoNow();
      var rule = ruleOf(now);
      var open = null;
      for (var i = 0; i < windows.length; i++) {
        if (isOpen(windows[i], rule, now.minutes) && (!open || windows[i].to > open.to)) open = windows[i];
      }
      var nowLabel = "今（日本時間 " + dateLabel(now) + " " + hhmm(now.minutes) + "）";
      var children = [el("span", { class: "cm-status-title", text: "ケアマネジャーの方へ：" })];
      if (open) {
        var left = open.to - now.minutes;
        children.push(
          el("span", { class: "cm-state cm-state-open" }, [
            el("span", { class: "cm-state-icon", "aria-hidden": "true", text: "○" }),
            el("strong", { text: nowLabel + "は、ケアマネジャーが連絡できる時間です。" })
          ]),
          " " + hhmm(open.to) + " まで（あと " + left + " 分）。",
          left <= SOON_MINUTES ? soonMark(left) : null,
          el("br"),
          how(open)
        );
      } else {
        children.push(
          el("span", { class: "cm-state cm-state-closed" }, [
            el("span", { class: "cm-state-icon", "aria-hidden": "true", text: "×" }),
            el("strong", { text: nowLabel + "は、ケアマネタイムの時間外です。" })
          ])
        );
        var next = nextWindow(windows, now);
        if (next) {
          var when = next.offset === 0 ? "今日 " : next.offset === 1 ? "明日 " + dateLabel(next.day) + " " : dateLabel(next.day) + " ";
          children.push(
            " 次は ",
            el("strong", { text: when + hhmm(next.window.from) + "〜" + hhmm(next.window.to) }),
            " です。",
            el("br"),
            how(next.window)
          );
        } else {
          children.push(" この先 2 週間に連絡できる時間帯はありません。");
        }
      }
      var note = holidayNote(now);
      if (note) children.push(el("br"), el("span", { class: "cm-holiday", text: note }));
      live.textContent = "";
      children.forEach(function (c) {
        if (c) live.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
      });
      box.classList.add("cm-status-live");
    }
    render();
    setInterval(render, 30000);
  }

  /* ---------- the lookup ---------- */

  /** The site search's normalisation (search-engine.js) with the rules the lookup data carries;
   *  without search-engine.js names are matched as they are written. */
  function makeFold(data) {
    try {
      if (window.ZaitakuSearch && window.ZaitakuSearch.Rules && data.rules) {
        var rules = new window.ZaitakuSearch.Rules(data.rules);
        rules.fold("テスト");
        return function (text) {
          return rules.fold(text);
        };
      }
    } catch (e) {
      /* the names are matched as written */
    }
    return function (text) {
      return String(text);
    };
  }

  function unpack(data) {
    var facilities = data.f.map(function (f) {
      return {
        id: f[0],
        name: f[1],
        kana: f[2],
        category: f[3],
        area: f[4],
        phone: f[5],
        fax: f[6],
        verified: f[7],
        vacancy: f[8] >= 0 && data.statuses ? data.statuses[f[8]] : null,
        vacancyAsOf: f[9] || "",
        vacancyCount: f[10] == null ? null : f[10],
        windows: [],
        key: null
      };
    });
    data.w.forEach(function (w) {
      var days = [];
      for (var i = 0; i < data.days.length; i++) if (w[1] & (1 << i)) days.push(data.days[i]);
      var all = (holidays() && holidays().closures) || [];
      var closures = (w[8] || [])
        .map(function (index) {
          return all[index] ? all[index].key : null;
        })
        .filter(Boolean);
      facilities[w[0]].windows.push({
        days: days,
        from: w[2],
        to: w[3],
        methodBits: w[4],
        contact: w[5],
        appointment: w[6] === 1,
        note: w[7],
        closures: closures
      });
    });
    return facilities;
  }

  /** Days from an ISO date (YYYY-MM-DD) to `day`; NaN when it is not one. */
  function daysSince(iso, day) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
    if (!m) return NaN;
    return Math.round((Date.UTC(day.y, day.m - 1, day.d) - Date.UTC(+m[1], +m[2] - 1, +m[3])) / 86400000);
  }
  /** Whether the facility's vacancy information is current on `today` (Japan): not older than
   *  the site's stale_days, as the pages judge it on the build's day. */
  function vacancyCurrent(data, f, today) {
    if (!f.vacancy) return false;
    var age = daysSince(f.vacancyAsOf, today);
    return !isNaN(age) && age <= data.stale_days;
  }
  /** A current 「空きあり」. */
  function vacant(data, f, today) {
    return !!f.vacancy && f.vacancy[0] === data.available && vacancyCurrent(data, f, today);
  }
  function isoLabel(iso) {
    return iso.replace(/^\d+-0?(\d+)-0?(\d+)$/, "$1月$2日");
  }

  function setUpLookup(section) {
    var data = window.ZaitakuCaremane;
    if (!data || !data.f) return;
    var form = section.querySelector("[data-cm-form]");
    var results = section.querySelector("[data-cm-results]");
    var count = section.querySelector("[data-cm-count]");
    var clock = section.querySelector("[data-cm-clock]");
    var more = section.querySelector("[data-cm-more]");
    var at = section.querySelector("[data-cm-at]");
    var root = section.getAttribute("data-root") || "../";
    var facilities = unpack(data);
    var fold = null;
    var shown = PAGE_SIZE;
    var lastKey = "";

    function methodLabels(bits) {
      var out = [];
      for (var i = 0; i < data.methods.length; i++) if (bits & (1 << i)) out.push(data.methods[i][1]);
      return out.join("・");
    }

    function read() {
      var f = form.elements;
      var state = {
        t: (form.querySelector("input[name=t]:checked") || { value: "now" }).value,
        d: f.d.value,
        h: f.hh.value + ":" + f.mm.value,
        m: [],
        c: f.c.value,
        a: f.a.value,
        q: f.q.value.trim(),
        v: !!(f.v && f.v.checked)
      };
      var boxes = form.querySelectorAll("input[name=m]");
      for (var i = 0; i < boxes.length; i++) if (boxes[i].checked) state.m.push(boxes[i].value);
      return state;
    }

    function write(state) {
      var f = form.elements;
      var radios = form.querySelectorAll("input[name=t]");
      for (var i = 0; i < radios.length; i++) radios[i].checked = radios[i].value === state.t;
      if (data.days.indexOf(state.d) >= 0 || closureByKey(state.d.slice(CLOSURE_PREFIX.length))) f.d.value = state.d;
      var hm = /^(\d{1,2}):(\d{2})$/.exec(state.h || "");
      if (hm && +hm[1] < 24 && +hm[2] < 60) {
        f.hh.value = String(+hm[1]);
        f.mm.value = pad(+hm[2] - (+hm[2] % 5));
      }
      var boxes = form.querySelectorAll("input[name=m]");
      for (var j = 0; j < boxes.length; j++) boxes[j].checked = state.m.indexOf(boxes[j].value) >= 0;
      f.c.value = state.c || "";
      if (f.c.value !== (state.c || "")) f.c.value = "";
      f.a.value = state.a || "";
      if (f.a.value !== (state.a || "")) f.a.value = "";
      f.q.value = state.q || "";
      if (f.v) f.v.checked = !!state.v;
      var filters = form.querySelector("[data-cm-filters]");
      if (filters && (state.m.length || state.v || state.c || state.a)) filters.open = true;
    }

    function fromUrl() {
      var p = new URLSearchParams(location.search);
      var t = p.get("t");
      var now = tokyoNow();
      return {
        t: t === "at" || t === "any" ? t : "now",
        d: p.get("d") || dayKey(now),
        h: p.get("h") || hhmm0(now.minutes - (now.minutes % 5)),
        m: (p.get("m") || "").split(",").filter(Boolean),
        c: p.get("c") || "",
        a: p.get("a") || "",
        q: p.get("q") || "",
        v: p.get("v") === "1"
      };
    }

    function toUrl(state) {
      var p = new URLSearchParams();
      if (state.t !== "now") p.set("t", state.t);
      if (state.t === "at") {
        p.set("d", state.d);
        p.set("h", state.h);
      }
      if (state.m.length) p.set("m", state.m.join(","));
      if (state.c) p.set("c", state.c);
      if (state.a) p.set("a", state.a);
      if (state.q) p.set("q", state.q);
      if (state.v) p.set("v", "1");
      var query = p.toString();
      var url = location.pathname + (query ? "?" + query : "") + location.hash;
      if (url !== location.pathname + location.search + location.hash) history.replaceState(null, "", url);
    }

    function matches(state) {
      var now = tokyoNow();
      var rule = null;
      var minutes = null;
      if (state.t === "now") {
        rule = ruleOf(now);
        minutes = now.minutes;
      } else if (state.t === "at") {
        var hm = state.h.split(":");
        var chosen = state.d.indexOf(CLOSURE_PREFIX) === 0 ? closureByKey(state.d.slice(CLOSURE_PREFIX.length)) : null;
        rule = { closure: chosen, key: state.d };
        minutes = +hm[0] * 60 + +hm[1];
      }
      var methodBits = 0;
      state.m.forEach(function (m) {
        for (var i = 0; i < data.methods.length; i++) if (data.methods[i][0] === m) methodBits |= 1 << i;
      });
      var category = -1;
      var area = -1;
      data.categories.forEach(function (c, i) {
        if (c[0] === state.c) category = i;
      });
      data.areas.forEach(function (a, i) {
        if (a[0] === state.a) area = i;
      });
      var query = "";
      if (state.q) {
        if (!fold) fold = makeFold(data);
        query = fold(state.q);
      }
      var out = [];
      for (var i = 0; i < facilities.length; i++) {
        var f = facilities[i];
        if (state.c && f.category !== category) continue;
        if (state.a && f.area !== area) continue;
        if (state.v && !vacant(data, f, now)) continue;
        if (query) {
          if (f.key === null) f.key = fold(f.name) + "\n" + fold(f.kana);
          if (f.key.indexOf(query) < 0) continue;
        }
        var hits = [];
        for (var j = 0; j < f.windows.length; j++) {
          var w = f.windows[j];
          if (methodBits && !(w.methodBits & methodBits)) continue;
          if (rule !== null && !isOpen(w, rule, minutes)) continue;
          hits.push(w);
        }
        if (hits.length) out.push({ facility: f, windows: hits });
      }
      return { list: out, rule: rule, minutes: minutes, now: now };
    }

    /** 「空き情報」 of a card: the status and its date, or that it is old. */
    function vacancyFact(f, now) {
      if (!f.vacancy) return null;
      var text = vacancyCurrent(data, f, now)
        ? f.vacancy[1] + "（" + isoLabel(f.vacancyAsOf) + "時点）" + (f.vacancyCount != null ? "　空きの数 " + f.vacancyCount : "")
        : "情報が古くなっています（" + isoLabel(f.vacancyAsOf) + "時点）";
      return el("div", null, [el("dt", { text: "空き情報" }), el("dd", { text: text })]);
    }

    function card(hit, found, state) {
      var f = hit.facility;
      var meta = [data.categories[f.category] ? data.categories[f.category][1] : "", f.area >= 0 ? data.areas[f.area][1] : ""]
        .filter(Boolean)
        .join("・");
      var windows = el(
        "ul",
        { class: "cm-card-windows" },
        hit.windows.map(function (w) {
          var left = found.minutes !== null ? w.to - found.minutes : null;
          var facts = el("dl", { class: "cm-card-facts" }, [
            el("div", null, [el("dt", { text: "方法" }), el("dd", { text: methodLabels(w.methodBits) })]),
            w.contact ? el("div", null, [el("dt", { text: "窓口" }), el("dd", { text: w.contact })]) : null,
            el("div", null, [
              el("dt", { text: "予約" }),
              el("dd", null, [w.appointment ? el("strong", { text: "要予約" }) : "不要"])
            ]),
            w.note ? el("div", null, [el("dt", { text: "備考" }), el("dd", { text: w.note })]) : null
          ]);
          return el("li", { class: "cm-card-window" }, [
            el("p", { class: "cm-card-time" }, [
              el("span", { class: "cm-days", text: daysLabel(w) }),
              " ",
              el("strong", { text: hhmm(w.from) + "〜" + hhmm(w.to) }),
              left !== null && left > SOON_MINUTES ? el("span", { class: "cm-left", text: "（あと " + left + " 分）" }) : null,
              left !== null && left <= SOON_MINUTES ? " " : null,
              left !== null && left <= SOON_MINUTES ? soonMark(left) : null
            ]),
            facts
          ]);
        })
      );
      var phone = el("p", { class: "cm-card-phone" }, [
        el("span", { class: "cm-card-phone-label", text: "電話 " }),
        f.phone ? telLink(f.phone) : "未登録",
        f.fax ? el("span", { class: "cm-card-fax", text: "FAX " + f.fax }) : null
      ]);
      var contact = el("dl", { class: "cm-card-contact" }, [
        vacancyFact(f, found.now),
        el("div", null, [el("dt", { text: "最終確認日" }), el("dd", { text: f.verified.replace(/^(\d+)-0?(\d+)-0?(\d+)$/, "$1年$2月$3日") })])
      ]);
      return el("li", { class: "cm-card", "data-id": f.id }, [
        el("h3", { class: "cm-card-name" }, [el("a", { href: root + "resources/" + f.id + "/", text: f.name })]),
        meta ? el("p", { class: "cm-card-meta", text: meta }) : null,
        phone,
        windows,
        contact
      ]);
    }

    function describe(state, found) {
      var when;
      if (state.t === "now") when = "今（" + dateLabel(found.now) + " " + hhmm(found.now.minutes) + "）連絡できる事業所";
      else if (state.t === "at")
        when =
          (found.rule.closure ? found.rule.closure.name : longLabel(state.d)) + " " + hhmm(found.minutes) + " に連絡できる事業所";
      else when = "ケアマネタイムのある事業所";
      var filters = [];
      if (state.m.length) {
        filters.push(
          state.m
            .map(function (m) {
              for (var i = 0; i < data.methods.length; i++) if (data.methods[i][0] === m) return data.methods[i][1];
              return m;
            })
            .join("・")
        );
      }
      data.categories.forEach(function (c) {
        if (c[0] === state.c) filters.push(c[1]);
      });
      data.areas.forEach(function (a) {
        if (a[0] === state.a) filters.push(a[1]);
      });
      if (state.q) filters.push("「" + state.q + "」");
      if (state.v) filters.push("空きありだけ");
      return when + (filters.length ? "（" + filters.join("・") + "）" : "") + "：" + found.list.length + " 件";
    }

    function render(keepShown) {
      var state = read();
      var found = matches(state);
      var now = found.now;
      var closedNow = closureOf(now);
      // With 「今」 the count line already says the date and time.
      clock.hidden = state.t === "now" && !closedNow && !holidayName(now);
      clock.textContent =
        "いまの日本時間：" + now.y + "年" + dateLabel(now) + " " + hhmm(now.minutes) +
        (closedNow ? "（" + closedNow.name + "）" : holidayName(now) ? "（祝日：" + holidayName(now) + "）" : "");
      var note = section.querySelector("[data-cm-holiday]");
      var text =
        state.t === "now"
          ? holidayNote(now)
          : state.t === "at" && found.rule.closure
            ? found.rule.closure.name + "（" + found.rule.closure.label + "）にも受け付ける時間帯を表示しています。"
            : state.t === "at" && state.d === "hol"
              ? "祝日を含む時間帯を表示しています。"
              : "";
      note.textContent = text;
      note.hidden = !text;
      at.hidden = state.t !== "at";
      var summary = describe(state, found);
      if (!keepShown) shown = PAGE_SIZE;
      results.textContent = "";
      var list = found.list.slice(0, shown);
      list.forEach(function (hit) {
        results.appendChild(card(hit, found, state));
      });
      var nextBox = section.querySelector("[data-cm-next]");
      nextBox.textContent = "";
      nextBox.hidden = true;
      if (state.t === "now" && found.list.length === 0) {
        var upcoming = [];
        facilities.forEach(function (f) {
          var ws = f.windows.filter(function (w) {
            var bits = 0;
            state.m.forEach(function (m) {
              for (var i = 0; i < data.methods.length; i++) if (data.methods[i][0] === m) bits |= 1 << i;
            });
            return !bits || w.methodBits & bits;
          });
          if (state.c && (data.categories[f.category] || [])[0] !== state.c) return;
          if (state.a && (data.areas[f.area] || [])[0] !== state.a) return;
          if (state.v && !vacant(data, f, now)) return;
          if (state.q && (!f.key || f.key.indexOf(fold(state.q)) < 0)) return;
          var next = nextWindow(ws, now);
          if (next) upcoming.push({ f: f, next: next, sort: next.offset * 1440 + next.window.from });
        });
        upcoming.sort(function (a, b) {
          return a.sort - b.sort;
        });
        if (upcoming.length) {
          nextBox.appendChild(el("h3", { text: "このあと連絡できる事業所（早い順）" }));
          nextBox.appendChild(
            el(
              "ul",
              { class: "cm-next-list" },
              upcoming.slice(0, 10).map(function (u) {
                var when = u.next.offset === 0 ? "今日" : dateLabel(u.next.day);
                return el("li", null, [
                  el("strong", { text: when + " " + hhmm(u.next.window.from) + "〜" + hhmm(u.next.window.to) }),
                  "　",
                  el("a", { href: root + "resources/" + u.f.id + "/", text: u.f.name }),
                  u.f.phone ? "　電話 " : null,
                  u.f.phone ? telLink(u.f.phone) : null
                ]);
              })
            )
          );
          nextBox.hidden = false;
        }
      }
      more.hidden = found.list.length <= shown;
      if (!more.hidden) more.textContent = "さらに表示する（残り " + (found.list.length - shown) + " 件）";
      var shownText = found.list.length > list.length ? "（" + list.length + " 件を表示中）" : "";
      var key = summary + shownText;
      if (key !== lastKey) {
        count.textContent = summary + shownText;
        lastKey = key;
      }
      section.setAttribute("data-cm-ready", "true");
      return state;
    }

    var timer = null;
    function update(delay) {
      clearTimeout(timer);
      timer = setTimeout(function () {
        toUrl(render(false));
      }, delay);
    }

    write(fromUrl());
    form.addEventListener("change", function () {
      update(0);
    });
    form.addEventListener("input", function (event) {
      update(event.target && event.target.name === "q" ? 250 : 0);
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      update(0);
    });
    form.addEventListener("reset", function () {
      setTimeout(function () {
        var now = tokyoNow();
        write({ t: "now", d: dayKey(now), h: hhmm0(now.minutes - (now.minutes % 5)), m: [], c: "", a: "", q: "", v: false });
        update(0);
      }, 0);
    });
    more.addEventListener("click", function () {
      shown += PAGE_SIZE;
      render(true);
    });
    section.hidden = false;
    render(false);
    setInterval(function () {
      if (read().t === "now") render(true);
    }, 30000);
  }

  /* ---------- tables: the window open now ---------- */

  /** Marks, in every [data-cm-mark-now] table, the rows (tr[data-cm-days]) whose window is open
   *  now in Japan — in words (「今 受付中」), not by colour alone. */
  function setUpMarks(tables) {
    function render() {
      var now = tokyoNow();
      var rule = ruleOf(now);
      for (var t = 0; t < tables.length; t++) {
        var rows = tables[t].querySelectorAll("tr[data-cm-days]");
        for (var i = 0; i < rows.length; i++) {
          var r = rows[i];
          var w = {
            days: r.getAttribute("data-cm-days").split(" "),
            from: +r.getAttribute("data-cm-from"),
            to: +r.getAttribute("data-cm-to"),
            closures: (r.getAttribute("data-cm-closures") || "").split(" ").filter(Boolean)
          };
          var open = isOpen(w, rule, now.minutes);
          var mark = r.querySelector(".cm-now");
          r.classList.toggle("cm-open-now", open);
          if (open && !mark) {
            var cell = r.querySelector("[data-cm-time]") || r.cells[0];
            cell.appendChild(el("strong", { class: "cm-now", text: "今 受付中" }));
          } else if (!open && mark) {
            mark.parentNode.removeChild(mark);
          }
        }
      }
    }
    render();
    setInterval(render, 30000);
  }

  function setUp() {
    var marks = document.querySelectorAll("[data-cm-mark-now]");
    if (marks.length) setUpMarks(marks);
    var lookup = document.querySelector("[data-cm-lookup]");
    if (lookup) setUpLookup(lookup);
    var status = document.querySelector("[data-cm-status]");
    if (status) setUpStatus(status);
  }

  window.ZaitakuCaremaneTime = {
    tokyoNow: tokyoNow,
    dayKey: dayKey,
    ruleOf: ruleOf,
    closureOf: closureOf,
    isOpen: isOpen,
    nextWindow: nextWindow
  };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp);
  else setUp();
})();
