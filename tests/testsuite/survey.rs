//! The confirmation round (issue 16): `content/survey.yaml` seen by `check`, `survey status`,
//! `survey confirm`, returned sheets going back in with `import --verified`, and `survey make`.
//!
//! The site is the sheet tests' five facilities with the round of
//! `tests/fixtures/survey/content` (start 2026-10-01, due 2026-12-15): あおば (verified
//! 2026-11-05) and みなみ薬局 (2026-10-01, the start itself) have answered; さくら, 髙橋内科 and
//! ひかり have not.

use std::path::Path;
use std::process::Command;

use jiff::civil::date;
use zaitaku::sheet::export::ExportFormat;
use zaitaku::survey::{confirm, status};

use crate::common;

fn site() -> tempfile::TempDir {
    let dir = common::sheets_site();
    common::copy_tree(
        &common::fixtures().join("survey").join("content"),
        &dir.path().join("content"),
    );
    dir
}

fn zaitaku(root: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_zaitaku"))
        .arg("--root")
        .arg(root)
        .args(args)
        .output()
        .unwrap()
}

fn read(root: &Path, file: &str) -> String {
    std::fs::read_to_string(root.join(file)).unwrap()
}

const TAKAHASHI: &str = "content/resources/clinic/takahashi-naika.yaml";

#[test]
fn check_says_who_has_not_answered() {
    let site = site();
    let diagnostics = common::check(site.path());
    let summary = diagnostics
        .iter()
        .find(|d| d.file == "content/survey.yaml")
        .expect("a summary warning");
    assert!(!summary.is_error());
    assert!(
        summary
            .message
            .contains("対象 5 件のうち 3 件がまだ回答していません"),
        "{}",
        summary.message
    );
    assert!(summary.message.contains("回答期限は 2026年12月15日"));
    // The year-old warning stays: none of these is older than a year.
    assert!(!diagnostics.iter().any(|d| d.message.contains("1 年以上前")));
    // Once everyone has answered, nothing is said.
    for file in [
        "content/resources/care-planning/kyotaku-sakura.yaml",
        TAKAHASHI,
        "content/resources/home-help/helper-hikari.yaml",
    ] {
        let text = read(site.path(), file).replace("verified: 2026-0", "verified: 2026-1");
        std::fs::write(site.path().join(file), text).unwrap();
    }
    let diagnostics = common::check(site.path());
    assert!(
        !diagnostics.iter().any(|d| d.file == "content/survey.yaml"),
        "{diagnostics:?}"
    );
}

#[test]
fn bad_survey_files_are_told_with_file_line_column_and_field() {
    let site = site();
    std::fs::write(
        site.path().join("content/survey.yaml"),
        "start: 2026-10-01\ndue: 2026-09-31\nselection:\n  categories: [clinik]\n  areas: [north]\n",
    )
    .unwrap();
    let lines: Vec<String> = common::check(site.path())
        .iter()
        .filter(|d| d.file == "content/survey.yaml")
        .map(|d| format!("{} {}", common::summary_line(d), d.message))
        .collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].starts_with("error content/survey.yaml:2:6 due 日付「2026-09-31」"));
    assert!(lines[1].starts_with(
        "error content/survey.yaml:4:16 selection.categories[0] 「clinik」は site.yaml の categories にありません。「clinic」の誤りではありませんか。"
    ), "{lines:?}");

    std::fs::write(
        site.path().join("content/survey.yaml"),
        "start: 2026-10-01\ndue: 2026-09-01\nkigen: 2026-12-01\n",
    )
    .unwrap();
    let lines: Vec<String> = common::check(site.path())
        .iter()
        .filter(|d| d.file == "content/survey.yaml")
        .map(common::summary_line)
        .collect();
    assert_eq!(lines, ["error content/survey.yaml:3:1 kigen"]);

    std::fs::write(
        site.path().join("content/survey.yaml"),
        "start: 2026-10-01\ndue: 2026-09-01\n",
    )
    .unwrap();
    let found: Vec<_> = common::check(site.path())
        .into_iter()
        .filter(|d| d.file == "content/survey.yaml")
        .collect();
    assert_eq!(
        common::summary_line(&found[0]),
        "error content/survey.yaml:2:6 due"
    );
    assert!(found[0].message.contains("開始日"), "{}", found[0].message);

    // The cover letter's placeholders are checked too.
    std::fs::write(
        site.path().join("content/survey-letter.md"),
        "{{事業所名}} 御中\n\n期限は {{しめきり}} です。\n",
    )
    .unwrap();
    let found: Vec<_> = common::check(site.path())
        .into_iter()
        .filter(|d| d.file == "content/survey-letter.md")
        .collect();
    assert_eq!(found.len(), 1);
    assert_eq!(
        common::summary_line(&found[0]),
        "error content/survey-letter.md:3:5 -"
    );
    assert!(found[0].message.contains("{{しめきり}}"));
}

