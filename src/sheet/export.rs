//! `zaitaku export`: the whole directory as one sheet, in the layout `zaitaku import` reads,
//! so that exporting and importing back changes nothing.

use std::path::{Path, PathBuf};

use rust_xlsxwriter::{ExcelDateTime, Format as CellFormat, Workbook};

use super::columns::{Column, LAYOUT};
use super::import::{Existing, load_existing, load_site};
use super::{injection, table, values};
use crate::content::record::Record;
use crate::content::site::SiteConfig;
use crate::error::{Error, Result};
use crate::output::guard::{self, FileKind};
use crate::{ja, owned};

/// The file format of the export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// An Excel workbook (.xlsx).
    Xlsx,
    /// CSV, UTF-8 with a BOM (Excel opens it as it is).
    Csv,
}

/// What to export (`zaitaku export`).
#[derive(Debug, Clone)]
pub struct ExportArgs {
    pub format: ExportFormat,
    /// The file to write; `None`: 事業所一覧.xlsx / 事業所一覧.csv in the current folder.
    pub out: Option<PathBuf>,
    /// Replace a file that is not a .xlsx / .csv.
    pub force: bool,
    /// The weekly vacancy sheet instead of the directory.
    pub availability: bool,
}

/// One cell of the export.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Number(f64),
    Date(jiff::civil::Date),
}

impl Value {
    pub fn text(&self) -> String {
        match self {
            Value::Text(text) => text.clone(),
            Value::Number(number) => format!("{number}"),
            Value::Date(date) => date.to_string(),
        }
    }
}

fn lines<T>(items: &[T], f: impl Fn(&T) -> String) -> String {
    let all: Vec<String> = items.iter().map(f).collect();
    if all.iter().all(|l| l.is_empty()) {
        String::new()
    } else {
        all.join("\n")
    }
}

/// The cell for `column` of `record` (with id `id`).
pub fn cell(site: &SiteConfig, id: &str, record: &Record, column: Column) -> Value {
    let text = |v: &Option<String>| Value::Text(v.as_deref().unwrap_or("").trim().to_owned());
    match column {
        Column::Id => Value::Text(id.to_owned()),
        Column::Category => Value::Text(
            site.category(record.category.trim())
                .map(|t| t.label.clone())
                .unwrap_or_else(|| record.category.trim().to_owned()),
        ),
        Column::Name => Value::Text(record.name.trim().to_owned()),
        Column::Kana => Value::Text(record.kana.trim().to_owned()),
        Column::Corporation => text(&record.corporation),
        Column::Area => Value::Text(
            record
                .area
                .as_deref()
                .map(|a| {
                    site.area(a.trim())
                        .map(|t| t.label.clone())
                        .unwrap_or_else(|| a.trim().to_owned())
                })
                .unwrap_or_default(),
        ),
        Column::PostalCode => text(&record.postal_code),
        Column::Address => Value::Text(record.address.trim().to_owned()),
        Column::Phone => text(&record.phone),
        Column::Fax => text(&record.fax),
        Column::Email => text(&record.email),
        Column::Url => text(&record.url),
        Column::Lat => record
            .location
            .map(|l| Value::Number(l.lat))
            .unwrap_or(Value::Text(String::new())),
        Column::Lng => record
            .location
            .map(|l| Value::Number(l.lng))
            .unwrap_or(Value::Text(String::new())),
        Column::Specialties => Value::Text(
            record
                .specialties
                .iter()
                .map(|s| s.trim())
                .collect::<Vec<_>>()
                .join(values::LIST_SEPARATOR),
        ),
        Column::Services => Value::Text(
            record
                .services
                .iter()
                .map(|s| {
                    site.service(s.trim())
                        .map(|t| t.label.clone())
                        .unwrap_or_else(|| s.trim().to_owned())
                })
                .collect::<Vec<_>>()
                .join(values::LIST_SEPARATOR),
        ),
        Column::Hours => Value::Text(values::format_hours(&record.hours)),
        Column::Closed => text(&record.closed),
        Column::CaremaneDays => Value::Text(lines(&record.caremane_time, |w| {
            values::format_days(&w.days)
        })),
        Column::CaremaneTime => Value::Text(lines(&record.caremane_time, |w| {
            format!("{}〜{}", w.from.trim(), w.to.trim())
        })),
        Column::CaremaneMethods => Value::Text(lines(&record.caremane_time, |w| {
            values::format_methods(&w.methods)
        })),
        Column::CaremaneContact => Value::Text(lines(&record.caremane_time, |w| {
            w.contact.as_deref().unwrap_or("").trim().replace('\n', " ")
        })),
        Column::CaremaneAppointment => Value::Text(lines(&record.caremane_time, |w| {
            if w.appointment {
                values::APPOINTMENT_TEXT.to_owned()
            } else {
                String::new()
            }
        })),
        Column::CaremaneNote => Value::Text(lines(&record.caremane_time, |w| {
            w.note.as_deref().unwrap_or("").trim().replace('\n', " ")
        })),
        Column::Jigyosho => Value::Text(record.jigyosho().unwrap_or("").to_owned()),
        Column::Navii => Value::Text(record.navii().unwrap_or("").to_owned()),
        Column::Note => Value::Text(
            record
                .note
                .as_deref()
                .unwrap_or("")
                .replace("\r\n", "\n")
                .trim_end()
                .to_owned(),
        ),
        Column::Verified => {
            let verified = record.verified.trim();
            match verified.parse::<jiff::civil::Date>() {
                Ok(date) if verified.len() == 10 => Value::Date(date),
                _ => Value::Text(verified.to_owned()),
            }
        }
        Column::Ignore => Value::Text(String::new()),
    }
}

