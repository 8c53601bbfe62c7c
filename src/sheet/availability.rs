//! The weekly vacancy sheet (空き情報): `zaitaku export --availability` writes one row per
//! facility that has vacancy information (or is of a category where some facility has it),
//! the staff change 空き状況・空きの数・メモ (and 時点), and `zaitaku import` of that sheet
//! changes only the `availability` block of each record that changed. A row whose status,
//! count or note changed while its date did not is dated the day of the import.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use jiff::civil::Date;

use super::Problem;
use super::export::{Layout, Value};
use super::import::{self, Existing};
use super::table::{self, Table};
use super::yaml_out;
use crate::content::record::{AvailabilityRecord, Record};
use crate::content::site::SiteConfig;
use crate::error::{Error, Result};
use crate::output::guard;

/// The sheet's columns and their widths.
pub const COLUMNS: [(&str, f64); 8] = [
    ("ID", 18.0),
    ("名称", 30.0),
    ("種別", 16.0),
    ("圏域", 10.0),
    ("空き状況", 10.0),
    ("空きの数", 8.0),
    ("メモ", 30.0),
    ("時点", 12.0),
];

pub fn layout() -> Layout<'static> {
    Layout {
        sheet: "空き情報",
        widths: COLUMNS.iter().map(|(_, w)| *w).collect(),
        freeze: (1, 2),
    }
}

/// The sheet: records with vacancy information, and those of the same categories.
pub fn rows(site: &SiteConfig, records: &[(String, Record)]) -> Vec<Vec<Value>> {
    let categories: Vec<&str> = records
        .iter()
        .filter(|(_, r)| r.availability.is_some())
        .map(|(_, r)| r.category.trim())
        .collect();
    let mut rows = vec![
        COLUMNS
            .iter()
            .map(|(h, _)| Value::Text((*h).to_owned()))
            .collect::<Vec<_>>(),
    ];
    for (id, record) in records {
        if !categories.contains(&record.category.trim()) {
            continue;
        }
        let label = |terms: &[crate::content::site::Term], key: &str| {
            terms
                .iter()
                .find(|t| t.key == key.trim())
                .map(|t| t.label.clone())
                .unwrap_or_else(|| key.trim().to_owned())
        };
        let availability = record.availability.clone().unwrap_or_default();
        rows.push(vec![
            Value::Text(id.clone()),
            Value::Text(record.name.trim().to_owned()),
            Value::Text(label(&site.categories, &record.category)),
            Value::Text(
                record
                    .area
                    .as_deref()
                    .map(|a| label(&site.areas, a))
                    .unwrap_or_default(),
            ),
            Value::Text(if availability.status.trim().is_empty() {
                String::new()
            } else {
                label(&site.availability.statuses, &availability.status)
            }),
            availability
                .count
                .map(|c| Value::Number(c as f64))
                .unwrap_or(Value::Text(String::new())),
            Value::Text(availability.note.unwrap_or_default()),
            match availability.as_of.trim().parse::<Date>() {
                Ok(date) => Value::Date(date),
                Err(_) => Value::Text(availability.as_of.trim().to_owned()),
            },
        ]);
    }
    rows
}

/// The header row of a vacancy sheet, if `table` is one.
pub fn header_row(table: &Table) -> Option<usize> {
    table.rows.iter().take(10).position(|row| {
        let texts: Vec<String> = row
            .cells
            .iter()
            .map(|c| c.text().trim().to_owned())
            .collect();
        texts.iter().any(|t| t == "ID") && texts.iter().any(|t| t == "空き状況")
    })
}

/// One record whose vacancy information changes.
#[derive(Debug, Clone)]
pub struct Change {
    pub row: usize,
    pub id: String,
    pub name: String,
    pub file: String,
    pub before: String,
    pub after: String,
    text: String,
}

/// What the import of a vacancy sheet found.
#[derive(Debug)]
pub struct Report {
    pub file: String,
    pub changed: Vec<Change>,
    pub unchanged: usize,
    pub problems: Vec<Problem>,
    pub written: bool,
}

