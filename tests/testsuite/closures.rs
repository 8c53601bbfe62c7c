//! Site-wide closures (`closures:` in `site.yaml`, e.g. 年末年始 12/29〜1/3 every year): their
//! validation, the data the lookup and the pages get, and — in headless Chromium at fixed clocks
//! (`tests/browser/lookup-first.mjs`) — nobody reachable on 12/30 in the sample site, the
//! lookup's first result on the first screen at 1280×800, and the weekday pages marking the
//! window open now. Expectations are computed here from `content/` with plain rules, not from the
//! page's data or script.

use crate::common;

use common::Need;
use serde_json::{Value, json};
use zaitaku::content::resource::Resource;

/// A copy of the base fixture with `closures` appended to its site.yaml and `window` (YAML
/// lines of one more ケアマネタイム window) added to takahashi-naika.
fn site(closures: &str, window: &str) -> tempfile::TempDir {
    let dir = common::site_with(None);
    let content = dir.path().join("content");
    let site_yaml = content.join("site.yaml");
    let mut text = std::fs::read_to_string(&site_yaml).unwrap();
    text.push_str(closures);
    std::fs::write(&site_yaml, text).unwrap();
    let record = content.join("resources/clinic/takahashi-naika.yaml");
    let text = std::fs::read_to_string(&record).unwrap();
    let text = text.replacen("caremane_time:\n", &format!("caremane_time:\n{window}"), 1);
    std::fs::write(&record, text).unwrap();
    dir
}

const YEAR_END: &str =
    "closures:\n  - { key: year-end, name: 年末年始, from: \"12-29\", to: \"01-03\" }\n";

#[test]
fn bad_closures_are_named_with_file_line_column_and_a_fix() {
    let dir = site(
        "closures:\n  - { key: year-end, name: 年末年始, from: \"12-29\", to: \"01-03\" }\n  - { key: year-end, name: 重複, from: \"12-31\" }\n  - { key: Bad Key, name: 大文字, from: \"5-1\" }\n  - { key: feb, name: 二月, from: \"02-30\" }\n  - { key: mixed, name: まぜこぜ, from: \"12-29\", to: \"2027-01-03\" }\n  - { key: back, name: 逆, from: \"2027-02-15\", to: \"2027-02-10\" }\n  - { key: empty, name: \"\", from: \"8-13\" }\n",
        "  - days: [wed]\n    from: \"10:00\"\n    to: \"11:00\"\n    methods: [phone]\n    closures: [year-end, obon]\n",
    );
    let diagnostics = common::check(dir.path());
    let lines: Vec<String> = diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| format!("{} {}", common::summary_line(d), d.message))
        .collect();
    let expect = [
        ("content/site.yaml:25:", "closures[1].key", "2 回"),
        ("content/site.yaml:26:", "closures[2].key", "Bad Key"),
        ("content/site.yaml:27:", "closures[3].from", "02-30"),
        (
            "content/site.yaml:28:",
            "closures[4].to",
            "そろっていません",
        ),
        ("content/site.yaml:29:", "closures[5].to", "より前"),
        ("content/site.yaml:30:", "closures[6].name", "空です"),
        (
            "content/resources/clinic/takahashi-naika.yaml:",
            "caremane_time[0].closures[1]",
            "「obon」",
        ),
    ];
    for (at, field, words) in expect {
        assert!(
            lines
                .iter()
                .any(|l| l.contains(at) && l.contains(field) && l.contains(words)),
            "no error at {at} for {field} saying {words}:\n{}",
            lines.join("\n")
        );
    }
    assert_eq!(lines.len(), expect.len(), "{}", lines.join("\n"));
    // Each says how to fix it, in Japanese.
    for d in diagnostics.iter().filter(|d| d.is_error()) {
        assert!(d.hint.as_deref().is_some_and(|h| !h.is_empty()), "{d:?}");
    }
}

#[test]
fn an_unknown_field_in_a_closure_is_refused() {
    let dir = site(
        "closures:\n  - { key: year-end, name: 年末年始, from: \"12-29\", until: \"01-03\" }\n",
        "",
    );
    let diagnostics = common::check(dir.path());
    let error = diagnostics
        .iter()
        .find(|d| d.is_error())
        .expect("an error for `until`");
    assert!(
        error.location().starts_with("content/site.yaml:24:"),
        "{}",
        error.location()
    );
    assert!(error.message.contains("until"), "{}", error.message);
}

