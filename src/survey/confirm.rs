//! `zaitaku survey confirm ID…`: a facility answered "no change" (by FAX, by phone), so its
//! `verified` becomes the date of the answer, and nothing else in its file changes: the file
//! is the same byte for byte but for the `verified` line (its comment, the other fields, the
//! line endings and a BOM are kept). Every id is checked before the first file is written; an
//! unknown id writes nothing.

use std::collections::BTreeSet;
use std::path::Path;

use jiff::civil::Date;

use crate::content::record;
use crate::error::{Error, Result};
use crate::output::guard;
use crate::sheet::import::{self, Existing};

/// One record `confirm` looked at.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Confirmed {
    pub id: String,
    pub name: String,
    pub file: String,
    /// The 最終確認日 before.
    pub before: String,
    /// Whether the file was written (not when it already had this date or a later one).
    pub written: bool,
}

/// What `confirm` did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ConfirmReport {
    pub date: Date,
    pub records: Vec<Confirmed>,
}

/// `text` with only the date on the `verified` line changed to `date`, or why that cannot be
/// done. The quotes, spacing and comment around the date stay as written.
pub fn with_verified(text: &str, date: Date) -> std::result::Result<String, String> {
    let body = text.trim_start_matches('\u{FEFF}');
    let before = record::parse(body).map_err(|_| {
        "YAML として読めません（zaitaku check で誤りを確かめてください）".to_owned()
    })?;
    let lines: Vec<(usize, &str)> = text
        .split_inclusive('\n')
        .scan(0, |offset, line| {
            let at = *offset;
            *offset += line.len();
            Some((at, line))
        })
        .collect();
    let found: Vec<&(usize, &str)> = lines
        .iter()
        .filter(|(_, line)| line.trim_start_matches('\u{FEFF}').starts_with("verified:"))
        .collect();
    let [(at, line)] = found.as_slice() else {
        return Err("行の先頭に「verified:」が 1 つだけある形になっていません".to_owned());
    };
    let prefix = line.len() - line.trim_start_matches('\u{FEFF}').len() + "verified:".len();
    let rest = &line[prefix..];
    let value_start = prefix + (rest.len() - rest.trim_start_matches([' ', '\t']).len());
    let value = &line[value_start..];
    let (open, inner) = match value.chars().next() {
        Some(q @ ('"' | '\'')) => (q.len_utf8(), &value[1..]),
        _ => (0, value),
    };
    let length = inner
        .find(|c: char| c.is_whitespace() || c == '#' || c == '"' || c == '\'')
        .unwrap_or(inner.len());
    if length == 0 {
        return Err("verified の値が空か、次の行に書かれています".to_owned());
    }
    let replace_from = at + value_start + open;
    let mut updated = String::with_capacity(text.len());
    updated.push_str(&text[..replace_from]);
    updated.push_str(&date.to_string());
    updated.push_str(&text[replace_from + length..]);
    let reparsed = record::parse(updated.trim_start_matches('\u{FEFF}'));
    let same_otherwise = reparsed.is_ok_and(|mut r| {
        let ok = r.verified.trim() == date.to_string();
        r.verified = before.verified.clone();
        ok && r == before
    });
    if !same_otherwise {
        return Err(
            "verified の日付だけを書き換えることができません（書き方を確かめてください）"
                .to_owned(),
        );
    }
    Ok(updated)
}

