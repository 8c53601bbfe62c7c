//! Reading a sheet into rows of cells: Excel workbooks (`.xlsx`, `.xlsm`, see [`super::xlsx`]),
//! CSV in UTF-8 with or without a BOM, Shift_JIS/CP932 (what Windows Excel saves as "CSV") or
//! UTF-16 (Excel's "Unicode text", tab separated).
//!
//! Every reader is bounded by what the file really holds ([`LIMITS`]): the file is checked to
//! be a regular file before it is opened (a FIFO or a device is never read), its size before
//! it is read, and while reading the number of rows, columns and cells and each cell's length.
//! Only rows that hold something are kept, each up to its last filled cell, so an empty
//! million rows or a cell far away (`XFD1048576`) costs nothing. What the file is, is told by
//! its first bytes, not by its name: an old `.xls`, a password-protected workbook or a web page
//! saved as `.xls` gets a message saying how to save it so that zaitaku can read it.

use std::io::Read;
use std::path::Path;

use super::injection;
use super::values::Unreadable;
use crate::error::{Error, Result};

/// How much of a sheet zaitaku reads at most. The cell, row and column limits are Excel's own.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The file itself (CSV, or an Excel workbook as stored).
    pub file_bytes: u64,
    /// An Excel workbook's parts unzipped, all together.
    pub unzipped_bytes: u64,
    /// The shared strings part (kept whole in memory, several times its size).
    pub shared_strings_bytes: u64,
    /// The styles part (each style is kept as a structure many times its XML's size).
    pub styles_bytes: u64,
    /// Parts (files) in an Excel workbook.
    pub zip_entries: usize,
    /// Characters in one cell.
    pub cell_chars: usize,
    pub rows: usize,
    pub columns: usize,
    /// Cells kept (each row up to its last filled cell), all rows together.
    pub cells: usize,
}

pub const LIMITS: Limits = Limits {
    file_bytes: 256 << 20,
    unzipped_bytes: 256 << 20,
    shared_strings_bytes: 64 << 20,
    styles_bytes: 16 << 20,
    zip_entries: 10_000,
    cell_chars: 32_767,
    rows: 1_048_576,
    columns: 16_384,
    cells: 16_000_000,
};

/// Bytes as people read them: `3.2 MB`, `256 MB`.
pub fn size_text(bytes: u64) -> String {
    let megabytes = bytes as f64 / (1u64 << 20) as f64;
    if megabytes >= 10.0 {
        format!("{megabytes:.0} MB")
    } else {
        format!("{megabytes:.1} MB")
    }
}

/// `1234567` → `1,234,567`.
pub fn count_text(count: usize) -> String {
    let digits = count.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The column's letters as Excel shows them: 0 → `A`, 25 → `Z`, 26 → `AA`, 16383 → `XFD`.
pub fn column_letter(index: usize) -> String {
    let mut n = index + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    String::from_utf8(letters).expect("ASCII letters")
}

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
    /// An Excel error value such as `#REF!` or `#N/A`.
    Error(String),
    /// Text longer than Excel's limit for a cell: its length in characters (the text is not
    /// kept).
    TooLong(usize),
    /// A formula whose result the file does not hold (saved by a program that does not
    /// calculate).
    NoResult,
}