#[test]
fn a_window_for_the_closure_reaches_the_lookup_data_and_the_pages() {
    let dir = site(
        YEAR_END,
        "  - days: []\n    from: \"10:00\"\n    to: \"12:00\"\n    methods: [phone]\n    closures: [year-end]\n",
    );
    let (content, _) = zaitaku::build::load_valid(dir.path(), common::today()).unwrap();
    let record = content
        .resources
        .iter()
        .find(|r| r.id == "takahashi-naika")
        .unwrap();
    let window = &record.caremane_time[0];
    assert!(window.days.is_empty());
    assert_eq!(window.closures[0].key, "year-end");
    assert_eq!(window.days_label, "年末年始");
    let data = zaitaku::site::caremane::lookup::data(&content);
    let windows = data["w"].as_array().unwrap();
    assert_eq!(windows[0][8], json!([0]), "{}", windows[0]);
    assert_eq!(windows[1][8], json!([]), "{}", windows[1]);
    let script = zaitaku::site::caremane::data_script("assets/holidays.js", &content);
    assert!(
        script.contains(r#""closures":[{"key":"year-end","name":"年末年始","from":"12-29","to":"01-03","label":"毎年12月29日〜1月3日"}]"#),
        "{script}"
    );

    let out = dir.path().join("public");
    zaitaku::build::build(&zaitaku::build::BuildOptions {
        root: dir.path().to_path_buf(),
        out: out.clone(),
        base_url: None,
        today: common::today(),
    })
    .unwrap();
    let page = std::fs::read_to_string(out.join("resources/takahashi-naika/index.html")).unwrap();
    assert!(
        page.contains("<strong>年末年始（毎年12月29日〜1月3日）</strong>は、10:00〜12:00 だけ受け付けています。"),
        "{page}"
    );
    assert!(page.contains(r#"data-cm-closures="year-end""#));
    let tuesday = std::fs::read_to_string(out.join("caremane-time/tue/index.html")).unwrap();
    assert!(
        tuesday
            .contains("年末年始（毎年12月29日〜1月3日）は、この表の時間帯では受け付けていません。"),
        "{tuesday}"
    );
    // common::today() is 2026-11-22: the coming Tuesday in the closure is 12/29.
    assert!(
        tuesday.contains("これからの休業日（火曜日）：2026年12月29日（火）（年末年始）"),
        "{tuesday}"
    );
}

// ---------------------------------------------------------------------------------------------
// In Chromium, on the sample site.

fn sample() -> Vec<Resource> {
    zaitaku::build::load_valid(&common::repo(), common::today())
        .unwrap()
        .0
        .resources
}

/// Facilities with a window open on weekday `day` at `minutes` (no closure, no 祝日).
fn open_on<'a>(resources: &'a [Resource], day: &str, minutes: u16) -> Vec<&'a Resource> {
    resources
        .iter()
        .filter(|r| {
            r.caremane_time.iter().any(|w| {
                w.days.iter().any(|d| d == day)
                    && w.from_minutes <= minutes
                    && minutes < w.to_minutes
            })
        })
        .collect()
}

/// Facilities with a window for the closure `key` open at `minutes`.
fn open_in_closure<'a>(resources: &'a [Resource], key: &str, minutes: u16) -> Vec<&'a Resource> {
    resources
        .iter()
        .filter(|r| {
            r.caremane_time.iter().any(|w| {
                w.closures.iter().any(|c| c.key == key)
                    && w.from_minutes <= minutes
                    && minutes < w.to_minutes
            })
        })
        .collect()
}

/// Rows of the weekday page `day` whose window is open at `minutes`.
fn rows_open(resources: &[Resource], day: &str, minutes: u16) -> usize {
    resources
        .iter()
        .flat_map(|r| &r.caremane_time)
        .filter(|w| {
            w.days.iter().any(|d| d == day) && w.from_minutes <= minutes && minutes < w.to_minutes
        })
        .count()
}