/// The records in the order of the directory: by category as in site.yaml, then 五十音順.
pub fn sorted_records(site: &SiteConfig, existing: &[Existing]) -> Result<Vec<(String, Record)>> {
    let unreadable: Vec<&str> = existing
        .iter()
        .filter(|e| e.record.is_none())
        .map(|e| e.file.as_str())
        .collect();
    if !unreadable.is_empty() {
        return Err(Error::Setup(format!(
            "次のファイルが読めないため、書き出しませんでした（全部の事業所を書き出すためです）:\n  {}\n  zaitaku check で誤りを確かめて直してください。",
            unreadable.join("\n  ")
        )));
    }
    let mut records: Vec<(String, Record)> = existing
        .iter()
        .map(|e| (e.id.clone(), e.record.clone().expect("checked")))
        .collect();
    let category_order = |key: &str| {
        site.categories
            .iter()
            .position(|t| t.key == key.trim())
            .unwrap_or(usize::MAX)
    };
    records.sort_by(|(a_id, a), (b_id, b)| {
        (
            category_order(&a.category),
            ja::gojuon_sort_key(&a.kana),
            a_id,
        )
            .cmp(&(
                category_order(&b.category),
                ja::gojuon_sort_key(&b.kana),
                b_id,
            ))
    });
    Ok(records)
}

/// The sheet as rows of values, header first.
pub fn rows(site: &SiteConfig, records: &[(String, Record)]) -> Vec<Vec<Value>> {
    let mut out = vec![
        LAYOUT
            .iter()
            .map(|(header, _)| Value::Text((*header).to_owned()))
            .collect(),
    ];
    for (id, record) in records {
        out.push(
            LAYOUT
                .iter()
                .map(|(_, column)| cell(site, id, record, *column))
                .collect(),
        );
    }
    out
}

