//! Japanese public holidays (国民の祝日・休日) for the ケアマネタイム lookup: a window is offered
//! on a 祝日 only when it lists `hol`.
//!
//! The dates live in `src/holidays.csv`, in the Cabinet Office's own format
//! (内閣府「国民の祝日について」の `syukujitsu.csv`: `YYYY/M/D,名称`, a header line first), so
//! updating is pasting the new year's rows from that file (converted to UTF-8). The Cabinet
//! Office publishes the next year's holidays each February; the build warns in Japanese when
//! the data does not reach next year, and every page that uses it says until which year it is
//! valid. `jpholiday` (crates.io) was the first choice, but every release needs Rust 1.96 and
//! this project builds with 1.95; its rules were used to cross-check the file.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use jiff::civil::Date;
use serde::Serialize;

use crate::diagnostics::{Diagnostic, Position};

/// The holiday table, built into the binary.
pub const HOLIDAYS_CSV: &str = include_str!("../holidays.csv");

/// Where the table lives, for messages.
pub const SOURCE_FILE: &str = "src/holidays.csv";

/// The parsed table.
#[derive(Debug, Clone, Serialize)]
pub struct Holidays {
    /// First and last year the table covers completely.
    pub first_year: i16,
    pub valid_until: i16,
    /// `YYYY-MM-DD` → name, in date order.
    pub dates: BTreeMap<String, String>,
}

/// The table in `src/holidays.csv`.
pub fn table() -> &'static Holidays {
    static TABLE: OnceLock<Holidays> = OnceLock::new();
    TABLE.get_or_init(|| parse(HOLIDAYS_CSV).expect("src/holidays.csv is valid"))
}

/// Parses the Cabinet Office format. Errors name the line.
pub fn parse(text: &str) -> Result<Holidays, String> {
    let mut dates = BTreeMap::new();
    let mut years = Vec::new();
    for (index, line) in text.trim_start_matches('\u{feff}').lines().enumerate() {
        let line = line.trim();
        if index == 0 || line.is_empty() {
            continue;
        }
        let (date, name) = line
            .split_once(',')
            .ok_or_else(|| format!("{}行目: 「日付,名称」になっていません", index + 1))?;
        let parts: Vec<&str> = date.split(['/', '-']).collect();
        let parsed = match parts.as_slice() {
            [y, m, d] => match (y.parse::<i16>(), m.parse::<i8>(), d.parse::<i8>()) {
                (Ok(y), Ok(m), Ok(d)) => Date::new(y, m, d).ok(),
                _ => None,
            },
            _ => None,
        }
        .ok_or_else(|| format!("{}行目: 日付「{date}」がわかりません", index + 1))?;
        years.push(parsed.year());
        dates.insert(parsed.to_string(), name.trim().to_owned());
    }
    let first_year = *years.iter().min().ok_or("祝日が 1 件もありません")?;
    let valid_until = *years.iter().max().ok_or("祝日が 1 件もありません")?;
    Ok(Holidays {
        first_year,
        valid_until,
        dates,
    })
}

impl Holidays {
    /// The holiday's name when `date` is a 祝日 or 休日.
    pub fn name(&self, date: Date) -> Option<&str> {
        self.dates.get(&date.to_string()).map(String::as_str)
    }

    /// Whether the table knows about `date`'s year.
    pub fn covers(&self, date: Date) -> bool {
        (self.first_year..=self.valid_until).contains(&date.year())
    }

    /// The script `assets/holidays.js` the ケアマネタイム pages load: `window.ZaitakuHolidays =
    /// {first_year, valid_until, dates: {"YYYY-MM-DD": name}, days: [{key, short, long}, …]}`
    /// — the calendar of the browser, with the day keys and labels of `rules.json`.
    pub fn script(&self) -> String {
        #[derive(Serialize)]
        struct Script<'a> {
            #[serde(flatten)]
            holidays: &'a Holidays,
            days: &'a [crate::ja::tables::Day],
        }
        let script = Script {
            holidays: self,
            days: &crate::ja::tables().days,
        };
        let json = serde_json::to_string(&script).expect("holidays serialise");
        format!(
            "/* 日本の祝日（{SOURCE_FILE} から zaitaku build が作成）。{}年〜{}年。 */\nwindow.ZaitakuHolidays={json};\n",
            self.first_year, self.valid_until
        )
    }
}

