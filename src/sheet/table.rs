//! Reading a sheet into rows of cells: XLSX (and other Excel formats) through calamine, CSV in
//! UTF-8 with or without a BOM, Shift_JIS/CP932 (what Windows Excel saves as "CSV") or UTF-16
//! (Excel's "Unicode text", tab separated).

use std::path::Path;

use calamine::{Data, Reader};

use crate::error::{Error, Result};

/// One cell, keeping what Excel knew about its type.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    /// Date and time from an Excel date cell: (year, month, day, hour, minute).
    DateTime(i16, i8, i8, i8, i8),
    /// A time of day alone (an Excel time cell): (hour, minute).
    Time(i8, i8),
    Bool(bool),
    /// An Excel error value such as `#REF!`.
    Error(String),
}

impl Cell {
    /// The cell as text, as a person would read it: whole numbers without `.0`, dates as
    /// `YYYY-MM-DD`, times as `HH:MM`. Line breaks are `\n`.
    pub fn text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(text) => text.replace("\r\n", "\n").replace('\r', "\n"),
            Cell::Number(value) => number_text(*value),
            Cell::Time(hour, minute) => format!("{hour:02}:{minute:02}"),
            Cell::DateTime(year, month, day, hour, minute) => {
                if *hour == 0 && *minute == 0 {
                    format!("{year:04}-{month:02}-{day:02}")
                } else {
                    format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}")
                }
            }
            Cell::Bool(true) => "TRUE".to_owned(),
            Cell::Bool(false) => "FALSE".to_owned(),
            Cell::Error(error) => error.clone(),
        }
    }

    pub fn is_empty(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(text) => text.trim().is_empty(),
            _ => false,
        }
    }
}

pub fn number_text(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        format!("{value}")
    }
}

/// A row of the sheet with its row number as the spreadsheet shows it (1-based).
#[derive(Debug, Clone)]
pub struct Row {
    pub number: usize,
    pub cells: Vec<Cell>,
}

impl Row {
    pub fn cell(&self, index: usize) -> &Cell {
        self.cells.get(index).unwrap_or(&Cell::Empty)
    }
}

/// A whole sheet, before the header row is known.
#[derive(Debug, Clone)]
pub struct Table {
    /// The file as shown in messages.
    pub file: String,
    /// "UTF-8（BOM 付き）", "Shift_JIS", "Excel（シート「一覧」）" …
    pub format: String,
    pub rows: Vec<Row>,
}

fn is_excel(path: &Path) -> bool {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    matches!(extension.as_str(), "xlsx" | "xlsm" | "xlsb" | "xls" | "ods")
}

/// Reads `path`; `sheet` picks a worksheet by name (the first one otherwise).
pub fn read(path: &Path, sheet: Option<&str>) -> Result<Table> {
    let file = path.display().to_string();
    if !path.is_file() {
        return Err(Error::Setup(format!(
            "ファイル {file} が見つかりません。ファイル名と場所を確かめてください。"
        )));
    }
    if is_excel(path) {
        read_excel(path, &file, sheet)
    } else {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, "読み込み", e))?;
        read_csv(&file, &bytes)
    }
}

fn read_excel(path: &Path, file: &str, sheet: Option<&str>) -> Result<Table> {
    let mut workbook = calamine::open_workbook_auto(path).map_err(|e| {
        Error::Setup(format!(
            "{file} を Excel のファイルとして開けません（{e}）。\n  Excel で開いて「Excel ブック（*.xlsx）」として保存し直してください。パスワード付きのファイルは読めません。"
        ))
    })?;
    let names = workbook.sheet_names();
    let name = match sheet {
        Some(wanted) => names
            .iter()
            .find(|n| n.as_str() == wanted)
            .cloned()
            .ok_or_else(|| {
                Error::Setup(format!(
                    "{file} にシート「{wanted}」がありません。あるシート: {}",
                    names.join("、")
                ))
            })?,
        None => names
            .first()
            .cloned()
            .ok_or_else(|| Error::Setup(format!("{file} にシートがありません。")))?,
    };
    let range = workbook
        .worksheet_range(&name)
        .map_err(|e| Error::Setup(format!("{file} のシート「{name}」を読めません（{e}）。")))?;
    let (first_row, first_column) = range.start().unwrap_or((0, 0));
    let mut rows = Vec::new();
    for (index, cells) in range.rows().enumerate() {
        let mut row: Vec<Cell> = vec![Cell::Empty; first_column as usize];
        row.extend(cells.iter().map(|data| match data {
            Data::Empty => Cell::Empty,
            Data::String(text) => Cell::Text(text.clone()),
            Data::Int(value) => Cell::Number(*value as f64),
            Data::Float(value) => Cell::Number(*value),
            Data::Bool(value) => Cell::Bool(*value),
            Data::DateTime(value) => {
                let (year, month, day, hour, minute, second, _) = value.to_ymd_hms_milli();
                // Round to the minute: Excel stores times as fractions of a day.
                let mut minute = minute as i8;
                let mut hour = hour as i8;
                if second >= 30 {
                    minute += 1;
                    if minute == 60 {
                        minute = 0;
                        hour += 1;
                    }
                }
                if value.as_f64() < 1.0 {
                    Cell::Time(hour, minute)
                } else {
                    Cell::DateTime(year as i16, month as i8, day as i8, hour, minute)
                }
            }
            Data::DateTimeIso(text) | Data::DurationIso(text) => Cell::Text(text.clone()),
            Data::Error(error) => Cell::Error(format!("{error}")),
        }));
        rows.push(Row {
            number: first_row as usize + index + 1,
            cells: row,
        });
    }
    Ok(Table {
        file: file.to_owned(),
        format: format!("Excel、シート「{name}」"),
        rows,
    })
}