#[test]
fn status_counts_answers_at_a_fixed_date() {
    let site = site();
    let status = status::status(site.path(), common::today()).unwrap();
    assert_eq!((status.answered(), status.waiting()), (2, 3));
    let waiting: Vec<&str> = status
        .entries
        .iter()
        .take_while(|e| !e.answered)
        .map(|e| e.id.as_str())
        .collect();
    // Not answered first, by category as in site.yaml.
    assert_eq!(
        waiting,
        ["takahashi-naika", "kyotaku-sakura", "helper-hikari"]
    );
    let groups: Vec<(String, String, usize, usize)> = status
        .groups
        .iter()
        .map(|g| {
            (
                g.category.key.clone(),
                g.area.as_ref().map(|a| a.key.clone()).unwrap_or_default(),
                g.selected,
                g.answered,
            )
        })
        .collect();
    assert_eq!(
        groups,
        [
            ("clinic".into(), "south-east".into(), 1, 0),
            ("pharmacy".into(), "south-east".into(), 1, 1),
            ("home-nursing".into(), "south-east".into(), 1, 1),
            ("care-planning".into(), "north".into(), 1, 0),
            ("home-help".into(), "north".into(), 1, 0),
        ]
    );
    // A selection narrows the round.
    std::fs::write(
        site.path().join("content/survey.yaml"),
        "start: 2026-10-01\ndue: 2026-12-15\nselection:\n  areas: [north]\n",
    )
    .unwrap();
    let status = status::status(site.path(), common::today()).unwrap();
    assert_eq!((status.answered(), status.waiting()), (0, 2));

    // On the terminal: the table and who to call, control characters of a name made visible.
    let output = zaitaku(site.path(), &["survey", "status", "--today", "2026-11-22"]);
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.contains("未回答 2 件:"), "{stdout}");
    assert!(stdout.contains("さくら居宅介護支援事業所"), "{stdout}");
}

