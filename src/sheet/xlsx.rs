//! Excel workbooks (`.xlsx`, `.xlsm`): the zip container is checked before anything is
//! unpacked, then the worksheet is read cell by cell.
//!
//! An `.xlsx` is a zip of XML parts. Before calamine sees it, every part's declared size is
//! checked against [`LIMITS`] (a 3 MB file may claim gigabytes), then each part is unpacked
//! into nothing to check that it really is the size it declares and that its checksum holds,
//! and the shared strings' declared count is checked against what the part can hold (calamine
//! reserves room for it up front). The worksheet is then read sparsely with calamine's cell
//! reader: only filled cells are kept, so the sheet's declared dimension or one cell far away
//! never makes a dense grid. Merged cells are filled with their top-left value (a category
//! merged down several rows belongs to each of them).

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use calamine::{DataRef, Reader, SheetType, SheetVisible, Xlsx, XlsxError};
use zip::result::ZipError;

use super::table::{Cell, LIMITS, Row, RowsBuilder, Table, column_letter, count_text, size_text};
use crate::error::{Error, IoReason, Result};

const RESAVE: &str =
    "Excel で開き、「名前を付けて保存」で「Excel ブック（*.xlsx）」を選んで保存し直してください。";

fn corrupt(file: &str, what: &str) -> Error {
    Error::Setup(format!(
        "{file} は Excel ブックとして壊れています（{what}）。\n  {RESAVE}"
    ))
}

fn zip_error(file: &str, error: ZipError) -> Error {
    match error {
        ZipError::Io(io) => corrupt(file, &IoReason::of(&io).what),
        ZipError::InvalidPassword => password(file),
        ZipError::UnsupportedArchive(text) if text.to_ascii_lowercase().contains("password") => {
            password(file)
        }
        ZipError::UnsupportedArchive(_) | ZipError::CompressionMethodNotSupported(_) => {
            Error::Setup(format!(
                "{file} は、zaitaku が読めない圧縮のしかたで保存されています。\n  {RESAVE}"
            ))
        }
        ZipError::FileNotFound => corrupt(file, "必要な部品がありません"),
        _ => corrupt(file, "ZIP としての作りが正しくありません"),
    }
}

fn password(file: &str) -> Error {
    Error::Setup(format!(
        "{file} はパスワードで保護された Excel ブックです。zaitaku はパスワード付きのファイルを読みません。\n  Excel で開き、「ファイル」→「情報」→「ブックの保護」→「パスワードを使用して暗号化」でパスワードを消して保存し直してください。"
    ))
}

fn too_large(file: &str, part: &str, size: u64, limit: u64) -> Error {
    Error::Setup(format!(
        "{file} は、展開すると大きくなりすぎるため読みません（中の {part} が {}。読めるのは {} まで）。\n  事業所の一覧だけのシートにして保存し直すか、CSV で保存してください。壊れたファイルや、悪意のあるファイルのこともあります。",
        size_text(size),
        size_text(limit)
    ))
}

/// Keeps the first bytes read through it, for looking at a part's start.
struct Head {
    bytes: Vec<u8>,
}

impl std::io::Write for Head {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let room = (64usize << 10).saturating_sub(self.bytes.len());
        self.bytes.extend_from_slice(&data[..data.len().min(room)]);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The `uniqueCount` the shared strings part declares, when its start says so.
fn declared_string_count(head: &[u8]) -> std::result::Result<Option<u64>, ()> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(head);
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == "sst" => {
                let Some(attr) = e
                    .attributes()
                    .flatten()
                    .find(|a| a.key.local_name().as_ref() == "uniqueCount")
                else {
                    return Ok(None);
                };
                return attr.value.trim().parse::<u64>().map(Some).map_err(|_| ());
            }
            Ok(Event::Eof) | Err(_) => return Err(()),
            _ => {}
        }
        buf.clear();
    }
}