/// Decodes CSV bytes: the encoding's name and the text.
pub fn decode(file: &str, bytes: &[u8]) -> Result<(String, String)> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        let text = std::str::from_utf8(rest).map_err(|e| not_readable(file, rest, e))?;
        return Ok(("UTF-8（BOM 付き）".to_owned(), text.to_owned()));
    }
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        let (text, _, errors) = encoding_rs::UTF_16LE.decode(bytes);
        if errors {
            return Err(Error::Setup(format!(
                "{file} を UTF-16 として読めません。Excel で「CSV UTF-8（コンマ区切り）」として保存し直してください。"
            )));
        }
        return Ok(("UTF-16".to_owned(), text.into_owned()));
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(("UTF-8".to_owned(), text.to_owned())),
        Err(utf8_error) => {
            match encoding_rs::SHIFT_JIS.decode_without_bom_handling_and_without_replacement(bytes)
            {
                Some(text) => Ok(("Shift_JIS（CP932）".to_owned(), text.into_owned())),
                None => Err(not_readable(file, bytes, utf8_error)),
            }
        }
    }
}

fn not_readable(file: &str, bytes: &[u8], error: std::str::Utf8Error) -> Error {
    let valid = &bytes[..error.valid_up_to()];
    let line = valid.iter().filter(|b| **b == b'\n').count() + 1;
    Error::Setup(format!(
        "{file} の {line} 行目に、UTF-8 としても Shift_JIS としても読めない文字があります。\n  Excel で開き、「CSV UTF-8（コンマ区切り）」として保存し直してください。"
    ))
}

fn read_csv(file: &str, bytes: &[u8]) -> Result<Table> {
    let (encoding, text) = decode(file, bytes)?;
    let first_line = text.lines().next().unwrap_or("");
    let delimiter = if first_line.contains('\t') && !first_line.contains(',') {
        b'\t'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let record = record.map_err(|e| {
            let line = e.position().map(|p| p.line()).unwrap_or(0);
            Error::Setup(format!(
                "{file} の {line} 行目を CSV として読めません（{e}）。引用符 \" が閉じているか確かめてください。"
            ))
        })?;
        // The row number Excel shows: records, not lines (a cell may hold line breaks).
        let number = index + 1;
        rows.push(Row {
            number,
            cells: record
                .iter()
                .map(|cell| {
                    if cell.is_empty() {
                        Cell::Empty
                    } else {
                        Cell::Text(cell.to_owned())
                    }
                })
                .collect(),
        });
    }
    Ok(Table {
        file: file.to_owned(),
        format: format!("CSV、文字コード {encoding}"),
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_in_every_encoding() {
        let text = "名称,電話番号\n\"髙橋\n内科\",088-600-1234\n";
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(text);
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(text.as_bytes());
        for (bytes, format) in [
            (text.as_bytes().to_vec(), "CSV、文字コード UTF-8"),
            (bom, "CSV、文字コード UTF-8（BOM 付き）"),
            (sjis.into_owned(), "CSV、文字コード Shift_JIS（CP932）"),
        ] {
            let table = read_csv("a.csv", &bytes).unwrap();
            assert_eq!(table.format, format);
            assert_eq!(table.rows.len(), 2);
            assert_eq!(table.rows[1].number, 2);
            assert_eq!(table.rows[1].cells[0].text(), "髙橋\n内科");
        }
    }

    #[test]
    fn cell_texts() {
        assert_eq!(Cell::Number(34.0).text(), "34");
        assert_eq!(Cell::Number(34.0448).text(), "34.0448");
        assert_eq!(Cell::DateTime(2026, 4, 1, 0, 0).text(), "2026-04-01");
        assert_eq!(Cell::Time(13, 30).text(), "13:30");
    }
}