#[test]
fn status_is_written_as_a_sheet_like_export() {
    let site = site();
    // A name that would run as a formula in Excel, and one with a control character.
    let file = site.path().join(TAKAHASHI);
    let text = read(site.path(), TAKAHASHI).replace(
        "name: 髙橋内科クリニック",
        "name: \"=HYPERLINK(\\\"http://example.com\\\")\"",
    );
    std::fs::write(&file, text).unwrap();
    let out = tempfile::tempdir().unwrap();
    let csv = out.path().join("未回答.csv");
    let output = zaitaku(
        site.path(),
        &[
            "survey",
            "status",
            "--today",
            "2026-11-22",
            "--out",
            csv.to_str().unwrap(),
        ],
    );
    assert!(output.status.success(), "{output:?}");
    let written = std::fs::read_to_string(&csv).unwrap();
    assert!(written.starts_with("\u{FEFF}回答,ID,名称"), "{written}");
    assert!(
        written.contains("未回答,takahashi-naika,\"'=HYPERLINK"),
        "{written}"
    );
    let xlsx = out.path().join("未回答.xlsx");
    let output = zaitaku(
        site.path(),
        &["survey", "status", "--out", xlsx.to_str().unwrap()],
    );
    assert!(output.status.success(), "{output:?}");
    let table = zaitaku::sheet::table::read(&xlsx, None).unwrap();
    assert_eq!(table.rows.len(), 6);
    assert_eq!(table.rows[1].cells[0].text(), "未回答");

    // Someone's file in the way is not overwritten; content/ is never written to.
    let foreign = out.path().join("memo.xlsx");
    std::fs::write(&foreign, "大事なメモ").unwrap();
    let output = zaitaku(
        site.path(),
        &["survey", "status", "--out", foreign.to_str().unwrap()],
    );
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(&foreign).unwrap(), "大事なメモ");
    let inside = site.path().join("content/status.xlsx");
    let output = zaitaku(
        site.path(),
        &["survey", "status", "--out", inside.to_str().unwrap()],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(!inside.exists());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("content と themes の中"), "{stderr}");
    // The same with the library's writer.
    assert!(
        zaitaku::sheet::export::write_table(
            site.path(),
            &inside,
            ExportFormat::Xlsx,
            true,
            &[],
            &status::layout()
        )
        .is_err()
    );
}

#[test]
fn confirm_changes_nothing_but_the_verified_line() {
    let site = site();
    let before = common::snapshot(site.path());
    let report = confirm::confirm(
        site.path(),
        &["takahashi-naika".to_owned(), "houmon-kango-aoba".to_owned()],
        date(2026, 11, 20),
        common::today(),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(report.records.len(), 2);
    assert!(report.records[0].written);
    // あおば was confirmed on 2026-11-05, before the 20th: moved forward.
    assert!(report.records[1].written);
    let after = common::snapshot(site.path());
    for (file, bytes) in &before {
        let now = &after[file];
        if file == TAKAHASHI || file.ends_with("houmon-kango-aoba.yaml") {
            let old = String::from_utf8(bytes.clone()).unwrap();
            let new = String::from_utf8(now.clone()).unwrap();
            let differing: Vec<(&str, &str)> = old
                .lines()
                .zip(new.lines())
                .filter(|(a, b)| a != b)
                .collect();
            assert_eq!(differing.len(), 1, "{file}");
            assert!(differing[0].1.starts_with("verified: 2026-11-20"));
            assert_eq!(old.lines().count(), new.lines().count());
        } else {
            assert_eq!(bytes, now, "{file} is untouched");
        }
    }
    // The comment at the top of the file is kept.
    assert!(read(site.path(), TAKAHASHI).starts_with("# 院長に 2026-06 に電話で確認"));
    // An older date never moves it back.
    let report = confirm::confirm(
        site.path(),
        &["takahashi-naika".to_owned()],
        date(2026, 11, 1),
        common::today(),
        &mut |_| {},
    )
    .unwrap();
    assert!(!report.records[0].written);
    assert!(read(site.path(), TAKAHASHI).contains("verified: 2026-11-20"));
    // Through the command line, with a CRLF file keeping its line endings.
    let sakura = site
        .path()
        .join("content/resources/care-planning/kyotaku-sakura.yaml");
    let crlf = read(
        site.path(),
        "content/resources/care-planning/kyotaku-sakura.yaml",
    )
    .replace('\n', "\r\n");
    std::fs::write(&sakura, &crlf).unwrap();
    let output = zaitaku(
        site.path(),
        &[
            "survey",
            "confirm",
            "kyotaku-sakura",
            "--date",
            "2026-11-21",
            "--today",
            "2026-11-22",
        ],
    );
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        std::fs::read_to_string(&sakura).unwrap(),
        crlf.replace("verified: 2026-09-01", "verified: 2026-11-21")
    );
}

