//! `zaitaku import` / `zaitaku export`: the staff's sheet (CSV in every encoding, XLSX), the
//! national open data, and the round trip that must change nothing.

use crate::common;

use common::{import_args, repo, snapshot_with_times};
use std::path::Path;

use zaitaku::sheet::export::ExportFormat;
use zaitaku::sheet::import::{self, ImportArgs, ImportReport};

fn round_trip(format: ExportFormat, name: &str) {
    let site = tempfile::tempdir().unwrap();
    common::copy_tree(&repo().join("content"), &site.path().join("content"));
    let before = snapshot_with_times(&site.path().join("content"));
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join(name);
    let (written, count) = common::export_to(site.path(), format, &file).unwrap();
    assert_eq!(written, file);
    let records = before
        .keys()
        .filter(|p| p.starts_with("resources") && p.extension().is_some_and(|e| e == "yaml"))
        .count();
    assert_eq!(count, records);
    let mut args = import_args(&file);
    args.write = true;
    let report: ImportReport = import::run(site.path(), &args).unwrap();
    assert!(report.new.is_empty(), "{report}");
    assert!(report.changed.is_empty(), "{report}");
    assert!(report.missing.is_empty(), "{report}");
    assert!(report.problems.is_empty(), "{report}");
    assert_eq!(report.unchanged, records, "{report}");
    assert_eq!(
        snapshot_with_times(&site.path().join("content")),
        before,
        "no file touched"
    );
}

#[test]
fn xlsx_round_trip_of_the_sample_site_changes_nothing() {
    round_trip(ExportFormat::Xlsx, "一覧.xlsx");
}

#[test]
fn csv_round_trip_of_the_sample_site_changes_nothing() {
    round_trip(ExportFormat::Csv, "一覧.csv");
}

const SHEETS: &str = "tests/fixtures/sheets";

fn today() -> jiff::civil::Date {
    jiff::civil::Date::new(2026, 11, 22).unwrap()
}

/// The fixture site in a temporary folder.
/// Compares with `tests/fixtures/sheets/expected/<name>`; `ZAITAKU_BLESS=1` writes it instead.
fn assert_expected(actual: &str, name: &str) {
    let path = repo().join(SHEETS).join("expected").join(name);
    if common::bless() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run with ZAITAKU_BLESS=1 to create it)",
            path.display()
        )
    });
    if actual != expected {
        let first = actual
            .lines()
            .zip(expected.lines())
            .position(|(a, e)| a != e)
            .unwrap_or(actual.lines().count().min(expected.lines().count()));
        panic!(
            "{} differs from the output, first at line {}:\n--- actual ---\n{actual}\n--- expected ---\n{expected}",
            path.display(),
            first + 1
        );
    }
}

fn run(site: &Path, args: &ImportArgs) -> ImportReport {
    import::run(site, args).unwrap()
}

fn errors_after(site: &Path) -> Vec<String> {
    let (_, diagnostics) = zaitaku::build::check(site, today()).unwrap();
    diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.to_string())
        .collect()
}