impl Cell {
    /// The cell as text, as a person would read it: whole numbers without `.0`, dates as
    /// `YYYY-MM-DD`, times as `HH:MM`. Line breaks are `\n`.
    pub fn text(&self) -> String {
        match self {
            Cell::Empty | Cell::TooLong(_) | Cell::NoResult => String::new(),
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

    /// Why the cell cannot be imported as it is, if it cannot: an Excel error value, a formula
    /// without its result, text over Excel's limit, or characters that must not reach a page
    /// (control characters, bidirectional overrides; tabs and line breaks only where the
    /// column may hold several lines).
    pub fn unusable(&self, multiline: bool) -> Option<Unreadable> {
        let found = |message: String, hint: &str| {
            Some(Unreadable {
                message,
                hint: hint.to_owned(),
            })
        };
        match self {
            Cell::Error(value) => found(
                format!("セルが Excel のエラー値「{value}」です。"),
                "式の参照先を直すか、正しい値を入力してください。",
            ),
            Cell::NoResult => found(
                "セルが式で、その結果がファイルに保存されていません。".to_owned(),
                "Excel で開いて保存し直すか、セルをコピーして「値として貼り付け」してください。",
            ),
            Cell::TooLong(chars) => found(
                format!(
                    "セルの文字が {} 文字あり、Excel の 1 セルの上限（{} 文字）を超えています。",
                    count_text(*chars),
                    count_text(LIMITS.cell_chars)
                ),
                "短くしてください（CSV なら、引用符 \" が閉じていないために続きの行がこのセルに入っていないかも確かめてください）。",
            ),
            Cell::Text(_) => {
                let text = self.text();
                let (position, c) = text
                    .chars()
                    .enumerate()
                    .find(|(_, c)| forbidden(*c, multiline))?;
                let place = format!("{} 文字目", position + 1);
                match c {
                    '\n' => found(
                        format!("セルの中に改行があります（{place}）。この列は 1 行で書きます。"),
                        "改行（Alt+Enter で入れたもの）を消して 1 行にしてください。",
                    ),
                    '\t' => found(
                        format!("セルの中にタブ文字があります（{place}）。"),
                        "タブを消すか、空白にしてください。",
                    ),
                    '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => found(
                        format!(
                            "文字の向きを変える見えない制御文字（U+{:04X}）が入っています（{place}）。",
                            c as u32
                        ),
                        "その文字を消してください（ほかの文書からコピーしたときに混ざることがあります。セルを入力し直すと確実です）。",
                    ),
                    _ => found(
                        format!(
                            "見えない制御文字（U+{:04X}）が入っています（{place}）。",
                            c as u32
                        ),
                        "その文字を消してください（ほかの文書からコピーしたときに混ざることがあります。セルを入力し直すと確実です）。",
                    ),
                }
            }
            _ => None,
        }
    }
}

/// Characters no imported text may hold: tabs and line feeds only in multi-line columns, and
/// never the invisible controls of [`crate::error::is_hidden_control`].
fn forbidden(c: char, multiline: bool) -> bool {
    match c {
        '\n' | '\t' => !multiline,
        c => crate::error::is_hidden_control(c),
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

/// A whole sheet, before the header row is known. Rows without any filled cell are left out.
#[derive(Debug, Clone)]
pub struct Table {
    /// The file as shown in messages.
    pub file: String,
    /// The worksheet's name (Excel only).
    pub sheet: Option<String>,
    /// "CSV、文字コード UTF-8（BOM 付き）", "Excel、シート「一覧」" …
    pub format: String,
    pub rows: Vec<Row>,
    /// What the reader did that the user should know (merged cells filled, …), in Japanese.
    pub notes: Vec<String>,
}

/// Keeps rows within [`LIMITS`] while a reader adds them.
pub struct RowsBuilder<'a> {
    file: &'a str,
    cells: usize,
    pub rows: Vec<Row>,
}

impl<'a> RowsBuilder<'a> {
    pub fn new(file: &'a str) -> Self {
        RowsBuilder {
            file,
            cells: 0,
            rows: Vec::new(),
        }
    }

    /// Counts `added` more kept cells; an error when all rows together hold too many.
    pub fn count(&mut self, added: usize, row: usize) -> Result<()> {
        self.cells += added;
        if self.cells > LIMITS.cells {
            return Err(Error::Setup(format!(
                "{} はセルが多すぎるため読めません（{} 行目までで {} セル。読めるのは {} セルまで）。\n  ほかのデータが入った列や、遠くのセルに入った値がないか確かめ、事業所の一覧だけの表にして保存し直してください。",
                self.file,
                count_text(row),
                count_text(self.cells),
                count_text(LIMITS.cells)
            )));
        }
        Ok(())
    }

    /// Checks a row number (1-based) against Excel's limit.
    pub fn check_row(&self, row: usize) -> Result<()> {
        if row > LIMITS.rows {
            return Err(Error::Setup(format!(
                "{} は行が多すぎるため読めません（{} 行目があります。Excel と同じく {} 行まで）。\n  表を分けて保存し直してください。",
                self.file,
                count_text(row),
                count_text(LIMITS.rows)
            )));
        }
        Ok(())
    }

    /// Checks a column index (0-based) against Excel's limit.
    pub fn check_column(&self, row: usize, column: usize, hint: &str) -> Result<()> {
        if column >= LIMITS.columns {
            return Err(Error::Setup(format!(
                "{} の {} 行目は列が多すぎるため読めません（{} 列目があります。Excel と同じく {} 列、XFD 列まで）。\n  {hint}",
                self.file,
                count_text(row),
                count_text(column + 1),
                count_text(LIMITS.columns)
            )));
        }
        Ok(())
    }
}

/// A text cell as read: over Excel's length limit it is only counted; otherwise the `'` that
/// export puts in front of formula-like text is taken away.
pub fn text_cell(text: &str) -> Cell {
    if text.len() > LIMITS.cell_chars {
        let chars = text.chars().count();
        if chars > LIMITS.cell_chars {
            return Cell::TooLong(chars);
        }
    }
    if text.is_empty() {
        Cell::Empty
    } else {
        Cell::Text(injection::restore(text).to_owned())
    }
}

fn has_excel_extension(path: &Path) -> bool {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    matches!(extension.as_str(), "xlsx" | "xlsm" | "xlsb" | "xls" | "ods")
}

/// Reads a regular file of at most `limit` bytes. A FIFO, socket or device is refused without
/// being opened for reading; a folder is named as one.
pub fn read_regular_file(path: &Path, limit: u64, what: &str) -> Result<Vec<u8>> {
    use std::os::unix::fs::OpenOptionsExt;
    let file = path.display().to_string();
    let kind_error = |metadata: &std::fs::Metadata| -> Option<Error> {
        if metadata.is_dir() {
            Some(Error::Setup(format!(
                "{file} はフォルダです。{what}のファイルを指定してください。"
            )))
        } else if !metadata.is_file() {
            Some(Error::Setup(format!(
                "{file} は通常のファイルではありません（名前付きパイプや装置など）。読まずに止めました。{what}のファイルを指定してください。"
            )))
        } else if metadata.len() > limit {
            Some(Error::Setup(format!(
                "{file} は大きすぎるため読みません（{}。読めるのは {} まで）。\n  {what}のファイルか確かめてください。",
                size_text(metadata.len()),
                size_text(limit)
            )))
        } else {
            None
        }
    };
    let metadata = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::Setup(format!(
            "ファイル {file} が見つかりません。ファイル名と場所を確かめてください。"
        )),
        _ => Error::io(path, "読み込み", e),
    })?;
    if let Some(error) = kind_error(&metadata) {
        return Err(error);
    }
    // Non-blocking, so that a file swapped for a FIFO after the check cannot stop us; checked
    // again on the opened file.
    let opened = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags((rustix::fs::OFlags::NONBLOCK | rustix::fs::OFlags::NOCTTY).bits() as i32)
        .open(path)
        .map_err(|e| Error::io(path, "読み込み", e))?;
    let metadata = opened
        .metadata()
        .map_err(|e| Error::io(path, "読み込み", e))?;
    if let Some(error) = kind_error(&metadata) {
        return Err(error);
    }
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    opened
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, "読み込み", e))?;
    if bytes.len() as u64 > limit {
        return Err(Error::Setup(format!(
            "{file} は読んでいる間に大きくなり、{} を超えたため読みません。",
            size_text(limit)
        )));
    }
    Ok(bytes)
}

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const EMPTY_ZIP_MAGIC: &[u8] = b"PK\x05\x06";
/// Microsoft's compound file: Excel 97-2003 (`.xls`), and the wrapper around a
/// password-protected `.xlsx`.
const CFB_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Reads `path`; `sheet` picks a worksheet by name (the first visible one otherwise).
pub fn read(path: &Path, sheet: Option<&str>) -> Result<Table> {
    let file = path.display().to_string();
    let bytes = read_regular_file(path, LIMITS.file_bytes, "表（.xlsx か .csv）")?;
    if bytes.starts_with(ZIP_MAGIC) || bytes.starts_with(EMPTY_ZIP_MAGIC) {
        return super::xlsx::read(&file, bytes, sheet);
    }
    if bytes.starts_with(CFB_MAGIC) {
        let encrypted: Vec<u8> = "EncryptedPackage"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        return Err(Error::Setup(if contains(&bytes, &encrypted) {
            format!(
                "{file} はパスワードで保護された Excel ブックです。zaitaku はパスワード付きのファイルを読みません。\n  Excel で開き、「ファイル」→「情報」→「ブックの保護」→「パスワードを使用して暗号化」でパスワードを消して保存し直してください。"
            )
        } else {
            format!(
                "{file} は古い Excel の形式（Excel 97-2003 ブック、.xls）です（名前が .xlsx でも、中身は .xls です）。\n  Excel で開き、「名前を付けて保存」で「Excel ブック（*.xlsx）」を選んで保存し直してください。"
            )
        }));
    }
    let start = bytes
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(&bytes)
        .iter()
        .find(|b| !b.is_ascii_whitespace());
    if start == Some(&b'<') {
        return Err(Error::Setup(format!(
            "{file} は表ではなく、ウェブページ（HTML）か XML の形式です（ほかのシステムが「Excel 形式」として出力したものによくあります）。\n  Excel で開き、「名前を付けて保存」で「Excel ブック（*.xlsx）」を選んで保存し直してください。"
        )));
    }
    let sample = &bytes[..bytes.len().min(8192)];
    let utf16 = bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]);
    if !utf16 && (sample.contains(&0) || bytes.starts_with(b"%PDF")) {
        return Err(Error::Setup(format!(
            "{file} は表のファイル（.xlsx か .csv）ではありません（文字でないデータが入っています）。ファイルを確かめてください。"
        )));
    }
    let mut table = read_csv(&file, bytes)?;
    if has_excel_extension(path) {
        table.notes.push(format!(
            "名前は Excel のファイルですが、中身はテキスト（{}）だったため、そのとおりに読みました。",
            table.format
        ));
    }
    Ok(table)
}