#[test]
fn confirm_with_a_bad_id_or_date_writes_nothing() {
    let site = site();
    let before = common::snapshot(site.path());
    let error = confirm::confirm(
        site.path(),
        &["takahashi-naika".to_owned(), "takahashi-naik".to_owned()],
        date(2026, 11, 20),
        common::today(),
        &mut |_| {},
    )
    .unwrap_err()
    .to_string();
    assert!(
        error.contains(
            "ID「takahashi-naik」の事業所はありません。「takahashi-naika」の誤りではありませんか。"
        ),
        "{error}"
    );
    assert_eq!(common::snapshot(site.path()), before);
    // A date after today.
    let error = confirm::confirm(
        site.path(),
        &["takahashi-naika".to_owned()],
        date(2026, 11, 23),
        common::today(),
        &mut |_| {},
    )
    .unwrap_err()
    .to_string();
    assert!(error.contains("今日（2026-11-22）より後"), "{error}");
    // An id with control characters is shown, never sent to the terminal.
    let output = zaitaku(
        site.path(),
        &[
            "survey",
            "confirm",
            "evil\u{1b}[2J\u{7}",
            "--today",
            "2026-11-22",
        ],
    );
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("evil<U+001B>[2J<U+0007>"), "{stderr}");
    assert!(!stderr.contains('\u{1b}'));
    assert_eq!(common::snapshot(site.path()), before);
}

/// The sheet `survey make` writes for `id`, as the facility sends it back with `changes`
/// (header → new cell text).
fn returned_sheet(site: &Path, id: &str, changes: &[(&str, &str)], to: &Path) {
    use zaitaku::sheet::export::{self, Value};
    let site_config = zaitaku::sheet::import::load_site(site).unwrap();
    let existing = zaitaku::sheet::import::load_existing(site).unwrap();
    let records = export::sorted_records(&site_config, &existing).unwrap();
    let mut rows = export::rows(&site_config, &records);
    let header: Vec<String> = rows[0].iter().map(Value::text).collect();
    let mut row = rows
        .iter()
        .find(|r| r[0] == Value::Text(id.to_owned()))
        .unwrap()
        .clone();
    for (column, text) in changes {
        let at = header.iter().position(|h| h == column).unwrap();
        row[at] = Value::Text((*text).to_owned());
    }
    rows.truncate(1);
    rows.push(row);
    let layout = export::Layout {
        sheet: "確認票",
        widths: Vec::new(),
        freeze: (1, 0),
    };
    export::write_xlsx(to, &rows, &layout).unwrap();
}

fn returned_args(file: &Path, write: bool) -> zaitaku::sheet::import::ImportArgs {
    let mut args = common::import_args(file);
    args.write = write;
    args.verified = Some(date(2026, 11, 20));
    args
}

const MINAMI: &str = "content/resources/pharmacy/minami-yakkyoku.yaml";