fn cases(resources: &[Resource]) -> Vec<Value> {
    let mut cases = Vec::new();
    // Tuesday 24 November 2026, 13:30 in Japan.
    let tuesday = "2026-11-24T04:30:00Z";
    assert!(open_on(resources, "tue", 13 * 60 + 30).len() >= 2);
    for (name, viewport) in [("first-1280", [1280, 800]), ("first-375", [375, 812])] {
        cases.push(
            json!({"name": name, "url": "/caremane-time/", "instant": tuesday,
            "kind": "lookup", "viewport": viewport, "first_above_fold": viewport[0] == 1280}),
        );
    }
    // Wednesday 30 December 2026, 10:00 in Japan: 年末年始.
    let year_end = "2026-12-30T01:00:00Z";
    let wednesday = open_on(resources, "wed", 10 * 60);
    assert!(
        wednesday.len() >= 3,
        "on an ordinary Wednesday at 10:00 some facilities are reachable, so the case can fail"
    );
    let reachable = open_in_closure(resources, "year-end", 10 * 60);
    assert!(
        reachable.is_empty(),
        "the sample site declares no window for 年末年始"
    );
    cases.push(
        json!({"name": "year-end-1230", "url": "/caremane-time/", "instant": year_end,
        "kind": "lookup", "viewport": [1280, 800], "expect_count": reachable.len(),
        "expect_text": ["年末年始", "0 件", "このあと連絡できる事業所"]}),
    );
    // The same facility that is open on Wednesdays at 10:00 is closed on 12/30, and says why.
    let facility = wednesday[0];
    cases.push(
        json!({"name": "year-end-facility", "url": format!("/resources/{}/", facility.id),
        "instant": year_end, "kind": "status", "viewport": [1280, 800], "expect_status": "closed",
        "expect_text": ["年末年始"]}),
    );
    cases.push(
        json!({"name": "ordinary-wednesday-facility", "url": format!("/resources/{}/", facility.id),
        "instant": "2026-12-02T01:00:00Z", "kind": "status", "viewport": [1280, 800],
        "expect_status": "open"}),
    );
    // The weekday pages mark the window open now — and none on 12/30.
    cases.push(json!({"name": "tuesday-page", "url": "/caremane-time/tue/", "instant": tuesday,
        "kind": "table", "viewport": [1280, 800], "sticky_header": true,
        "expect_marked": rows_open(resources, "tue", 13 * 60 + 30),
        "expect_text": ["年末年始（毎年12月29日〜1月3日）は、この表の時間帯では受け付けていません。"]}));
    cases.push(
        json!({"name": "wednesday-page-year-end", "url": "/caremane-time/wed/",
        "instant": year_end, "kind": "table", "viewport": [1280, 800], "expect_marked": 0}),
    );
    cases.push(
        json!({"name": "wednesday-page-ordinary", "url": "/caremane-time/wed/",
        "instant": "2026-12-02T01:00:00Z", "kind": "table", "viewport": [375, 812],
        "expect_marked": rows_open(resources, "wed", 10 * 60)}),
    );
    cases.push(
        json!({"name": "all-windows-table", "url": "/caremane-time/", "instant": tuesday,
        "kind": "table", "viewport": [1280, 800], "sticky_header": true}),
    );
    cases
}

#[test]
fn nobody_is_reachable_on_12_30_and_the_first_result_is_on_the_first_screen() {
    let root = common::repo();
    if common::skip_or_require_browser(
        &root,
        &[Need::Node, Need::NodePackage("playwright-core")],
        "SKIPPED tests/testsuite/closures.rs browser test: ZAITAKU_SKIP_BROWSER=1 is set, so closures and the lookup's first screen were NOT checked in Chromium.",
        "The closures browser test cannot run (do the README setup, or `bash .ci/run`):",
    ) {
        return;
    }
    let resources = sample();
    let tmp = tempfile::tempdir().unwrap();
    let cases_file = tmp.path().join("cases.json");
    std::fs::write(
        &cases_file,
        serde_json::to_string_pretty(&json!({"cases": cases(&resources)})).unwrap(),
    )
    .unwrap();
    let out = common::sample_site();
    let screenshots = root.join("target/screenshots/lookup");
    let run = common::run_harness(
        "tests/browser/lookup-first.mjs",
        &[&out, &cases_file, &"--screenshots", &screenshots],
    );
    assert!(
        run.passed("lookup-first"),
        "the closures / first-screen checks failed in Chromium ({}):\n{}",
        run.status,
        run.lines.join("\n")
    );
}
