//! Values of command-line options that several commands share, each read by one function with
//! a Japanese message: `--today` (build, check, serve, import, pdf; declared once, in [`Today`])
//! and a number of seconds.

use jiff::civil::Date;

/// `--today`, the one declaration every command that needs "today" flattens in.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct Today {
    /// 「今日」の日付（YYYY-MM-DD）。省略すると日本時間の今日
    #[arg(long = "today", value_name = "YYYY-MM-DD", value_parser = parse_today)]
    today: Option<Date>,
}

impl Today {
    /// The date given, or today in Asia/Tokyo, where the centre is.
    pub fn date(&self) -> Date {
        self.today.unwrap_or_else(tokyo_today)
    }
}

/// Today in Asia/Tokyo, where the centre is.
pub fn tokyo_today() -> Date {
    jiff::Timestamp::now()
        .in_tz("Asia/Tokyo")
        .map(|zoned| zoned.date())
        .unwrap_or_else(|_| jiff::Zoned::now().date())
}

/// The years `--today` may name: the centre's directory is about now, and a typo such as
/// `0226-11-22` or `20226-11-22` must not pass for a date.
const YEARS: std::ops::RangeInclusive<i16> = 2000..=2099;

/// `--today`: `YYYY-MM-DD` (full-width digits and `／` are read too, as an IME may type them).
pub fn parse_today(value: &str) -> Result<Date, String> {
    let shape = || format!("日付「{value}」は YYYY-MM-DD の形で書いてください（例: 2026-11-22）。");
    let normalized = zaitaku::ja::nfkc(value.trim()).replace('/', "-");
    let parts: Vec<&str> = normalized.split('-').collect();
    let [year, month, day] = parts.as_slice() else {
        return Err(shape());
    };
    let digits = |text: &str, min: usize, max: usize| {
        (min..=max).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit())
    };
    if !digits(year, 4, 4) || !digits(month, 1, 2) || !digits(day, 1, 2) {
        return Err(shape());
    }
    let (year, month, day): (i16, i8, i8) = (
        year.parse().map_err(|_| shape())?,
        month.parse().map_err(|_| shape())?,
        day.parse().map_err(|_| shape())?,
    );
    if !YEARS.contains(&year) {
        return Err(format!(
            "日付「{value}」の年は {}〜{} 年にしてください。",
            YEARS.start(),
            YEARS.end()
        ));
    }
    if !(1..=12).contains(&month) {
        return Err(format!(
            "日付「{value}」の月は 1〜12 にしてください（YYYY-MM-DD の形、例: 2026-11-22）。"
        ));
    }
    Date::new(year, month, day).map_err(|_| {
        let last = jiff::civil::date(year, month, 1).days_in_month();
        format!("日付「{value}」はありません（{year} 年 {month} 月は {last} 日までです）。")
    })
}

/// A number of seconds, at least 1 and at most a day (`--timeout`).
pub fn parse_seconds(value: &str) -> Result<u64, String> {
    let normalized = zaitaku::ja::nfkc(value.trim());
    match normalized.parse::<u64>() {
        Ok(seconds) if (1..=86_400).contains(&seconds) => Ok(seconds),
        Ok(_) => Err(format!(
            "秒数「{value}」は 1〜86400（1 日）の間にしてください（例: 300）。"
        )),
        Err(_) => Err(format!(
            "秒数「{value}」は数字だけで書いてください（例: 300）。"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn today() {
        assert_eq!(
            parse_today("2026-11-22").unwrap(),
            jiff::civil::date(2026, 11, 22)
        );
        assert_eq!(
            parse_today("２０２６／４／１").unwrap(),
            jiff::civil::date(2026, 4, 1)
        );
        assert!(parse_today("2026-02-30").unwrap_err().contains("28 日まで"));
        assert!(parse_today("2026-13-01").unwrap_err().contains("1〜12"));
        assert!(
            parse_today("0226-11-22")
                .unwrap_err()
                .contains("2000〜2099")
        );
        assert!(parse_today("20261122").unwrap_err().contains("YYYY-MM-DD"));
        assert!(
            parse_today("tomorrow")
                .unwrap_err()
                .contains("「tomorrow」")
        );
    }

    #[test]
    fn seconds() {
        assert_eq!(parse_seconds("300").unwrap(), 300);
        assert!(parse_seconds("0").is_err());
        assert!(parse_seconds("soon").unwrap_err().contains("「soon」"));
    }
}