#[test]
fn staff_sheet_in_shift_jis_shows_new_changed_missing_and_unreadable_rows() {
    let site = common::sheets_site();
    let before = snapshot_with_times(&site.path().join("content"));
    let file = Path::new(SHEETS).join("staff-sjis.csv");
    let report = run(site.path(), &import_args(&file));
    assert_expected(&report.to_string(), "staff-sjis.txt");
    assert_eq!(report.problems.len(), 3);
    assert_eq!(
        snapshot_with_times(&site.path().join("content")),
        before,
        "nothing is written without --write"
    );

    let mut args = import_args(&file);
    args.write = true;
    let report = run(site.path(), &args);
    assert!(report.written);
    let content = site.path().join("content").join("resources");
    let new = std::fs::read_to_string(
        content
            .join("home-nursing")
            .join("sakurahoumonkangosuteshon.yaml"),
    )
    .unwrap();
    assert_expected(&new, "sakurahoumonkangosuteshon.yaml");
    // The changed record: only the phone line differs; the comments stay.
    let original = std::fs::read_to_string(
        repo()
            .join(SHEETS)
            .join("site/content/resources/clinic/takahashi-naika.yaml"),
    )
    .unwrap();
    let updated =
        std::fs::read_to_string(content.join("clinic").join("takahashi-naika.yaml")).unwrap();
    assert_eq!(
        updated,
        original.replace("phone: 088-608-4633  # 代表", "phone: 088-608-4634  # 代表")
    );
    // Untouched records keep their bytes and times.
    let after = snapshot_with_times(&site.path().join("content"));
    for (path, value) in &before {
        if !path.ends_with("takahashi-naika.yaml") {
            assert_eq!(
                after.get(path),
                Some(value),
                "{} was touched",
                path.display()
            );
        }
    }
    assert_eq!(errors_after(site.path()), Vec::<String>::new());
    // Importing the same sheet again changes nothing more.
    let again = run(site.path(), &args);
    assert!(again.new.is_empty() && again.changed.is_empty(), "{again}");
}

#[test]
fn utf8_with_bom_reads_the_same_as_shift_jis() {
    let site = common::sheets_site();
    let bytes = std::fs::read(Path::new(SHEETS).join("staff-sjis.csv")).unwrap();
    let (text, _, _) = encoding_rs::SHIFT_JIS.decode(&bytes);
    let dir = tempfile::tempdir().unwrap();
    let utf8 = dir.path().join("staff.csv");
    let mut with_bom = b"\xEF\xBB\xBF".to_vec();
    with_bom.extend_from_slice(text.as_bytes());
    std::fs::write(&utf8, with_bom).unwrap();
    let sjis = run(
        site.path(),
        &import_args(&Path::new(SHEETS).join("staff-sjis.csv")),
    );
    let bom = run(site.path(), &import_args(&utf8));
    assert_eq!(bom.format, "CSV、文字コード UTF-8（BOM 付き）");
    assert_eq!(sjis.format, "CSV、文字コード Shift_JIS（CP932）");
    let lines = |r: &ImportReport| {
        r.to_string()
            .lines()
            .skip(2)
            .map(|line| line.replace(&r.file, "FILE"))
            .collect::<Vec<_>>()
    };
    assert_eq!(lines(&sjis), lines(&bom));
}

#[test]
fn an_edited_export_rewrites_only_the_edited_field() {
    let site = common::sheets_site();
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("export.csv");
    common::export_to(site.path(), ExportFormat::Csv, &file).unwrap();
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.starts_with("\u{FEFF}ID,種別,名称,ふりがな,"), "{text}");
    let edited = text.replace("088-652-4411", "088-652-4499");
    assert_ne!(text, edited);
    std::fs::write(&file, edited).unwrap();
    let before = snapshot_with_times(&site.path().join("content"));
    let mut args = import_args(&file);
    args.write = true;
    let report = run(site.path(), &args);
    assert_eq!(report.changed.len(), 1, "{report}");
    assert_eq!(report.changed[0].changes.len(), 1, "{report}");
    assert_eq!(report.changed[0].changes[0].label, "電話番号");
    assert_eq!(report.unchanged, 4);
    let after = snapshot_with_times(&site.path().join("content"));
    for (path, value) in &before {
        let now = &after[path];
        if path.ends_with("minami-yakkyoku.yaml") {
            let old = String::from_utf8(value.0.clone()).unwrap();
            assert_eq!(
                String::from_utf8(now.0.clone()).unwrap(),
                old.replace("088-652-4411", "088-652-4499")
            );
        } else {
            assert_eq!(now, value, "{} was touched", path.display());
        }
    }
}