fn shown(site: &SiteConfig, availability: Option<&AvailabilityRecord>) -> String {
    let Some(a) = availability else {
        return "（なし）".to_owned();
    };
    let label = site
        .availability
        .statuses
        .iter()
        .find(|t| t.key == a.status.trim())
        .map(|t| t.label.clone())
        .unwrap_or_else(|| a.status.clone());
    let mut text = label;
    if let Some(count) = a.count {
        text.push_str(&format!(" {count}"));
    }
    if let Some(note) = a.note.as_deref().filter(|n| !n.trim().is_empty()) {
        text.push_str(&format!("「{}」", note.trim()));
    }
    format!("{text}（{}）", a.as_of.trim())
}

fn date_cell(text: &str) -> Option<Date> {
    let normalized = crate::ja::nfkc(text.trim()).replace('/', "-");
    let mut parts = normalized.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    jiff::civil::Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?).ok()
}

/// Reads a vacancy sheet and compares it with the records; writes with `write`.
pub fn run(
    root: &Path,
    file: &Path,
    sheet: Option<&str>,
    today: Date,
    write: bool,
    waiting: &mut dyn FnMut(&str),
) -> Result<Report> {
    let _lock = if write {
        Some(import::lock_content(root, waiting)?)
    } else {
        None
    };
    let site = import::load_site(root)?;
    let existing = import::load_existing(root)?;
    let table = table::read(file, sheet)?;
    let Some(header_index) = header_row(&table) else {
        return Err(Error::Setup(format!(
            "{} は空き情報の表ではありません（見出しに「ID」と「空き状況」がありません）。",
            table.file
        )));
    };
    let headers: Vec<String> = table.rows[header_index]
        .cells
        .iter()
        .map(|c| c.text().trim().to_owned())
        .collect();
    let column = |name: &str| headers.iter().position(|h| h == name);
    let mut report = Report {
        file: table.file.clone(),
        changed: Vec::new(),
        unchanged: 0,
        problems: Vec::new(),
        written: false,
    };
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for row in &table.rows[header_index + 1..] {
        let cell = |name: &str| {
            column(name)
                .map(|i| row.cell(i).text().trim().to_owned())
                .unwrap_or_default()
        };
        let id = cell("ID");
        let (status_text, count_text, note, date_text) = (
            cell("空き状況"),
            cell("空きの数"),
            cell("メモ"),
            cell("時点"),
        );
        if id.is_empty() && status_text.is_empty() && count_text.is_empty() && note.is_empty() {
            continue;
        }
        let mut problem = |column: &str, message: String, hint: &str| {
            report.problems.push(Problem {
                row: row.number,
                name: cell("名称"),
                column: Some(column.to_owned()),
                message,
                hint: Some(hint.to_owned()),
            });
        };
        let Some(target) = existing.iter().find(|e: &&Existing| e.id == id) else {
            problem(
                "ID",
                format!(
                    "ID「{}」の事業所はありません。",
                    crate::error::printable(&id)
                ),
                "zaitaku export --availability で書き出した表の ID をそのまま使ってください。",
            );
            continue;
        };
        if let Some(first) = seen.insert(id.clone(), row.number) {
            problem(
                "ID",
                format!("{first} 行目と同じ事業所（ID {id}）の行です。"),
                "どちらかの行を消してください。",
            );
            continue;
        }
        let (Some(text), Some(record)) = (&target.text, &target.record) else {
            problem(
                "ID",
                format!("{} を読めません。", target.file),
                "zaitaku check でこのファイルの誤りを直してください。",
            );
            continue;
        };
        if status_text.is_empty() {
            if count_text.is_empty() && note.is_empty() {
                report.unchanged += 1;
            } else {
                problem(
                    "空き状況",
                    "空き状況が空です。".to_owned(),
                    "空きあり・要相談・空きなしのどれかを書いてください。",
                );
            }
            continue;
        }
        let statuses = &site.availability.statuses;
        let wanted = crate::ja::nfkc(&status_text);
        let Some(status) = statuses
            .iter()
            .find(|t| t.key == wanted || crate::ja::nfkc(&t.label) == wanted)
        else {
            let choices: Vec<&str> = statuses.iter().map(|t| t.label.as_str()).collect();
            problem(
                "空き状況",
                format!("空き状況「{status_text}」がわかりません。"),
                &format!("次のどれかを書いてください: {}", choices.join("、")),
            );
            continue;
        };
        let count = if count_text.is_empty() {
            None
        } else {
            match crate::ja::nfkc(&count_text).parse::<i64>() {
                Ok(count) if (0..=999).contains(&count) => Some(count),
                _ => {
                    problem(
                        "空きの数",
                        format!("空きの数「{count_text}」は 0〜999 の数にしてください。"),
                        "半角の数字で書くか、わからなければ空にしてください。",
                    );
                    continue;
                }
            }
        };
        let date = if date_text.is_empty() {
            None
        } else {
            match date_cell(&date_text) {
                Some(date) => Some(date),
                None => {
                    problem(
                        "時点",
                        format!("時点「{date_text}」は日付として読めません。"),
                        "2026-11-20 のように書くか、空にしてください（空なら取り込んだ日になります）。",
                    );
                    continue;
                }
            }
        };
        let old = record.availability.clone();
        let mut new = AvailabilityRecord {
            status: status.key.clone(),
            count,
            note: (!note.is_empty()).then(|| note.clone()),
            as_of: old.as_ref().map(|a| a.as_of.clone()).unwrap_or_default(),
        };
        let same_facts = old.as_ref().is_some_and(|o| {
            o.status.trim() == new.status
                && o.count == new.count
                && o.note.as_deref().map(str::trim).filter(|n| !n.is_empty()) == new.note.as_deref()
        });
        let old_date = old
            .as_ref()
            .and_then(|o| o.as_of.trim().parse::<Date>().ok());
        new.as_of = match date {
            Some(date) if Some(date) != old_date => date.to_string(),
            _ if same_facts => new.as_of,
            _ => today.to_string(),
        };
        if same_facts && old.as_ref().is_some_and(|o| o.as_of.trim() == new.as_of) {
            report.unchanged += 1;
            continue;
        }
        let updated = yaml_out::replace_availability(text, &new);
        let problems = import::validate(
            &site,
            today,
            &target.id,
            &target.file,
            updated.trim_start_matches('\u{FEFF}'),
            row.number,
            record.name.trim(),
        );
        if !problems.is_empty() {
            report.problems.extend(problems);
            continue;
        }
        report.changed.push(Change {
            row: row.number,
            id: target.id.clone(),
            name: record.name.trim().to_owned(),
            file: target.file.clone(),
            before: shown(&site, old.as_ref()),
            after: shown(&site, Some(&new)),
            text: updated,
        });
    }
    if write {
        let targets: Vec<(&Existing, &Change)> = report
            .changed
            .iter()
            .filter_map(|c| existing.iter().find(|e| e.id == c.id).map(|e| (e, c)))
            .collect();
        for (target, _) in &targets {
            guard::content_file(root, &target.path)?;
        }
        for (target, change) in targets {
            import::write_file(root, &target.path, &change.text)?;
        }
        report.written = true;
    }
    Ok(report)
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "空き情報の取り込み元: {}", self.file)?;
        if !self.changed.is_empty() {
            writeln!(f, "変更 {} 件:", self.changed.len())?;
            for change in &self.changed {
                writeln!(
                    f,
                    "  ~ {} 行目 {}（{}）\n      空き情報: {} → {}",
                    change.row, change.name, change.file, change.before, change.after
                )?;
            }
        }
        writeln!(f, "変更なし {} 件", self.unchanged)?;
        if !self.problems.is_empty() {
            writeln!(
                f,
                "読めなかった行 {} 件（取り込んでいません。表を直してもう一度取り込んでください）:",
                self.problems.len()
            )?;
            for problem in &self.problems {
                writeln!(
                    f,
                    "  ! {} 行目「{}」 列「{}」: {}",
                    problem.row,
                    problem.name,
                    problem.column.as_deref().unwrap_or(""),
                    problem.message
                )?;
                if let Some(hint) = &problem.hint {
                    writeln!(f, "      直し方: {hint}")?;
                }
            }
        }
        if self.written {
            write!(
                f,
                "書き込みました: {} 件（空き情報の行だけを書き換えました）。",
                self.changed.len()
            )
        } else if self.changed.is_empty() {
            write!(f, "書き込む変更はありません。")
        } else {
            write!(
                f,
                "確認だけで、ファイルはまだ変更していません。書き込むには --write を付けてください。"
            )
        }
    }
}

/// Whether `file` is a vacancy sheet (read once more by [`run`]).
pub fn is_availability_sheet(file: &Path, sheet: Option<&str>) -> bool {
    file.is_file()
        && table::read(file, sheet)
            .ok()
            .is_some_and(|t| header_row(&t).is_some())
}
