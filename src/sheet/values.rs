//! Cell values as staff write them (月・水・金, 9:00〜12:30, 電話・FAX, 要予約, 2026/4/1, …)
//! to and from the record format's values (`[mon, wed, fri]`, `"09:00"`, `[phone, fax]`, …).

use jiff::civil::Date;

use crate::content::record::{Band, canonical_days};
use crate::content::resource::METHODS;
use crate::ja;

/// A cell value that could not be read: what is wrong and how to write it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub message: String,
    pub hint: String,
}

fn unreadable(message: impl Into<String>, hint: impl Into<String>) -> Unreadable {
    Unreadable {
        message: message.into(),
        hint: hint.into(),
    }
}

/// The index of the day (in `ja`'s order, Monday first) whose short label is `c` (月 … 祝).
fn day_index(c: char) -> Option<usize> {
    let mut buffer = [0; 4];
    let label: &str = c.encode_utf8(&mut buffer);
    ja::DAY_KEYS
        .iter()
        .position(|key| ja::day_label(key) == label)
}

fn is_range_mark(c: char) -> bool {
    matches!(c, '〜' | '~' | '～' | '-' | '－' | 'ー' | '–' | '—' | '―')
}

/// `月・水・金`, `月〜金`, `平日`, `毎日`, `火曜日`, `mon, wed` → day keys in week order.
pub fn parse_days(text: &str) -> Result<Vec<String>, Unreadable> {
    let original = text.trim();
    let hint = "月・水・金 のように曜日を「・」で区切るか、月〜金 のように範囲で書いてください（祝日は「祝」）。";
    if original.is_empty() {
        return Err(unreadable("曜日がありません。", hint));
    }
    let lower = ja::nfkc(original).to_lowercase();
    // English keys as in the YAML files.
    let words: Vec<&str> = lower
        .split(|c: char| c == ',' || c == '、' || c == '・' || c.is_whitespace())
        .filter(|w| !w.is_empty())
        .collect();
    if !words.is_empty() && words.iter().all(|w| ja::DAY_KEYS.contains(w)) {
        return Ok(canonical_days(
            &words.iter().map(|w| (*w).to_owned()).collect::<Vec<_>>(),
        ));
    }
    let text = lower
        .replace("祝日", "祝")
        .replace("平日", "月〜金")
        .replace("毎日", "月〜日")
        .replace("土日", "土・日")
        .replace("曜日", "")
        .replace('曜', "");
    let chars: Vec<char> = text.chars().collect();
    let mut days: Vec<String> = Vec::new();
    let mut index = 0;
    while index < chars.len() {
        let c = chars[index];
        if let Some(start) = day_index(c) {
            // 月〜金: a range (only within the week, not to 祝).
            if index + 2 < chars.len()
                && is_range_mark(chars[index + 1])
                && let Some(end) = day_index(chars[index + 2])
                && end >= start
                && end < 7
            {
                for day in &ja::DAY_KEYS[start..=end] {
                    days.push((*day).to_owned());
                }
                index += 3;
                continue;
            }
            days.push(ja::DAY_KEYS[start].to_owned());
        } else if !(matches!(c, '・' | '、' | ',' | '/' | '／' | '.' | '，') || c.is_whitespace())
        {
            return Err(unreadable(
                format!("曜日「{original}」が読めません。"),
                hint,
            ));
        }
        index += 1;
    }
    if days.is_empty() {
        return Err(unreadable(
            format!("曜日「{original}」が読めません。"),
            hint,
        ));
    }
    Ok(canonical_days(&days))
}

/// Day keys → `月・水・金`.
pub fn format_days(days: &[String]) -> String {
    days.iter()
        .map(|d| {
            let key = d.trim().to_lowercase();
            if ja::DAY_KEYS.contains(&key.as_str()) {
                ja::day_label(&key).to_owned()
            } else {
                key
            }
        })
        .collect::<Vec<_>>()
        .join("・")
}

