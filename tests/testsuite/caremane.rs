//! The ケアマネタイム lookup: its data, and the lookup itself in headless Chromium with a fixed
//! clock (`tests/browser/caremane-lookup.mjs`). Every expectation is computed here from
//! `content/` with plain rules (a window is open when `from <= now < to` on its day; on a 祝日
//! only windows listing `hol` count), not from the page's own data or script.
//!
//! The browser part needs `npm ci` and Debian's chromium (`.ci/run` installs them); without
//! them it FAILS, unless `ZAITAKU_SKIP_BROWSER=1` is set, in which case it says so and passes.

use crate::common;

use common::Need;
use jiff::Timestamp;
use serde_json::{Value, json};
use zaitaku::content::resource::Resource;

/// 祝日 the cases use (勤労感謝の日), known independently of src/holidays.csv.
const HOLIDAYS: [&str; 1] = ["2026-11-23"];

fn resources() -> Vec<Resource> {
    let (content, _) = zaitaku::build::load_valid(&common::repo(), common::today()).unwrap();
    content.resources
}

/// The sample site's `availability.stale_days`.
fn stale_days() -> i64 {
    let (content, _) = zaitaku::build::load_valid(&common::repo(), common::today()).unwrap();
    content.site.availability.stale_days
}

/// Facilities with windows whose vacancy is 「空きあり」 and no older than `stale_days` on the
/// date in Japan at `instant` (the visitor's day, not the build's).
fn vacant_at(resources: &[Resource], instant: &str, stale_days: i64) -> Vec<String> {
    let today = instant
        .parse::<Timestamp>()
        .unwrap()
        .in_tz("Asia/Tokyo")
        .unwrap()
        .date();
    resources
        .iter()
        .filter(|r| !r.caremane_time.is_empty())
        .filter(|r| {
            r.availability.as_ref().is_some_and(|a| {
                a.status.key == "available" && (today - a.as_of).get_days() as i64 <= stale_days
            })
        })
        .map(|r| r.id.clone())
        .collect()
}

/// Japan's weekday key and minutes for an instant, plus whether that date is a 祝日.
fn tokyo(instant: &str) -> (String, u16, bool) {
    let zoned = instant
        .parse::<Timestamp>()
        .unwrap()
        .in_tz("Asia/Tokyo")
        .unwrap();
    let key = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        [zoned.weekday().to_monday_zero_offset() as usize];
    let holiday = HOLIDAYS.contains(&zoned.date().to_string().as_str());
    (
        key.to_owned(),
        zoned.hour() as u16 * 60 + zoned.minute() as u16,
        holiday,
    )
}

/// Facilities with a window open on `day` at `minutes` (and with one of `methods`, if any).
fn open_at(resources: &[Resource], day: &str, minutes: u16, methods: &[&str]) -> Vec<String> {
    resources
        .iter()
        .filter(|r| {
            r.caremane_time.iter().any(|w| {
                w.days.contains(&day)
                    && w.from_minutes <= minutes
                    && minutes < w.to_minutes
                    && (methods.is_empty()
                        || w.methods.iter().any(|m| methods.contains(&m.key.as_str())))
            })
        })
        .map(|r| r.id.clone())
        .collect()
}

/// What the lookup must show "now" at `instant`.
fn open_now(resources: &[Resource], instant: &str) -> Vec<String> {
    let (weekday, minutes, holiday) = tokyo(instant);
    open_at(
        resources,
        if holiday { "hol" } else { &weekday },
        minutes,
        &[],
    )
}

fn lookup_case(name: &str, url: &str, instant: &str, timezone: &str, ids: &[String]) -> Value {
    json!({"name": name, "url": url, "instant": instant, "timezone": timezone, "expect_ids": ids})
}

fn hiragana(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{30A1}'..='\u{30F6}' => char::from_u32(c as u32 - 0x60).unwrap(),
            _ => c,
        })
        .collect()
}