/// Where decoding stopped: the line and column (1-based) of the first byte the encoding
/// cannot read, and those bytes, with how much text came before.
struct Undecodable {
    encoding: &'static str,
    decoded_chars: usize,
    line: usize,
    column: usize,
    bytes: Vec<u8>,
}

/// Decodes all of `bytes` with `encoding`, or says where it fails.
fn decode_with(
    encoding: &'static encoding_rs::Encoding,
    name: &'static str,
    bytes: &[u8],
) -> std::result::Result<String, Undecodable> {
    use encoding_rs::DecoderResult;
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let capacity = decoder
        .max_utf8_buffer_length_without_replacement(bytes.len())
        .unwrap_or(bytes.len().saturating_mul(3));
    let mut text = String::with_capacity(capacity);
    let (result, read) = decoder.decode_to_string_without_replacement(bytes, &mut text, true);
    match result {
        DecoderResult::InputEmpty => Ok(text),
        DecoderResult::Malformed(bad, after) => {
            let end = read - after as usize;
            let start = end - bad as usize;
            let line = text.matches('\n').count() + 1;
            let column = text.rsplit('\n').next().unwrap_or("").chars().count() + 1;
            Err(Undecodable {
                encoding: name,
                decoded_chars: text.chars().count(),
                line,
                column,
                bytes: bytes[start..end].to_vec(),
            })
        }
        // The buffer is as large as the decoder asked for.
        DecoderResult::OutputFull => Err(Undecodable {
            encoding: name,
            decoded_chars: 0,
            line: 1,
            column: 1,
            bytes: Vec::new(),
        }),
    }
}

