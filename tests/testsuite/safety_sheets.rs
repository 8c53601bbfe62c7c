//! Issue #10 for spreadsheets, the PDF printer and the command line: formula injection in
//! exports, hostile workbooks and CSV files (zip bombs, far-away cells, cells over Excel's
//! limit, error and formula cells, control characters, files that are not what their name
//! says), Chromium watched with a timeout and killed with its helpers, and every message of
//! the command line, the environment and the theme in Japanese.

use crate::common;

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{TODAY, import_args, snapshot_with_times};
use zaitaku::sheet::export::ExportFormat;
use zaitaku::sheet::import::{self, ImportReport};

// ---------------------------------------------------------------- helpers

/// Words of English left in a message once the names it may quote are taken out: the
/// command's own words, options (`--out`), file formats, and what the test itself put in
/// (`allowed`: paths, values typed).
fn english_words(text: &str, allowed: &[&str]) -> Vec<String> {
    const OURS: &[&str] = &[
        "zaitaku",
        "build",
        "check",
        "serve",
        "import",
        "export",
        "search",
        "pdf",
        "init",
        "survey",
        "help",
        "root",
        "xlsx",
        "xlsm",
        "xlsb",
        "xls",
        "csv",
        "ods",
        "utf",
        "shift_jis",
        "cp932",
        "bom",
        "excel",
        "chromium",
        "html",
        "xml",
        "yaml",
        "zip",
        "yyyy",
        "mm",
        "dd",
        "url",
        "content",
        "themes",
        "default",
        "templates",
        "public",
        "tera",
        "word",
        "powerpoint",
        "opendocument",
        "libreoffice",
        "sigterm",
        "sighup",
        "ctrl",
        "fonts",
        "noto",
        "cjk",
        "sudo",
        "apt",
        "get",
        "install",
        "debian",
        "ubuntu",
        "usb",
        "whole",
        "caremane",
        "pamphlet",
        "manga",
        "area",
        "category",
        "key",
        "sheet",
        "auto",
        "kaigo",
        "navii",
        "ip",
        "id",
        "ms",
        "file",
        "dir",
        "query",
        "secs",
        "booklet",
        "format",
        "out",
        "today",
        "port",
        "limit",
        "timeout",
        "base",
        "interface",
        "north",
        "clinic",
        "alt",
        "enter",
        "sst",
        "xfd",
        "quot",
        "sharedstrings",
        "workbook",
        "bin",
        "fax",
        "tel",
        "os",
        "mb",
        "tmpdir",
        "site",
        "base_url",
        "for",
        "endfor",
        "endif",
        "block",
        "endblock",
        "extends",
        "include",
        "elif",
        "else",
    ];
    let mut cleaned = text.to_owned();
    for value in allowed {
        cleaned = cleaned.replace(value, " ");
    }
    let mut words = Vec::new();
    let chars: Vec<char> = cleaned.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_alphabetic() {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let option = start >= 2 && chars[start - 1] == '-' && chars[start - 2] == '-';
            let lower = word.to_ascii_lowercase();
            let part_of_name = start > 0 && matches!(chars[start - 1], '/' | '.' | '_' | '-');
            if word.len() >= 3 && !option && !part_of_name && !OURS.contains(&lower.as_str()) {
                words.push(word);
            }
        } else {
            i += 1;
        }
    }
    words
}

#[track_caller]
fn assert_japanese(text: &str, allowed: &[&str]) {
    let english = english_words(text, allowed);
    assert!(
        english.is_empty(),
        "English words {english:?} in a message the user sees:\n{text}"
    );
    assert!(
        text.chars().any(|c| ('\u{3040}'..='\u{30FF}').contains(&c)),
        "not Japanese:\n{text}"
    );
}

/// Runs the `zaitaku` binary, killing it if it has not ended after two minutes (a hang is a
/// failure, not a wait).
fn zaitaku(args: &[&str], envs: &[(&str, &Path)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_zaitaku"));
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in envs {
        command.env(key, value);
    }
    let child = command.spawn().expect("start zaitaku");
    finish_within(child, Duration::from_secs(120), args)
}

fn finish_within(mut child: std::process::Child, limit: Duration, args: &[&str]) -> Output {
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let output = child.wait_with_output().unwrap();
            panic!(
                "zaitaku {args:?} hung; stderr so far:\n{}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A zip of `parts` (name, bytes), deflated, as Excel writes workbooks.
fn zip_of(parts: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in parts {
        zip.start_file(*name, options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

const MAIN_NS: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const REL_NS: &str = "http://schemas.openxmlformats.org/package/2006/relationships";
const DOC_REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

/// The parts of a one-sheet workbook (sheet 「一覧」) written by hand, with `sheet_data` as
/// the worksheet's `<sheetData>` content, `after` after it (merged cells), and a style 1 that
/// is a date.
fn workbook_parts(dimension: &str, sheet_data: &str, after: &str) -> Vec<(&'static str, Vec<u8>)> {
    vec![
        (
            "[Content_Types].xml",
            String::from(
                r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>"#
            )
            .into_bytes(),
        ),
        (
            "_rels/.rels",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{REL_NS}"><Relationship Id="rId1" Type="{DOC_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
            )
            .into_bytes(),
        ),
        (
            "xl/workbook.xml",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN_NS}" xmlns:r="{DOC_REL}"><sheets><sheet name="一覧" sheetId="1" r:id="rId1"/></sheets></workbook>"#
            )
            .into_bytes(),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{REL_NS}"><Relationship Id="rId1" Type="{DOC_REL}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{DOC_REL}/styles" Target="styles.xml"/></Relationships>"#
            )
            .into_bytes(),
        ),
        (
            "xl/styles.xml",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{MAIN_NS}"><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>"#
            )
            .into_bytes(),
        ),
        (
            "xl/worksheets/sheet1.xml",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN_NS}"><dimension ref="{dimension}"/><sheetData>{sheet_data}</sheetData>{after}</worksheet>"#
            )
            .into_bytes(),
        ),
    ]
}