/// What the zip says about itself, checked: sizes declared and real, checksums, the kind of
/// document, encryption.
fn check_container(file: &str, bytes: &[u8]) -> Result<()> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| zip_error(file, e))?;
    if archive.len() > LIMITS.zip_entries {
        return Err(corrupt(
            file,
            &format!(
                "中の部品が {} 個あり、多すぎます",
                count_text(archive.len())
            ),
        ));
    }
    // Parts by index: as written (for messages) and lower-cased (Excel's names are not
    // case-sensitive).
    let written: Vec<String> = (0..archive.len())
        .map(|index| match archive.name_for_index(index) {
            Some(Ok(name)) => name.into_owned(),
            _ => String::new(),
        })
        .collect();
    let names: Vec<String> = written.iter().map(|n| n.to_ascii_lowercase()).collect();
    let has = |name: &str| names.iter().any(|n| n == name);
    if !has("xl/workbook.xml") {
        let what = if has("mimetype") || has("content.xml") {
            "OpenDocument（LibreOffice などの .ods）の表です"
        } else if has("xl/workbook.bin") {
            "Excel バイナリ ブック（.xlsb）です"
        } else if names.iter().any(|n| n.starts_with("word/")) {
            "Word の文書です"
        } else if names.iter().any(|n| n.starts_with("ppt/")) {
            "PowerPoint の資料です"
        } else {
            "Excel ブックではない ZIP ファイルです"
        };
        return Err(Error::Setup(format!(
            "{file} は{what}。zaitaku が読めるのは Excel ブック（.xlsx）と CSV です。\n  {RESAVE}"
        )));
    }
    let mut total: u64 = 0;
    let mut declared = Vec::with_capacity(archive.len());
    for index in 0..archive.len() {
        let entry = archive
            .by_index_raw(index)
            .map_err(|e| zip_error(file, e))?;
        if entry.encrypted() {
            return Err(password(file));
        }
        let name = written[index].clone();
        let lower = &names[index];
        let size = entry.size();
        let limit = if lower.ends_with("sharedstrings.xml") {
            LIMITS.shared_strings_bytes
        } else if lower.ends_with("styles.xml") {
            LIMITS.styles_bytes
        } else {
            LIMITS.unzipped_bytes
        };
        if size > limit {
            return Err(too_large(file, &name, size, limit));
        }
        total = total.saturating_add(size);
        if total > LIMITS.unzipped_bytes {
            return Err(too_large(file, "部品の合計", total, LIMITS.unzipped_bytes));
        }
        declared.push((name, size));
    }
    for (index, (name, size)) in declared.iter().enumerate() {
        let mut entry = archive.by_index(index).map_err(|e| zip_error(file, e))?;
        let mut head = Head { bytes: Vec::new() };
        let real = std::io::copy(&mut (&mut entry).take(size + 1), &mut head)
            .map_err(|e| zip_error(file, ZipError::Io(e)))?;
        if real != *size {
            return Err(corrupt(
                file,
                &format!("中の {name} の大きさが、書かれている大きさと違います"),
            ));
        }
        if names[index].ends_with("sharedstrings.xml") {
            // Each string takes at least `<si/>`: a larger count is a lie that calamine would
            // reserve memory for.
            match declared_string_count(&head.bytes) {
                Ok(Some(count)) if count > size / 4 => {
                    return Err(corrupt(
                        file,
                        &format!("中の {name} が、入っている以上の文字列の数を名乗っています"),
                    ));
                }
                Ok(_) => {}
                Err(()) => return Err(corrupt(file, &format!("中の {name} が読めません"))),
            }
        }
    }
    Ok(())
}

/// Where in the workbook reading stopped: the sheet, and the last cell read before it.
#[derive(Default)]
struct Place<'a> {
    sheet: &'a str,
    after: Option<(usize, usize)>,
}

fn workbook_error(file: &str, place: &Place<'_>, error: XlsxError) -> Error {
    let sheet = place.sheet;
    let what = match error {
        XlsxError::Io(io) => IoReason::of(&io).what.into_owned(),
        XlsxError::Zip(zip) => return zip_error(file, zip),
        XlsxError::Password => return password(file),
        XlsxError::NotAWorksheet(_) => {
            return Error::Setup(format!(
                "{file} のシート「{sheet}」は表（ワークシート）ではありません（グラフのシートなど）。--sheet で表のシートの名前を指定してください。"
            ));
        }
        XlsxError::WorksheetNotFound(_) => format!("シート「{sheet}」の中身がありません"),
        XlsxError::FileNotFound(part) => format!("必要な部品 {part} がありません"),
        XlsxError::XmlEof(_) => "中の XML が途中で終わっています".to_owned(),
        XlsxError::RowNumberOverflow | XlsxError::ColumnNumberOverflow => {
            "Excel の範囲を超えたセル番地があります".to_owned()
        }
        XlsxError::Encoding(_) => "中の文字コードが読めません".to_owned(),
        _ => "中の XML の形が正しくありません".to_owned(),
    };
    let mut located = file.to_owned();
    if !sheet.is_empty() {
        located.push_str(&format!("（シート「{sheet}」"));
        if let Some((row, column)) = place.after {
            located.push_str(&format!(
                "、{}{} のセルより後",
                column_letter(column),
                row + 1
            ));
        }
        located.push('）');
    }
    corrupt(&located, &what)
}