#[test]
fn returned_sheets_set_verified_on_every_record_that_came_back() {
    let site = site();
    let folder = tempfile::tempdir().unwrap();
    returned_sheet(
        site.path(),
        "takahashi-naika",
        &[("電話番号", "088-608-9999")],
        &folder.path().join("確認票-takahashi-naika.xlsx"),
    );
    returned_sheet(
        site.path(),
        "minami-yakkyoku",
        &[],
        &folder.path().join("確認票-minami-yakkyoku.xlsx"),
    );
    let before = common::snapshot(site.path());
    // Without --write: the diff as today, nothing written.
    let batch = zaitaku::sheet::returned::run(
        site.path(),
        &returned_args(folder.path(), false),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(common::snapshot(site.path()), before);
    assert_eq!(batch.problems(), 0, "{:?}", batch.reports);
    let shown: String = batch.reports.iter().map(|r| r.to_string()).collect();
    assert!(
        shown.contains("電話番号: 088-608-4633 → 088-608-9999"),
        "{shown}"
    );
    assert!(
        shown.contains("最終確認日: 2026-10-01 → 2026-11-20"),
        "{shown}"
    );
    // Returned sheets hold one facility each: the others are not "missing".
    assert!(!shown.contains("取り込んだ表にない事業所"), "{shown}");

    zaitaku::sheet::returned::run(
        site.path(),
        &returned_args(folder.path(), true),
        &mut |_| {},
    )
    .unwrap();
    let after = common::snapshot(site.path());
    let takahashi = read(site.path(), TAKAHASHI);
    assert!(
        takahashi.contains("phone: 088-608-9999  # 代表"),
        "{takahashi}"
    );
    assert!(takahashi.contains("verified: 2026-11-20"));
    assert!(takahashi.starts_with("# 院長に 2026-06 に電話で確認"));
    let minami = read(site.path(), MINAMI);
    let old = String::from_utf8(before[MINAMI].clone()).unwrap();
    assert_eq!(
        minami,
        old.replace("verified: 2026-10-01", "verified: 2026-11-20")
    );
    for (file, bytes) in &before {
        if file != TAKAHASHI && file != MINAMI {
            assert_eq!(&after[file], bytes, "{file} is untouched");
        }
    }
    // The round counts them as answered now.
    let status = status::status(site.path(), common::today()).unwrap();
    assert_eq!((status.answered(), status.waiting()), (3, 2));
}

#[test]
fn hostile_returned_folders_are_refused_file_by_file() {
    let site = site();
    let folder = tempfile::tempdir().unwrap();
    let dir = folder.path();
    // A FIFO named like a sheet (opening it would block), a link to a file outside, a folder,
    // Excel's owner file, and a text file.
    assert!(
        Command::new("mkfifo")
            .arg(dir.join("fifo.xlsx"))
            .status()
            .unwrap()
            .success()
    );
    std::os::unix::fs::symlink("/etc/passwd", dir.join("link.csv")).unwrap();
    std::fs::create_dir(dir.join("old")).unwrap();
    std::fs::write(dir.join("~$確認票-x.xlsx"), b"owner").unwrap();
    std::fs::write(dir.join("memo.txt"), "電話で確認済み").unwrap();
    // The sheet made for あおば came back with 髙橋内科's row in it.
    returned_sheet(
        site.path(),
        "takahashi-naika",
        &[("電話番号", "088-608-7777")],
        &dir.join("確認票-houmon-kango-aoba.xlsx"),
    );
    // みなみ薬局 answered twice, differently.
    returned_sheet(
        site.path(),
        "minami-yakkyoku",
        &[("FAX", "088-600-2222")],
        &dir.join("確認票-minami-yakkyoku.xlsx"),
    );
    returned_sheet(
        site.path(),
        "minami-yakkyoku",
        &[("FAX", "088-600-3333")],
        &dir.join("確認票-minami-yakkyoku (1).xlsx"),
    );
    // An id with control characters, and a name that would be a formula in Excel.
    returned_sheet(
        site.path(),
        "kyotaku-sakura",
        &[("ID", "kyotaku-sakura\u{1b}[2J")],
        &dir.join("sakura.xlsx"),
    );
    returned_sheet(
        site.path(),
        "helper-hikari",
        &[("名称", "=HYPERLINK(\"http://example.com\",\"ひかり\")")],
        &dir.join("確認票-helper-hikari.xlsx"),
    );
    let before = common::snapshot(site.path());
    let batch =
        zaitaku::sheet::returned::run(site.path(), &returned_args(dir, true), &mut |_| {}).unwrap();
    let refused: Vec<String> = batch
        .refused
        .iter()
        .map(|(file, why)| {
            format!(
                "{} {why}",
                Path::new(file).file_name().unwrap().to_string_lossy()
            )
        })
        .collect();
    assert_eq!(refused.len(), 4, "{refused:?}");
    assert!(refused[0].starts_with("fifo.xlsx ふつうのファイルではない"));
    assert!(refused[1].starts_with("link.csv リンク"));
    assert!(refused[2].starts_with("memo.txt 表"));
    assert!(refused[3].starts_with("old フォルダ"));
    let problems: Vec<String> = batch
        .reports
        .iter()
        .flat_map(|r| {
            r.problems
                .iter()
                .map(move |p| format!("{} {}", r.file, p.message))
        })
        .collect();
    assert_eq!(problems.len(), 4, "{problems:?}");
    assert!(
        problems
            .iter()
            .any(|p| p.contains("「houmon-kango-aoba」あての確認票ですが"))
    );
    assert_eq!(
        problems
            .iter()
            .filter(|p| p.contains("同じ事業所（ID minami-yakkyoku）の回答が 2 件"))
            .count(),
        2
    );
    assert!(
        problems.iter().any(|p| p.contains("sakura.xlsx")),
        "{problems:?}"
    );
    let after = common::snapshot(site.path());
    // Only ひかり was written; its odd name is kept as text, quoted in the YAML.
    for (file, bytes) in &before {
        if !file.ends_with("helper-hikari.yaml") {
            assert_eq!(&after[file], bytes, "{file} is untouched");
        }
    }
    let hikari = read(
        site.path(),
        "content/resources/home-help/helper-hikari.yaml",
    );
    let record = zaitaku::content::record::parse(&hikari).unwrap();
    assert_eq!(record.name, "=HYPERLINK(\"http://example.com\",\"ひかり\")");
    assert!(hikari.contains("verified: 2026-11-20"));
    // …and exported behind a ' so that Excel shows it as text.
    let out = tempfile::tempdir().unwrap();
    let csv = out.path().join("all.csv");
    common::export_to(site.path(), ExportFormat::Csv, &csv).unwrap();
    assert!(
        std::fs::read_to_string(&csv)
            .unwrap()
            .contains(",\"'=HYPERLINK(")
    );
    // The command line says what it left alone, control characters made visible.
    let output = zaitaku(
        site.path(),
        &[
            "import",
            dir.to_str().unwrap(),
            "--verified",
            "2026-11-20",
            "--today",
            "2026-11-22",
        ],
    );
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("読まなかったファイル 4 件"), "{stdout}");
    assert!(!stdout.contains('\u{1b}'));
    // A folder without --verified is refused.
    let output = zaitaku(site.path(), &["import", dir.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
}

/// `true` when the PDF test is skipped on purpose; panics when what it needs is missing.
fn skip_or_require_browser() -> bool {
    common::skip_or_require_browser(
        &common::repo(),
        &[common::Need::Tool("pdftotext", "poppler-utils")],
        "SKIPPED tests/testsuite/survey.rs survey make: ZAITAKU_SKIP_BROWSER=1 is set, so no 確認票 was printed or checked.",
        "The survey make test cannot run; install what is missing (or run `bash .ci/run`):",
    )
}

fn pdf_pages(pdf: &Path) -> Vec<String> {
    let output = Command::new("pdftotext")
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    let mut pages: Vec<String> = text
        .split('\u{c}')
        .map(|p| p.chars().filter(|c| !c.is_whitespace()).collect())
        .collect();
    if pages.last().is_some_and(|p| p.is_empty()) {
        pages.pop();
    }
    pages
}

fn sample_site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    common::copy_tree(&common::repo().join("content"), &dir.path().join("content"));
    dir
}

#[test]
fn make_prints_one_page_per_facility_and_sheets_that_import_back() {
    if skip_or_require_browser() {
        return;
    }
    let site = sample_site();
    let out = site.path().join("forms");
    let make = |extra: &[&str]| {
        let _turn = common::browser_turn();
        let mut args = vec![
            "survey",
            "make",
            "--category",
            "short-stay",
            "--due",
            "2026-12-15",
            "--today",
            "2026-11-22",
            "--chromium",
            common::chromium_path().to_str().unwrap(),
        ]
        .into_iter()
        .map(str::to_owned)
        .collect::<Vec<String>>();
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        zaitaku(site.path(), &args)
    };
    let output = make(&["--out", out.to_str().unwrap()]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let content = zaitaku::build::load_valid(site.path(), common::today())
        .unwrap()
        .0;
    let short_stays: Vec<_> = content
        .resources
        .iter()
        .filter(|r| r.category.key == "short-stay")
        .collect();
    assert_eq!(short_stays.len(), 5);
    // A cover letter and a form for each, in the directory's order.
    let pages = pdf_pages(&out.join("確認票.pdf"));
    assert_eq!(pages.len(), 10, "{pages:?}");
    for (index, resource) in short_stays.iter().enumerate() {
        let name: String = resource
            .name
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        let letter = &pages[index * 2];
        let form = &pages[index * 2 + 1];
        assert!(letter.contains(&format!("{name}御中")), "{letter}");
        assert!(letter.contains("2026年12月15日"), "{letter}");
        assert!(letter.contains("088-600-1101"), "{letter}");
        assert!(form.contains(&name), "{form}");
        assert!(form.contains(&format!("ID{}", resource.id)), "{form}");
        assert!(form.contains("回答期限2026年12月15日"), "{form}");
        assert!(form.contains("FAX088-600-1101"), "{form}");
        // Services as checkboxes: the ones it has ticked.
        for service in &resource.services {
            assert!(form.contains(&format!("☑{}", service.label)), "{form}");
        }
        assert!(out.join(format!("確認票-{}.xlsx", resource.id)).is_file());
    }
    assert_eq!(common::names(&out).len(), 6);

    // The facility writes a new phone number into its sheet and mails it back.
    let first = short_stays[0];
    let sheet = out.join(format!("確認票-{}.xlsx", first.id));
    let table = zaitaku::sheet::table::read(&sheet, None).unwrap();
    let mut rows: Vec<Vec<zaitaku::sheet::export::Value>> = table
        .rows
        .iter()
        .map(|row| {
            row.cells
                .iter()
                .map(|c| zaitaku::sheet::export::Value::Text(c.text()))
                .collect()
        })
        .collect();
    let phone = rows[0].iter().position(|h| h.text() == "電話番号").unwrap();
    rows[1][phone] = zaitaku::sheet::export::Value::Text("088-608-0000".to_owned());
    let inbox = tempfile::tempdir().unwrap();
    zaitaku::sheet::export::write_xlsx(
        &inbox.path().join(format!("確認票-{}.xlsx", first.id)),
        &rows,
        &zaitaku::survey::status::layout(),
    )
    .unwrap();
    let before = common::snapshot(&site.path().join("content"));
    let output = zaitaku(
        site.path(),
        &[
            "import",
            inbox.path().to_str().unwrap(),
            "--verified",
            "2026-11-21",
            "--today",
            "2026-11-22",
            "--write",
        ],
    );
    assert!(output.status.success(), "{output:?}");
    let after = common::snapshot(&site.path().join("content"));
    let changed: Vec<&String> = before
        .keys()
        .filter(|file| before[*file] != after[*file])
        .collect();
    let file = first.file.trim_start_matches("content/");
    assert_eq!(changed, [file]);
    let text = read(site.path(), &first.file);
    assert!(text.contains("phone: 088-608-0000"), "{text}");
    assert!(text.contains("verified: 2026-11-21"), "{text}");

    // The folder holds the forms now: made again, nothing is written over.
    let before = common::snapshot(&out);
    let output = make(&["--out", out.to_str().unwrap(), "--no-letter"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("返ってきた確認票を上書きしない"),
        "{stderr}"
    );
    assert_eq!(common::snapshot(&out), before);
    // Never into content/.
    let inside = site.path().join("content/forms");
    let output = make(&["--out", inside.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(!inside.exists());
}