/// Sets `verified` to `date` on the records `ids`. `today` bounds the date (an answer cannot
/// come from the future). `waiting` is told when another zaitaku writes into `content/`.
pub fn confirm(
    root: &Path,
    ids: &[String],
    date: Date,
    today: Date,
    waiting: &mut dyn FnMut(&str),
) -> Result<ConfirmReport> {
    if date > today {
        return Err(Error::Setup(format!(
            "確認した日 {date} が今日（{today}）より後です。事業所から返事があった日を --date に指定してください。"
        )));
    }
    if ids.is_empty() {
        return Err(Error::Setup(
            "確認済みにする事業所の ID を 1 つ以上指定してください（例: zaitaku survey confirm takahashi-naika）。".to_owned(),
        ));
    }
    let _lock = import::lock_content(root, waiting)?;
    let existing = import::load_existing(root)?;
    let mut problems: Vec<String> = Vec::new();
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let mut plan: Vec<(&Existing, Confirmed, Option<String>)> = Vec::new();
    for id in ids {
        let id = id.trim();
        if !seen.insert(id) {
            continue;
        }
        let matches: Vec<&Existing> = existing.iter().filter(|e| e.id == id).collect();
        let target = match matches.as_slice() {
            [] => {
                let suggestion =
                    crate::content::yaml::closest(id, existing.iter().map(|e| e.id.as_str()))
                        .map(|s| format!("「{s}」の誤りではありませんか。"))
                        .unwrap_or_default();
                problems.push(format!(
                    "ID「{}」の事業所はありません。{suggestion}",
                    crate::error::printable(id)
                ));
                continue;
            }
            [one] => *one,
            several => {
                let files: Vec<&str> = several.iter().map(|e| e.file.as_str()).collect();
                problems.push(format!(
                    "ID「{id}」のファイルが {} 件あります（{}）。zaitaku check で直してください。",
                    several.len(),
                    files.join("、")
                ));
                continue;
            }
        };
        let (Some(text), Some(record)) = (&target.text, &target.record) else {
            problems.push(format!(
                "{} を読めません。zaitaku check で誤りを直してください。",
                target.file
            ));
            continue;
        };
        if target.converted {
            problems.push(format!(
                "{} は UTF-8 で保存されていません。verified の行だけを書き換えられないため、UTF-8 で保存し直してから実行してください。",
                target.file
            ));
            continue;
        }
        let before = record.verified.trim().to_owned();
        let mut confirmed = Confirmed {
            id: target.id.clone(),
            name: record.name.trim().to_owned(),
            file: target.file.clone(),
            before: before.clone(),
            written: false,
        };
        let current = before.parse::<Date>().ok();
        if current.is_some_and(|c| c >= date) {
            plan.push((target, confirmed, None));
            continue;
        }
        match with_verified(text, date) {
            Ok(updated) => {
                confirmed.written = true;
                plan.push((target, confirmed, Some(updated)));
            }
            Err(why) => problems.push(format!("{}: {why}。", target.file)),
        }
    }
    if !problems.is_empty() {
        return Err(Error::Setup(format!(
            "次の理由で、どのファイルも変更していません:\n  {}",
            problems.join("\n  ")
        )));
    }
    // Every file is judged before the first is written.
    for (target, _, _) in &plan {
        guard::content_file(root, &target.path)?;
    }
    let mut records = Vec::new();
    for (target, confirmed, updated) in plan {
        if let Some(updated) = updated {
            import::write_file(root, &target.path, &updated)?;
        }
        records.push(confirmed);
    }
    Ok(ConfirmReport { date, records })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_verified_line_changes() {
        let text = "\u{FEFF}# 電話で確認\r\nname: A\r\nkana: えー\r\ncategory: clinic\r\naddress: 徳島市\r\nverified: 2025-01-01 # 去年\r\n# 最後のコメント\r\n";
        let updated = with_verified(text, jiff::civil::date(2026, 11, 20)).unwrap();
        assert_eq!(
            updated,
            text.replace("verified: 2025-01-01", "verified: 2026-11-20")
        );
        let record = "name: A\nkana: えー\ncategory: clinic\naddress: 徳島市\n";
        let quoted = format!("{record}verified:   \"2025-01-01\"\n");
        assert_eq!(
            with_verified(&quoted, jiff::civil::date(2026, 1, 2)).unwrap(),
            format!("{record}verified:   \"2026-01-02\"\n")
        );
        // A record the build would not read either (no reading, no verified line) is left alone.
        assert!(with_verified("name: A\n", jiff::civil::date(2026, 1, 1)).is_err());
        assert!(with_verified(record, jiff::civil::date(2026, 1, 1)).is_err());
    }
}
