//! What each reader sees first (issue 14), beside `phone` and `closures`: a facility's 「本日」
//! box during a site closure (年末年始) as the build writes it — without JavaScript — and as
//! the page's script brings it up to a later day at a fixed clock, and the browser checks of
//! `tests/browser/first-screen.mjs` on the sample site: 「近い順」 with a fake position (the
//! order, and nothing leaving the browser), every facility's phone button above the fold at
//! 特大, tel links ≥ 44×44 px at 特大, every page at 320 px with 特大, and the manga's words
//! as rendered on a 375 px phone. Expectations are computed here from `content/` with plain
//! rules, not from the pages or their scripts.

use std::path::{Path, PathBuf};

use jiff::civil::Date;
use serde_json::{Value, json};
use zaitaku::build::{BuildOptions, build};
use zaitaku::content::resource::Resource;

use crate::common::{self, Need};

const YEAR_END: &str =
    "closures:\n  - { key: year-end, name: 年末年始, from: \"12-29\", to: \"01-03\" }\n";

/// The base fixture with 年末年始 declared, a window for it on takahashi-naika, and a second
/// clinic with hours and no such window; built as of `today`.
fn fixture_built_on(today: &str) -> (tempfile::TempDir, PathBuf) {
    let site = common::site_with(None);
    let content = site.path().join("content");
    let yaml = content.join("site.yaml");
    let text = std::fs::read_to_string(&yaml).unwrap() + YEAR_END;
    std::fs::write(&yaml, text).unwrap();
    let record = content.join("resources/clinic/takahashi-naika.yaml");
    let text = std::fs::read_to_string(&record).unwrap().replacen(
        "caremane_time:\n",
        "caremane_time:\n  - days: []\n    from: \"10:00\"\n    to: \"12:00\"\n    methods: [phone]\n    closures: [year-end]\n",
        1,
    );
    std::fs::write(&record, text).unwrap();
    std::fs::write(
        content.join("resources/clinic/minami-clinic.yaml"),
        "name: みなみ診療所\nkana: みなみしんりょうじょ\ncategory: clinic\narea: north\naddress: 徳島市川内町1番地\nphone: 088-600-3333\nhours:\n  - { days: [mon, tue, wed, thu, fri, sat, hol], open: \"09:00\", close: \"12:00\" }\nverified: 2026-09-01\n",
    )
    .unwrap();
    let out = site.path().join("public");
    build(&BuildOptions {
        root: site.path().to_path_buf(),
        out: out.clone(),
        base_url: None,
        today: today.parse::<Date>().unwrap(),
    })
    .unwrap();
    (site, out)
}

/// The 「本日」 box of a built facility page, from its opening tag to its end.
fn today_box(out: &Path, id: &str) -> String {
    let html = std::fs::read_to_string(out.join(format!("resources/{id}/index.html"))).unwrap();
    let start = html.find("<div class=\"today-box").expect("a 本日 box");
    let end = start + html[start..].find("</div>").expect("its end");
    html[start..end].to_owned()
}

#[test]
fn on_a_closure_day_the_built_page_says_closed_and_names_the_closure() {
    // Wednesday 30 December 2026: both clinics have Wednesday hours, but it is 年末年始.
    let (_site, out) = fixture_built_on("2026-12-30");
    let takahashi = today_box(&out, "takahashi-naika");
    assert!(
        takahashi.contains("class=\"today-box today-closed\""),
        "{takahashi}"
    );
    assert!(
        takahashi.contains("<time datetime=\"2026-12-30\">12月30日（水）</time>・年末年始"),
        "{takahashi}"
    );
    assert!(takahashi.contains("本日は休み"), "{takahashi}");
    assert!(!takahashi.contains("本日の受付時間"), "{takahashi}");
    assert!(
        takahashi.contains("年末年始（毎年12月29日〜1月3日）のお休みです。"),
        "{takahashi}"
    );
    // The window it declared for 年末年始, and the same for the page's script.
    assert!(
        takahashi.contains("年末年始の連絡受付 10:00〜12:00"),
        "{takahashi}"
    );
    assert!(
        takahashi
            .contains("data-today-closures=\"{&quot;year-end&quot;:[&quot;10:00〜12:00&quot;]}\""),
        "{takahashi}"
    );
    // 元日 is a 祝日 and minami lists 祝日 hours, but the closure decides.
    let (_site, out) = fixture_built_on("2027-01-01");
    let minami = today_box(&out, "minami-clinic");
    assert!(minami.contains("本日は休み"), "{minami}");
    assert!(minami.contains("・年末年始"), "{minami}");
    assert!(!minami.contains("祝日（元日）"), "{minami}");
    assert!(!minami.contains("連絡受付"), "{minami}");
    assert!(!minami.contains("data-today-closures"), "{minami}");

    // The day before and the day after: the weekday's hours again.
    let (_site, out) = fixture_built_on("2026-12-28");
    let takahashi = today_box(&out, "takahashi-naika");
    assert!(
        takahashi.contains(
            "本日の受付時間</strong><span class=\"today-bands\">09:00〜12:30、15:00〜18:00</span>"
        ),
        "{takahashi}"
    );
    assert!(!takahashi.contains("年末年始"), "{takahashi}");
    let (_site, out) = fixture_built_on("2027-01-04");
    assert!(today_box(&out, "minami-clinic").contains("09:00〜12:00"));
    // The browser's copy of the rule comes with the holidays.
    let script = std::fs::read_to_string(out.join("assets/holidays.js")).unwrap();
    assert!(script.contains("h.ruleOn = function (iso)"), "{script}");
}