fn not_readable(file: &str, error: &Undecodable) -> Error {
    let hex: Vec<String> = error.bytes.iter().map(|b| format!("0x{b:02X}")).collect();
    Error::Setup(format!(
        "{file} を文字コード {} として読むと、{} 行目 {} 文字目に文字として読めないバイト（{}）があります。\n  その場所の文字を入力し直すか、Excel で開いて「CSV UTF-8（コンマ区切り）」として保存し直してください。",
        error.encoding,
        error.line,
        error.column,
        hex.join(" ")
    ))
}

/// Decodes CSV bytes: the encoding's name and the text. UTF-8 (with or without a BOM) and
/// UTF-16 by their BOM; otherwise UTF-8, then Shift_JIS (CP932). When neither reads the whole
/// file, the place named is where the encoding that read further stopped.
pub fn decode(file: &str, bytes: Vec<u8>) -> Result<(String, String)> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return decode_with(encoding_rs::UTF_8, "UTF-8", rest)
            .map(|text| ("UTF-8（BOM 付き）".to_owned(), text))
            .map_err(|e| not_readable(file, &e));
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return decode_with(encoding_rs::UTF_16LE, "UTF-16", rest)
            .map(|text| ("UTF-16".to_owned(), text))
            .map_err(|e| not_readable(file, &e));
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return decode_with(encoding_rs::UTF_16BE, "UTF-16", rest)
            .map(|text| ("UTF-16".to_owned(), text))
            .map_err(|e| not_readable(file, &e));
    }
    let bytes = match String::from_utf8(bytes) {
        Ok(text) => return Ok(("UTF-8".to_owned(), text)),
        Err(error) => error.into_bytes(),
    };
    let as_utf8 = match decode_with(encoding_rs::UTF_8, "UTF-8", &bytes) {
        Ok(text) => return Ok(("UTF-8".to_owned(), text)),
        Err(error) => error,
    };
    match decode_with(encoding_rs::SHIFT_JIS, "Shift_JIS", &bytes) {
        Ok(text) => Ok(("Shift_JIS（CP932）".to_owned(), text)),
        Err(as_sjis) => {
            let further = if as_sjis.decoded_chars > as_utf8.decoded_chars {
                as_sjis
            } else {
                as_utf8
            };
            Err(not_readable(file, &further))
        }
    }
}