/// rust_xlsxwriter's error in Japanese. The cells are checked before (lengths, dates), so
/// what remains is mostly the disk.
fn xlsx_error(path: &Path, error: rust_xlsxwriter::XlsxError) -> Error {
    use rust_xlsxwriter::XlsxError as X;
    match error {
        X::IoError(io) | X::TempFileError(_, io) => Error::io(path, "書き込み", io),
        X::MaxStringLengthExceeded => Error::Setup(format!(
            "{} を書き出せませんでした。Excel の 1 セルの上限（{} 文字）を超える値があります。",
            path.display(),
            table::count_text(table::LIMITS.cell_chars)
        )),
        X::DateTimeRangeError(_) | X::DateTimeParseError(_) => Error::Setup(format!(
            "{} を書き出せませんでした。Excel で表せない日付があります（最終確認日を確かめてください）。",
            path.display()
        )),
        _ => Error::Setup(format!(
            "{} を Excel ブックとして書き出せませんでした。--format csv で CSV に書き出してください。",
            path.display()
        )),
    }
}

/// Refuses a value longer than Excel's cell limit: Excel would cut it when the sheet is
/// opened (a CSV too), and importing it back would lose the rest.
fn check_cell_lengths(
    existing: &[Existing],
    records: &[(String, Record)],
    rows: &[Vec<Value>],
) -> Result<()> {
    for ((id, _), row) in records.iter().zip(rows.iter().skip(1)) {
        for ((header, _), value) in LAYOUT.iter().zip(row) {
            let Value::Text(text) = value else { continue };
            let chars = text.chars().count();
            if chars > table::LIMITS.cell_chars {
                let file = existing
                    .iter()
                    .find(|e| &e.id == id)
                    .map(|e| e.file.as_str())
                    .unwrap_or(id.as_str());
                return Err(Error::Setup(format!(
                    "{file} の「{header}」が {} 文字あり、Excel の 1 セルの上限（{} 文字）を超えるため、書き出しませんでした（Excel で開くと切れてしまい、取り込み直すと残りが消えます）。\n  {header}を短くしてから、もう一度書き出してください。",
                    table::count_text(chars),
                    table::count_text(table::LIMITS.cell_chars)
                )));
            }
        }
    }
    Ok(())
}

/// How a sheet is laid out in Excel: its name, the columns' widths and the frozen corner.
pub struct Layout<'a> {
    pub sheet: &'a str,
    pub widths: Vec<f64>,
    /// Rows and columns kept in view while scrolling.
    pub freeze: (u32, u16),
}

/// The layout of the directory sheet.
fn directory_layout() -> Layout<'static> {
    let widths = LAYOUT
        .iter()
        .map(|(_, column)| match column {
            Column::Name | Column::Address | Column::Hours | Column::Note => 30.0,
            Column::Kana | Column::Corporation | Column::Services | Column::Closed => 20.0,
            Column::Phone | Column::Fax | Column::Verified | Column::Jigyosho | Column::Navii => {
                14.0
            }
            _ => 12.0,
        })
        .collect();
    Layout {
        sheet: "事業所",
        widths,
        freeze: (1, 3),
    }
}

/// Writes `rows` (header first) as an Excel workbook; text is typed as strings, never as
/// formulas ([`injection::for_xlsx`]).
pub fn write_xlsx(path: &Path, rows: &[Vec<Value>], layout: &Layout<'_>) -> Result<()> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet
        .set_name(layout.sheet)
        .map_err(|e| xlsx_error(path, e))?;
    let header = CellFormat::new().set_bold();
    let wrap = CellFormat::new().set_text_wrap();
    let date = CellFormat::new().set_num_format("yyyy-mm-dd");
    for (r, row) in rows.iter().enumerate() {
        for (c, value) in row.iter().enumerate() {
            let (r, c16) = (r as u32, c as u16);
            let result = match value {
                _ if r == 0 => sheet
                    .write_string_with_format(r, c16, value.text(), &header)
                    .map(|_| ()),
                Value::Text(text) if text.is_empty() => Ok(()),
                Value::Text(text) if text.contains('\n') => sheet
                    .write_string_with_format(r, c16, injection::for_xlsx(text), &wrap)
                    .map(|_| ()),
                Value::Text(text) => sheet
                    .write_string(r, c16, injection::for_xlsx(text))
                    .map(|_| ()),
                Value::Number(number) => sheet.write_number(r, c16, *number).map(|_| ()),
                Value::Date(d) => {
                    let excel =
                        ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)
                            .map_err(|e| xlsx_error(path, e))?;
                    sheet
                        .write_datetime_with_format(r, c16, &excel, &date)
                        .map(|_| ())
                }
            };
            result.map_err(|e| xlsx_error(path, e))?;
        }
    }
    for (c, width) in layout.widths.iter().enumerate() {
        sheet
            .set_column_width(c as u16, *width)
            .map_err(|e| xlsx_error(path, e))?;
    }
    sheet
        .set_freeze_panes(layout.freeze.0, layout.freeze.1)
        .map_err(|e| xlsx_error(path, e))?;
    let last_row = rows.len().saturating_sub(1) as u32;
    let last_column = rows.first().map(Vec::len).unwrap_or(1).saturating_sub(1) as u16;
    sheet
        .autofilter(0, 0, last_row, last_column)
        .map_err(|e| xlsx_error(path, e))?;
    workbook.save(path).map_err(|e| xlsx_error(path, e))
}