/// Every case the browser runs.
fn cases(resources: &[Resource]) -> Vec<Value> {
    let mut cases = Vec::new();

    // A Tuesday 13:30 in Japan.
    let tuesday = "2026-11-24T04:30:00Z";
    let open = open_now(resources, tuesday);
    assert!(
        open.len() >= 3,
        "the sample has windows open on Tuesday 13:30"
    );
    assert_eq!(tokyo(tuesday), ("tue".to_owned(), 13 * 60 + 30, false));
    cases.push(lookup_case(
        "tuesday-1330",
        "/caremane-time/",
        tuesday,
        "Asia/Tokyo",
        &open,
    ));
    // The same instant seen from New York (Monday 23:30 there) and from Kiritimati (UTC+14).
    cases.push(lookup_case(
        "tuesday-1330-new-york",
        "/caremane-time/",
        tuesday,
        "America/New_York",
        &open,
    ));
    cases.push(lookup_case(
        "tuesday-1330-kiritimati",
        "/caremane-time/",
        tuesday,
        "Pacific/Kiritimati",
        &open,
    ));
    let monday_there = open_at(resources, "mon", 23 * 60 + 30, &[]);
    assert_ne!(
        open, monday_there,
        "the time-zone case tells Tokyo from New York"
    );

    // Monday 23 November 2026 is 勤労感謝の日: only windows that list hol.
    let holiday = "2026-11-23T01:00:00Z";
    let on_holiday = open_now(resources, holiday);
    let monday = open_at(resources, "mon", 10 * 60, &[]);
    assert!(
        monday.iter().any(|id| !on_holiday.contains(id)),
        "some Monday-only window is open at 10:00, so the holiday case hides something"
    );
    assert!(
        !on_holiday.is_empty(),
        "the sample has a hol window at 10:00"
    );
    cases.push(lookup_case(
        "holiday-1000",
        "/caremane-time/",
        holiday,
        "Asia/Tokyo",
        &on_holiday,
    ));
    // Chosen as a weekday, the same Monday's windows are offered.
    cases.push(lookup_case(
        "chosen-monday-1000",
        "/caremane-time/?t=at&d=mon&h=10:00",
        holiday,
        "Asia/Tokyo",
        &monday,
    ));

    // A chosen day and time from the URL, with method, category and area.
    cases.push(lookup_case(
        "url-wednesday-1000",
        "/caremane-time/?t=at&d=wed&h=10:00",
        tuesday,
        "Asia/Tokyo",
        &open_at(resources, "wed", 10 * 60, &[]),
    ));
    let with_fax = open_at(resources, "tue", 13 * 60 + 30, &["fax"]);
    let clinics: Vec<String> = resources
        .iter()
        .filter(|r| with_fax.contains(&r.id) && r.category.key == "clinic")
        .map(|r| r.id.clone())
        .collect();
    cases.push(lookup_case(
        "url-method-category",
        "/caremane-time/?t=at&d=tue&h=13:30&m=fax&c=clinic",
        tuesday,
        "Asia/Tokyo",
        &clinics,
    ));
    let north: Vec<String> = open
        .iter()
        .filter(|id| {
            resources
                .iter()
                .any(|r| &r.id == *id && r.area.as_ref().is_some_and(|a| a.key == "north"))
        })
        .cloned()
        .collect();
    cases.push(lookup_case(
        "url-area",
        "/caremane-time/?a=north",
        tuesday,
        "Asia/Tokyo",
        &north,
    ));

    // The same choice made with the form ends up in the URL.
    let mut form = lookup_case(
        "form-to-url",
        "/caremane-time/",
        holiday,
        "Asia/Tokyo",
        &with_fax,
    );
    form["select"] = json!({"t": "at", "d": "tue", "hh": "13", "mm": "30", "m": ["fax"]});
    form["expect_url"] = json!("?t=at&d=tue&h=13%3A30&m=fax");
    cases.push(form);

    // Names typed in kana (katakana here) or kanji (高 for 髙: the search's 異体字 table).
    let with_windows: Vec<&Resource> = resources
        .iter()
        .filter(|r| !r.caremane_time.is_empty())
        .collect();
    let kana: Vec<String> = with_windows
        .iter()
        .filter(|r| hiragana(&r.kana).contains("ほうもん"))
        .map(|r| r.id.clone())
        .collect();
    assert!(!kana.is_empty());
    cases.push(lookup_case(
        "name-kana",
        "/caremane-time/?t=any&q=ホウモン",
        tuesday,
        "Asia/Tokyo",
        &kana,
    ));
    let kanji: Vec<String> = with_windows
        .iter()
        .filter(|r| r.name.replace('髙', "高").contains("高橋"))
        .map(|r| r.id.clone())
        .collect();
    assert!(
        with_windows.iter().any(|r| r.name.contains('髙')),
        "the sample spells a name with 髙"
    );
    cases.push(lookup_case(
        "name-kanji-variant",
        "/caremane-time/?t=any&q=高橋",
        tuesday,
        "Asia/Tokyo",
        &kanji,
    ));

    // 「空きあり」だけ, ticked on the form: on 5 November the sample's 「空きあり」 of 30 October is
    // current; on the Tuesday it is too old, so nothing is left (the build's day is the 22nd).
    let stale_days = stale_days();
    let early = "2026-11-05T03:00:00Z";
    let vacant_early = vacant_at(resources, early, stale_days);
    let vacant_late = vacant_at(resources, tuesday, stale_days);
    assert!(
        !vacant_early.is_empty() && vacant_early.len() < with_windows.len(),
        "the sample has a 「空きあり」 with ケアマネタイム current on 5 November"
    );
    assert_ne!(vacant_early, vacant_late, "the browser's day decides");
    assert!(
        with_windows
            .iter()
            .any(|r| r.availability.as_ref().is_some_and(|a| !a.available)),
        "a facility with another status is left out"
    );
    let mut ticked = lookup_case(
        "vacancy-ticked",
        "/caremane-time/?t=any",
        early,
        "Asia/Tokyo",
        &vacant_early,
    );
    ticked["select"] = json!({"v": true});
    ticked["expect_url"] = json!("?t=any&v=1");
    ticked["expect_text"] = json!(["空きありだけ", "空きあり（10月30日時点）"]);
    cases.push(ticked);
    cases.push(lookup_case(
        "vacancy-stale",
        "/caremane-time/?t=any&v=1",
        tuesday,
        "Asia/Tokyo",
        &vacant_late,
    ));

    // Ten minutes before a Tuesday window closes, its card says so.
    let (soon_id, soon_to) = resources
        .iter()
        .find_map(|r| {
            r.caremane_time
                .iter()
                .find(|w| w.days.contains(&"tue") && w.to_minutes >= w.from_minutes + 20)
                .map(|w| (r.id.clone(), w.to_minutes))
        })
        .expect("a Tuesday window");
    let soon_at = Timestamp::from_second(
        "2026-11-24T00:00:00+09:00"
            .parse::<Timestamp>()
            .unwrap()
            .as_second()
            + (i64::from(soon_to) - 10) * 60,
    )
    .unwrap()
    .to_string();
    let mut soon = lookup_case(
        "closes-soon",
        "/caremane-time/",
        &soon_at,
        "Asia/Tokyo",
        &open_now(resources, &soon_at),
    );
    soon["expect_soon"] = json!(soon_id);
    cases.push(soon);

    // A facility page: open now on Tuesday, closed on the holiday with the next window named.
    let id = &open[0];
    let resource = resources.iter().find(|r| &r.id == id).unwrap();
    let window = resource
        .caremane_time
        .iter()
        .find(|w| w.days.contains(&"tue") && w.from_minutes <= 810 && 810 < w.to_minutes)
        .unwrap();
    let until = format!(
        "{}:{:02} まで",
        window.to_minutes / 60,
        window.to_minutes % 60
    );
    cases.push(
        json!({"name": "facility-open", "url": format!("/resources/{id}/"), "instant": tuesday,
        "timezone": "America/Los_Angeles", "expect_status": "open", "expect_text": [until]}),
    );
    if !resource
        .caremane_time
        .iter()
        .any(|w| w.days.contains(&"hol"))
    {
        cases.push(
            json!({"name": "facility-holiday", "url": format!("/resources/{id}/"),
            "instant": "2026-11-23T04:30:00Z", "timezone": "Asia/Tokyo", "expect_status": "closed",
            "expect_text": ["次は", "祝日（勤労感謝の日）"]}),
        );
    }
    cases
}

