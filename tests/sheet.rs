//! `zaitaku import` / `zaitaku export`: the staff's sheet (CSV in every encoding, XLSX), the
//! national open data, and the round trip that must change nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use zaitaku::sheet::export::{self, ExportArgs, ExportFormat};
use zaitaku::sheet::import::{self, Format, ImportArgs, ImportReport};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Every file under `dir` with its bytes and modification time.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (Vec<u8>, std::time::SystemTime)> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let meta = e.metadata().unwrap();
            (
                e.path().strip_prefix(dir).unwrap().to_path_buf(),
                (std::fs::read(e.path()).unwrap(), meta.modified().unwrap()),
            )
        })
        .collect()
}

fn import_args(file: &Path) -> ImportArgs {
    ImportArgs {
        file: file.to_path_buf(),
        category: None,
        write: false,
        sheet: None,
        mapping: None,
        city: None,
        hours: None,
        format: Format::Auto,
        today: Some(jiff::civil::Date::new(2026, 11, 22).unwrap()),
    }
}

fn round_trip(format: ExportFormat, name: &str) {
    let site = tempfile::tempdir().unwrap();
    copy_tree(&repo().join("content"), &site.path().join("content"));
    let before = snapshot(&site.path().join("content"));
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join(name);
    let (written, count) = export::run(
        site.path(),
        &ExportArgs {
            format,
            out: Some(file.clone()),
        },
    )
    .unwrap();
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
        snapshot(&site.path().join("content")),
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
