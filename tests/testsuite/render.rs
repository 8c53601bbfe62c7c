//! Rendered output of every content kind, compared with the expected files in
//! `tests/fixtures/expected/` (the `<main>` of each page, and the feeds whole). After an
//! intended change to the theme, rewrite them with `ZAITAKU_BLESS=1 cargo test --test testsuite render::`
//! and review the diff.

use crate::common;

use std::path::{Path, PathBuf};

use common::{site_with, today};
use zaitaku::build::{BuildOptions, build};

fn built() -> (tempfile::TempDir, PathBuf) {
    let site = site_with(None);
    let out = site.path().join("public");
    build(&BuildOptions {
        root: site.path().to_path_buf(),
        out: out.clone(),
        base_url: None,
        today: today(),
    })
    .unwrap();
    (site, out)
}

/// The page's `<main …>…</main>`: what the content decides, without the site chrome.
fn main_of(html: &str) -> &str {
    let start = html.find("<main").expect("page has a <main>");
    let end = html.find("</main>").expect("page closes <main>") + "</main>".len();
    &html[start..end]
}

fn expect(name: &str, actual: &str) {
    let path = common::fixtures().join("expected").join(name);
    if common::bless() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("{} missing; run with ZAITAKU_BLESS=1", path.display()));
    if expected != actual {
        let first_difference = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(expected.lines().count().min(actual.lines().count()));
        panic!(
            "{name} differs from {} at line {}:\nexpected: {:?}\nactual:   {:?}",
            path.display(),
            first_difference + 1,
            expected.lines().nth(first_difference),
            actual.lines().nth(first_difference)
        );
    }
}

fn page(out: &Path, file: &str) -> String {
    std::fs::read_to_string(out.join(file)).unwrap_or_else(|_| panic!("{file} missing"))
}

#[test]
fn every_content_kind_renders_as_expected() {
    let (_site, out) = built();
    for (name, file) in [
        ("home", "index.html"),
        ("directory", "resources/index.html"),
        ("category", "resources/category/clinic/index.html"),
        ("area", "resources/area/north/index.html"),
        ("service", "resources/service/24h/index.html"),
        ("kana-row", "resources/kana/ta/index.html"),
        ("facility", "resources/takahashi-naika/index.html"),
        ("caremane-time", "caremane-time/index.html"),
        ("caremane-time-tue", "caremane-time/tue/index.html"),
        ("pamphlet", "pamphlet/index.html"),
        ("pamphlet-chapter", "pamphlet/intro/index.html"),
        ("pamphlet-all", "pamphlet/all/index.html"),
        ("manga", "manga/index.html"),
        ("manga-episode", "manga/ep1/index.html"),
        ("lectures", "lectures/index.html"),
        ("lecture", "lectures/stage-play/index.html"),
        ("news", "news/index.html"),
        ("news-item", "news/opening/index.html"),
        ("page", "about/index.html"),
        ("404", "404.html"),
    ] {
        expect(&format!("{name}.html"), main_of(&page(&out, file)));
    }
    for file in [
        "news/atom.xml",
        "lectures/stage-play/lecture.ics",
        "sitemap.xml",
        "robots.txt",
    ] {
        expect(&file.replace('/', "-"), &page(&out, file));
    }
}

#[test]
fn lecture_calendar_is_valid_icalendar() {
    let (_site, out) = built();
    let text = page(&out, "lectures/stage-play/lecture.ics");
    assert!(
        text.lines().all(|l| l.len() <= 75),
        "lines are folded at 75 octets"
    );
    assert!(text.contains("\r\n"), "CRLF line endings");
    let mut reader = ical::IcalParser::new(text.as_bytes());
    let calendar = reader.next().expect("one calendar").expect("parses");
    assert!(reader.next().is_none());
    let property = |name: &str| {
        calendar.events[0]
            .properties
            .iter()
            .find(|p| p.name == name)
            .unwrap_or_else(|| panic!("{name} missing"))
            .clone()
    };
    assert_eq!(calendar.events.len(), 1);
    assert_eq!(
        property("DTSTART").value.as_deref(),
        Some("20250223T133000")
    );
    let params = property("DTSTART").params.unwrap_or_default();
    assert!(
        params
            .iter()
            .any(|(k, v)| k == "TZID" && v == &["Asia/Tokyo".to_owned()])
    );
    assert_eq!(property("DTEND").value.as_deref(), Some("20250223T160000"));
    assert_eq!(
        property("DTSTAMP").value.as_deref(),
        Some("20261122T000000Z")
    );
    assert!(property("SUMMARY").value.unwrap().contains("わが家で"));
    assert!(calendar.timezones.iter().any(|tz| {
        tz.properties
            .iter()
            .any(|p| p.value.as_deref() == Some("Asia/Tokyo"))
    }));
    for required in ["UID", "DTSTAMP", "DTSTART"] {
        property(required);
    }

    // The lecture is in the past on --today, so the upcoming calendar has no event but is valid.
    let upcoming = page(&out, "lectures/upcoming.ics");
    let calendar = ical::IcalParser::new(upcoming.as_bytes())
        .next()
        .unwrap()
        .unwrap();
    assert!(calendar.events.is_empty());
}

#[test]
fn news_feed_is_valid_atom() {
    let (_site, out) = built();
    let feed: atom_syndication::Feed = page(&out, "news/atom.xml").parse().unwrap();
    assert_eq!(feed.entries().len(), 1);
    assert_eq!(feed.entries()[0].title().as_str(), "サイトを公開しました");
    assert_eq!(
        feed.entries()[0].links()[0].href(),
        "https://test.example.jp/news/opening/"
    );
}