#[test]
fn the_lookup_data_lists_every_window() {
    let out = common::sample_site();
    let script = std::fs::read_to_string(out.join("caremane-time/data.js")).unwrap();
    let json = script
        .split_once('=')
        .unwrap()
        .1
        .trim()
        .trim_end_matches(';');
    let data: Value = serde_json::from_str(json).unwrap();
    let resources = resources();
    let with_windows: Vec<&Resource> = resources
        .iter()
        .filter(|r| !r.caremane_time.is_empty())
        .collect();
    let listed = data["f"].as_array().unwrap();
    assert_eq!(listed.len(), with_windows.len());
    for (row, resource) in listed.iter().zip(&with_windows) {
        assert_eq!(row[0], json!(resource.id));
        assert_eq!(row[1], json!(resource.name));
    }
    let windows = data["w"].as_array().unwrap();
    assert_eq!(
        windows.len(),
        with_windows
            .iter()
            .map(|r| r.caremane_time.len())
            .sum::<usize>()
    );
    let holidays = std::fs::read_to_string(out.join("assets/holidays.js")).unwrap();
    assert!(holidays.contains("\"2026-11-23\":\"勤労感謝の日\""));
    // The pages say until when the holiday data is valid.
    let page = std::fs::read_to_string(out.join("caremane-time/index.html")).unwrap();
    let until = zaitaku::ja::holidays::valid_until();
    assert!(
        page.contains(&format!("{until} 年までの祝日のデータ")),
        "caremane-time/ names the year"
    );
    let hol = std::fs::read_to_string(out.join("caremane-time/hol/index.html")).unwrap();
    assert!(
        hol.contains("勤労感謝の日"),
        "the 祝日 page lists the coming holidays"
    );
}

#[test]
fn the_lookup_answers_with_tokyo_time_in_chromium() {
    let root = common::repo();
    if common::skip_or_require_browser(
        &root,
        &[Need::Node, Need::NodePackage("playwright-core")],
        "SKIPPED tests/testsuite/caremane.rs browser test: ZAITAKU_SKIP_BROWSER=1 is set, so the ケアマネタイム lookup was NOT checked in Chromium.",
        "The ケアマネタイム browser test cannot run (do the README setup, or `bash .ci/run`):",
    ) {
        return;
    }
    let resources = resources();
    let tmp = tempfile::tempdir().unwrap();
    let out = common::sample_site();
    let cases_file = tmp.path().join("cases.json");
    std::fs::write(
        &cases_file,
        serde_json::to_string_pretty(&json!({"cases": cases(&resources)})).unwrap(),
    )
    .unwrap();
    let screenshots = root.join("target/screenshots/caremane");
    let run = common::run_harness(
        "tests/browser/caremane-lookup.mjs",
        &[&out, &cases_file, &"--screenshots", &screenshots],
    );
    assert!(
        run.passed("caremane"),
        "the ケアマネタイム lookup failed in Chromium ({}):\n{}",
        run.status,
        run.lines.join("\n")
    );
}
