//! What a facility's page says first about today: open or closed, and today's hours, as of the
//! build's date in Japan. Which rule applies is `ja::holidays::rule_on`'s (the one home of it):
//! during a site closure (`closures:` of `site.yaml`, e.g. 年末年始) the facility is closed, and
//! the page names the closure and the ケアマネタイム windows the facility declared for it; on a
//! 祝日 only the bands that list `hol` apply; else the weekday's. The page's script
//! (`assets/site.js`) recomputes the same from the record's bands and `assets/holidays.js`
//! (whose `ruleOn` is that rule in the browser), so a page read on a later day is right too.

use jiff::civil::Date;
use serde::Serialize;

use crate::content::resource::{CaremaneWindow, HoursBand, Resource};
use crate::ja;
use crate::ja::holidays::{Closure, DayRule};

/// The day key of 祝日 in the records (`src/ja/rules.json`'s days: the one after Sunday).
fn holiday_key() -> &'static str {
    ja::DAY_KEYS.get(7).copied().unwrap_or("hol")
}

/// The site closure covering today, as the page names it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ClosureToday {
    /// 年末年始
    pub name: String,
    /// 毎年12月29日〜1月3日
    pub label: String,
    /// The facility's ケアマネタイム windows for this closure, "10:00〜12:00", in time order.
    pub windows: Vec<String>,
}

/// Today at one facility.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Today {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// 11月24日（火）
    pub label: String,
    /// The 祝日's name, when today is one.
    pub holiday: Option<String>,
    /// The site closure (年末年始 …) covering today: the facility's hours do not apply.
    pub closure: Option<ClosureToday>,
    /// Whether the holiday table covers the date (else weekdays are used as they are).
    pub holidays_known: bool,
    /// Today's bands, "09:00〜12:30", in time order; empty when closed.
    pub bands: Vec<String>,
    pub open: bool,
}

/// The day key whose bands apply on `date`, or `None` during a site closure (no band of the
/// hours applies then).
pub fn day_key(date: Date, closures: &[Closure]) -> Option<&'static str> {
    match ja::holidays::rule_on(date, closures) {
        DayRule::Closure(_) => None,
        DayRule::Holiday(_) => Some(holiday_key()),
        DayRule::Weekday(key) => Some(key),
    }
}

/// Today's bands of `hours` on `date`.
pub fn bands_on(hours: &[HoursBand], date: Date, closures: &[Closure]) -> Vec<String> {
    let Some(key) = day_key(date, closures) else {
        return Vec::new();
    };
    let mut bands: Vec<(&str, &str)> = hours
        .iter()
        .filter(|band| band.days.iter().any(|d| d == key))
        .map(|band| (band.open.as_str(), band.close.as_str()))
        .collect();
    bands.sort();
    bands.iter().map(|(o, c)| format!("{o}〜{c}")).collect()
}

/// The windows of `windows` declared for the closure `key`, "10:00〜12:00", in time order.
fn closure_windows(windows: &[CaremaneWindow], key: &str) -> Vec<String> {
    let mut out: Vec<(&str, &str)> = windows
        .iter()
        .filter(|w| w.closures.iter().any(|c| c.key == key))
        .map(|w| (w.from.as_str(), w.to.as_str()))
        .collect();
    out.sort();
    out.dedup();
    out.iter().map(|(f, t)| format!("{f}〜{t}")).collect()
}

/// Today at `resource`, or `None` when the record has no hours (the page then says to call).
pub fn of(resource: &Resource, date: Date, closures: &[Closure]) -> Option<Today> {
    if resource.hours.is_empty() {
        return None;
    }
    let table = ja::holidays::table();
    let bands = bands_on(&resource.hours, date, closures);
    let closure = match ja::holidays::rule_on(date, closures) {
        DayRule::Closure(closure) => Some(ClosureToday {
            name: closure.name.clone(),
            label: closure.label.clone(),
            windows: closure_windows(&resource.caremane_time, &closure.key),
        }),
        _ => None,
    };
    Some(Today {
        date: date.to_string(),
        label: format!(
            "{}（{}）",
            ja::month_day(date),
            ja::weekday_label(date.weekday())
        ),
        holiday: table.name(date).map(str::to_owned),
        closure,
        holidays_known: table.covers(date),
        open: !bands.is_empty(),
        bands,
    })
}

/// The closures' windows of `resource` by closure key, for the page's script:
/// `{"year-end": ["10:00〜12:00"]}` (only keys with windows).
pub fn closure_windows_json(resource: &Resource, closures: &[Closure]) -> String {
    let map: std::collections::BTreeMap<&str, Vec<String>> = closures
        .iter()
        .map(|c| {
            (
                c.key.as_str(),
                closure_windows(&resource.caremane_time, &c.key),
            )
        })
        .filter(|(_, w)| !w.is_empty())
        .collect();
    serde_json::to_string(&map).expect("windows serialise")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn band(days: &[&str], open: &str, close: &str) -> HoursBand {
        HoursBand {
            days: days.iter().map(|d| (*d).to_owned()).collect(),
            open: open.to_owned(),
            close: close.to_owned(),
        }
    }

    #[test]
    fn a_holiday_takes_only_the_bands_that_list_it() {
        let hours = vec![
            band(&["mon", "tue"], "14:00", "18:00"),
            band(&["mon", "tue"], "09:00", "12:30"),
            band(&["hol"], "09:00", "12:00"),
        ];
        // 2026-11-24 is a Tuesday, 2026-11-23 (月) 勤労感謝の日.
        let tuesday: Date = "2026-11-24".parse().unwrap();
        assert_eq!(
            bands_on(&hours, tuesday, &[]),
            vec!["09:00〜12:30", "14:00〜18:00"]
        );
        let holiday: Date = "2026-11-23".parse().unwrap();
        assert_eq!(bands_on(&hours, holiday, &[]), vec!["09:00〜12:00"]);
        let sunday: Date = "2026-11-22".parse().unwrap();
        assert!(bands_on(&hours, sunday, &[]).is_empty());
        // 年末年始 comes first: even the holiday band and the Tuesday's are closed then.
        let year_end = Closure::new(
            "year-end",
            "年末年始",
            ja::holidays::ClosureDay::parse("12-29").unwrap(),
            ja::holidays::ClosureDay::parse("01-03").unwrap(),
        );
        let closures = [year_end];
        assert_eq!(bands_on(&hours, tuesday, &closures).len(), 2);
        let new_year: Date = "2027-01-01".parse().unwrap();
        assert!(bands_on(&hours, new_year, &[]) == vec!["09:00〜12:00"]);
        assert!(bands_on(&hours, new_year, &closures).is_empty());
        let dec29_tuesday: Date = "2026-12-29".parse().unwrap();
        assert!(bands_on(&hours, dec29_tuesday, &closures).is_empty());
    }
}