#[test]
fn xlsx_staff_sheet_with_title_rows_numbers_and_dates() {
    use rust_xlsxwriter::{ExcelDateTime, Format as CellFormat, Workbook};
    let site = common::sheets_site();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("訪問看護一覧.xlsx");
    let mut workbook = Workbook::new();
    let notes = workbook.add_worksheet();
    notes.set_name("説明").unwrap();
    notes
        .write_string(0, 0, "このブックは訪問看護ステーションの一覧です")
        .unwrap();
    let sheet = workbook.add_worksheet();
    sheet.set_name("一覧").unwrap();
    sheet
        .write_string(0, 0, "訪問看護ステーション一覧（2026年度）")
        .unwrap();
    let headers = [
        "施設名",
        "フリガナ",
        "所在地",
        "TEL",
        "FAX番号",
        "事業所番号",
        "確認日",
    ];
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string(2, c as u16, *h).unwrap();
    }
    let date = CellFormat::new().set_num_format("yyyy/m/d");
    // A number typed into a phone cell loses its leading 0.
    sheet
        .write_string(3, 0, "みなと訪問看護ステーション")
        .unwrap();
    sheet
        .write_string(3, 1, "ミナトホウモンカンゴステーション")
        .unwrap();
    sheet.write_string(3, 2, "徳島市沖洲一丁目1番地").unwrap();
    sheet.write_number(3, 3, 886640001.0).unwrap();
    sheet.write_string(3, 4, "088-664-0002").unwrap();
    sheet.write_number(3, 5, 3660190099.0).unwrap();
    sheet
        .write_datetime_with_format(3, 6, ExcelDateTime::from_ymd(2026, 10, 1).unwrap(), &date)
        .unwrap();
    sheet
        .write_string(4, 0, "訪問看護ステーションあおば")
        .unwrap();
    sheet
        .write_string(4, 1, "ホウモンカンゴステーションアオバ")
        .unwrap();
    sheet
        .write_string(4, 2, "徳島市南昭和町三丁目12番5号")
        .unwrap();
    sheet.write_string(4, 3, "088-606-0086").unwrap();
    sheet.write_string(4, 4, "088-606-7577").unwrap();
    sheet.write_string(4, 5, "3660190011").unwrap();
    sheet
        .write_datetime_with_format(4, 6, ExcelDateTime::from_ymd(2026, 11, 5).unwrap(), &date)
        .unwrap();
    workbook.save(&file).unwrap();

    let mut args = import_args(&file);
    args.sheet = Some("一覧".to_owned());
    args.category = Some("home-nursing".to_owned());
    let report = run(site.path(), &args);
    assert_eq!(report.format, "Excel、シート「一覧」");
    assert_eq!(report.header_row, 3);
    assert_eq!(report.unchanged, 1, "{report}");
    assert!(
        report.missing.is_empty(),
        "only home-nursing is compared: {report}"
    );
    assert_eq!(report.new.len(), 1, "{report}");
    assert_eq!(report.new[0].row, 4);
    assert_eq!(report.notices.len(), 1, "{report}");
    assert!(
        report.notices[0].message.contains("「0886640001」"),
        "{report}"
    );
    let new = &report.new[0].text;
    assert!(new.contains("phone: \"0886640001\"\n"), "{new}");
    assert!(
        new.contains("source_ids: { jigyosho: \"3660190099\" }\n"),
        "{new}"
    );
    assert!(new.contains("verified: 2026-10-01\n"), "{new}");
    assert!(new.contains("category: home-nursing\n"), "{new}");

    let mut first_sheet = import_args(&file);
    first_sheet.category = Some("home-nursing".to_owned());
    let error = import::run(site.path(), &first_sheet)
        .unwrap_err()
        .to_string();
    assert!(error.contains("見出しの行が見つかりません"), "{error}");
}

