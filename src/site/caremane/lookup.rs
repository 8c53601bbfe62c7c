//! `caremane-time/data.js`: what the ケアマネタイム lookup (`assets/caremane.js`) filters.
//!
//! A script rather than a `.json` file so the lookup also works when the site is opened from
//! disk (`file://`, where `fetch` is refused). Kept lean for 10,000-record sites: facilities and
//! windows are arrays, not objects, vocabularies are indexes, days and methods are bit sets:
//!
//! ```text
//! window.ZaitakuCaremane = {
//!   v: 1,
//!   days: ["mon", …, "hol"], methods: [[key, label], …],
//!   categories: [[key, label], …], areas: [[key, label], …],
//!   rules: {…},   // the browser's part of src/ja/rules.json (ja::browser_rules)
//!   statuses: [[key, label], …], available: "available", stale_days: 14,
//!   f: [[id, name, kana, category, area (-1 = none), phone, fax, verified,
//!        vacancy status (-1 = none), vacancy as_of ("" = none), vacancy count (null = none)], …],
//!   w: [[facility, days bits, from minutes, to minutes, method bits, contact, appointment 0/1, note,
//!        [closure index, …]], …]
//! }
//! ```
//!
//! A closure index is the closure's position in `site.yaml`'s `closures:`, the order
//! `assets/holidays.js` lists them in (with the dates they cover).
//!
//! Only facilities with at least one window are listed; `f` is in 五十音順. The vacancy status
//! and date let the filter 「空きあり」だけ judge, on the visitor's own day, whether a 「空きあり」
//! is still current (no older than `stale_days`), as the pages do on the build's day.

use serde_json::{Value, json};

use crate::content::Content;
use crate::content::availability::AVAILABLE;
use crate::content::resource::METHODS;
use crate::ja::DAY_KEYS;

/// Bit of a day key (`mon` = 1, … `hol` = 128).
pub fn day_bit(day: &str) -> u32 {
    DAY_KEYS
        .iter()
        .position(|d| *d == day)
        .map(|i| 1 << i)
        .unwrap_or(0)
}

/// Bit of a method key (`phone` = 1, … `online` = 16).
pub fn method_bit(method: &str) -> u32 {
    METHODS
        .iter()
        .position(|(k, _)| *k == method)
        .map(|i| 1 << i)
        .unwrap_or(0)
}

fn opt(value: &Option<String>) -> Value {
    value
        .as_deref()
        .map(|s| Value::String(s.to_owned()))
        .unwrap_or(Value::Null)
}

/// The data as a JSON value.
pub fn data(content: &Content) -> Value {
    let site = &content.site;
    let terms = |terms: &[crate::content::site::Term]| -> Value {
        terms
            .iter()
            .map(|t| json!([t.key, t.label]))
            .collect::<Vec<_>>()
            .into()
    };
    let mut facilities = Vec::new();
    let mut windows = Vec::new();
    for resource in content
        .resources
        .iter()
        .filter(|r| !r.caremane_time.is_empty())
    {
        let index = facilities.len();
        let category = site
            .categories
            .iter()
            .position(|c| c.key == resource.category.key)
            .map(|i| i as i64)
            .unwrap_or(-1);
        let area = resource
            .area
            .as_ref()
            .and_then(|a| site.areas.iter().position(|t| t.key == a.key))
            .map(|i| i as i64)
            .unwrap_or(-1);
        let vacancy = resource.availability.as_ref();
        let vacancy_status = vacancy
            .and_then(|a| {
                site.availability
                    .statuses
                    .iter()
                    .position(|t| t.key == a.status.key)
            })
            .map(|i| i as i64)
            .unwrap_or(-1);
        let vacancy_as_of = vacancy.map(|a| a.as_of.to_string()).unwrap_or_default();
        facilities.push(json!([
            resource.id,
            resource.name,
            resource.kana,
            category,
            area,
            opt(&resource.phone),
            opt(&resource.fax),
            resource.verified.to_string(),
            vacancy_status,
            vacancy_as_of,
            vacancy.and_then(|a| a.count),
        ]));
        for window in &resource.caremane_time {
            let days: u32 = window.days.iter().map(|d| day_bit(d)).sum();
            let methods: u32 = window.methods.iter().map(|m| method_bit(&m.key)).sum();
            let closures: Vec<usize> = window
                .closures
                .iter()
                .filter_map(|c| site.closures.iter().position(|s| s.key == c.key))
                .collect();
            windows.push(json!([
                index,
                days,
                window.from_minutes,
                window.to_minutes,
                methods,
                opt(&window.contact),
                u8::from(window.appointment),
                opt(&window.note),
                closures,
            ]));
        }
    }
    json!({
        "v": 1,
        "days": &*DAY_KEYS,
        "methods": METHODS.iter().map(|(k, l)| json!([k, l])).collect::<Vec<_>>(),
        "categories": terms(&site.categories),
        "areas": terms(&site.areas),
        "statuses": terms(&site.availability.statuses),
        "available": AVAILABLE,
        "stale_days": site.availability.stale_days,
        "rules": crate::ja::browser_rules(),
        "f": facilities,
        "w": windows,
    })
}

/// The script written to `caremane-time/data.js`.
pub fn data_script(content: &Content) -> String {
    // `</script>` means nothing in a .js file, but the data stays inert wherever it is put.
    let json = crate::render::jsonld::script_safe_json(&data(content));
    format!(
        "/* ケアマネタイムの検索用データ（zaitaku build が作成） */\nwindow.ZaitakuCaremane={json};\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits() {
        assert_eq!(day_bit("mon"), 1);
        assert_eq!(day_bit("hol"), 128);
        assert_eq!(method_bit("phone"), 1);
        assert_eq!(method_bit("online"), 16);
        assert_eq!(day_bit("xyz"), 0);
    }
}