fn read_csv(file: &str, bytes: Vec<u8>) -> Result<Table> {
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
    let mut builder = RowsBuilder::new(file);
    let mut record = csv::StringRecord::new();
    let mut number = 0;
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(error) => {
                let line = error.position().map_or(number + 1, |p| p.line() as usize);
                return Err(Error::Setup(format!(
                    "{file} の {line} 行目を CSV として読めません。引用符 \" が閉じているか確かめてください。"
                )));
            }
        }
        // The row number Excel shows: records, not lines (a cell may hold line breaks).
        number += 1;
        builder.check_row(number)?;
        let Some(last) = (0..record.len()).rev().find(|i| !record[*i].is_empty()) else {
            continue;
        };
        builder.check_column(
            number,
            last,
            "区切り文字（コンマ）が多すぎないか、引用符 \" が閉じているか確かめてください。",
        )?;
        builder.count(last + 1, number)?;
        let cells = record.iter().take(last + 1).map(text_cell).collect();
        builder.rows.push(Row { number, cells });
    }
    Ok(Table {
        file: file.to_owned(),
        sheet: None,
        format: format!("CSV、文字コード {encoding}"),
        rows: builder.rows,
        notes: Vec::new(),
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
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        for (bytes, format) in [
            (text.as_bytes().to_vec(), "CSV、文字コード UTF-8"),
            (bom, "CSV、文字コード UTF-8（BOM 付き）"),
            (sjis.into_owned(), "CSV、文字コード Shift_JIS（CP932）"),
            (utf16, "CSV、文字コード UTF-16"),
        ] {
            let table = read_csv("a.csv", bytes).unwrap();
            assert_eq!(table.format, format);
            assert_eq!(table.rows.len(), 2);
            assert_eq!(table.rows[1].number, 2);
            assert_eq!(table.rows[1].cells[0].text(), "髙橋\n内科");
        }
    }

    #[test]
    fn a_stray_byte_is_found_where_it_is() {
        let text = "名称,住所\n髙橋内科,徳島市\nすだち,徳島市\n";
        let mut sjis = encoding_rs::SHIFT_JIS.encode(text).0.into_owned();
        // 0xFD is no Shift_JIS byte: put at the start of the third line.
        let at = sjis.len() - encoding_rs::SHIFT_JIS.encode("すだち,徳島市\n").0.len();
        sjis.insert(at, 0xFD);
        let error = read_csv("a.csv", sjis).unwrap_err().to_string();
        assert!(
            error.contains("Shift_JIS として読むと、3 行目 1 文字目"),
            "{error}"
        );
        assert!(error.contains("0xFD"), "{error}");
    }

    #[test]
    fn cell_texts() {
        assert_eq!(Cell::Number(34.0).text(), "34");
        assert_eq!(Cell::Number(34.0448).text(), "34.0448");
        assert_eq!(Cell::DateTime(2026, 4, 1, 0, 0).text(), "2026-04-01");
        assert_eq!(Cell::Time(13, 30).text(), "13:30");
    }

    #[test]
    fn letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(16_383), "XFD");
        assert_eq!(count_text(1_048_576), "1,048,576");
    }

    #[test]
    fn unusable_cells() {
        assert!(Cell::Text("すだち\u{202E}".into()).unusable(true).is_some());
        assert!(Cell::Text("a\u{7}".into()).unusable(true).is_some());
        assert!(
            Cell::Text("1 行目\n2 行目".into())
                .unusable(false)
                .is_some()
        );
        assert!(Cell::Text("1 行目\n2 行目".into()).unusable(true).is_none());
        assert!(Cell::Error("#N/A".into()).unusable(true).is_some());
        assert!(Cell::Number(1.0).unusable(false).is_none());
    }
}