#[test]
fn the_column_mapping_can_be_configured() {
    let site = common::sheets_site();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("list.csv");
    std::fs::write(
        &file,
        "事業所,よみ,場所,代表電話,メモ欄\nみなみ薬局,みなみやっきょく,徳島市南末広町5番8号,088-652-4411,駐車場あり\n",
    )
    .unwrap();
    std::fs::write(
        site.path().join("import-mapping.yaml"),
        "columns:\n  事業所: name\n  よみ: kana\n  場所: address\n  代表電話: phone\n  メモ欄: ignore\n",
    )
    .unwrap();
    let mut args = import_args(&file);
    args.category = Some("pharmacy".to_owned());
    let report = run(site.path(), &args);
    assert_eq!(
        report.mapping.as_deref(),
        Some(site.path().join("import-mapping.yaml").to_str().unwrap())
    );
    assert_eq!(report.ignored_columns, vec!["メモ欄".to_owned()]);
    assert_eq!(report.unchanged, 1, "{report}");

    std::fs::write(
        site.path().join("import-mapping.yaml"),
        "columns:\n  事業所: namae\n",
    )
    .unwrap();
    let error = import::run(site.path(), &args).unwrap_err().to_string();
    assert!(error.contains("項目名「namae」がわかりません"), "{error}");
}

#[test]
fn kaigo_open_data_yearly_reimport_reports_changes_not_duplicates() {
    let site = common::sheets_site();
    let mut args = import_args(&Path::new(SHEETS).join("kaigo-2025.csv"));
    let report = run(site.path(), &args);
    assert_expected(&report.to_string(), "kaigo-2025.txt");
    args.write = true;
    run(site.path(), &args);
    assert_eq!(errors_after(site.path()), Vec::<String>::new());
    let sakura = std::fs::read_to_string(
        site.path()
            .join("content/resources/care-planning/kyotaku-sakura.yaml"),
    )
    .unwrap();
    assert!(
        sakura.contains("source_ids: { jigyosho: \"3670100021\" }"),
        "{sakura}"
    );

    // A year later: the same facilities are matched by 事業所番号.
    let mut next = import_args(&Path::new(SHEETS).join("kaigo-2026.csv"));
    let report = run(site.path(), &next);
    assert_expected(&report.to_string(), "kaigo-2026.txt");
    assert_eq!(report.new.len(), 1);
    assert_eq!(report.missing.len(), 1);
    next.write = true;
    run(site.path(), &next);
    next.write = false;
    let again = run(site.path(), &next);
    assert!(again.new.is_empty() && again.changed.is_empty(), "{again}");
    assert_eq!(errors_after(site.path()), Vec::<String>::new());
}

#[test]
fn navii_open_data_with_hours() {
    let site = common::sheets_site();
    let mut args = import_args(&Path::new(SHEETS).join("02-1_clinic_facility_info_20260601.csv"));
    args.hours = Some(Path::new(SHEETS).join("02-2_clinic_speciality_hours_20260601.csv"));
    let report = run(site.path(), &args);
    assert_expected(&report.to_string(), "navii.txt");
    args.write = true;
    run(site.path(), &args);
    assert_eq!(errors_after(site.path()), Vec::<String>::new());
    let takahashi = std::fs::read_to_string(
        site.path()
            .join("content/resources/clinic/takahashi-naika.yaml"),
    )
    .unwrap();
    assert!(takahashi.starts_with("# 院長に 2026-06 に電話で確認（事務 佐藤）\n"));
    assert!(
        takahashi.contains("source_ids: { navii: \"3612345000011\" }"),
        "{takahashi}"
    );
    args.write = false;
    let again = run(site.path(), &args);
    assert!(again.new.is_empty() && again.changed.is_empty(), "{again}");

    // The hours file alone is not a facility list.
    let error = import::run(site.path(), &import_args(args.hours.as_ref().unwrap()))
        .unwrap_err()
        .to_string();
    assert!(error.contains("--hours"), "{error}");
}