// ---------------------------------------------------------------------------------------------
// In Chromium, on the sample site (built as of common::TODAY, 2026-11-22).

fn sample() -> Vec<Resource> {
    zaitaku::build::load_valid(&common::repo(), common::today())
        .unwrap()
        .0
        .resources
}

/// The bands of `r` on the weekday `key`, as the box writes them.
fn bands(r: &Resource, key: &str) -> Vec<String> {
    let mut bands: Vec<(String, String)> = r
        .hours
        .iter()
        .filter(|b| b.days.iter().any(|d| d == key))
        .map(|b| (b.open.clone(), b.close.clone()))
        .collect();
    bands.sort();
    bands.iter().map(|(o, c)| format!("{o}〜{c}")).collect()
}

/// Great-circle distance in km.
fn km(lat1: f64, lng1: f64, lat2: f64, lng2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lng2 - lng1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    6371.0 * 2.0 * a.sqrt().asin()
}

fn cases(resources: &[Resource]) -> Value {
    let with_hours: Vec<&Resource> = resources.iter().filter(|r| !r.hours.is_empty()).collect();
    let mut today = Vec::new();
    // Wednesday 30 December 2026, 10:00 in Japan: 年末年始 for everyone (the sample site
    // declares no window for it).
    let open_wednesdays = with_hours
        .iter()
        .filter(|r| !bands(r, "wed").is_empty())
        .count();
    assert!(
        open_wednesdays >= 10,
        "many facilities open on Wednesdays, so the closure case can fail"
    );
    for (i, r) in with_hours.iter().enumerate() {
        today.push(
            json!({"url": format!("/resources/{}/", r.id), "instant": "2026-12-30T10:00:00+09:00",
            "datetime": "2026-12-30", "word": "本日は休み",
            "text": ["12月30日（水）・年末年始", "年末年始（毎年12月29日〜1月3日）のお休みです。"],
            "absent": ["本日の受付時間"], "shot": (i == 0).then_some("today-1230-375")}),
        );
    }
    // Monday 28 December 2026, the day before: each facility's Monday hours.
    for r in with_hours.iter().take(12) {
        let monday = bands(r, "mon");
        let (word, text) = if monday.is_empty() {
            ("本日は休み", vec!["12月28日（月）".to_owned()])
        } else {
            (
                "本日の受付時間",
                vec!["12月28日（月）".to_owned(), monday.join("、")],
            )
        };
        today.push(json!({"url": format!("/resources/{}/", r.id), "instant": "2026-12-28T10:00:00+09:00",
            "datetime": "2026-12-28", "word": word, "text": text, "absent": ["年末年始"], "shot": null}));
    }

    // 「近い順」 on the 訪問診療 list, from 徳島駅 (fictional facilities, real city).
    let (lat, lng) = (34.0743, 134.5511);
    let mut home_visit: Vec<(&Resource, f64)> = resources
        .iter()
        .filter(|r| r.services.iter().any(|s| s.key == "home-visit"))
        .filter_map(|r| r.location.map(|l| (r, km(lat, lng, l.lat, l.lng))))
        .collect();
    assert!(home_visit.len() >= 5, "enough to order");
    home_visit.sort_by(|a, b| a.1.total_cmp(&b.1));
    let order: Vec<&str> = home_visit.iter().map(|(r, _)| r.name.as_str()).collect();

    let facilities: Vec<String> = resources
        .iter()
        .filter(|r| r.phone.is_some())
        .map(|r| format!("/resources/{}/", r.id))
        .collect();
    let manga: Vec<String> = std::fs::read_dir(common::repo().join("content/manga"))
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            name.strip_suffix(".md")
                .map(|slug| format!("/manga/{slug}/"))
        })
        .collect();
    json!({
        "clock": "2026-11-24T08:50:00+09:00",
        "today": today,
        "nearest": {"url": "/resources/service/home-visit/", "lat": lat, "lng": lng, "order": order},
        "facilities": facilities,
        "manga": manga,
        "min_bubble": 12,
        "min_label": 11,
    })
}

#[test]
fn sample_site_first_screens_in_chromium() {
    let root = common::repo();
    if common::skip_or_require_browser(
        &root,
        &[Need::Node, Need::NodePackage("playwright-core")],
        "SKIPPED tests/testsuite/first_screen.rs browser test: ZAITAKU_SKIP_BROWSER=1 is set, so \
         本日 on 12/30, 近い順, 特大 phones, 320 px on every page and the manga's word sizes were \
         NOT checked in Chromium.",
        "The first-screen browser test cannot run (do the README setup, or `bash .ci/run`):",
    ) {
        return;
    }
    // Kept beside the built site, so that the harness can be rerun by hand.
    let cases_file = Path::new(env!("CARGO_TARGET_TMPDIR")).join("first-screen-cases.json");
    std::fs::write(
        &cases_file,
        serde_json::to_string_pretty(&cases(&sample())).unwrap(),
    )
    .unwrap();
    let out = common::sample_site();
    let screenshots = root.join("target/screenshots");
    let run = common::run_harness(
        "tests/browser/first-screen.mjs",
        &[&out, &cases_file, &"--screenshots", &screenshots],
    );
    if !run.passed("browser") {
        let failed: Vec<&str> = run
            .lines
            .iter()
            .filter(|l| l.starts_with("FAIL ") || l.starts_with("    ") || l.starts_with("failed "))
            .take(200)
            .map(String::as_str)
            .collect();
        panic!(
            "the first-screen checks failed in Chromium ({}); built site at {}\n{}",
            run.status,
            out.display(),
            failed.join("\n")
        );
    }
}