/// `9:00`, `09:00`, `9時`, `9時30分`, `0900` → `09:00`.
pub fn parse_time(text: &str) -> Option<String> {
    let text = ja::nfkc(text.trim());
    let text = text.trim();
    let (hours, minutes) = if let Some((h, m)) = text.split_once(':') {
        (h.to_owned(), m.to_owned())
    } else if let Some((h, rest)) = text.split_once('時') {
        (h.to_owned(), rest.trim_end_matches('分').to_owned())
    } else if text.len() == 4 && text.chars().all(|c| c.is_ascii_digit()) {
        (text[..2].to_owned(), text[2..].to_owned())
    } else {
        return None;
    };
    let hours: u16 = hours.trim().parse().ok()?;
    let minutes: u16 = if minutes.trim().is_empty() {
        0
    } else {
        minutes.trim().parse().ok()?
    };
    if minutes > 59 || hours > 24 || (hours == 24 && minutes > 0) {
        return None;
    }
    Some(format!("{hours:02}:{minutes:02}"))
}

/// `9:00〜12:30` → (`09:00`, `12:30`).
pub fn parse_range(text: &str) -> Result<(String, String), Unreadable> {
    let original = text.trim();
    let hint = "9:00〜12:30 のように、始まりと終わりの時刻を「〜」でつないで書いてください。";
    let normalized = ja::nfkc(original);
    let parts: Vec<&str> = normalized
        .split(['〜', '~', '～', '-', '－', '–', '—', '―'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    match parts.as_slice() {
        [from, to] => match (parse_time(from), parse_time(to)) {
            (Some(from), Some(to)) => Ok((from, to)),
            _ => Err(unreadable(
                format!("時間「{original}」が読めません。"),
                hint,
            )),
        },
        _ => Err(unreadable(
            format!("時間「{original}」が読めません。"),
            hint,
        )),
    }
}

fn looks_like_time_start(chars: &[char], index: usize) -> bool {
    chars[index].is_ascii_digit() && (index == 0 || !chars[index - 1].is_ascii_digit())
}

/// The 診療時間 cell: one band a line (or separated by `／` or `;`), each `曜日 時間[、時間…]`,
/// e.g. `月・火・水・金 9:00〜12:30、15:00〜18:00`.
pub fn parse_hours(text: &str) -> Result<Vec<Band>, Unreadable> {
    let mut bands = Vec::new();
    let normalized = text.replace('／', "\n").replace(['；', ';'], "\n");
    for line in normalized.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let nfkc = ja::nfkc(line);
        let chars: Vec<char> = nfkc.chars().collect();
        let Some(split) = (0..chars.len()).find(|i| looks_like_time_start(&chars, *i)) else {
            return Err(unreadable(
                format!("診療時間「{line}」に時刻がありません。"),
                "1 行に「月・火・水・金 9:00〜12:30」のように曜日と時間を書いてください。",
            ));
        };
        let days_text: String = chars[..split].iter().collect();
        let days = parse_days(&days_text).map_err(|e| Unreadable {
            message: format!("診療時間「{line}」の{}", e.message),
            hint: e.hint,
        })?;
        let times: String = chars[split..].iter().collect();
        for range in times
            .split(|c: char| matches!(c, '、' | ',' | '，' | '/') || c.is_whitespace())
            .filter(|r| !r.is_empty())
        {
            let (open, close) = parse_range(range).map_err(|e| Unreadable {
                message: format!("診療時間「{line}」の{}", e.message),
                hint: e.hint,
            })?;
            bands.push(Band {
                days: days.clone(),
                open,
                close,
            });
        }
    }
    Ok(bands)
}

/// Bands → the 診療時間 cell, one band a line.
pub fn format_hours(bands: &[Band]) -> String {
    bands
        .iter()
        .map(|b| {
            format!(
                "{} {}〜{}",
                format_days(&b.days),
                b.open.trim(),
                b.close.trim()
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `電話・FAX` → `[phone, fax]`.
pub fn parse_methods(text: &str) -> Result<Vec<String>, Unreadable> {
    let mut out: Vec<String> = Vec::new();
    for word in ja::nfkc(text)
        .split(|c: char| matches!(c, '・' | '、' | ',' | '/' | '，') || c.is_whitespace())
        .filter(|w| !w.is_empty())
    {
        let lower = word.to_lowercase();
        let key = METHODS
            .iter()
            .find(|(key, label)| *key == lower || ja::nfkc(label).to_lowercase() == lower)
            .map(|(key, _)| *key)
            .or(match lower.as_str() {
                "tel" | "電話連絡" => Some("phone"),
                "ファックス" | "ファクス" | "ファクシミリ" => Some("fax"),
                "eメール" | "e-mail" | "mail" => Some("email"),
                "面会" | "訪問" | "来所" => Some("visit"),
                "web" | "ウェブ" | "zoom" => Some("online"),
                _ => None,
            });
        match key {
            Some(key) => {
                if !out.iter().any(|k| k == key) {
                    out.push(key.to_owned());
                }
            }
            None => {
                return Err(unreadable(
                    format!("連絡方法「{word}」がわかりません。"),
                    "電話・FAX・メール・面談・オンライン から選び、「・」で区切って書いてください。",
                ));
            }
        }
    }
    Ok(out)
}

/// `[phone, fax]` → `電話・FAX`.
pub fn format_methods(methods: &[String]) -> String {
    methods
        .iter()
        .map(|m| {
            METHODS
                .iter()
                .find(|(key, _)| *key == m.trim())
                .map(|(_, label)| (*label).to_owned())
                .unwrap_or_else(|| m.clone())
        })
        .collect::<Vec<_>>()
        .join("・")
}

/// 要予約 or not.
pub fn parse_appointment(text: &str) -> Result<bool, Unreadable> {
    let value = ja::nfkc(text.trim()).to_lowercase();
    match value.as_str() {
        "" | "不要" | "予約不要" | "×" | "いいえ" | "なし" | "false" | "no" | "0" | "-" => {
            Ok(false)
        }
        "要" | "要予約" | "必要" | "予約必要" | "○" | "〇" | "◯" | "はい" | "あり" | "true"
        | "yes" | "1" => Ok(true),
        _ => Err(unreadable(
            format!("予約の欄「{}」が読めません。", text.trim()),
            "予約が必要なら「要予約」、不要なら空欄にしてください。",
        )),
    }
}

pub const APPOINTMENT_TEXT: &str = "要予約";

/// `2026-04-01`, `2026/4/1`, `2026年4月1日`, `令和8年4月1日`, `R8.4.1` → the date.
pub fn parse_date(text: &str) -> Result<Date, Unreadable> {
    let original = text.trim();
    let hint = "2026-04-01 または 2026/4/1 のように書いてください（令和8年4月1日 も読めます）。";
    let normalized = ja::nfkc(original);
    let mut era_offset: Option<i16> = None;
    let mut rest = normalized.as_str();
    for (names, offset) in [
        (&["令和", "r"][..], 2018),
        (&["平成", "h"][..], 1988),
        (&["昭和", "s"][..], 1925),
    ] {
        for name in names {
            if let Some(stripped) = rest
                .strip_prefix(name)
                .or_else(|| rest.strip_prefix(&name.to_uppercase()))
            {
                era_offset = Some(offset);
                rest = stripped;
            }
        }
        if era_offset.is_some() {
            break;
        }
    }
    let rest = rest.replace("元年", "1年");
    let numbers: Vec<&str> = rest
        .split(|c: char| !c.is_ascii_digit())
        .filter(|n| !n.is_empty())
        .collect();
    let parsed = match numbers.as_slice() {
        [year, month, day] => {
            let year: i16 = year.parse().ok().unwrap_or(0);
            let year = era_offset.map(|o| o + year).unwrap_or(year);
            match (month.parse::<i8>(), day.parse::<i8>()) {
                (Ok(month), Ok(day)) if year >= 1900 => Date::new(year, month, day).ok(),
                _ => None,
            }
        }
        [compact] if compact.len() == 8 && era_offset.is_none() => {
            compact.parse::<Date>().ok().or_else(|| {
                let year = compact[..4].parse().ok()?;
                let month = compact[4..6].parse().ok()?;
                let day = compact[6..].parse().ok()?;
                Date::new(year, month, day).ok()
            })
        }
        _ => None,
    };
    let trailing_ok = rest
        .trim()
        .trim_end_matches('日')
        .chars()
        .last()
        .is_none_or(|c| c.is_ascii_digit());
    match parsed {
        Some(date) if trailing_ok => Ok(date),
        _ => Err(unreadable(
            format!("日付「{original}」が読めません。"),
            hint,
        )),
    }
}

/// Phone and fax numbers: full-width digits, spaces and brackets tidied: `(088)600-1234` →
/// `088-600-1234`. Returns the tidied text; whether it is valid is for the validator to say.
pub fn tidy_phone(text: &str) -> String {
    let nfkc = ja::nfkc(text.trim());
    let mut out = String::new();
    for c in nfkc.chars() {
        match c {
            '0'..='9' => out.push(c),
            '-' | '‐' | '−' | '―' | 'ー' | '(' | ')' | '.' => {
                if !out.is_empty() && !out.ends_with('-') {
                    out.push('-');
                }
            }
            ' ' => {}
            _ => return nfkc.trim().to_owned(),
        }
    }
    out.trim_end_matches('-').to_owned()
}

/// `7708054` or `〒770-8054` → `770-8054`.
pub fn tidy_postal(text: &str) -> String {
    let nfkc = ja::nfkc(text.trim());
    let digits: String = nfkc.chars().filter(char::is_ascii_digit).collect();
    if digits.len() == 7
        && nfkc
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '-' | '〒' | ' '))
    {
        format!("{}-{}", &digits[..3], &digits[3..])
    } else {
        nfkc.trim().trim_start_matches('〒').trim().to_owned()
    }
}

/// A list cell (`内科、外科` or one a line) → its items.
pub fn split_list(text: &str) -> Vec<String> {
    text.split(['、', ',', '，', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

pub const LIST_SEPARATOR: &str = "、";

#[cfg(test)]
mod tests {
    use super::*;

    fn days(list: &[&str]) -> Vec<String> {
        list.iter().map(|d| (*d).to_owned()).collect()
    }

    #[test]
    fn reads_days() {
        assert_eq!(
            parse_days("月・水・金").unwrap(),
            days(&["mon", "wed", "fri"])
        );
        assert_eq!(
            parse_days("月〜金").unwrap(),
            days(&["mon", "tue", "wed", "thu", "fri"])
        );
        assert_eq!(parse_days("平日・祝日").unwrap().len(), 6);
        assert_eq!(parse_days("火曜日、木曜日").unwrap(), days(&["tue", "thu"]));
        assert_eq!(parse_days("tue, thu").unwrap(), days(&["tue", "thu"]));
        assert!(parse_days("毎週").is_err());
        assert_eq!(format_days(&days(&["tue", "thu"])), "火・木");
    }

    #[test]
    fn reads_hours() {
        let bands =
            parse_hours("月・火・水・金 9:00〜12:30、15:00〜18:00\n土 ９：００～１２：００")
                .unwrap();
        assert_eq!(bands.len(), 3);
        assert_eq!(bands[1].open, "15:00");
        assert_eq!(bands[2].days, days(&["sat"]));
        assert_eq!(
            format_hours(&bands),
            "月・火・水・金 09:00〜12:30\n月・火・水・金 15:00〜18:00\n土 09:00〜12:00"
        );
        assert!(parse_hours("午前のみ").is_err());
    }

    #[test]
    fn reads_other_values() {
        assert_eq!(parse_methods("電話・FAX").unwrap(), days(&["phone", "fax"]));
        assert!(parse_methods("伝書鳩").is_err());
        assert!(parse_appointment("要予約").unwrap());
        assert!(!parse_appointment("").unwrap());
        for text in [
            "2026-04-01",
            "2026/4/1",
            "2026年4月1日",
            "令和8年4月1日",
            "R8.4.1",
        ] {
            assert_eq!(
                parse_date(text).unwrap(),
                Date::new(2026, 4, 1).unwrap(),
                "{text}"
            );
        }
        assert!(parse_date("4月1日").is_err());
        assert_eq!(tidy_phone("（088）600-1234"), "088-600-1234");
        assert_eq!(tidy_phone("０８８－６００－１２３４"), "088-600-1234");
        assert_eq!(tidy_postal("7708054"), "770-8054");
        assert_eq!(split_list("内科、外科"), days(&["内科", "外科"]));
    }
}