/// An inline string cell.
fn text_cell(at: &str, text: &str) -> String {
    format!(r#"<c r="{at}" t="inlineStr"><is><t>{text}</t></is></c>"#)
}

fn row(number: usize, cells: &[String]) -> String {
    format!(r#"<row r="{number}">{}</row>"#, cells.concat())
}

/// Sets the uncompressed size the zip declares for `name` (local header and central
/// directory) to `size`, as a lying or hostile file would.
fn declare_size(zip: &mut [u8], name: &str, size: u32) {
    let name = name.as_bytes();
    let mut patched = 0;
    for at in 0..zip.len().saturating_sub(46) {
        if zip[at..].starts_with(b"PK\x03\x04") {
            let length = u16::from_le_bytes([zip[at + 26], zip[at + 27]]) as usize;
            if zip[at + 30..].starts_with(name) && length == name.len() {
                zip[at + 22..at + 26].copy_from_slice(&size.to_le_bytes());
                patched += 1;
            }
        } else if zip[at..].starts_with(b"PK\x01\x02") {
            let length = u16::from_le_bytes([zip[at + 28], zip[at + 29]]) as usize;
            if zip[at + 46..].starts_with(name) && length == name.len() {
                zip[at + 24..at + 28].copy_from_slice(&size.to_le_bytes());
                patched += 1;
            }
        }
    }
    assert_eq!(
        patched,
        2,
        "both headers of {}",
        String::from_utf8_lossy(name)
    );
}

fn import_error(site: &Path, file: &Path) -> String {
    match import::run(site, &import_args(file)) {
        Ok(report) => panic!("{} was imported:\n{report}", file.display()),
        Err(error) => error.to_string(),
    }
}

/// Whether process `pid` has ended (gone, or a zombie waiting to be reaped), waiting a little
/// for a killed process to be taken down.
fn ended(pid: i32) -> bool {
    let started = Instant::now();
    loop {
        let state = std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .ok()
            .and_then(|stat| {
                stat.rsplit_once(')')
                    .and_then(|(_, rest)| rest.split_whitespace().next().map(str::to_owned))
            });
        match state.as_deref() {
            None | Some("Z") | Some("X") => return true,
            _ if started.elapsed() > Duration::from_secs(10) => return false,
            _ => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

// ---------------------------------------------------------------- formula injection

/// The sheets fixture with values that Excel would run as formulas in a CSV.
fn site_with_formula_like_values() -> tempfile::TempDir {
    let site = common::sheets_site();
    let resources = site.path().join("content").join("resources");
    let edit = |path: PathBuf, from: &str, to: &str| {
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{}: {from}", path.display());
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    };
    let takahashi = resources.join("clinic").join("takahashi-naika.yaml");
    edit(
        takahashi.clone(),
        "name: 髙橋内科クリニック",
        "name: \"=HYPERLINK(\\\"http://example.com/\\\",\\\"髙橋内科クリニック\\\")\"",
    );
    edit(takahashi, "fax: 088-608-5514", "fax: \"+81-88-608-5514\"");
    edit(
        resources.join("pharmacy").join("minami-yakkyoku.yaml"),
        "name: みなみ薬局",
        "name: \"'-みなみ薬局\"\nnote: \"@メモ 駐車場あり\"",
    );
    edit(
        resources.join("home-help").join("helper-hikari.yaml"),
        "name: ヘルパーステーションひかり",
        "name: \"-ヘルパーステーションひかり\"\nnote: \"\\tタブで始まる備考\"",
    );
    site
}

/// Exports, imports back with `--write`, and checks that nothing changed.
fn assert_round_trip(site: &Path, file: &Path) {
    let before = snapshot_with_times(&site.join("content"));
    let mut args = import_args(file);
    args.write = true;
    let report: ImportReport = import::run(site, &args).unwrap();
    assert!(report.new.is_empty(), "{report}");
    assert!(report.changed.is_empty(), "{report}");
    assert!(report.problems.is_empty(), "{report}");
    assert_eq!(report.unchanged, 5, "{report}");
    assert_eq!(
        snapshot_with_times(&site.join("content")),
        before,
        "no file touched"
    );
}

#[test]
fn csv_export_neutralises_formula_starts_and_import_takes_exactly_that_quote_away() {
    let site = site_with_formula_like_values();
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("一覧.csv");
    common::export_to(site.path(), ExportFormat::Csv, &file).unwrap();
    let bytes = std::fs::read(&file).unwrap();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(&bytes[3..]);
    let cells: Vec<String> = reader
        .records()
        .flat_map(|r| r.unwrap().iter().map(str::to_owned).collect::<Vec<_>>())
        .collect();
    for cell in &cells {
        assert!(
            !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
            "a cell Excel would run as a formula: {cell:?}"
        );
    }
    for expected in [
        "'=HYPERLINK(\"http://example.com/\",\"髙橋内科クリニック\")",
        "'+81-88-608-5514",
        "''-みなみ薬局",
        "'@メモ 駐車場あり",
        "'-ヘルパーステーションひかり",
        "'\tタブで始まる備考",
    ] {
        assert!(
            cells.iter().any(|c| c == expected),
            "{expected:?} in {cells:?}"
        );
    }
    assert_round_trip(site.path(), &file);
}

#[test]
fn xlsx_export_writes_typed_strings_never_formulas() {
    let site = site_with_formula_like_values();
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("一覧.xlsx");
    common::export_to(site.path(), ExportFormat::Xlsx, &file).unwrap();
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&file).unwrap()).unwrap();
    let mut part = |name: &str| {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut archive.by_name(name).unwrap(), &mut text).unwrap();
        text
    };
    let sheet = part("xl/worksheets/sheet1.xml");
    assert!(!sheet.contains("<f>") && !sheet.contains("<f "), "{sheet}");
    let strings = part("xl/sharedStrings.xml");
    // Excel shows the value as it is: a typed string is never run.
    assert!(
        strings.contains("<t>=HYPERLINK(\"http://example.com/\",\"髙橋内科クリニック\")</t>")
            || strings.contains(
                "<t>=HYPERLINK(&quot;http://example.com/&quot;,&quot;髙橋内科クリニック&quot;)</t>"
            ),
        "{strings}"
    );
    assert!(strings.contains("<t>''-みなみ薬局</t>"), "{strings}");
    assert_round_trip(site.path(), &file);
}

// ---------------------------------------------------------------- bounded readers

#[test]
fn a_zip_bomb_workbook_is_refused_before_it_is_unpacked() {
    let site = common::sheets_site();
    let dir = tempfile::tempdir().unwrap();
    let header = row(1, &[text_cell("A1", "名称"), text_cell("B1", "住所")]);
    // 300 MB of one byte: a few hundred kilobytes once deflated.
    let mut parts = workbook_parts("A1:B1", &header, "");
    parts.push(("xl/media/image1.png", vec![b'0'; 300 << 20]));
    let bomb = zip_of(&parts);
    assert!(bomb.len() < 3 << 20, "{} bytes", bomb.len());
    let file = dir.path().join("bomb.xlsx");
    std::fs::write(&file, &bomb).unwrap();
    let error = import_error(site.path(), &file);
    assert!(error.contains("展開すると大きくなりすぎる"), "{error}");
    assert!(error.contains("xl/media/image1.png"), "{error}");
    assert_japanese(
        &error,
        &[&file.display().to_string(), "xl/media/image1.png"],
    );

    // Shared strings are kept whole in memory: their own, lower limit.
    let mut parts = workbook_parts("A1:B1", &header, "");
    let mut strings = format!(r#"<sst xmlns="{MAIN_NS}" uniqueCount="1"><si><t>"#).into_bytes();
    strings.extend(std::iter::repeat_n(b'a', 80 << 20));
    strings.extend_from_slice(b"</t></si></sst>");
    parts.push(("xl/sharedStrings.xml", strings));
    std::fs::write(&file, zip_of(&parts)).unwrap();
    let error = import_error(site.path(), &file);
    assert!(error.contains("xl/sharedStrings.xml"), "{error}");
}

#[test]
fn zip_entries_are_checked_against_their_declared_and_real_sizes() {
    let site = common::sheets_site();
    let dir = tempfile::tempdir().unwrap();
    let header = row(1, &[text_cell("A1", "名称"), text_cell("B1", "住所")]);
    let file = dir.path().join("lying.xlsx");

    // Declares a gigabyte: refused on the declaration alone.
    let mut zip = zip_of(&workbook_parts("A1:B1", &header, ""));
    declare_size(&mut zip, "xl/worksheets/sheet1.xml", 1 << 30);
    std::fs::write(&file, &zip).unwrap();
    let error = import_error(site.path(), &file);
    assert!(error.contains("展開すると大きくなりすぎる"), "{error}");

    // Declares 400 bytes and holds 50 MB.
    let mut parts = workbook_parts("A1:B1", &header, "");
    parts.push(("xl/media/image1.png", vec![b'0'; 50 << 20]));
    let mut zip = zip_of(&parts);
    declare_size(&mut zip, "xl/media/image1.png", 400);
    std::fs::write(&file, &zip).unwrap();
    let error = import_error(site.path(), &file);
    assert!(error.contains("壊れて"), "{error}");
    assert_japanese(&error, &[&file.display().to_string()]);

    // A shared strings part that claims four billion strings (calamine reserves room for
    // them before reading one).
    let mut parts = workbook_parts("A1:B1", &header, "");
    parts.push((
        "xl/sharedStrings.xml",
        format!(r#"<?xml version="1.0"?><sst xmlns="{MAIN_NS}" count="1" uniqueCount="4000000000"><si><t>名称</t></si></sst>"#).into_bytes(),
    ));
    std::fs::write(&file, zip_of(&parts)).unwrap();
    let error = import_error(site.path(), &file);
    assert!(error.contains("文字列の数"), "{error}");
}

#[test]
fn a_far_away_cell_and_a_million_empty_rows_are_read_sparsely() {
    let site = common::sheets_site();
    let dir = tempfile::tempdir().unwrap();
    let mut data = row(
        1,
        &[
            text_cell("A1", "ID"),
            text_cell("B1", "名称"),
            text_cell("C1", "電話番号"),
        ],
    );
    data.push_str(&row(
        2,
        &[
            text_cell("A2", "takahashi-naika"),
            text_cell("B2", "髙橋内科クリニック"),
            text_cell("C2", "088-608-4633"),
        ],
    ));
    // A million rows of styled, empty cells, as a sheet that was once formatted down to the
    // bottom has.
    for number in 3..=1_000_002 {
        data.push_str(&format!(
            r#"<row r="{number}"><c r="B{number}" s="0"/></row>"#
        ));
    }
    data.push_str(&row(1_048_576, &[text_cell("XFD1048576", "遠くのセル")]));
    let file = dir.path().join("far.xlsx");
    std::fs::write(&file, zip_of(&workbook_parts("A1:XFD1048576", &data, ""))).unwrap();
    let report = import::run(site.path(), &import_args(&file)).unwrap();
    assert_eq!(report.unchanged, 1, "{report}");
    assert_eq!(report.data_rows, 2, "{report}");
    // The far cell's row has no name: reported, with its real row number.
    assert_eq!(report.problems.len(), 1, "{report}");
    assert_eq!(report.problems[0].row, 1_048_576, "{report}");

    // CSV: a million empty lines cost nothing either.
    let csv = dir.path().join("far.csv");
    let mut text =
        String::from("ID,名称,電話番号\ntakahashi-naika,髙橋内科クリニック,088-608-4633\n");
    text.push_str(&",,\n".repeat(1_000_000));
    std::fs::write(&csv, text).unwrap();
    let report = import::run(site.path(), &import_args(&csv)).unwrap();
    assert_eq!(report.unchanged, 1, "{report}");
    assert!(report.problems.is_empty(), "{report}");
}

#[test]
fn a_cell_over_excels_limit_is_a_problem_naming_row_column_and_header() {
    let site = common::sheets_site();
    let dir = tempfile::tempdir().unwrap();
    let long = "あ".repeat(40_000);
    let csv = dir.path().join("long.csv");
    std::fs::write(
        &csv,
        format!("ID,名称,電話番号,備考\ntakahashi-naika,髙橋内科クリニック,088-608-4633,{long}\nminami-yakkyoku,みなみ薬局,088-652-4411,\n"),
    )
    .unwrap();
    let report = import::run(site.path(), &import_args(&csv)).unwrap();
    assert_eq!(report.unchanged, 1, "{report}");
    assert_eq!(report.problems.len(), 1, "{report}");
    assert!(report.changed.is_empty(), "{report}");
    let text = report.to_string();
    assert!(
        text.contains("2 行目「髙橋内科クリニック」 D 列「備考」: セルの文字が 40,000 文字あり"),
        "{text}"
    );

    // An unclosed quote swallows the rest of the file into one cell: the same rule, and the
    // hint says to look for the quote.
    let unclosed = dir.path().join("unclosed.csv");
    std::fs::write(
        &unclosed,
        format!(
            "ID,名称,備考\nminami-yakkyoku,みなみ薬局,\"駐車場あり\n{}\n",
            long.replace('あ', "い,")
        ),
    )
    .unwrap();
    let text = import::run(site.path(), &import_args(&unclosed))
        .unwrap()
        .to_string();
    assert!(text.contains("C 列「備考」"), "{text}");
    assert!(text.contains("引用符 \" が閉じていない"), "{text}");
}

#[test]
fn csv_files_without_newlines_or_of_gigabytes_are_refused_before_they_are_read() {
    let site = common::sheets_site();
    let dir = tempfile::tempdir().unwrap();
    // 3 GB that take no disk space (a sparse file).
    let huge = dir.path().join("huge.csv");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(3 << 30)
        .unwrap();
    let error = import_error(site.path(), &huge);
    assert!(
        error.contains("大きすぎるため読みません（3072 MB"),
        "{error}"
    );
    assert_japanese(&error, &[&huge.display().to_string()]);

    // One line, no newline, 20,000 fields.
    let wide = dir.path().join("wide.csv");
    std::fs::write(&wide, format!("名称,住所{}", ",x".repeat(20_000))).unwrap();
    let error = import_error(site.path(), &wide);
    assert!(error.contains("1 行目は列が多すぎる"), "{error}");
    assert!(error.contains("16,384 列、XFD 列まで"), "{error}");
}

// ---------------------------------------------------------------- hostile cells

#[test]
fn hostile_cells_are_reported_by_cell_and_never_written() {
    let site = common::sheets_site();
    let dir = tempfile::tempdir().unwrap();
    // Verified dates as Excel stores them: days since 1899-12-30.
    let serial = |date: &str| {
        let date: jiff::civil::Date = date.parse().unwrap();
        (date - jiff::civil::date(1899, 12, 30)).get_days()
    };
    let header = row(
        1,
        &[
            text_cell("A1", "ID"),
            text_cell("B1", "名称"),
            text_cell("C1", "圏域"),
            text_cell("D1", "住所"),
            text_cell("E1", "電話番号"),
            text_cell("F1", "最終確認日"),
        ],
    );
    let rows = [
        header,
        // An error value where the address should be.
        row(
            2,
            &[
                text_cell("A2", "takahashi-naika"),
                text_cell("B2", "髙橋内科クリニック"),
                r#"<c r="D2" t="e"><v>#N/A</v></c>"#.to_owned(),
            ],
        ),
        // A right-to-left override hidden in the name.
        row(
            3,
            &[
                text_cell("A3", "houmon-kango-aoba"),
                text_cell("B3", "訪問看護ステーション\u{202E}ばおあ"),
            ],
        ),
        // A formula whose result the file does not hold.
        row(
            4,
            &[
                text_cell("A4", "minami-yakkyoku"),
                text_cell("B4", "みなみ薬局"),
                r#"<c r="E4"><f>"088-"&amp;"652-4411"</f></c>"#.to_owned(),
            ],
        ),
        // The area merged down two rows; a formula with its result; dates as dates.
        row(
            5,
            &[
                text_cell("A5", "kyotaku-sakura"),
                r#"<c r="B5" t="str"><f>"さくら居宅介護支援事業所"</f><v>さくら居宅介護支援事業所</v></c>"#.to_owned(),
                text_cell("C5", "北部"),
                text_cell("D5", "徳島市川内町鶴島100番地"),
                text_cell("E5", "088-665-1200"),
                format!(r#"<c r="F5" s="1"><v>{}</v></c>"#, serial("2026-09-01")),
            ],
        ),
        row(
            6,
            &[
                text_cell("A6", "helper-hikari"),
                text_cell("B6", "ヘルパーステーションひかり"),
                text_cell("D6", "徳島市応神町古川字日ノ上10番地"),
                text_cell("E6", "088-641-3300"),
                format!(r#"<c r="F6" s="1"><v>{}</v></c>"#, serial("2026-03-10")),
            ],
        ),
        // A bell and an escape sequence in a new facility's address.
        row(
            7,
            &[
                text_cell("B7", "あたらし薬局"),
                text_cell("C7", "北部"),
                text_cell("D7", "徳島市_x0007__x001B_[2J南"),
            ],
        ),
    ];
    let merged = r#"<mergeCells count="1"><mergeCell ref="C5:C6"/></mergeCells>"#;
    let file = dir.path().join("hostile.xlsx");
    std::fs::write(
        &file,
        zip_of(&workbook_parts("A1:F7", &rows.concat(), merged)),
    )
    .unwrap();
    let before = snapshot_with_times(&site.path().join("content"));
    let mut args = import_args(&file);
    args.write = true;
    let report = import::run(site.path(), &args).unwrap();
    let text = report.to_string();
    assert!(report.changed.is_empty(), "{text}");
    assert!(report.new.is_empty(), "{text}");
    assert_eq!(report.unchanged, 2, "{text}");
    let rows: Vec<usize> = report.problems.iter().map(|p| p.row).collect();
    assert_eq!(rows, [2, 3, 4, 7], "{text}");
    for expected in [
        "D 列「住所」: セルが Excel のエラー値「#N/A」です。",
        "B 列「名称」: 文字の向きを変える見えない制御文字（U+202E）",
        "E 列「電話番号」: セルが式で、その結果がファイルに保存されていません。",
        "D 列「住所」: 見えない制御文字（U+0007）",
        "結合されたセル（C5:C6）",
        "読めなかった行 4 行（",
        "、シート「一覧」。",
    ] {
        assert!(text.contains(expected), "{expected}\n{text}");
    }
    assert_eq!(
        snapshot_with_times(&site.path().join("content")),
        before,
        "nothing written"
    );

    // The command prints the report without the cells' control characters.
    let output = zaitaku(
        &[
            "--root",
            &site.path().display().to_string(),
            "import",
            &file.display().to_string(),
            "--today",
            TODAY,
        ],
        &[],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        !stdout.contains('\u{1B}') && !stdout.contains('\u{202E}'),
        "{stdout}"
    );
    assert!(stdout.contains("<U+202E>"), "{stdout}");
}

#[test]
fn files_that_are_not_workbooks_get_advice_instead_of_a_library_error() {
    let site = common::sheets_site();
    let dir = tempfile::tempdir().unwrap();
    let cfb = |extra: &[u8]| {
        let mut bytes = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
        bytes.resize(4096, 0);
        bytes.extend_from_slice(extra);
        bytes
    };
    let encrypted: Vec<u8> = "EncryptedPackage"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let ods = zip_of(&[
        (
            "mimetype",
            b"application/vnd.oasis.opendocument.spreadsheet".to_vec(),
        ),
        ("content.xml", b"<office:document-content/>".to_vec()),
    ]);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("protected.xlsx", cfb(&encrypted), "パスワードで保護された"),
        ("old.xlsx", cfb(b""), "Excel 97-2003 ブック、.xls"),
        ("calc.xlsx", ods, "OpenDocument"),
        (
            "web.xls",
            "<html><body><table><tr><td>名称</td></tr></table></body></html>"
                .as_bytes()
                .to_vec(),
            "ウェブページ（HTML）",
        ),
        (
            "scan.csv",
            b"%PDF-1.7\n\x00\x01binary".to_vec(),
            "表のファイル（.xlsx か .csv）ではありません",
        ),
        (
            "empty.xlsx",
            zip_of(&[("readme.txt", b"hello".to_vec())]),
            "Excel ブックではない ZIP",
        ),
    ];
    for (name, bytes, expected) in cases {
        let file = dir.path().join(name);
        std::fs::write(&file, bytes).unwrap();
        let error = import_error(site.path(), &file);
        assert!(error.contains(expected), "{name}: {error}");
        assert_japanese(&error, &[&file.display().to_string()]);
    }
    // A worksheet cut off in the middle: named by sheet and the last cell read.
    let mut parts = workbook_parts("A1:B1", "", "");
    let last = parts.len() - 1;
    parts[last].1 = format!(
        r#"<?xml version="1.0"?><worksheet xmlns="{MAIN_NS}"><sheetData>{}<row r="2"><c r="A2" t="inlineStr"><is><t>すだ"#,
        row(1, &[text_cell("A1", "名称"), text_cell("B1", "住所")])
    )
    .into_bytes();
    let file = dir.path().join("cut.xlsx");
    std::fs::write(&file, zip_of(&parts)).unwrap();
    let error = import_error(site.path(), &file);
    assert!(
        error.contains("（シート「一覧」、B1 のセルより後） は Excel ブックとして壊れています"),
        "{error}"
    );
    assert_japanese(&error, &[&file.display().to_string()]);
    // A folder, and a FIFO that would block a reader forever.
    let error = import_error(site.path(), dir.path());
    assert!(error.contains("はフォルダです"), "{error}");
    let fifo = dir.path().join("pipe.csv");
    common::mkfifo(&fifo);
    let error = import_error(site.path(), &fifo);
    assert!(error.contains("通常のファイルではありません"), "{error}");
    // A mapping file that is a FIFO is not opened either.
    let csv = dir.path().join("a.csv");
    std::fs::write(&csv, "名称,住所\nすだち,徳島市\n").unwrap();
    let output = zaitaku(
        &[
            "--root",
            &site.path().display().to_string(),
            "import",
            &csv.display().to_string(),
            "--mapping",
            &fifo.display().to_string(),
        ],
        &[],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("通常のファイルではありません"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_stray_byte_in_a_shift_jis_file_is_named_where_it_is() {
    let site = common::sheets_site();
    let dir = tempfile::tempdir().unwrap();
    let text =
        "名称,住所\n髙橋内科クリニック,徳島市山城西二丁目7番地\nみなみ薬局,徳島市南末広町5番8号\n";
    let mut bytes = encoding_rs::SHIFT_JIS.encode(text).0.into_owned();
    // A lone lead byte at the end of line 3, as a cut-off copy leaves.
    let at = bytes.len() - 1;
    bytes.insert(at, 0x82);
    let file = dir.path().join("sjis.csv");
    std::fs::write(&file, bytes).unwrap();
    let error = import_error(site.path(), &file);
    assert!(error.contains("Shift_JIS として読むと、3 行目"), "{error}");
    assert_japanese(&error, &[&file.display().to_string(), "0x82", "0x0A"]);
}

// ---------------------------------------------------------------- export messages

#[test]
fn a_value_over_excels_limit_is_not_exported_and_the_message_names_it() {
    let site = common::sheets_site();
    let path = site
        .path()
        .join("content/resources/pharmacy/minami-yakkyoku.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, format!("{text}note: {}\n", "あ".repeat(40_000))).unwrap();
    let out = tempfile::tempdir().unwrap();
    for (format, name) in [(ExportFormat::Xlsx, "a.xlsx"), (ExportFormat::Csv, "a.csv")] {
        let file = out.path().join(name);
        let error = common::export_to(site.path(), format, &file)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains(
                "content/resources/pharmacy/minami-yakkyoku.yaml の「備考」が 40,000 文字あり"
            ),
            "{error}"
        );
        assert!(!error.contains("exceeds"), "{error}");
        assert!(!file.exists());
    }
}

// ---------------------------------------------------------------- pdf

/// A stand-in for Chromium: a shell script that starts a helper (Chromium forks its own),
/// writes both process ids to `$ZAITAKU_TEST_PIDS`, and then runs `then`.
fn fake_chromium(dir: &Path, then: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("fake-chromium");
    std::fs::write(
        &path,
        format!("#!/bin/sh\nsleep 300 &\necho \"$$ $!\" > \"$ZAITAKU_TEST_PIDS.tmp\"\nmv \"$ZAITAKU_TEST_PIDS.tmp\" \"$ZAITAKU_TEST_PIDS\"\n{then}\n"),
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

struct PdfRun {
    _site: tempfile::TempDir,
    work: tempfile::TempDir,
    tmpdir: PathBuf,
    pids: PathBuf,
    args: Vec<String>,
}

impl PdfRun {
    fn new(then: &str, extra: &[&str]) -> PdfRun {
        let site = common::site_with(None);
        let work = tempfile::tempdir().unwrap();
        let tmpdir = work.path().join("tmp");
        std::fs::create_dir(&tmpdir).unwrap();
        let chromium = fake_chromium(work.path(), then);
        let mut args: Vec<String> = [
            "--root",
            &site.path().display().to_string(),
            "pdf",
            "--today",
            TODAY,
            "--chromium",
            &chromium.display().to_string(),
            "--out",
            &work.path().join("out.pdf").display().to_string(),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        args.extend(extra.iter().map(|s| s.to_string()));
        PdfRun {
            pids: work.path().join("pids"),
            _site: site,
            work,
            tmpdir,
            args,
        }
    }

    fn command(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_zaitaku"));
        command
            .args(&self.args)
            .env("TMPDIR", &self.tmpdir)
            .env("ZAITAKU_TEST_PIDS", &self.pids)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command
    }

    /// Runs `zaitaku pdf` to its end.
    fn finish(&self) -> Output {
        finish_within(
            self.command().spawn().unwrap(),
            Duration::from_secs(120),
            &[],
        )
    }

    /// Chromium's and its helper's process ids, once the fake has started.
    fn started(&self) -> Vec<i32> {
        let started = Instant::now();
        while !self.pids.exists() {
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "the fake Chromium never started"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        std::fs::read_to_string(&self.pids)
            .unwrap()
            .split_whitespace()
            .map(|p| p.parse().unwrap())
            .collect()
    }

    #[track_caller]
    fn assert_cleaned_up(&self, output: &Output) {
        let pids = self.started();
        assert_eq!(pids.len(), 2);
        for pid in pids {
            assert!(
                ended(pid),
                "process {pid} of the browser group is still running"
            );
        }
        let left: Vec<_> = std::fs::read_dir(&self.tmpdir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert!(
            left.is_empty(),
            "left in TMPDIR: {left:?}\n{}",
            stderr(output)
        );
        assert!(!self.work.path().join("out.pdf").exists());
    }
}

#[test]
fn pdf_stops_a_browser_that_takes_too_long_with_all_its_helpers() {
    let run = PdfRun::new("wait", &["--timeout", "1"]);
    let output = run.finish();
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{text}");
    assert!(
        text.contains("1 秒たっても PDF を書き終えなかった"),
        "{text}"
    );
    assert!(text.contains("--timeout 600"), "{text}");
    assert_japanese(&text, &[]);
    run.assert_cleaned_up(&output);
}

#[test]
fn pdf_kills_the_helpers_of_a_browser_that_failed() {
    let run = PdfRun::new(
        "echo '[0101/000000.000:ERROR:headless_shell.cc] Failed to print' >&2\nexit 3",
        &[],
    );
    let output = run.finish();
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{text}");
    assert!(
        text.contains("PDF を書き出せませんでした（終了コード 3）"),
        "{text}"
    );
    run.assert_cleaned_up(&output);
}

#[test]
fn pdf_interrupted_by_ctrl_c_or_sigterm_cleans_up_after_itself() {
    for (signal, code) in [
        (rustix::process::Signal::INT, 130),
        (rustix::process::Signal::TERM, 143),
    ] {
        let run = PdfRun::new("wait", &[]);
        let child = run.command().spawn().unwrap();
        run.started();
        let pid = rustix::process::Pid::from_raw(child.id() as i32).unwrap();
        rustix::process::kill_process(pid, signal).unwrap();
        let output = finish_within(child, Duration::from_secs(120), &[]);
        let text = stderr(&output);
        assert_eq!(output.status.code(), Some(code), "{text}");
        assert!(text.contains("中断しました"), "{text}");
        run.assert_cleaned_up(&output);
    }
}

// ---------------------------------------------------------------- command line

#[test]
fn command_line_mistakes_are_told_in_japanese_with_the_value_typed() {
    let cases: &[(&[&str], &[&str])] = &[
        (
            &["build", "--today", "2026-13-45"],
            &["--today", "2026-13-45", "1〜12"],
        ),
        (
            &["build", "--today", "tomorrow"],
            &["「tomorrow」", "YYYY-MM-DD"],
        ),
        (
            &["check", "--today", "2026-02-30"],
            &["2026 年 2 月は 28 日まで"],
        ),
        (
            &["build", "--today"],
            &["--today のあとに YYYY-MM-DD を書いて"],
        ),
        (
            &["build", "--base-url"],
            &["--base-url のあとに URL を書いて"],
        ),
        (
            &["serve", "--port", "70000"],
            &["「70000」は範囲の外です（0〜65535", "ポート番号"],
        ),
        (
            &["serve", "--port", "abc"],
            &["「abc」は数として読めません"],
        ),
        (
            &["serve", "--interface", "localhost"],
            &["IP アドレスとして読めません"],
        ),
        (
            &["search", "--limit", "-1", "訪問"],
            &["--limit の値「-1」は使えません"],
        ),
        (
            &["export", "--format", "xls"],
            &["--format に「xls」は使えません", "xlsx（Excel ブック"],
        ),
        (
            &["import", "a.csv", "--format", "excel"],
            &["「excel」", "kaigo"],
        ),
        (
            &["build", "--bogus"],
            &["zaitaku build に「--bogus」というオプションはありません"],
        ),
        (&["build", "--outt", "x"], &["もしかして --out ですか"]),
        (
            &["biuld"],
            &[
                "「biuld」というコマンドはありません",
                "もしかして zaitaku build",
            ],
        ),
        (&["import"], &["zaitaku import には FILE（取り込む表"]),
        (&["pdf", "--timeout", "soon"], &["秒数「soon」"]),
        (&["pdf", "--timeout", "0"], &["1〜86400"]),
        (
            &["pdf", "--booklet"],
            &["--booklet のあとに BOOKLET を書いて"],
        ),
        (&["build", "extra"], &["余分な引数「extra」"]),
        (&[], &["コマンドを指定してください"]),
    ];
    for (args, expected) in cases {
        let output = zaitaku(args, &[]);
        let text = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {text}");
        for part in *expected {
            assert!(text.contains(part), "{args:?}: {part}\n{text}");
        }
        let mut typed: Vec<&str> = args.to_vec();
        typed.extend(["BOOKLET", "FILE", "URL", "QUERY"]);
        assert_japanese(&text, &typed);
        assert!(
            !text.contains("Usage") && !text.contains("error:"),
            "{text}"
        );
    }
    // Help stays help, on stdout, exit 0.
    let output = zaitaku(&["build", "--help"], &[]);
    assert_eq!(output.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&output.stdout).contains("「今日」の日付"));
}

#[test]
fn today_is_read_by_one_rule_in_every_command() {
    let commands: [&[&str]; 5] = [
        &["build"],
        &["check"],
        &["serve"],
        &["import", "a.csv"],
        &["pdf"],
    ];
    let mut messages = Vec::new();
    for command in commands {
        // A day that does not exist: the same Japanese message everywhere.
        let mut args = command.to_vec();
        args.extend(["--today", "2026-02-30"]);
        let output = zaitaku(&args, &[]);
        assert_eq!(output.status.code(), Some(2));
        let text = stderr(&output);
        assert!(
            text.contains("2026 年 2 月は 28 日まで"),
            "{args:?}: {text}"
        );
        messages.push(text.lines().next().unwrap_or("").to_owned());
        // Full-width digits, as an IME types them, are a date everywhere (the error is then
        // about the option after it).
        let mut args = command.to_vec();
        args.extend(["--today", "２０２６／１１／２２", "--bogus"]);
        let text = stderr(&zaitaku(&args, &[]));
        assert!(
            text.contains("「--bogus」") && !text.contains("--today"),
            "{args:?}: {text}"
        );
    }
    messages.dedup();
    assert_eq!(messages.len(), 1, "{messages:#?}");
}

// ---------------------------------------------------------------- environment and theme

#[test]
fn os_errors_are_told_in_japanese_with_a_fitting_hint() {
    use rustix::io::Errno;
    for (errno, expected) in [
        (Errno::ACCESS, "権限がありません"),
        (Errno::ROFS, "読み取り専用"),
        (Errno::NOSPC, "ディスクに空きがありません"),
        (Errno::ISDIR, "フォルダです"),
        (Errno::NOTDIR, "フォルダではなくファイル"),
        (Errno::LOOP, "ループ"),
        (Errno::NAMETOOLONG, "長すぎます"),
        (Errno::NOENT, "ありません"),
        (Errno::ADDRINUSE, "--port"),
    ] {
        let error = zaitaku::Error::io(
            "/srv/site/public/index.html",
            "書き込み",
            std::io::Error::from_raw_os_error(errno.raw_os_error()),
        );
        let text = error.to_string();
        assert!(text.contains(expected), "{errno:?}: {text}");
        assert!(text.starts_with("/srv/site/public/index.html: 書き込みできませんでした。"));
        assert_japanese(&text, &["/srv/site/public/index.html"]);
    }
}

fn site_with_theme(edit: impl FnOnce(&Path)) -> tempfile::TempDir {
    let site = common::site_with(None);
    let theme = site.path().join("themes").join("default");
    common::copy_tree(&common::repo().join("themes").join("default"), &theme);
    edit(&theme.join("templates"));
    site
}

fn replace_line(file: &Path, number: usize, with: &str) {
    let text = std::fs::read_to_string(file).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines[number - 1] = with;
    std::fs::write(file, lines.join("\n") + "\n").unwrap();
}

#[test]
fn theme_errors_name_the_template_file_and_line_in_japanese() {
    type Edit = Box<dyn FnOnce(&Path)>;
    let cases: Vec<(Edit, &[&str])> = vec![
        (
            Box::new(|t: &Path| replace_line(&t.join("page.html"), 5, "<h1>{{ title | }}</h1>")),
            &[
                "themes/default/templates/page.html の 5 行目",
                "書き方が正しくありません",
            ],
        ),
        (
            Box::new(|t: &Path| replace_line(&t.join("base.html"), 3, "<head>{{ no_such_value }}")),
            &[
                "themes/default/templates/base.html の 3 行目",
                "変数「no_such_value」は定義されていません",
            ],
        ),
        (
            Box::new(|t: &Path| std::fs::remove_file(t.join("resource.html")).unwrap()),
            &["resource.html", "がありません"],
        ),
        (
            Box::new(|t: &Path| {
                replace_line(&t.join("page.html"), 3, "{% block content %}{% if title %}")
            }),
            &["themes/default/templates/page.html", "閉じ忘れ"],
        ),
    ];
    for (edit, expected) in cases {
        let site = site_with_theme(edit);
        let out = site.path().join("public");
        let output = zaitaku(
            &[
                "--root",
                &site.path().display().to_string(),
                "build",
                "--today",
                TODAY,
            ],
            &[],
        );
        let text = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{text}");
        for part in expected {
            assert!(text.contains(part), "{part}\n{text}");
        }
        assert!(!out.exists(), "nothing published");
        // The quoted template line is the theme's own text.
        let first = text.lines().next().unwrap_or("");
        assert_japanese(
            first,
            &["no_such_value", "resource.html", "page.html", "base.html"],
        );
    }
}
