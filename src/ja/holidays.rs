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
//!
//! The site's own closures (`closures:` of `site.yaml`, e.g. 年末年始 12/29〜1/3 every year, or
//! a one-off day) live here too, as [`Closure`]: this file is the one home of "which rule
//! applies on a date" — a closure first, then a 祝日, then the weekday ([`rule_on`]). The
//! browser gets the same data in `assets/holidays.js` and applies the same order.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use jiff::civil::Date;
use serde::Serialize;

use crate::diagnostics::{Diagnostic, Position};

/// The holiday table, built into the binary.
pub const HOLIDAYS_CSV: &str = include_str!("../holidays.csv");

/// Where the table lives, for messages.
pub const SOURCE_FILE: &str = "src/holidays.csv";

/// One end of a closure: a month and day every year (`12-29`) or one date (`2027-02-15`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum ClosureDay {
    Yearly { month: i8, day: i8 },
    Once { date: Date },
}

impl ClosureDay {
    /// Parses `MM-DD` (every year) or `YYYY-MM-DD` (once); `/` may stand for `-`.
    pub fn parse(text: &str) -> Option<ClosureDay> {
        let parts: Vec<&str> = text.trim().split(['-', '/']).collect();
        match parts.as_slice() {
            [m, d] => {
                let (month, day) = (m.parse::<i8>().ok()?, d.parse::<i8>().ok()?);
                // 2024 is a leap year: 2/29 is a possible yearly day.
                Date::new(2024, month, day).ok()?;
                Some(ClosureDay::Yearly { month, day })
            }
            [y, m, d] if y.len() == 4 => Some(ClosureDay::Once {
                date: Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?).ok()?,
            }),
            _ => None,
        }
    }

    /// 12月29日, or 2027年2月15日.
    pub fn label(&self) -> String {
        match self {
            ClosureDay::Yearly { month, day } => format!("{month}月{day}日"),
            ClosureDay::Once { date } => {
                format!("{}年{}月{}日", date.year(), date.month(), date.day())
            }
        }
    }

    /// The form the browser reads: `12-29` or `2027-02-15`.
    fn key(&self) -> String {
        match self {
            ClosureDay::Yearly { month, day } => format!("{month:02}-{day:02}"),
            ClosureDay::Once { date } => date.to_string(),
        }
    }
}

/// A period the whole site treats as closed (休業): ケアマネタイム windows apply then only when
/// they list the closure's key (`caremane_time[].closures`), whatever their weekdays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Closure {
    pub key: String,
    pub name: String,
    #[serde(serialize_with = "closure_day_key")]
    pub from: ClosureDay,
    /// The last day, inclusive; the same form as `from`. A yearly closure may run over the new
    /// year (`12-29` → `01-03`).
    #[serde(serialize_with = "closure_day_key")]
    pub to: ClosureDay,
    /// 毎年12月29日〜1月3日, or 2027年2月15日
    pub label: String,
}

fn closure_day_key<S: serde::Serializer>(day: &ClosureDay, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&day.key())
}

impl Closure {
    pub fn new(key: &str, name: &str, from: ClosureDay, to: ClosureDay) -> Closure {
        let yearly = matches!(from, ClosureDay::Yearly { .. });
        let label = if yearly { "毎年" } else { "" }.to_owned()
            + &if from == to {
                from.label()
            } else {
                format!("{}〜{}", from.label(), to.label())
            };
        Closure {
            key: key.to_owned(),
            name: name.to_owned(),
            from,
            to,
            label,
        }
    }

    /// Whether `date` falls within the closure.
    pub fn covers(&self, date: Date) -> bool {
        match (self.from, self.to) {
            (ClosureDay::Once { date: from }, ClosureDay::Once { date: to }) => {
                from <= date && date <= to
            }
            (
                ClosureDay::Yearly { month: fm, day: fd },
                ClosureDay::Yearly { month: tm, day: td },
            ) => {
                let md = (date.month(), date.day());
                if (fm, fd) <= (tm, td) {
                    (fm, fd) <= md && md <= (tm, td)
                } else {
                    md >= (fm, fd) || md <= (tm, td)
                }
            }
            _ => false,
        }
    }
}

