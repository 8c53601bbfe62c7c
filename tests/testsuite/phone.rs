//! The citizen on a phone (issue 14): the areas' 町 in `site.yaml` (validated, with Japanese
//! messages naming file:line:column and field), the 「お住まいの町から探す」 page, the
//! facility page's first screen as the build writes it without JavaScript (本日 from the
//! build's `--today`, 祝日-aware; the phone; the address; a notice on long-unconfirmed
//! records), and the browser checks of `tests/browser/phone.mjs` (header height, the phone
//! button above the fold, 44×44 tel links, 320 px at 特大, no third-party request, screenshots).

use std::path::{Path, PathBuf};

use jiff::civil::Date;
use zaitaku::build::{BuildOptions, build};

use crate::common::{self, Need, check, fixtures, site_with, summary_line};

fn expected_of(case: &Path) -> Vec<String> {
    std::fs::read_to_string(case.join("expected.txt"))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

fn run_case(name: &str) -> Vec<zaitaku::diagnostics::Diagnostic> {
    let case = fixtures().join("invalid").join(name);
    let site = site_with(Some(&case));
    let diagnostics = check(site.path());
    let actual: Vec<String> = diagnostics.iter().map(summary_line).collect();
    let shown: Vec<String> = diagnostics.iter().map(ToString::to_string).collect();
    assert_eq!(
        actual,
        expected_of(&case),
        "diagnostics of case {name}:\n{}",
        shown.join("\n")
    );
    diagnostics
}

#[test]
fn towns_in_two_areas_or_empty_are_refused_in_japanese() {
    let diagnostics = run_case("site-towns");
    let messages: Vec<String> = diagnostics.iter().map(ToString::to_string).collect();
    let text = messages.join("\n");
    assert!(
        text.contains("町「勝占町」が地域「north」にも書かれています"),
        "{text}"
    );
    assert!(
        text.contains("町「津田町」が同じ地域に書かれています"),
        "{text}"
    );
    assert!(text.contains("町の名前が空です"), "{text}");
    assert!(text.contains("1 つの町は 1 つの地域にだけ"), "{text}");
}

#[test]
fn a_mistyped_towns_field_is_named() {
    let diagnostics = run_case("site-towns-typo");
    assert!(diagnostics[0].to_string().contains("town"));
}

/// The base fixture with its areas' towns, built as of `today`.
fn built_on(today: &str) -> (tempfile::TempDir, PathBuf) {
    let site = site_with(None);
    let yaml = site.path().join("content/site.yaml");
    let text = std::fs::read_to_string(&yaml).unwrap().replace(
        "  - { key: north, label: 北部 }\n",
        "  - { key: north, label: 北部, towns: [川内町, 応神町] }\n",
    );
    std::fs::write(&yaml, text).unwrap();
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

fn read(out: &Path, file: &str) -> String {
    std::fs::read_to_string(out.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// The facility page's first part, up to the 連絡先 block: what a phone shows first.
fn first_screen(html: &str) -> &str {
    let start = html.find("<h1>").expect("an h1");
    let end = html.find("id=\"f-contact\"").expect("the contact block");
    &html[start..end]
}

#[test]
fn today_without_javascript_is_right_on_a_weekday_a_holiday_and_a_closed_day() {
    let page = "resources/takahashi-naika/index.html";
    // Tuesday: both bands of mon, tue, wed, fri.
    let (_site, out) = built_on("2026-11-24");
    let html = read(&out, page);
    let first = first_screen(&html);
    assert!(
        first.contains("<time datetime=\"2026-11-24\">11月24日（火）</time>"),
        "{first}"
    );
    assert!(first.contains("本日の受付時間"), "{first}");
    assert!(first.contains("09:00〜12:30、15:00〜18:00"), "{first}");
    // the phone button and the address with a map link come before the care managers' box
    let tel = first
        .find("class=\"button button-tel tel\"")
        .expect("phone button first");
    let map = first.find("class=\"map-link\"").expect("map link first");
    assert!(tel < map);
    assert!(
        !first.contains("data-cm-status"),
        "the ケアマネタイム box comes later"
    );
    assert!(html.find("data-cm-status").unwrap() > html.find("id=\"f-contact\"").unwrap());
    // no staff jargon about 祝日 windows
    assert!(!html.contains("「祝」を含む時間帯"));

    // Monday 2026-11-23 is 勤労感謝の日: the record lists no 祝日 band, so closed.
    let (_site, out) = built_on("2026-11-23");
    let first = read(&out, page);
    let first = first_screen(&first);
    assert!(first.contains("祝日（勤労感謝の日）"), "{first}");
    assert!(first.contains("本日は休み"), "{first}");
    assert!(!first.contains("本日の受付時間"), "{first}");

    // Thursday: not among the record's days.
    let (_site, out) = built_on("2026-11-26");
    let html = read(&out, page);
    assert!(first_screen(&html).contains("本日は休み"));
}

#[test]
fn a_record_confirmed_long_ago_tells_the_public_when() {
    // The fixture's records are confirmed in 2026; two years on they are stale.
    let (_site, out) = built_on("2028-12-01");
    let html = read(&out, "resources/takahashi-naika/index.html");
    let first = first_screen(&html);
    assert!(first.contains("この情報は"), "{first}");
    assert!(
        first.contains("お出かけ前に電話でご確認ください"),
        "{first}"
    );
    // and not while they are fresh
    let (_site, out) = built_on("2026-11-24");
    assert!(!read(&out, "resources/takahashi-naika/index.html").contains("class=\"stale-notice\""));
}

#[test]
fn the_towns_page_links_each_town_to_its_area() {
    let (_site, out) = built_on("2026-11-24");
    let html = read(&out, "resources/towns/index.html");
    assert!(html.contains("<h1>お住まいの町から探す</h1>"));
    assert!(
        html.contains("<a href=\"../../resources/area/north/\">川内町</a>"),
        "{html}"
    );
    // every page's menu leads there
    assert!(read(&out, "index.html").contains("resources/towns/\">町名から探す</a>"));
    // the category list offers the areas as a filter, working as plain links
    let list = read(&out, "resources/category/clinic/index.html");
    assert!(list.contains("data-area-filter"));
    assert!(list.contains("<a href=\"#group-"), "{list}");
}

#[test]
fn sample_site_passes_phone_checks() {
    let root = common::repo();
    if common::skip_or_require_browser(
        &root,
        &[Need::Node, Need::NodePackage("playwright-core")],
        "SKIPPED tests/testsuite/phone.rs: ZAITAKU_SKIP_BROWSER=1 is set, so the phone checks \
         (header height, phone above the fold, tel sizes, 320 px at 特大) did NOT run.",
        "The phone checks cannot run; do the setup in README.md first (`npm ci`, chromium):",
    ) {
        return;
    }
    let public = common::sample_site();
    let screenshots = root.join("target").join("screenshots");
    let run = common::run_harness(
        "tests/browser/phone.mjs",
        &[&public, &"--screenshots", &screenshots],
    );
    if !run.passed("browser") {
        let failed: Vec<&str> = run
            .lines
            .iter()
            .filter(|l| l.starts_with("FAIL ") || l.starts_with("    "))
            .take(200)
            .map(String::as_str)
            .collect();
        panic!(
            "the phone checks failed ({}); built site at {}\n{}",
            run.status,
            public.display(),
            failed.join("\n")
        );
    }
}