/// A coming holiday, for the per-weekday ケアマネタイム pages.
#[derive(Debug, Clone, Serialize)]
pub struct Coming {
    pub date: String,
    /// 2026年11月23日（月）
    pub label: String,
    pub name: String,
}

/// The next `limit` holidays from `today` within a year; only those falling on `day` (`mon` …
/// `sun`) unless `day` is `hol`.
pub fn upcoming(today: Date, day: &str, limit: usize) -> Vec<Coming> {
    let until = today.saturating_add(jiff::Span::new().days(366));
    table()
        .dates
        .iter()
        .filter_map(|(date, name)| Some((date.parse::<Date>().ok()?, name)))
        .filter(|(date, _)| *date >= today && *date <= until)
        .filter(|(date, _)| {
            day == "hol"
                || crate::ja::day_long_label(day)
                    .starts_with(crate::ja::weekday_label(date.weekday()))
        })
        .take(limit)
        .map(|(date, name)| Coming {
            date: date.to_string(),
            label: crate::ja::seireki(date),
            name: name.clone(),
        })
        .collect()
}

/// The year until which the holiday data is valid, for pages.
pub fn valid_until() -> i16 {
    table().valid_until
}

/// A warning when the table does not reach next year (the Cabinet Office publishes it each
/// February, so by then it can be added).
pub fn staleness(today: Date) -> Option<Diagnostic> {
    let table = table();
    let next_year = today.year() + 1;
    if table.valid_until >= next_year {
        return None;
    }
    let message = if table.valid_until < today.year() {
        format!(
            "祝日のデータが {} 年までしかありません（今日は {} 年）。今年の祝日がわからないため、ケアマネタイムの「今 連絡できる」で祝日を正しく判定できません。",
            table.valid_until,
            today.year()
        )
    } else {
        format!(
            "祝日のデータが {} 年までです。{next_year} 年の祝日を追加してください。",
            table.valid_until
        )
    };
    Some(
        Diagnostic::warning(SOURCE_FILE, Position::FILE, message).hint(
            "内閣府「国民の祝日について」の CSV（syukujitsu.csv）から新しい年の行を src/holidays.csv に貼り付け、zaitaku を作り直してください（cargo build --release）。",
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_complete_and_known_dates_are_right() {
        let table = table();
        assert!(table.first_year <= 2025 && table.valid_until >= 2027);
        let date = |s: &str| s.parse::<Date>().unwrap();
        assert_eq!(table.name(date("2026-11-23")), Some("勤労感謝の日"));
        assert_eq!(table.name(date("2026-09-22")), Some("国民の休日"));
        assert_eq!(table.name(date("2027-03-22")), Some("振替休日"));
        assert_eq!(table.name(date("2026-11-24")), None);
        // Every year has its 16 fixed-name holidays (元日 … 勤労感謝の日).
        for year in table.first_year..=table.valid_until {
            let count = table
                .dates
                .iter()
                .filter(|(d, n)| d.starts_with(&year.to_string()) && !n.contains("休日"))
                .count();
            assert_eq!(count, 16, "{year}");
        }
    }

    #[test]
    fn staleness_warns_only_when_next_year_is_missing() {
        let until = table().valid_until;
        assert!(staleness(Date::new(until - 1, 6, 1).unwrap()).is_none());
        let warning = staleness(Date::new(until, 3, 1).unwrap()).unwrap();
        assert!(warning.message.contains(&format!("{until} 年まで")));
        assert!(!warning.is_error());
        assert!(staleness(Date::new(until + 1, 3, 1).unwrap()).is_some());
    }

    #[test]
    fn upcoming_holidays_by_weekday() {
        let today = Date::new(2026, 11, 22).unwrap();
        let all = upcoming(today, "hol", 3);
        assert_eq!(all[0].name, "勤労感謝の日");
        assert_eq!(all[0].label, "2026年11月23日（月）");
        let mondays = upcoming(today, "mon", 10);
        assert!(mondays.iter().all(|h| h.label.contains("（月）")));
        assert!(
            upcoming(today, "tue", 10)
                .iter()
                .all(|h| h.label.contains("（火）"))
        );
    }

    #[test]
    fn parse_reports_the_line() {
        assert!(parse("h\n2026/13/1,x\n").unwrap_err().contains("2行目"));
    }
}