#[test]
fn setup_errors_are_explained() {
    let site = common::sheets_site();
    let error = import::run(site.path(), &import_args(Path::new("no-such-file.xlsx")))
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("no-such-file.xlsx が見つかりません"),
        "{error}"
    );
    let mut args = import_args(&Path::new(SHEETS).join("staff-sjis.csv"));
    args.category = Some("bakery".to_owned());
    let error = import::run(site.path(), &args).unwrap_err().to_string();
    assert!(
        error.contains("--category「bakery」は site.yaml の categories にありません"),
        "{error}"
    );
}

#[test]
fn duplicate_rows_and_unreadable_files_never_make_duplicates() {
    let site = common::sheets_site();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("list.csv");
    std::fs::write(
        &file,
        "名称,ふりがな,種別,住所\nあさひ薬局,あさひやっきょく,薬局,徳島市朝日町1番地\nあさひ薬局,あさひやっきょく,薬局,徳島市朝日町1番地\n",
    )
    .unwrap();
    let report = run(site.path(), &import_args(&file));
    assert_eq!(report.new.len(), 1, "{report}");
    assert_eq!(report.problems.len(), 1, "{report}");
    assert_eq!(report.problems[0].row, 3);
    assert!(
        report.problems[0].message.contains("2 行目と同じ"),
        "{report}"
    );

    // A record file with a mistake cannot be compared: nothing is written until it is fixed.
    std::fs::write(
        site.path().join("content/resources/pharmacy/broken.yaml"),
        "name: あさひ薬局\nadress: 徳島市朝日町1番地\n",
    )
    .unwrap();
    let mut args = import_args(&file);
    let report = run(site.path(), &args);
    assert!(
        report
            .to_string()
            .contains("注意: content/resources/pharmacy/broken.yaml は読めないため比べていません"),
        "{report}"
    );
    args.write = true;
    let error = import::run(site.path(), &args).unwrap_err().to_string();
    assert!(error.contains("書き込みを止めました"), "{error}");
    assert!(
        !site
            .path()
            .join("content/resources/pharmacy/asahiyakkyoku.yaml")
            .exists()
    );
}

/// Import and export read the record files the build reads — one walker and one schema: a
/// record saved with an upper-case extension (as some Windows tools do) is loaded by the build,
/// so import compares it instead of proposing it again, and export lists it.
#[test]
fn import_and_export_see_every_record_the_build_sees() {
    let site = common::sheets_site();
    let resources = site.path().join("content/resources");
    std::fs::rename(
        resources.join("pharmacy/minami-yakkyoku.yaml"),
        resources.join("pharmacy/minami-yakkyoku.YAML"),
    )
    .unwrap();
    assert!(errors_after(site.path()).is_empty());
    let built = zaitaku::build::check(site.path(), today()).unwrap().0;
    let built = built.expect("the site loads").resources.len();

    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("list.csv");
    let (_, exported) = common::export_to(site.path(), ExportFormat::Csv, &file).unwrap();
    assert_eq!(exported, built, "export lists every record the build loads");

    let report = run(site.path(), &import_args(&file));
    assert!(report.new.is_empty(), "{report}");
    assert!(report.changed.is_empty(), "{report}");
    assert!(report.missing.is_empty(), "{report}");
    assert_eq!(report.unchanged, built, "{report}");

    // A record the build refuses (a link leading outside content/) is not compared, and
    // nothing is written while it is there — as with a record that does not parse.
    let elsewhere = tempfile::tempdir().unwrap();
    let outside = elsewhere.path().join("outside.yaml");
    std::fs::copy(resources.join("clinic/takahashi-naika.yaml"), &outside).unwrap();
    std::os::unix::fs::symlink(&outside, resources.join("clinic/linked.yaml")).unwrap();
    let report = run(site.path(), &import_args(&file));
    assert!(
        report
            .to_string()
            .contains("content/resources/clinic/linked.yaml は読めないため比べていません"),
        "{report}"
    );
    let mut args = import_args(&file);
    args.write = true;
    let error = import::run(site.path(), &args).unwrap_err().to_string();
    assert!(error.contains("書き込みを止めました"), "{error}");
}