/// Which rule a date follows: a site closure first, then a 祝日, then its weekday.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DayRule<'a> {
    Closure(&'a Closure),
    Holiday(&'static str),
    Weekday(&'static str),
}

/// The rule that applies on `date` (see [`DayRule`]).
pub fn rule_on(date: Date, closures: &[Closure]) -> DayRule<'_> {
    if let Some(closure) = closures.iter().find(|c| c.covers(date)) {
        return DayRule::Closure(closure);
    }
    if let Some(name) = table().name(date) {
        return DayRule::Holiday(name);
    }
    DayRule::Weekday(crate::ja::weekday_key(date.weekday()))
}

/// The next dates (from `today`, within a year) a closure covers that fall on `day` (`mon` …
/// `sun`; `hol` for those that are 祝日 too), at most `limit`, for the weekday pages.
pub fn upcoming_closed(today: Date, day: &str, closures: &[Closure], limit: usize) -> Vec<Coming> {
    let mut out = Vec::new();
    let mut date = today;
    for _ in 0..366 {
        if out.len() >= limit {
            break;
        }
        if let Some(closure) = closures.iter().find(|c| c.covers(date)) {
            let on_day = if day == "hol" {
                table().name(date).is_some()
            } else {
                crate::ja::weekday_key(date.weekday()) == day
            };
            if on_day {
                out.push(Coming {
                    date: date.to_string(),
                    label: crate::ja::seireki(date),
                    name: closure.name.clone(),
                });
            }
        }
        date = match date.tomorrow() {
            Ok(next) => next,
            Err(_) => break,
        };
    }
    out
}

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
    /// {first_year, valid_until, dates: {"YYYY-MM-DD": name}, days: [{key, short, long}, …],
    /// closures: [{key, name, from, to, label}, …]}` — the calendar of the browser, with the day
    /// keys and labels of `rules.json` and the site's closures (`from`/`to` as `MM-DD` every
    /// year or `YYYY-MM-DD` once, as [`Closure::covers`] reads them).
    pub fn script(&self, closures: &[Closure]) -> String {
        #[derive(Serialize)]
        struct Script<'a> {
            #[serde(flatten)]
            holidays: &'a Holidays,
            days: &'a [crate::ja::tables::Day],
            closures: &'a [Closure],
        }
        let script = Script {
            holidays: self,
            days: &crate::ja::tables().days,
            closures,
        };
        let json = serde_json::to_string(&script).expect("holidays serialise");
        format!(
            "/* 日本の祝日（{SOURCE_FILE} から zaitaku build が作成）。{}年〜{}年。 */\nwindow.ZaitakuHolidays={json};\n{RULE_SCRIPT}",
            self.first_year, self.valid_until
        )
    }
}

/// [`Closure::covers`] and [`rule_on`] for the browser, appended to `assets/holidays.js` so that
/// every script (the lookup's `caremane.js`, a facility's 「本日」 in `site.js`) asks the same
/// two functions: `ZaitakuHolidays.closureOn("YYYY-MM-DD")` → the closure or `null`, and
/// `ZaitakuHolidays.ruleOn("YYYY-MM-DD")` → `{closure, holiday, key}` (a closure first — `key`
/// is then `null` —, then `hol` on a 祝日, else the weekday's key).
const RULE_SCRIPT: &str = r#"(function (h) {
  h.closureOn = function (iso) {
    var md = iso.slice(5);
    for (var i = 0; i < h.closures.length; i++) {
      var c = h.closures[i];
      var hit;
      if (c.from.length > 5) hit = c.from <= iso && iso <= c.to;
      else if (c.from <= c.to) hit = c.from <= md && md <= c.to;
      else hit = md >= c.from || md <= c.to;
      if (hit) return c;
    }
    return null;
  };
  h.ruleOn = function (iso) {
    var closure = h.closureOn(iso);
    if (closure) return { closure: closure, holiday: null, key: null };
    var holiday = h.dates[iso] || null;
    if (holiday) return { closure: null, holiday: holiday, key: h.days[7].key };
    var p = iso.split("-");
    var js = new Date(Date.UTC(+p[0], +p[1] - 1, +p[2])).getUTCDay();
    return { closure: null, holiday: null, key: h.days[(js + 6) % 7].key };
  };
})(window.ZaitakuHolidays);
"#;

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
    fn closures_come_before_holidays_and_run_over_the_new_year() {
        let date = |s: &str| s.parse::<Date>().unwrap();
        let year_end = Closure::new(
            "year-end",
            "年末年始",
            ClosureDay::parse("12-29").unwrap(),
            ClosureDay::parse("1/3").unwrap(),
        );
        assert_eq!(year_end.label, "毎年12月29日〜1月3日");
        let once = Closure::new(
            "move",
            "移転",
            ClosureDay::parse("2027-02-15").unwrap(),
            ClosureDay::parse("2027-02-15").unwrap(),
        );
        let closures = [year_end.clone(), once];
        for day in [
            "2026-12-29",
            "2026-12-31",
            "2027-01-01",
            "2027-01-03",
            "2030-12-30",
        ] {
            assert_eq!(
                rule_on(date(day), &closures),
                DayRule::Closure(&year_end),
                "{day}"
            );
        }
        assert_eq!(
            rule_on(date("2027-01-04"), &closures),
            DayRule::Weekday("mon")
        );
        assert_eq!(
            rule_on(date("2026-12-28"), &closures),
            DayRule::Weekday("mon")
        );
        assert!(
            matches!(rule_on(date("2027-02-15"), &closures), DayRule::Closure(c) if c.key == "move")
        );
        assert!(matches!(
            rule_on(date("2028-02-15"), &closures),
            DayRule::Weekday(_)
        ));
        // 元日 is a 祝日, but the closure decides.
        assert!(matches!(
            rule_on(date("2027-01-01"), &[]),
            DayRule::Holiday("元日")
        ));
        assert!(ClosureDay::parse("2-30").is_none());
        assert!(ClosureDay::parse("2-29").is_some());
        assert!(ClosureDay::parse("12").is_none());
        let wednesdays = upcoming_closed(date("2026-11-26"), "wed", &closures, 5);
        assert_eq!(wednesdays.len(), 1);
        assert_eq!(wednesdays[0].date, "2026-12-30");
    }

    #[test]
    fn parse_reports_the_line() {
        assert!(parse("h\n2026/13/1,x\n").unwrap_err().contains("2行目"));
    }
}