/// Writes `rows` as CSV (UTF-8 with a BOM, CRLF), formula-like text behind a `'`.
pub fn write_csv(path: &Path, rows: &[Vec<Value>]) -> Result<()> {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    {
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut bytes);
        for row in rows {
            let cells = row.iter().map(|value| match value {
                Value::Text(text) => injection::for_csv(text).into_owned(),
                other => other.text(),
            });
            // Writing into memory cannot fail but for the disk below.
            writer
                .write_record(cells)
                .map_err(|_| Error::Setup("CSV を作れませんでした。".to_owned()))?;
        }
        writer.flush().map_err(|e| Error::io(path, "書き込み", e))?;
    }
    std::fs::write(path, bytes).map_err(|e| Error::io(path, "書き込み", e))
}

/// Writes a table to `out` as export does: never into `content/` or `themes/`, never over a
/// file of another kind (without `force`), in one step.
pub fn write_table(
    root: &Path,
    out: &Path,
    format: ExportFormat,
    force: bool,
    rows: &[Vec<Value>],
    layout: &Layout<'_>,
) -> Result<()> {
    let kind = match format {
        ExportFormat::Xlsx => FileKind::Xlsx,
        ExportFormat::Csv => FileKind::Csv,
    };
    // Judged before any folder is made, and again once they exist.
    guard::output_file(root, out, kind, force)?;
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, "フォルダを作成", e))?;
    }
    let target = guard::output_file(root, out, kind, force)?;
    owned::replace_file(&target, ".zaitaku-export-", |file| match format {
        ExportFormat::Xlsx => write_xlsx(file.path(), rows, layout),
        ExportFormat::Csv => write_csv(file.path(), rows),
    })
}

/// Writes the export; returns the file and the number of records.
pub fn run(root: &Path, args: &ExportArgs) -> Result<(PathBuf, usize)> {
    let site = load_site(root)?;
    let existing = load_existing(root)?;
    let records = sorted_records(&site, &existing)?;
    if args.availability {
        let rows = super::availability::rows(&site, &records);
        let out = args.out.clone().unwrap_or_else(|| {
            PathBuf::from(match args.format {
                ExportFormat::Xlsx => "空き情報.xlsx",
                ExportFormat::Csv => "空き情報.csv",
            })
        });
        let layout = super::availability::layout();
        write_table(root, &out, args.format, args.force, &rows, &layout)?;
        return Ok((out, rows.len() - 1));
    }
    let rows = rows(&site, &records);
    check_cell_lengths(&existing, &records, &rows)?;
    let out = args.out.clone().unwrap_or_else(|| {
        PathBuf::from(match args.format {
            ExportFormat::Xlsx => "事業所一覧.xlsx",
            ExportFormat::Csv => "事業所一覧.csv",
        })
    });
    write_table(
        root,
        &out,
        args.format,
        args.force,
        &rows,
        &directory_layout(),
    )?;
    Ok((out, records.len()))
}
