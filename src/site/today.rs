//! What a facility's page says first about today: open or closed, and today's hours, as of the
//! build's date in Japan (祝日-aware: on a 祝日 only the bands that list `hol` apply, the same
//! rule as the ケアマネタイム lookup). The page's script (`assets/site.js`) recomputes the same
//! from the record's bands and `assets/holidays.js`, so a page read on a later day is right too.

use jiff::civil::Date;
use serde::Serialize;

use crate::content::resource::{HoursBand, Resource};
use crate::ja;

/// The day key of 祝日 in the records (`src/ja/rules.json`'s days: the one after Sunday).
fn holiday_key() -> &'static str {
    ja::DAY_KEYS.get(7).copied().unwrap_or("hol")
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
    /// Whether the holiday table covers the date (else weekdays are used as they are).
    pub holidays_known: bool,
    /// Today's bands, "09:00〜12:30", in time order; empty when closed.
    pub bands: Vec<String>,
    pub open: bool,
}

/// The day key whose bands apply on `date`.
pub fn day_key(date: Date) -> &'static str {
    if ja::holidays::table().name(date).is_some() {
        holiday_key()
    } else {
        ja::weekday_key(date.weekday())
    }
}

/// Today's bands of `hours` on `date`.
pub fn bands_on(hours: &[HoursBand], date: Date) -> Vec<String> {
    let key = day_key(date);
    let mut bands: Vec<(&str, &str)> = hours
        .iter()
        .filter(|band| band.days.iter().any(|d| d == key))
        .map(|band| (band.open.as_str(), band.close.as_str()))
        .collect();
    bands.sort();
    bands.iter().map(|(o, c)| format!("{o}〜{c}")).collect()
}

/// Today at `resource`, or `None` when the record has no hours (the page then says to call).
pub fn of(resource: &Resource, date: Date) -> Option<Today> {
    if resource.hours.is_empty() {
        return None;
    }
    let table = ja::holidays::table();
    let bands = bands_on(&resource.hours, date);
    Some(Today {
        date: date.to_string(),
        label: format!(
            "{}（{}）",
            ja::month_day(date),
            ja::weekday_label(date.weekday())
        ),
        holiday: table.name(date).map(str::to_owned),
        holidays_known: table.covers(date),
        open: !bands.is_empty(),
        bands,
    })
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
            bands_on(&hours, tuesday),
            vec!["09:00〜12:30", "14:00〜18:00"]
        );
        let holiday: Date = "2026-11-23".parse().unwrap();
        assert_eq!(bands_on(&hours, holiday), vec!["09:00〜12:00"]);
        let sunday: Date = "2026-11-22".parse().unwrap();
        assert!(bands_on(&hours, sunday).is_empty());
    }
}