/// A cell's value in zaitaku's terms; `None` for an empty cell.
fn cell_of(value: DataRef<'_>, formula: bool) -> Option<Cell> {
    Some(match value {
        DataRef::Empty if formula => Cell::NoResult,
        DataRef::Empty => return None,
        DataRef::String(text) => super::table::text_cell(&text),
        DataRef::SharedString(text) => super::table::text_cell(text),
        DataRef::Int(value) => Cell::Number(value as f64),
        DataRef::Float(value) => Cell::Number(value),
        DataRef::Bool(value) => Cell::Bool(value),
        DataRef::DateTime(value) => {
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
        DataRef::DateTimeIso(text) | DataRef::DurationIso(text) => super::table::text_cell(&text),
        DataRef::Error(error) => Cell::Error(error.to_string()),
    })
}

/// The worksheet to read: the one named, else the first visible worksheet.
fn pick_sheet(
    file: &str,
    workbook: &Xlsx<Cursor<Vec<u8>>>,
    wanted: Option<&str>,
) -> Result<String> {
    let sheets = workbook.sheets_metadata();
    let names: Vec<&str> = sheets.iter().map(|s| s.name.as_str()).collect();
    match wanted {
        Some(wanted) => names
            .iter()
            .find(|n| **n == wanted)
            .map(|n| (*n).to_owned())
            .ok_or_else(|| {
                Error::Setup(format!(
                    "{file} にシート「{wanted}」がありません。あるシート: {}",
                    names.join("、")
                ))
            }),
        None => sheets
            .iter()
            .find(|s| s.typ == SheetType::WorkSheet && s.visible == SheetVisible::Visible)
            .or_else(|| sheets.iter().find(|s| s.typ == SheetType::WorkSheet))
            .map(|s| s.name.clone())
            .ok_or_else(|| Error::Setup(format!("{file} に表のシートがありません。"))),
    }
}

/// Reads an Excel workbook's worksheet.
pub fn read(file: &str, bytes: Vec<u8>, sheet: Option<&str>) -> Result<Table> {
    check_container(file, &bytes)?;
    let mut workbook: Xlsx<Cursor<Vec<u8>>> =
        Xlsx::new(Cursor::new(bytes)).map_err(|e| workbook_error(file, &Place::default(), e))?;
    let name = pick_sheet(file, &workbook, sheet)?;
    let mut builder = RowsBuilder::new(file);
    let mut rows: BTreeMap<usize, Vec<Cell>> = BTreeMap::new();
    let mut place = Place {
        sheet: &name,
        after: None,
    };
    {
        let mut reader = workbook
            .worksheet_cells_reader(&name)
            .map_err(|e| workbook_error(file, &place, e))?;
        while let Some(cell) = reader
            .next_cell_with_formula_metadata()
            .map_err(|e| workbook_error(file, &place, e))?
        {
            let (row, column) = (cell.pos.0 as usize, cell.pos.1 as usize);
            place.after = Some((row, column));
            builder.check_row(row + 1)?;
            builder.check_column(
                row + 1,
                column,
                "表のほかに入っている値がないか確かめてください。",
            )?;
            let Some(value) = cell_of(cell.value, cell.formula.is_some()) else {
                continue;
            };
            let cells = rows.entry(row).or_default();
            if cells.len() <= column {
                builder.count(column + 1 - cells.len(), row + 1)?;
                cells.resize(column + 1, Cell::Empty);
            }
            cells[column] = value;
        }
    }
    let mut notes = Vec::new();
    place.after = None;
    let merged = workbook
        .merge_cells_by_sheet_name(&name)
        .map_err(|e| workbook_error(file, &place, e))?;
    let widest = rows.values().map(Vec::len).max().unwrap_or(0);
    let mut filled = Vec::new();
    for region in merged {
        let (top, left) = (region.start.0 as usize, region.start.1 as usize);
        let (bottom, right) = (region.end.0 as usize, region.end.1 as usize);
        if bottom < top || right < left {
            continue;
        }
        let Some(value) = rows
            .get(&top)
            .and_then(|cells| cells.get(left))
            .filter(|c| !c.is_empty())
            .cloned()
        else {
            continue;
        };
        // Only rows that hold something, and no wider than the sheet's data.
        let right = right.min(widest.saturating_sub(1));
        for (row, cells) in rows.range_mut(top..=bottom) {
            if right >= cells.len() {
                builder.count(right + 1 - cells.len(), row + 1)?;
                cells.resize(right + 1, Cell::Empty);
            }
            for cell in cells.iter_mut().take(right + 1).skip(left) {
                if cell.is_empty() {
                    *cell = value.clone();
                }
            }
        }
        filled.push(format!(
            "{}{}:{}{}",
            column_letter(left),
            top + 1,
            column_letter(region.end.1 as usize),
            bottom + 1
        ));
    }
    if !filled.is_empty() {
        let more = filled.len().saturating_sub(10);
        filled.truncate(10);
        let mut list = filled.join("、");
        if more > 0 {
            list.push_str(&format!(" ほか {more} か所"));
        }
        notes.push(format!(
            "結合されたセル（{list}）は、左上の値がどのセルにも入っているものとして読みました。"
        ));
    }
    builder.rows = rows
        .into_iter()
        .filter(|(_, cells)| !cells.iter().all(Cell::is_empty))
        .map(|(row, cells)| Row {
            number: row + 1,
            cells,
        })
        .collect();
    Ok(Table {
        file: file.to_owned(),
        sheet: Some(name.clone()),
        format: format!("Excel、シート「{name}」"),
        rows: builder.rows,
        notes,
    })
}
