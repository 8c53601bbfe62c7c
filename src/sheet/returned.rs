//! Returned 確認票 going back in: `zaitaku import FOLDER --verified [DATE]` (or one file).
//!
//! Each sheet is compared with the records like any import, and every record that came back,
//! changed or not, gets `verified` set to the date of the answer. What a returned sheet must
//! not do is refused row by row: add a facility (the form has an ID), answer for another
//! facility than the one its file was made for (`確認票-<ID>.xlsx`), or answer twice for the
//! same facility in one batch (which answer is right is the staff's call). In a folder, only
//! regular `.xlsx` / `.csv` files are read: links, folders, FIFOs and other files are listed
//! and left alone, never opened.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::Problem;
use super::import::{self, ImportArgs, ImportReport};
use crate::error::{Error, Result};
use crate::output::guard;

/// The file name `survey make` gives the sheet for facility `id`.
pub fn sheet_name(id: &str) -> String {
    format!("{PREFIX}{id}.xlsx")
}

const PREFIX: &str = "確認票-";

/// The facility a file was made for, from its name (`確認票-takahashi-naika.xlsx`; a copy
/// saved as `確認票-takahashi-naika (1).xlsx` too).
pub fn addressee(file: &Path) -> Option<String> {
    let stem = file.file_stem()?.to_str()?;
    let id = stem.strip_prefix(PREFIX)?;
    let id = id.split([' ', '(', '（']).next().unwrap_or(id);
    (!id.is_empty()).then(|| id.to_owned())
}

/// What an import of returned sheets found.
#[derive(Debug)]
pub struct Batch {
    pub reports: Vec<ImportReport>,
    /// Files not read, and why.
    pub refused: Vec<Refused>,
    pub written: bool,
}

impl Batch {
    pub fn problems(&self) -> usize {
        self.reports.iter().map(|r| r.problems.len()).sum::<usize>() + self.refused.len()
    }
}

/// A file left alone, and why.
pub type Refused = (String, String);

/// The sheets in `folder` (sorted by name), and the entries that are not read with why.
/// Hidden files and Excel's `~$` owner files are passed over silently.
pub fn files_in(folder: &Path) -> Result<(Vec<PathBuf>, Vec<Refused>)> {
    let entries =
        std::fs::read_dir(folder).map_err(|e| Error::io(folder, "フォルダを読み込み", e))?;
    let mut entries: Vec<std::fs::DirEntry> = entries
        .collect::<std::io::Result<_>>()
        .map_err(|e| Error::io(folder, "フォルダを読み込み", e))?;
    entries.sort_by_key(|e| e.file_name());
    let mut files = Vec::new();
    let mut refused = Vec::new();
    for entry in entries {
        let path = entry.path();
        let shown = path.display().to_string();
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            refused.push((
                shown,
                "名前に文字として読めないバイトがあるため、読みません。".to_owned(),
            ));
            continue;
        };
        if name.starts_with('.') || name.starts_with("~$") {
            continue;
        }
        // The entry itself, never what a link points to: nothing is opened here.
        let kind = entry
            .file_type()
            .map_err(|e| Error::io(&path, "種類を確認", e))?;
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        let why = if kind.is_symlink() {
            Some("リンク（シンボリックリンク）は読みません。ファイルそのものを置いてください。")
        } else if kind.is_dir() {
            Some("フォルダの中のフォルダは読みません。")
        } else if !kind.is_file() {
            Some("ふつうのファイルではない（名前付きパイプや装置など）ため、開かずに飛ばしました。")
        } else if !matches!(extension.as_str(), "xlsx" | "csv") {
            Some("表（.xlsx / .csv）ではないため読みません。")
        } else {
            None
        };
        match why {
            Some(why) => refused.push((shown, why.to_owned())),
            None => files.push(path),
        }
    }
    Ok((files, refused))
}

/// A changed record that another file answers for too, or that the file was not made for,
/// becomes a problem of its report (and is not written).
fn refuse_changed(report: &mut ImportReport, id: &str, message: String, hint: &str) {
    let Some(at) = report.changed.iter().position(|c| c.id == id) else {
        return;
    };
    let changed = report.changed.remove(at);
    report.problems.push(Problem {
        row: changed.row,
        name: changed.name,
        column: Some("ID".to_owned()),
        message,
        hint: Some(hint.to_owned()),
    });
    report.problems.sort_by_key(|p| p.row);
}

