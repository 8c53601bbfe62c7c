/* zaitaku default theme: the text-size switch (標準・大きく・特大), the print button, a
   facility's 「本日」 line brought up to the reader's day, and the area filter of listings.
   Everything here is an enhancement; every page works without it. */
(function () {
  "use strict";
  var KEY = "zaitaku-text-size";
  var SIZES = ["normal", "large", "xlarge"];
  var html = document.documentElement;

  function stored() {
    try {
      return localStorage.getItem(KEY);
    } catch (e) {
      return null;
    }
  }
  function store(value) {
    try {
      localStorage.setItem(KEY, value);
    } catch (e) {
      /* private mode: the choice lasts for this page only */
    }
  }

  function setUp() {
    var box = document.querySelector("[data-text-size]");
    if (box) {
      var buttons = box.querySelectorAll("button[data-size]");
      var apply = function (size) {
        if (SIZES.indexOf(size) < 0) size = "normal";
        if (size === "normal") html.removeAttribute("data-text-size");
        else html.setAttribute("data-text-size", size);
        for (var i = 0; i < buttons.length; i++) {
          buttons[i].setAttribute("aria-pressed", buttons[i].getAttribute("data-size") === size ? "true" : "false");
        }
      };
      apply(stored());
      for (var i = 0; i < buttons.length; i++) {
        buttons[i].addEventListener("click", function (event) {
          var size = event.currentTarget.getAttribute("data-size");
          apply(size);
          store(size);
        });
      }
      box.hidden = false;
    }
    var printButtons = document.querySelectorAll("[data-print]");
    for (var j = 0; j < printButtons.length; j++) {
      printButtons[j].hidden = false;
      printButtons[j].addEventListener("click", function () {
        window.print();
      });
    }
  }

  /* ---------- 本日 on a facility's page ----------
     The page says it as of the build's day; here the same rule runs for the reader's day in
     Japan: assets/holidays.js's ruleOn (src/ja/holidays.rs's rule_on: a site closure such as
     年末年始 first — closed, with the windows the record declares for it (data-today-closures)
     —, then a 祝日 — only the bands that list the 祝日 key —, else the weekday's bands of
     data-today-hours). */
  var TOKYO_OFFSET = 9 * 60 * 60 * 1000;
  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }
  function span(className, text) {
    var el = document.createElement("span");
    el.className = className;
    el.textContent = text;
    return el;
  }
  function today() {
    var box = document.querySelector("[data-today]");
    var h = window.ZaitakuHolidays;
    if (!box || !h || !h.ruleOn || !h.days || h.days.length < 8) return;
    var bands, closureWindows;
    try {
      bands = JSON.parse(box.getAttribute("data-today-hours"));
      closureWindows = JSON.parse(box.getAttribute("data-today-closures") || "{}");
    } catch (e) {
      return;
    }
    var t = new Date(Date.now() + TOKYO_OFFSET);
    var y = t.getUTCFullYear();
    var m = t.getUTCMonth() + 1;
    var d = t.getUTCDate();
    var iso = y + "-" + pad(m) + "-" + pad(d);
    var time = box.querySelector("time");
    if (time && time.getAttribute("datetime") === iso) return; // the build's day: already right
    var rule = h.ruleOn(iso);
    // No holiday data for the year: keep the built text, unless a closure decides the day.
    if (!rule.closure && (y < h.first_year || y > h.valid_until)) return;
    var weekday = h.days[(t.getUTCDay() + 6) % 7];
    var today = [];
    for (var i = 0; rule.key && i < bands.length; i++) {
      if (bands[i].days.indexOf(rule.key) >= 0) today.push(bands[i].open + "〜" + bands[i].close);
    }
    today.sort();
    var status = box.querySelector("[data-today-status]");
    status.textContent = "";
    var day = document.createElement("span");
    day.className = "today-day";
    day.appendChild(document.createTextNode("本日 "));
    var stamp = document.createElement("time");
    stamp.setAttribute("datetime", iso);
    stamp.textContent = m + "月" + d + "日（" + weekday.short + "）";
    day.appendChild(stamp);
    if (rule.closure) day.appendChild(document.createTextNode("・" + rule.closure.name));
    else if (rule.holiday) day.appendChild(document.createTextNode("・祝日（" + rule.holiday + "）"));
    status.appendChild(day);
    var word = document.createElement("strong");
    word.className = "today-word";
    word.textContent = today.length ? "本日の受付時間" : "本日は休み";
    status.appendChild(word);
    if (today.length) status.appendChild(span("today-bands", today.join("、")));
    if (rule.closure) {
      var c = rule.closure;
      status.appendChild(span("today-closure", c.name + "（" + c.label + "）のお休みです。"));
      var windows = closureWindows[c.key] || [];
      if (windows.length) status.appendChild(span("today-bands", c.name + "の連絡受付 " + windows.join("、")));
    }
    box.className = "today-box " + (today.length ? "today-open" : "today-closed");
  }

  /* ---------- area filter of a listing ----------
     Without the script the area links jump to the area's part of the page; with it, the
     page keeps only the chosen area (and 「すべての地域」 brings the others back). */
  function areaFilter() {
    var nav = document.querySelector("[data-area-filter]");
    if (!nav) return;
    var links = nav.querySelectorAll('a[href^="#group-"]');
    if (links.length < 2) return;
    var groups = document.querySelectorAll("section.group");
    var all = document.createElement("button");
    all.type = "button";
    all.textContent = "すべての地域を表示";
    all.hidden = true;
    nav.appendChild(all);
    function show(id) {
      for (var i = 0; i < groups.length; i++) {
        var heading = groups[i].querySelector("h2");
        groups[i].hidden = id !== null && (!heading || heading.id !== id);
      }
      for (var j = 0; j < links.length; j++) {
        if (id !== null && links[j].getAttribute("href") === "#" + id) links[j].setAttribute("aria-current", "true");
        else links[j].removeAttribute("aria-current");
      }
      all.hidden = id === null;
    }
    for (var k = 0; k < links.length; k++) {
      links[k].addEventListener("click", function (event) {
        var id = event.currentTarget.getAttribute("href").slice(1);
        var target = document.getElementById(id);
        if (!target) return;
        event.preventDefault();
        show(id);
        target.setAttribute("tabindex", "-1");
        target.focus();
      });
    }
    all.addEventListener("click", function () {
      show(null);
    });
  }

  /* ---------- 近い順 ----------
     Only in the browser: the position never leaves the device; the distances are computed
     here from the records' own coordinates (data-lat, data-lng). */
  function distanceKm(lat1, lng1, lat2, lng2) {
    var rad = Math.PI / 180;
    var dLat = (lat2 - lat1) * rad;
    var dLng = (lng2 - lng1) * rad;
    var a =
      Math.sin(dLat / 2) * Math.sin(dLat / 2) +
      Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLng / 2) * Math.sin(dLng / 2);
    return 6371 * 2 * Math.atan2(Math.sqrt(a), Math.sqrt(1 - a));
  }
  function nearest() {
    var box = document.querySelector("[data-nearest]");
    if (!box || !navigator.geolocation) return;
    var items = document.querySelectorAll(".facility-item[data-lat]");
    if (!items.length) return;
    var button = box.querySelector("[data-nearest-button]");
    var status = box.querySelector("[data-nearest-status]");
    box.hidden = false;
    button.addEventListener("click", function () {
      status.textContent = "現在地を確かめています…";
      navigator.geolocation.getCurrentPosition(
        function (pos) {
          var here = pos.coords;
          var sorted = [];
          for (var i = 0; i < items.length; i++) {
            var lat = parseFloat(items[i].getAttribute("data-lat"));
            var lng = parseFloat(items[i].getAttribute("data-lng"));
            sorted.push({ item: items[i], km: distanceKm(here.latitude, here.longitude, lat, lng) });
          }
          sorted.sort(function (a, b) {
            return a.km - b.km;
          });
          var old = document.getElementById("nearest-list");
          if (old) old.parentNode.removeChild(old);
          var section = document.createElement("section");
          section.id = "nearest-list";
          section.className = "group";
          var heading = document.createElement("h2");
          heading.id = "group-nearest";
          heading.textContent = "現在地から近い順";
          heading.setAttribute("tabindex", "-1");
          section.appendChild(heading);
          var list = document.createElement("ul");
          list.className = "facility-list";
          for (var j = 0; j < sorted.length; j++) {
            var copy = sorted[j].item.cloneNode(true);
            var km = document.createElement("p");
            km.className = "facility-distance";
            km.textContent = "ここから約 " + (sorted[j].km < 10 ? sorted[j].km.toFixed(1) : Math.round(sorted[j].km)) + " km（直線距離）";
            copy.insertBefore(km, copy.children[1] || null);
            var name = copy.querySelector(".facility-item-name");
            if (name && name.tagName !== "H3") {
              var h3 = document.createElement("h3");
              h3.className = name.className;
              h3.innerHTML = name.innerHTML;
              name.parentNode.replaceChild(h3, name);
            }
            list.appendChild(copy);
          }
          section.appendChild(list);
          var groups = document.querySelectorAll("section.group");
          for (var g = 0; g < groups.length; g++) groups[g].hidden = true;
          box.parentNode.insertBefore(section, box.nextSibling);
          status.textContent = sorted.length + " か所を近い順に並べました（位置の登録がない事業所は含みません）。";
          heading.focus();
        },
        function () {
          status.textContent = "現在地がわかりませんでした。端末の設定で位置情報を許可するか、地域から選んでください。";
        },
        { enableHighAccuracy: false, timeout: 15000, maximumAge: 600000 }
      );
    });
  }

  /* ---------- videos ----------
     The page shows the poster only; YouTube (youtube-nocookie.com) is asked for nothing until
     the reader presses play. Without the script, the link opens the video on YouTube. */
  function videos() {
    var boxes = document.querySelectorAll("[data-video]");
    for (var i = 0; i < boxes.length; i++) {
      (function (box) {
        var button = box.querySelector("[data-video-play]");
        if (!button) return;
        button.hidden = false;
        button.addEventListener("click", function () {
          var frame = document.createElement("iframe");
          frame.src = box.getAttribute("data-video-embed");
          frame.title = box.querySelector(".video-title").textContent;
          frame.allow = "autoplay; encrypted-media; picture-in-picture; fullscreen";
          frame.setAttribute("allowfullscreen", "");
          var holder = box.querySelector(".video-frame");
          holder.textContent = "";
          holder.appendChild(frame);
          frame.focus();
        });
      })(boxes[i]);
    }
  }

  function start() {
    videos();
    setUp();
    today();
    areaFilter();
    nearest();
  }
  // After every deferred script (assets/holidays.js comes after this one).
  if (document.readyState === "complete") start();
  else document.addEventListener("DOMContentLoaded", start);
})();