/// Imports returned sheets: `args.file` is a folder of them or one of them; `args.verified`
/// must be given.
pub fn run(root: &Path, args: &ImportArgs, waiting: &mut dyn FnMut(&str)) -> Result<Batch> {
    let today = args.today;
    let Some(date) = args.verified else {
        return Err(Error::Setup(format!(
            "{} はフォルダです。返ってきた確認票をまとめて取り込むときは --verified を付けてください（例: zaitaku import {} --verified 2026-12-01）。",
            args.file.display(),
            args.file.display()
        )));
    };
    if date > today {
        return Err(Error::Setup(format!(
            "--verified の日付 {date} が今日（{today}）より後です。確認票が返ってきた日を指定してください。"
        )));
    }
    let _lock = if args.write {
        Some(import::lock_content(root, waiting)?)
    } else {
        None
    };
    let site = import::load_site(root)?;
    let existing = import::load_existing(root)?;
    let (files, mut refused) = if args.file.is_dir() {
        files_in(&args.file)?
    } else {
        (vec![args.file.clone()], Vec::new())
    };
    if files.is_empty() {
        return Err(Error::Setup(format!(
            "{} に取り込める表（.xlsx / .csv）がありません。{}",
            args.file.display(),
            refused
                .iter()
                .map(|(file, why)| format!("\n  {file}: {why}"))
                .collect::<String>()
        )));
    }
    let mut reports = Vec::new();
    for file in &files {
        match import::prepare(root, args, file, &site, today, &existing) {
            Ok(mut report) => {
                if let Some(addressee) = addressee(file) {
                    let others: Vec<String> = report
                        .changed
                        .iter()
                        .filter(|c| c.id != addressee)
                        .map(|c| c.id.clone())
                        .collect();
                    for id in others {
                        refuse_changed(
                            &mut report,
                            &id,
                            format!(
                                "この表は「{addressee}」あての確認票ですが、この行は別の事業所（ID {id}）の回答です。"
                            ),
                            "あて先の事業所の確認票か、ID の欄を確かめてください。ほかの事業所の回答なら、その事業所の確認票に書き写してもらってください。",
                        );
                    }
                }
                reports.push(report);
            }
            Err(error) => refused.push((file.display().to_string(), error.to_string())),
        }
    }
    // The same facility answered in two files: neither is taken.
    let mut by_id: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (index, report) in reports.iter().enumerate() {
        for changed in &report.changed {
            by_id.entry(changed.id.clone()).or_default().push(index);
        }
    }
    for (id, indexes) in by_id.into_iter().filter(|(_, i)| i.len() > 1) {
        let files: Vec<String> = indexes.iter().map(|i| reports[*i].file.clone()).collect();
        for index in indexes {
            refuse_changed(
                &mut reports[index],
                &id,
                format!(
                    "同じ事業所（ID {id}）の回答が {} 件あります（{}）。どちらも取り込んでいません。",
                    files.len(),
                    files.join("、")
                ),
                "どの回答が正しいか確かめて、ほかのファイルをフォルダから外してから、もう一度取り込んでください。",
            );
        }
    }
    let mut batch = Batch {
        reports,
        refused,
        written: false,
    };
    if args.write {
        if let Some(report) = batch
            .reports
            .iter()
            .find(|r| !r.unreadable_files.is_empty())
        {
            return Err(import::unreadable_error(report));
        }
        // Every file is judged before the first is written.
        for report in &batch.reports {
            for changed in &report.changed {
                if let Some(target) = existing.iter().find(|e| e.id == changed.id) {
                    guard::content_file(root, &target.path)?;
                }
            }
        }
        for report in &mut batch.reports {
            import::write(root, &existing, report)?;
            report.written = true;
        }
        batch.written = true;
    }
    Ok(batch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_addressee_is_read_from_the_name() {
        assert_eq!(
            addressee(Path::new("/x/確認票-takahashi-naika.xlsx")).as_deref(),
            Some("takahashi-naika")
        );
        assert_eq!(
            addressee(Path::new("確認票-aoba (1).xlsx")).as_deref(),
            Some("aoba")
        );
        assert_eq!(addressee(Path::new("returned.xlsx")), None);
    }
}
